#pragma once
// Plateau check: every check_every batches the window's average training loss
// a₂ joins the two previous averages a₀, a₁; the loss has plateaued when the
// three-window rule holds with τ_loss (reference 0.1). How the rule is read is
// switching.plateau_rule (engine/ConvergenceRule.h): by default, "within_noise",
// a rise or a speed-up of the loss counts only when the windows resolve it, i.e.
// beyond k standard errors of the window means (k = switching.plateau_se), which
// each window estimates from its own per-batch losses, and the loss must have fallen
// below the run's first window; "nonnegative" judges the means alone; "literal" is
// the reference's rule, where a rise also counts as small.
#include "engine/ConvergenceRule.h"

#include <utility>
#include <vector>

namespace hpt {

class PlateauCheck {
public:
    explicit PlateauCheck(double tauLoss, PlateauRule rule = PlateauRule::WithinNoise, double k = 2.0)
        : tau_(tauLoss), k_(k), rule_(rule) {}
    double tau() const { return tau_; }
    double k() const { return k_; }
    PlateauRule rule() const { return rule_; }
    // Per batch, in the FULL phase (no allocation).
    void addLoss(double loss) { sum_ += loss; sumSq_ += loss * loss; ++count_; }
    // At a check: closes the window and judges the last three averages.
    ConvergenceVerdict check();
    void reset() { averages_.clear(); errors_.clear(); sum_ = sumSq_ = 0; count_ = 0; }

    // State for checkpoints: the closed windows' averages and their standard errors, and the
    // open window's sums. `errors` shorter than `averages` (a checkpoint written before the
    // errors were kept) is padded with 0 at the front: those windows count as noiseless.
    const std::vector<double>& averages() const { return averages_; }
    const std::vector<double>& standardErrors() const { return errors_; }
    double windowSum() const { return sum_; }
    double windowSumSq() const { return sumSq_; }
    long long windowCount() const { return count_; }
    void restore(std::vector<double> averages, std::vector<double> errors, double sum, double sumSq, long long count);

private:
    std::vector<double> averages_, errors_;
    double sum_ = 0, sumSq_ = 0;
    long long count_ = 0;
    double tau_, k_;
    PlateauRule rule_;
};

}  // namespace hpt
