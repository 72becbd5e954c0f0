#include "cli/BatchSummary.h"

#include <hpt/Error.h>

#include <QJsonDocument>
#include <QSaveFile>
#include <algorithm>

namespace hpt::cli {

void BatchSummary::runStarted(const RunStart& r) {
    std::lock_guard<std::mutex> lock(mutex_);
    name_ = QString::fromStdString(r.name);
    checkpointDir_ = QString::fromStdString(r.checkpointDir);
    seed_ = r.seed;
    status_ = toString(RunStatus::Running);
}

void BatchSummary::metrics(const std::vector<MetricPoint>& m) {
    std::lock_guard<std::mutex> lock(mutex_);
    // Device metrics are cumulative ("device.<role>.energy_j"); the last value is the total.
    for (const auto& p : m) {
        const QString k = QString::fromStdString(p.key);
        if (!k.startsWith("device.")) continue;
        const QStringList parts = k.split('.');
        if (parts.size() != 3) continue;  // per-phase series have more parts
        if (parts[2] == "energy_j") energy_[parts[1]] = p.value;
        else if (parts[2] == "time_s") time_[parts[1]] = p.value;
    }
}

void BatchSummary::addSegmentLocked(const QString& phase, int64_t first, int64_t last) {
    if (last < first) return;
    segments_.append(QJsonObject{{"phase", phase}, {"first", double(first)}, {"last", double(last)},
                                 {"steps", double(last - first + 1)}});
}

void BatchSummary::event(const RunEvent& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (e.type == "start") {
        startStep_ = segStart_ = e.step;
        phase_ = e.payload.value("phase").toString(phase_);
        return;
    }
    if (e.type != "phase") return;
    const QString to = e.payload.value("to").toString();
    // The step of a phase event was trained in the phase it leaves.
    addSegmentLocked(e.payload.value("from").toString(phase_), segStart_ + 1, e.step);
    segStart_ = e.step;
    if (!to.isEmpty()) phase_ = to;
    // The first entry into a phase is its switch step (a failed t-test can send DUAL back).
    if (!to.isEmpty() && !phaseSteps_.contains(to)) phaseSteps_.insert(to, double(e.step));
}

void BatchSummary::progress(const Progress& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    step_ = p.step;
}

void BatchSummary::runFinished(RunStatus st, const QJsonObject& final) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = toString(st);
    final_ = final;
    const int64_t steps = final.value("steps").toInteger(step_);
    addSegmentLocked(phase_, segStart_ + 1, steps);
    if (startStep_ > 0) {
        // Resumed: the steps before it, split where the engine says it switched.
        QJsonArray before;
        const int64_t dual = final.value("dual_step").toInteger(-1), sw = final.value("switch_step").toInteger(-1);
        int64_t first = 1;
        auto add = [&](const char* ph, int64_t last) {
            last = std::min(last, startStep_);
            if (last >= first)
                before.append(QJsonObject{{"phase", ph}, {"first", double(first)}, {"last", double(last)},
                                          {"steps", double(last - first + 1)}});
            first = std::max(first, last + 1);
        };
        add("FULL", dual >= 0 ? dual : startStep_);
        if (dual >= 0) add("DUAL", sw >= 0 ? sw : startStep_);
        if (sw >= 0) add("LORA", startStep_);
        for (const auto& s : segments_) before.append(s);
        segments_ = before;
        startStep_ = 0;
    }
}

QJsonArray BatchSummary::segments() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return segments_;
}

QJsonObject BatchSummary::toJson() const {
    std::lock_guard<std::mutex> lock(mutex_);
    QJsonObject o{{"run_name", name_}, {"status", status_}, {"steps", double(step_)}, {"seed", double(seed_)},
                  {"checkpoint_dir", checkpointDir_}, {"final", final_}, {"phase_steps", phaseSteps_},
                  {"segments", segments_}};
    // Test metrics: the engine's "test" block when present, else the numeric top-level values.
    QJsonObject metrics = final_.value("test").toObject();
    if (metrics.isEmpty())
        for (auto it = final_.begin(); it != final_.end(); ++it)
            if (it.value().isDouble()) metrics.insert(it.key(), it.value());
    o.insert("metrics", metrics);
    // Progress arrives throttled; the engine's final step count is exact.
    if (final_.value("steps").isDouble()) o.insert("steps", final_.value("steps"));
    // Switch step: the engine's own field (-1: never switched), else the step LORA was entered.
    QJsonValue sw = final_.value("switch_step");
    if (sw.isUndefined()) sw = phaseSteps_.value("LORA");
    o.insert("switch_step", sw.isUndefined() || sw.toDouble() < 0 ? QJsonValue(QJsonValue::Null) : sw);
    // Per-device totals: the engine's final "devices" block, else the last cumulative metrics.
    QJsonObject energy, time;
    const QJsonObject devices = final_.value("devices").toObject();
    if (!devices.isEmpty()) {
        for (auto it = devices.begin(); it != devices.end(); ++it) {
            energy.insert(it.key(), it.value().toObject().value("energy_j"));
            time.insert(it.key(), it.value().toObject().value("time_s"));
        }
    } else {
        for (const auto& [k, v] : energy_) energy.insert(k, v);
        for (const auto& [k, v] : time_) time.insert(k, v);
    }
    o.insert("energy_j", energy);
    o.insert("time_s", time);
    return o;
}

void writeJsonFile(const QString& path, const QJsonObject& o) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(o).toJson()) < 0 || !f.commit())
        throw configError("--summary-json", QString("cannot write '%1': %2; pass a writable path")
                                                .arg(path, f.errorString()).toStdString());
}

}  // namespace hpt::cli
