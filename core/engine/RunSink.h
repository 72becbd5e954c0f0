#pragma once
// How a run reports: the engine calls a RunSink; the GUI, the SQLite store
// and the batch printer each implement one (FanOutSink sends to several).
// Calls come from the engine's worker thread: implementations must not block
// (the store queues rows for its writer thread; the GUI posts to its thread).
#include <hpt/Error.h>

#include <QJsonObject>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hpt {

struct MetricPoint {
    int64_t step = 0;
    std::string key;   // e.g. "loss.full", "loss.lora", "lr", "id.twonn", "device.reram.energy_j"
    double value = 0;
    double wallTime = 0;  // seconds since the run started
};

struct RunEvent {
    int64_t step = 0;
    int epoch = 0;        // 1-based, as in Progress (runs stored before 2026-12-07 counted from 0)
    std::string type;     // "phase", "plateau_check", "weight_check", "ttest", "adapter", "lr", "checkpoint", "error", ...
    QJsonObject payload;  // values behind the event (t, p, df, verdict, ...)
    double wallTime = 0;
};

struct Progress {
    int64_t step = 0, totalSteps = 0;
    int epoch = 0, epochs = 0;  // epoch is 1-based
    std::string phase;  // "FULL", "DUAL", "LORA"
    double loss = 0;
    double etaSeconds = 0;
};

// Identity of a run, written once when it starts.
struct RunStart {
    std::string name;
    QJsonObject config;   // fully resolved experiment configuration
    QJsonObject plugins;  // {"model": {"name":..,"version":..}, "dataset": ..., "devices": ...}
    QJsonObject dataset;  // DatasetInfo as JSON (path, sha256, synthetic, ...)
    QJsonObject runtime;  // RuntimeInfo::toJson() + torch device used
    int64_t seed = 0;
    std::string checkpointDir;
    std::string uuid;  // the run's uuid (the store makes one when empty)
};

enum class RunStatus { Running, Finished, Stopped, Failed, Interrupted };
const char* toString(RunStatus s);

class RunSink {
public:
    virtual ~RunSink() = default;
    virtual void runStarted(const RunStart&) {}
    virtual void metrics(const std::vector<MetricPoint>&) {}
    virtual void event(const RunEvent&) {}
    virtual void progress(const Progress&) {}
    // final: test metrics, baselines, per-device totals, switch step.
    virtual void runFinished(RunStatus, const QJsonObject& final) { (void)final; }
    // Blocks until everything sent so far is durable. The engine calls it before writing a
    // checkpoint, so a checkpoint is never ahead of the stored record: a run killed after it
    // and resumed from it has every earlier row stored.
    virtual void sync() {}
    // Set once the sink can no longer record the run (store folder read-only, disk full):
    // the engine checks it after every step and stops the run with this error rather than
    // train on unrecorded. Thread-safe.
    virtual std::optional<Error> failure() const { return std::nullopt; }
};

class FanOutSink : public RunSink {
public:
    void add(RunSink* s) { sinks_.push_back(s); }
    void runStarted(const RunStart& r) override { for (auto* s : sinks_) s->runStarted(r); }
    void metrics(const std::vector<MetricPoint>& m) override { for (auto* s : sinks_) s->metrics(m); }
    void event(const RunEvent& e) override { for (auto* s : sinks_) s->event(e); }
    void progress(const Progress& p) override { for (auto* s : sinks_) s->progress(p); }
    void runFinished(RunStatus st, const QJsonObject& f) override { for (auto* s : sinks_) s->runFinished(st, f); }
    void sync() override { for (auto* s : sinks_) s->sync(); }
    std::optional<Error> failure() const override {
        for (auto* s : sinks_)
            if (auto e = s->failure()) return e;
        return std::nullopt;
    }

private:
    std::vector<RunSink*> sinks_;
};

}  // namespace hpt
