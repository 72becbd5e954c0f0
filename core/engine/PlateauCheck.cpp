#include "engine/PlateauCheck.h"

#include <algorithm>
#include <cmath>

namespace hpt {

ConvergenceVerdict PlateauCheck::check() {
    const double n = double(count_);
    const double mean = count_ > 0 ? sum_ / n : 0.0;
    // Standard error of the window mean from its per-batch losses (sample variance; clamped,
    // since sumSq − n·mean² may round below 0 on a constant loss).
    const double var = count_ > 1 ? std::max(0.0, (sumSq_ - n * mean * mean) / (n - 1)) : 0.0;
    averages_.push_back(mean);
    errors_.push_back(count_ > 1 ? std::sqrt(var / n) : 0.0);
    sum_ = sumSq_ = 0;
    count_ = 0;
    const size_t m = averages_.size();
    if (m < 3) {
        ConvergenceVerdict v;
        v.tau = tau_;
        v.rule = rule_;
        v.v2 = averages_.back();
        if (rule_ == PlateauRule::WithinNoise) {
            v.k = k_;
            v.se2 = errors_.back();
        }
        return v;
    }
    const double a0 = averages_[m - 3], a1 = averages_[m - 2], a2 = averages_[m - 1];
    if (rule_ == PlateauRule::WithinNoise)
        return convergenceRuleWithinNoise(a0, a1, a2, errors_[m - 3], errors_[m - 2], errors_[m - 1], tau_, k_,
                                          averages_.front(), errors_.front());
    return convergenceRule(a0, a1, a2, tau_, rule_ == PlateauRule::NonNegative);
}

void PlateauCheck::restore(std::vector<double> averages, std::vector<double> errors, double sum, double sumSq,
                           long long count) {
    averages_ = std::move(averages);
    errors_ = std::move(errors);
    if (errors_.size() > averages_.size()) errors_.erase(errors_.begin(), errors_.end() - long(averages_.size()));
    if (errors_.size() < averages_.size()) errors_.insert(errors_.begin(), averages_.size() - errors_.size(), 0.0);
    sum_ = sum;
    sumSq_ = sumSq;
    count_ = count;
}

}  // namespace hpt
