#pragma once
// Pruning in sweeps: at chosen steps a run reports a metric (lower is better) to a ledger its
// sweep shares, and stops early when it looks worse than the others did at that step:
//   median  (median stopping rule): worse than the median of the other runs at that step, once at
//           least min_runs others have reported there;
//   asha    (asynchronous successive halving): not within the best 1/reduction of all runs that
//           reached that step (rungs = the chosen steps), as Optuna's SuccessiveHalvingPruner.
// The decision is an event ("pruned", with the numbers behind it) and the run's status "pruned".
#include "engine/RunSink.h"

#include <QCommandLineParser>
#include <QJsonObject>
#include <QString>
#include <atomic>
#include <functional>
#include <vector>

namespace hpt::cli {

struct PruningOptions {
    QString method;  // "" (off), "median" or "asha"
    QString metric = "loss.full";
    std::vector<int64_t> steps;  // ascending
    int minRuns = 3;             // median: other runs needed at a step before it prunes
    int reduction = 3;           // asha: keep the best 1/reduction at each rung
    QString ledger;              // JSON Lines file shared by the sweep's runs
    QString run;                 // this run's name in the ledger
};

void addPruningOptions(QCommandLineParser& p);
// Reads and checks --prune* (config errors name the option); method "" when --prune is absent.
PruningOptions pruningOptions(const QCommandLineParser& p);
// Same as the command line, for child processes and cluster tasks.
QStringList pruningArguments(const QCommandLineParser& p);

// The rules themselves: `others` are the other runs' values at this step.
bool medianPrunes(double value, std::vector<double> others, int minRuns);
bool ashaPrunes(double value, std::vector<double> others, int reduction);

class PruningSink : public RunSink {
public:
    // `record` receives the "pruned" event (the store); `stop` asks the trainer to stop.
    PruningSink(PruningOptions o, RunSink& record, std::function<void()> stop);
    void metrics(const std::vector<MetricPoint>& m) override;
    bool pruned() const { return pruned_; }
    QJsonObject decision() const { return decision_; }

private:
    void atRung(int64_t rung, int64_t step, double value, double wall);
    PruningOptions o_;
    RunSink& record_;
    std::function<void()> stop_;
    size_t next_ = 0;  // index of the next rung in o_.steps
    std::atomic<bool> pruned_{false};
    QJsonObject decision_;
};

}  // namespace hpt::cli
