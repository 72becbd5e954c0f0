#pragma once
// `--events-jsonl FILE|-`: the run as JSON Lines, one object per line and flushed at once, so
// another tool can follow a run with `tail -f` or a pipe. Every line has "kind" (run_started,
// event, progress, metrics, run_finished) and a wall time; an event line carries the engine's
// event type and payload exactly as the store keeps them. Schema: resources/docs/batch.md.
#include "engine/RunSink.h"

#include <QString>
#include <cstdio>
#include <mutex>

namespace hpt::cli {

class EventStream : public RunSink {
public:
    // "-" is standard output: the caller moves its human-readable output to stderr first
    // (reserveStdoutForEvents), so the stream stays parseable. Throws a config error naming
    // the file when it cannot be opened.
    explicit EventStream(const QString& target);
    ~EventStream() override;
    EventStream(const EventStream&) = delete;
    EventStream& operator=(const EventStream&) = delete;

    void runStarted(const RunStart& r) override;
    void metrics(const std::vector<MetricPoint>& m) override;
    void event(const RunEvent& e) override;
    void progress(const Progress& p) override;
    void runFinished(RunStatus st, const QJsonObject& final) override;

    // Keeps the real stdout for the stream and points fd 1 at stderr, so every other printf in
    // the command lands on stderr. Call before anything is printed.
    static void reserveStdoutForEvents();

private:
    void write(const QJsonObject& line);
    std::mutex m_;
    FILE* f_ = nullptr;
    bool own_ = false;
};

}  // namespace hpt::cli
