#pragma once
// What a headless run shows while it trains: a progress line (step/total,
// epoch, phase, loss, ETA) and one human-readable line per engine event.
// On a terminal the progress is a live bar redrawn in place; when the output
// is piped (logs, Slurm) it is plain lines, at most one per `plainEverySeconds`
// plus the first, every epoch change and the last, so log files stay short.
#include "engine/RunSink.h"

#include <QString>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace hpt::cli {

// One line for an engine event, e.g. "step 730 (epoch 2): phase FULL → DUAL".
QString formatEvent(const RunEvent& e);
// "1h02m", "3m12s", "45s"; "?" for unknown.
QString formatDuration(double seconds);

class BatchPrinter : public RunSink {
public:
    BatchPrinter(std::FILE* out, bool live, double plainEverySeconds = 10.0);
    // true when `f` is a terminal and TERM is not "dumb".
    static bool isTerminal(std::FILE* f);

    void runStarted(const RunStart& r) override;
    void event(const RunEvent& e) override;
    void progress(const Progress& p) override;
    void runFinished(RunStatus st, const QJsonObject& final) override;

    // Prints a line above the live bar (or plainly).
    void line(const QString& text);

private:
    QString progressText(const Progress& p, bool bar) const;
    void redrawLocked();
    void clearLocked();

    std::FILE* out_;
    bool live_;
    double plainEvery_;
    std::mutex mutex_;
    Progress last_;
    bool haveProgress_ = false, barShown_ = false;
    int lastEpoch_ = -1;
    std::chrono::steady_clock::time_point lastDraw_{}, lastPlain_{};
};

}  // namespace hpt::cli
