#include "engine/LrSchedule.h"

#include <algorithm>
#include <cmath>

namespace hpt {

LrSchedule LrSchedule::fromJson(const QJsonObject& t, int64_t totalSteps) {
    LrSchedule s;
    s.kind = t.value("lr_schedule").toString("step");
    s.lr = t.value("lr").toDouble(1e-4);
    s.lrMin = t.value("lr_min").toDouble(0);
    s.gamma = t.value("lr_gamma").toDouble(0.6);
    s.stepEpochs = t.value("lr_step_epochs").toInt(3);
    s.warmupSteps = t.value("warmup_steps").toInteger(0);
    s.totalSteps = std::max<int64_t>(1, totalSteps);
    return s;
}

double LrSchedule::at(int64_t step, int epoch) const {
    if (warmupSteps > 0 && step <= warmupSteps) return lr * double(step) / double(warmupSteps);
    if (kind == "cosine") {
        const int64_t span = std::max<int64_t>(1, totalSteps - warmupSteps);
        const double progress = std::clamp(double(step - warmupSteps - 1) / double(span), 0.0, 1.0);
        return lrMin + 0.5 * (lr - lrMin) * (1.0 + std::cos(M_PI * progress));
    }
    if (kind == "constant") return lr;
    return stepEpochs > 0 ? lr * std::pow(gamma, double(epoch / stepEpochs)) : lr;
}

}  // namespace hpt
