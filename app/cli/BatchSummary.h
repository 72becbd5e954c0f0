#pragma once
// The record behind `--summary-json FILE`: a RunSink that keeps what a script
// needs after a headless run (run id, status, final metrics, switch steps,
// per-device energy) without reading the store back.
#include "engine/RunSink.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <map>
#include <mutex>

namespace hpt::cli {

class BatchSummary : public RunSink {
public:
    void runStarted(const RunStart& r) override;
    void metrics(const std::vector<MetricPoint>& m) override;
    void event(const RunEvent& e) override;
    void progress(const Progress& p) override;
    void runFinished(RunStatus st, const QJsonObject& final) override;

    // Keys: run_name, status, steps, final (as the engine reported it),
    // metrics (test metrics), switch_step, phase_steps {"DUAL": s, "LORA": s},
    // energy_j {role: J}, time_s {role: s}, checkpoint_dir, seed, segments. The
    // caller adds run_id, store, exit_code, experiment, result.
    QJsonObject toJson() const;
    // The run's stretches of steps per phase, in order (1-based, inclusive):
    // [{"phase": "FULL", "first": 1, "last": 440, "steps": 440}, …]. Complete once
    // runFinished has been called; steps before a resume are split at the
    // engine's dual_step / switch_step.
    QJsonArray segments() const;

private:
    mutable std::mutex mutex_;
    QString name_, checkpointDir_;
    int64_t seed_ = 0, step_ = 0;
    int64_t startStep_ = 0, segStart_ = 0;  // step the engine (re)started at; last phase boundary
    QString phase_ = "FULL";
    QJsonArray segments_;
    void addSegmentLocked(const QString& phase, int64_t first, int64_t last);
    QString status_ = "not started";
    QJsonObject final_, phaseSteps_;
    std::map<QString, double> energy_, time_;
};

// Writes `o` to `path` atomically (temp file + rename). Throws hpt::Error
// (Config, where = "--summary-json") when the file cannot be written.
void writeJsonFile(const QString& path, const QJsonObject& o);

}  // namespace hpt::cli
