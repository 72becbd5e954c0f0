#pragma once
// Everything the charts draw for one run, in one place: metric series by key,
// events, and the phase spans derived from "phase" events. The live view fills
// it from a RunSink, the run browser / compare / headless export fill it from
// the store; the same drawing code (Charts.h) then serves all of them.
#include "engine/RunSink.h"

#include <QJsonObject>
#include <QString>
#include <QVector>
#include <map>
#include <string>
#include <vector>

namespace hpt::gui {

struct Series {
    QVector<double> step, wall, value;
    bool empty() const { return step.isEmpty(); }
    double last() const { return value.isEmpty() ? 0.0 : value.back(); }
    // Value at the last sample with step ≤ s (cumulative device metrics are step functions); 0 before the first.
    double valueAtStep(double s) const;
};

struct PhaseSpan {
    QString phase;  // "FULL", "DUAL", "LORA"
    double startStep = 0, endStep = 0;
    double startWall = 0, endWall = 0;
};

class RunData {
public:
    QString name;
    QJsonObject config;
    QJsonObject final;  // the stored run's final report (device cost breakdown); empty while live

    void add(const MetricPoint& p);
    void add(const RunEvent& e);
    void setInitialPhase(const QString& phase) { initialPhase_ = phase; }
    void clear();

    const std::map<std::string, Series>& series() const { return series_; }
    const Series* find(const std::string& key) const;
    const std::vector<RunEvent>& events() const { return events_; }
    // Phase spans from step 0 to the last seen step; a run without "phase"
    // events is one span of its initial phase.
    std::vector<PhaseSpan> phases() const;
    double lastStep() const { return lastStep_; }
    double lastWall() const { return lastWall_; }
    // Device roles present ("gpu", "systolic", "reram"), in that order first.
    std::vector<std::string> devices() const;

private:
    std::map<std::string, Series> series_;
    std::vector<RunEvent> events_;
    QString initialPhase_ = "FULL";
    double lastStep_ = 0, lastWall_ = 0;
};

}  // namespace hpt::gui
