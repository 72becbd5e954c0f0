#include "engine/PlateauCheck.h"

namespace hpt {

ConvergenceVerdict PlateauCheck::check() {
    averages_.push_back(count_ > 0 ? sum_ / double(count_) : 0.0);
    sum_ = 0;
    count_ = 0;
    const size_t n = averages_.size();
    if (n < 3) {
        ConvergenceVerdict v;
        v.tau = tau_;
        v.nonNegative = nonNegative_;
        v.v2 = averages_.back();
        return v;
    }
    return convergenceRule(averages_[n - 3], averages_[n - 2], averages_[n - 1], tau_, nonNegative_);
}

}  // namespace hpt
