#pragma once
// lora.rank = "auto": choose the LoRA rank r from the update-spectrum ID of each
// target matrix's ΔW. Rule (statistics.md): reduce the per-target IDs (max, or
// the given percentile), round up to a power of two (optional), clamp to
// [r_min, r_max].
#include <torch/torch.h>

#include <QJsonObject>
#include <QString>
#include <cstdint>
#include <map>
#include <string>

namespace hpt {

struct AutoRankRule {
    QString reduce = "max";  // or "percentile"
    double percentile = 90;  // in [0, 100], linear interpolation between order statistics
    int64_t rMin = 2, rMax = 64;
    bool powerOfTwo = true;
    double energy = 0.9;     // σ² share for the spectrum ID
    // Reads the experiment's lora.auto block ({"energy","reduce","percentile","r_min",
    // "r_max","power_of_two"}); missing keys keep defaults; bad values throw
    // hpt::Error (Config) naming lora.auto.<key>.
    static AutoRankRule fromJson(const QJsonObject& loraAuto);
};

struct AutoRankResult {
    int64_t rank = 0;
    double reducedId = 0;  // max or percentile of the per-target IDs, before rounding/clamping
    std::map<std::string, int64_t> perTarget;
    QJsonObject toJson() const;  // {"rank","reduced_id","per_target":{...}}
};

// Throws hpt::Error (Config) for an empty map.
AutoRankResult chooseRank(const std::map<std::string, torch::Tensor>& deltaW, const AutoRankRule& rule);

}  // namespace hpt
