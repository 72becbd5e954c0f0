#pragma once
// The mapping: which device role ("gpu", "systolic", "reram") runs each traced
// operation, per phase. Presets follow the paper:
//  gpu-only    everything on the GPU (the baseline);
//  hpt         FULL and DUAL on the GPU; in LORA, GEMMs with a frozen weight on
//              ReRAM crossbars (programmed once at the switch), adapter and
//              trainable GEMMs, their gradients, the attention products and the
//              vector work (elementwise, normalisation, softmax, optimizer) on
//              the systolic tier;
//  reram-naive every weight GEMM (frozen or not, adapters included) on ReRAM in
//              every phase, so each optimizer step rewrites the trainable cells.
// A rule key is "<PHASE>.<op>[.frozen|.trainable]" where PHASE is FULL, DUAL,
// LORA or "*", and op is an OpKind name (weight_gemm, adapter_gemm, ...) or
// "weight_gradient" (the backward-weight pass of a weight or adapter GEMM: both
// operands are activations, so it cannot run on ReRAM). More specific keys win.
//
// Beyond placement a mapping says how the hardware is run (docs/devices.md):
//  "power":   {"LORA.gpu": "idle", "*.systolic": "off"}: per phase and role,
//             "on" (powered), "idle" (powered, runs nothing), "off" (costs
//             nothing; sending ops to it is an error) or "auto" (the default:
//             powered exactly when the phase runs ops on it);
//  "overlap": true when the tiers of a step run concurrently: the step takes
//             its critical path (the slowest role), not the sum;
//  "capacity_policy": what to do when stored weights need more storage units
//             (crossbars) than a chip has: "chips" (price more chips, with
//             their static power) or "reprogram" (one chip, rewriting the
//             weights that do not fit in every pass of every step).
#include "engine/Phase.h"

#include <hpt/Trace.h>

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <array>

namespace hpt {

class Mapping {
public:
    Mapping();  // the "hpt" preset

    static QStringList presetNames();        // gpu-only, hpt, reram-naive
    static QStringList roles();              // gpu, systolic, reram: the one list of device roles
    static QStringList opNames();            // the op part of a rule key
    // Throws hpt::Error(Config, "mapping.preset") naming the presets.
    static Mapping preset(const QString& name);
    // {"preset": "hpt", "overrides": {"LORA.attention_score": "gpu", ...}};
    // throws hpt::Error(Config) naming the offending field.
    static Mapping fromJson(const QJsonObject& mappingConfig);

    // Sets one rule (validated like an override; `field` names it in errors).
    void set(const QString& key, const QString& role, const QString& field = QString());

    // The role that runs `op`; "" for a backward-weight op of a frozen weight
    // (it must not exist, so it is priced nowhere).
    QString deviceFor(const Op& op, Phase phase) const;
    QString presetName() const { return preset_; }
    // Power state of a role in a phase: "on", "idle", "off" or "auto".
    QString power(Phase phase, const QString& role) const;
    bool overlap() const { return overlap_; }
    QString capacityPolicy() const { return capacityPolicy_; }
    void setOverlap(bool on) { overlap_ = on; }
    // {"preset": .., "overrides": {..}, "power": {..}, "overlap": .., "capacity_policy": ..,
    //  "table": {"FULL": {"weight_gemm.frozen": "gpu", ...}, ...}}
    QJsonObject toJson() const;

private:
    explicit Mapping(int) {}  // empty table; presets fill it
    static constexpr int kOps = 9;  // 8 OpKinds + weight_gradient
    static int opIndex(const Op& op);
    // table_[phase][op][frozen]
    std::array<std::array<std::array<QString, 2>, kOps>, 3> table_;
    QString preset_;
    QJsonObject overrides_;
    std::array<std::array<QString, 3>, 3> power_;  // [phase][role]; empty = auto
    QJsonObject powerJson_;
    bool overlap_ = false;
    QString capacityPolicy_ = "chips";
};

}  // namespace hpt
