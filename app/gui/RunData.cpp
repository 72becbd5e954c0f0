#include "gui/RunData.h"

#include "cost/Mapping.h"

#include <algorithm>

namespace hpt::gui {

double Series::valueAtStep(double s) const {
    const auto it = std::upper_bound(step.begin(), step.end(), s);
    if (it == step.begin()) return 0.0;
    return value[int(it - step.begin()) - 1];
}

void RunData::add(const MetricPoint& p) {
    auto& s = series_[p.key];
    s.step.push_back(double(p.step));
    s.wall.push_back(p.wallTime);
    s.value.push_back(p.value);
    lastStep_ = std::max(lastStep_, double(p.step));
    lastWall_ = std::max(lastWall_, p.wallTime);
}

void RunData::add(const RunEvent& e) {
    events_.push_back(e);
    lastStep_ = std::max(lastStep_, double(e.step));
    lastWall_ = std::max(lastWall_, e.wallTime);
}

void RunData::clear() {
    series_.clear();
    events_.clear();
    initialPhase_ = "FULL";
    lastStep_ = lastWall_ = 0;
}

const Series* RunData::find(const std::string& key) const {
    const auto it = series_.find(key);
    return it == series_.end() ? nullptr : &it->second;
}

std::vector<PhaseSpan> RunData::phases() const {
    std::vector<PhaseSpan> spans;
    PhaseSpan cur{initialPhase_, 0, 0, 0, 0};
    for (const auto& e : events_) {
        if (e.type != "phase") continue;
        const QString to = e.payload.value("to").toString();
        if (to.isEmpty() || to == cur.phase) continue;
        // A switch at the span's first step (e.g. switching.mode = lora at step 0) leaves no empty band.
        if (double(e.step) <= cur.startStep) { cur.phase = to; continue; }
        cur.endStep = double(e.step);
        cur.endWall = e.wallTime;
        spans.push_back(cur);
        cur = PhaseSpan{to, double(e.step), 0, e.wallTime, 0};
    }
    cur.endStep = std::max(cur.startStep, lastStep_);
    cur.endWall = std::max(cur.startWall, lastWall_);
    spans.push_back(cur);
    return spans;
}

std::vector<std::string> RunData::devices() const {
    std::vector<std::string> out;
    for (const QString& role : Mapping::roles()) {
        const std::string d = role.toStdString();
        if (series_.count("device." + d + ".energy_j") || series_.count("device." + d + ".time_s")) out.push_back(d);
    }
    for (const auto& kv : series_) {
        const auto& k = kv.first;
        if (k.rfind("device.", 0) != 0) continue;
        const auto dot = k.find('.', 7);
        if (dot == std::string::npos) continue;
        const std::string role = k.substr(7, dot - 7);
        if (std::find(out.begin(), out.end(), role) == out.end()) out.push_back(role);
    }
    return out;
}

}  // namespace hpt::gui
