#pragma once
// The switching policy: which phase trains, when the checks run, and what a
// t-test decides.
//   FULL --(plateau check ∧ weight-distance check hold at one check)--> DUAL
//   DUAL --(t-test on the last ttest_window loss pairs: no significant
//           difference)--> LORA; a significant difference rebuilds Θ′ from Θ
//           and DUAL goes on, or — after max_dual_attempts failed t-tests —
//           training stays FULL for good.
// Modes "full" and "lora" are the paper's two baselines: never switch / LoRA
// from the first step.
#include "engine/ConvergenceRule.h"
#include "engine/Phase.h"
#include "engine/RunOptions.h"

#include <QJsonObject>
#include <cstdint>
#include <vector>

namespace hpt {

struct TTestResult;

enum class SwitchAction { None, EnterDual, EnterLora, RebuildAdapters, GiveUpDual };
const char* toString(SwitchAction a);

class PhaseController {
public:
    explicit PhaseController(const SwitchingOptions& o);

    Phase phase() const { return phase_; }
    const SwitchingOptions& options() const { return opt_; }

    // A plateau / weight-distance check is due after `step` (1-based) batches.
    bool checkDue(int64_t step) const;
    // Both verdicts of one check → EnterDual or None.
    SwitchAction onCheck(const ConvergenceVerdict& plateau, const ConvergenceVerdict& weight);

    // Per DUAL batch (no allocation: windows are reserved). True when the
    // t-test window is full.
    bool addDualLosses(double lossFull, double lossLora);
    const std::vector<double>& windowFull() const { return full_; }
    const std::vector<double>& windowLora() const { return lora_; }
    // The t-test's verdict → EnterLora, RebuildAdapters or GiveUpDual; clears the windows.
    SwitchAction onTTest(const TTestResult& r);

    int dualAttempts() const { return attempts_; }
    bool gaveUp() const { return gaveUp_; }

    QJsonObject state() const;           // for checkpoints
    void restore(const QJsonObject& s);  // inverse of state()

private:
    SwitchingOptions opt_;
    Phase phase_ = Phase::Full;
    int attempts_ = 0;
    bool gaveUp_ = false;
    std::vector<double> full_, lora_;
};

}  // namespace hpt
