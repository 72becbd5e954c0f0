#pragma once
// Plateau check: every check_every batches the window's average training loss
// a₂ joins the two previous averages a₀, a₁; the loss has plateaued when the
// three-window rule holds with τ_loss (reference 0.1). The default rule asks
// for improvements that are small AND non-negative (a rising loss is not initial
// convergence); "literal" is the reference's rule, where a rise also counts as small.
#include "engine/ConvergenceRule.h"

#include <utility>
#include <vector>

namespace hpt {

class PlateauCheck {
public:
    explicit PlateauCheck(double tauLoss, bool nonNegative = true) : tau_(tauLoss), nonNegative_(nonNegative) {}
    double tau() const { return tau_; }
    bool nonNegative() const { return nonNegative_; }
    // Per batch, in the FULL phase (no allocation).
    void addLoss(double loss) { sum_ += loss; ++count_; }
    // At a check: closes the window and judges the last three averages.
    ConvergenceVerdict check();
    void reset() { averages_.clear(); sum_ = 0; count_ = 0; }

    // State for checkpoints: the closed windows' averages and the open window.
    const std::vector<double>& averages() const { return averages_; }
    double windowSum() const { return sum_; }
    long long windowCount() const { return count_; }
    void restore(std::vector<double> averages, double sum, long long count) {
        averages_ = std::move(averages);
        sum_ = sum;
        count_ = count;
    }

private:
    std::vector<double> averages_;
    double sum_ = 0;
    long long count_ = 0;
    double tau_;
    bool nonNegative_;
};

}  // namespace hpt
