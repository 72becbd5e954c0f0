#include "id/AutoRank.h"

#include "id/ConfigKeys.h"
#include "id/UpdateSpectrum.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <algorithm>
#include <cmath>

namespace hpt {

namespace {

std::string field(const QString& key) { return "lora.auto." + key.toStdString(); }

double number(const QJsonObject& o, const QString& key, double def) {
    if (!o.contains(key)) return def;
    if (!o.value(key).isDouble()) throw configError(field(key), "must be a number");
    return o.value(key).toDouble();
}

int64_t integer(const QJsonObject& o, const QString& key, int64_t def) {
    const double v = number(o, key, double(def));
    if (v != std::floor(v)) throw configError(field(key), "must be a whole number, got " + std::to_string(v));
    return int64_t(v);
}

}  // namespace

AutoRankRule AutoRankRule::fromJson(const QJsonObject& o) {
    static const QStringList known{"energy", "reduce", "percentile", "r_min", "r_max", "power_of_two"};
    rejectUnknownKeys(o, known, "lora.auto.");
    AutoRankRule r;
    r.energy = number(o, "energy", r.energy);
    if (!(r.energy > 0 && r.energy <= 1))
        throw configError(field("energy"), "energy share must lie in (0, 1], got " + std::to_string(r.energy));
    if (o.contains("reduce")) {
        r.reduce = o.value("reduce").toString();
        if (r.reduce != "max" && r.reduce != "percentile")
            throw configError(field("reduce"), "must be \"max\" or \"percentile\", got \"" +
                                                   o.value("reduce").toVariant().toString().toStdString() + "\"");
    }
    r.percentile = number(o, "percentile", r.percentile);
    if (!(r.percentile >= 0 && r.percentile <= 100))
        throw configError(field("percentile"), "must lie in [0, 100], got " + std::to_string(r.percentile));
    r.rMin = integer(o, "r_min", r.rMin);
    r.rMax = integer(o, "r_max", r.rMax);
    if (r.rMin < 1) throw configError(field("r_min"), "must be ≥ 1, got " + std::to_string(r.rMin));
    if (r.rMax < r.rMin)
        throw configError(field("r_max"), "must be ≥ r_min (" + std::to_string(r.rMin) + "), got " +
                                              std::to_string(r.rMax));
    if (o.contains("power_of_two")) {
        if (!o.value("power_of_two").isBool()) throw configError(field("power_of_two"), "must be true or false");
        r.powerOfTwo = o.value("power_of_two").toBool();
    }
    return r;
}

QJsonObject AutoRankResult::toJson() const {
    QJsonObject per;
    for (const auto& [k, v] : perTarget) per.insert(QString::fromStdString(k), double(v));
    return {{"rank", double(rank)}, {"reduced_id", reducedId}, {"per_target", per}};
}

AutoRankResult chooseRank(const std::map<std::string, torch::Tensor>& deltaW, const AutoRankRule& rule) {
    if (deltaW.empty())
        throw configError("lora.targets", "rank \"auto\" found no target matrices (check the target patterns)");
    AutoRankResult out;
    std::vector<double> ids;
    for (const auto& [name, dw] : deltaW) {
        const int64_t id = spectrumId(dw, rule.energy).id;
        out.perTarget[name] = id;
        ids.push_back(double(id));
    }
    std::sort(ids.begin(), ids.end());
    if (rule.reduce == "percentile") {
        // Linear interpolation between order statistics (NumPy's default "linear" method).
        const double pos = rule.percentile / 100.0 * double(ids.size() - 1);
        const size_t lo = size_t(std::floor(pos)), hi = std::min(lo + 1, ids.size() - 1);
        out.reducedId = ids[lo] + (pos - double(lo)) * (ids[hi] - ids[lo]);
    } else {
        out.reducedId = ids.back();
    }
    int64_t r = std::max<int64_t>(1, int64_t(std::ceil(out.reducedId - 1e-9)));
    if (rule.powerOfTwo) {
        int64_t p = 1;
        while (p < r) p <<= 1;
        r = p;
    }
    out.rank = std::clamp(r, rule.rMin, rule.rMax);
    return out;
}

}  // namespace hpt
