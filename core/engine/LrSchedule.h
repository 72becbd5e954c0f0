#pragma once
// The learning rate of every step (training.lr_schedule):
//   "step"     the reference's StepLR: lr · γ^⌊epoch / lr_step_epochs⌋ (per epoch);
//   "cosine"   linear warm-up over warmup_steps, then a half cosine from lr down to
//              lr_min at the last step of the run (per step);
//   "constant" lr throughout (after the warm-up, if any).
// Short runs on a CPU need the decay tied to the run's length, not to epochs of
// a dataset they never finish: that is what "cosine" is for.
#include <QJsonObject>
#include <QString>
#include <cstdint>

namespace hpt {

struct LrSchedule {
    QString kind = "step";
    double lr = 1e-4, lrMin = 0, gamma = 0.6;
    int stepEpochs = 3;
    int64_t warmupSteps = 0, totalSteps = 1;

    // From the resolved training block; totalSteps is the run's length in steps.
    static LrSchedule fromJson(const QJsonObject& training, int64_t totalSteps);
    // Rate for the step about to run (1-based `step`) in 0-based `epoch`.
    double at(int64_t step, int epoch) const;
    // True when the rate changes within an epoch (reported as a metric, not as events).
    bool perStep() const { return kind != "step" || warmupSteps > 0; }
};

}  // namespace hpt
