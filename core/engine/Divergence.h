#pragma once
// The divergence policy (resources/docs/engine.md, divergence.*): a step diverges when
// its loss is NaN/Inf or its global gradient norm exceeds divergence.max_grad_norm
// (a NaN norm counts too). Then the run stops (Diverged, exit 5), or with policy
// "rollback" goes back to its last checkpoint with the learning rate scaled by
// lr_factor, at most max_rollbacks times. This object decides and words it; the
// trainer restores the checkpoint.
#include "engine/Phase.h"
#include "engine/RunOptions.h"

#include <hpt/Error.h>

#include <QJsonObject>
#include <QString>
#include <cmath>
#include <cstdint>

namespace hpt {

struct StepResult {
    double loss = NAN;
    double gradNorm = 0;  // global L2 norm of the gradient; 0 when nothing asked for it
};

class Divergence {
public:
    explicit Divergence(const DivergenceOptions& o = {}) : o_(o) {}

    // The gradient norm is needed (max_grad_norm is on).
    bool watchesGradNorm() const { return o_.maxGradNorm > 0; }
    // Why `r` counts as diverged, "" when it does not.
    QString why(const StepResult& r) const;
    // The policy rolls this divergence back (else the run stops).
    bool rollsBack() const { return o_.policy == "rollback" && rollbacks_ < o_.maxRollbacks; }

    // The "diverged" event of the `which` ("full" or "LoRA") loss.
    QJsonObject divergedEvent(const char* which, const QString& why, const StepResult& r, Phase phase,
                              const QString& checkpointDir) const;
    // The error a stopping run fails with, naming step, phase and how to go on.
    Error stopError(const char* which, const QString& why, int64_t step, int epoch, Phase phase,
                    const QString& checkpointDir) const;
    // A rollback happened: counts it and scales the learning rate down.
    void rolledBack() {
        ++rollbacks_;
        lrScale_ *= o_.lrFactor;
    }
    // The "rollback" event.
    QJsonObject rollbackEvent(int64_t fromStep, int64_t toStep, const QString& checkpoint, const char* which,
                              const QString& why, double lrFrom, double lrTo, Phase phase) const;

    double lrScale() const { return lrScale_; }
    int rollbacks() const { return rollbacks_; }
    // Checkpoint keys (format 1): "lr_scale", "rollbacks".
    QJsonObject state() const { return {{"lr_scale", lrScale_}, {"rollbacks", rollbacks_}}; }
    void restore(const QJsonObject& s) {
        lrScale_ = s.value("lr_scale").toDouble(1);
        rollbacks_ = s.value("rollbacks").toInt(0);
    }

private:
    DivergenceOptions o_;
    double lrScale_ = 1;
    int rollbacks_ = 0;
};

}  // namespace hpt
