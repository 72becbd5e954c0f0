#include "gui/LiveSink.h"

namespace hpt::gui {

void LiveSink::runStarted(const RunStart& r) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.started = r;
}

void LiveSink::metrics(const std::vector<MetricPoint>& m) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.metrics.insert(pending_.metrics.end(), m.begin(), m.end());
}

void LiveSink::event(const RunEvent& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.events.push_back(e);
}

void LiveSink::progress(const Progress& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.progress = p;
}

void LiveSink::runFinished(RunStatus s, const QJsonObject& final) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.finished = std::make_pair(s, final);
}

LiveBatch LiveSink::drain() {
    std::lock_guard<std::mutex> lock(mutex_);
    LiveBatch out = std::move(pending_);
    pending_ = LiveBatch{};
    return out;
}

}  // namespace hpt::gui
