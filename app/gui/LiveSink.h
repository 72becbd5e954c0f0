#pragma once
// The live view's RunSink. The engine calls it on its worker thread; it only
// appends to queues under a mutex (never blocks on the GUI), and the GUI
// thread takes everything at once in drain() from a ~10 Hz timer.
#include "engine/RunSink.h"

#include <QJsonObject>
#include <mutex>
#include <optional>
#include <vector>

namespace hpt::gui {

struct LiveBatch {
    std::optional<RunStart> started;
    std::vector<MetricPoint> metrics;
    std::vector<RunEvent> events;
    std::optional<Progress> progress;  // the newest only
    std::optional<std::pair<RunStatus, QJsonObject>> finished;
    bool empty() const { return !started && metrics.empty() && events.empty() && !progress && !finished; }
};

class LiveSink : public RunSink {
public:
    void runStarted(const RunStart& r) override;
    void metrics(const std::vector<MetricPoint>& m) override;
    void event(const RunEvent& e) override;
    void progress(const Progress& p) override;
    void runFinished(RunStatus s, const QJsonObject& final) override;
    // GUI thread: everything queued since the last call.
    LiveBatch drain();

private:
    std::mutex mutex_;
    LiveBatch pending_;
};

}  // namespace hpt::gui
