#pragma once
// What a headless run shows while it trains: a progress line (step/total,
// epoch, phase, loss, validation loss when the run reports one, it/s, ETA)
// and one line per event a person needs: phase changes, t-test verdicts,
// adapters, learning-rate steps, errors. The per-check details (plateau and
// weight-distance checks, checkpoints) are printed only when `verbose`
// (--log-level info or lower); the store keeps them always.
// On a terminal the progress is a live bar redrawn in place; when the output
// is piped (logs, Slurm) it is plain lines, at most one per `plainEverySeconds`
// plus the first, every epoch change and the last, so log files stay short.
#include "engine/RunSink.h"

#include <QString>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

namespace hpt::cli {

// One line for an engine event, e.g. "step 730 (epoch 2): phase FULL → DUAL".
QString formatEvent(const RunEvent& e);
// "1h02m", "3m12s", "45s"; "?" for unknown.
QString formatDuration(double seconds);

class BatchPrinter : public RunSink {
public:
    BatchPrinter(std::FILE* out, bool live, double plainEverySeconds = 10.0, bool verbose = false);
    // true when `f` is a terminal and TERM is not "dumb".
    static bool isTerminal(std::FILE* f);

    void runStarted(const RunStart& r) override;
    void metrics(const std::vector<MetricPoint>& m) override;
    void event(const RunEvent& e) override;
    void progress(const Progress& p) override;
    void runFinished(RunStatus st, const QJsonObject& final) override;

    // Plain output only: stretch the interval between progress lines so a whole run prints about `n`
    // of them (never more often than plainEverySeconds); 0 = every plainEverySeconds however long.
    void spreadPlainLines(int n) { spread_ = n; }
    // Prints a line above the live bar (or plainly).
    void line(const QString& text);
    // Events printed without `verbose`: phase, ttest, adapter, auto_rank, lr, diverged, rollback, resume, error, ….
    static bool shownByDefault(const std::string& type);

private:
    QString progressText(const Progress& p, bool bar, double itPerSec) const;
    double rateLocked(const Progress& p) const;
    void redrawLocked();
    void clearLocked();

    std::FILE* out_;
    bool live_;
    double plainEvery_;
    bool verbose_;
    int spread_ = 0;
    double valLoss_ = std::nan("");
    int64_t rateStep0_ = -1;  // steps per second since the first progress report
    std::chrono::steady_clock::time_point rateT0_{};
    std::mutex mutex_;
    Progress last_;
    bool haveProgress_ = false, barShown_ = false;
    int lastEpoch_ = -1;
    std::chrono::steady_clock::time_point lastDraw_{}, lastPlain_{};
};

}  // namespace hpt::cli
