#include "gui/ParallelCoords.h"

#include "gui/ConfigDiff.h"
#include "gui/RunGroups.h"
#include "gui/StoreRunData.h"
#include "store/Store.h"

#include <QRegularExpression>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace hpt::gui {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void fitRange(ParallelAxis& a) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double v : a.values)
        if (std::isfinite(v)) { lo = std::min(lo, v); hi = std::max(hi, v); }
    if (!(lo <= hi)) { a.lo = 0; a.hi = 1; return; }
    if (hi == lo) {  // one value: centre it
        const double pad = lo != 0 ? std::abs(lo) * 0.1 : 1.0;
        lo -= pad;
        hi += pad;
    }
    a.lo = lo;
    a.hi = hi;
}

double sumOf(const QJsonObject& perDevice) {
    if (perDevice.isEmpty()) return kNaN;
    double s = 0;
    for (const auto& v : perDevice) s += v.toDouble();
    return s;
}
}  // namespace

ParallelData parallelData(const std::vector<int64_t>& ids, const QStringList& names,
                          const std::vector<QJsonObject>& configs, const std::vector<QJsonObject>& finals) {
    ParallelData d;
    d.runs = ids;
    d.names = names;
    const size_t n = ids.size();
    for (const auto& row : configDiff(configs)) {
        if (identityKeys().contains(row.key)) continue;
        ParallelAxis a;
        a.name = row.key;
        bool numeric = true;
        for (const auto& v : row.values) numeric = numeric && (v.isDouble() || v.isUndefined());
        for (const auto& v : row.values) {
            if (numeric) { a.values.push_back(v.isDouble() ? v.toDouble() : kNaN); continue; }
            if (v.isUndefined()) { a.values.push_back(kNaN); continue; }
            const QString t = displayValue(v);
            if (!a.categories.contains(t)) a.categories << t;
            a.values.push_back(a.categories.indexOf(t));
        }
        if (!a.categories.isEmpty()) {
            // Sorted categories read better; remap the indices.
            QStringList sorted = a.categories;
            sorted.sort();
            for (auto& v : a.values)
                if (std::isfinite(v)) v = sorted.indexOf(a.categories[int(v)]);
            a.categories = sorted;
            a.lo = -0.5;
            a.hi = sorted.size() - 0.5;
        } else {
            fitRange(a);
        }
        d.axes.push_back(std::move(a));
    }
    auto outcome = [&](const QString& name, auto get) {
        ParallelAxis a;
        a.name = name;
        a.outcome = true;
        bool any = false;
        for (size_t i = 0; i < n; ++i) {
            a.values.push_back(i < finals.size() ? get(finals[i]) : kNaN);
            any = any || std::isfinite(a.values.back());
        }
        if (!any) return;
        fitRange(a);
        d.axes.push_back(std::move(a));
    };
    outcome("test RMSE", [](const QJsonObject& f) { return finalRmse(f); });
    QStringList baselines;
    for (const auto& f : finals)
        for (const auto& b : f.value("test").toObject().value("skill").toObject().keys())
            if (!baselines.contains(b)) baselines << b;
    for (const auto& b : baselines)
        outcome("skill vs " + b, [&](const QJsonObject& f) {
            const QJsonObject o = f.value("test").toObject().value("skill").toObject().value(b).toObject();
            return o.value("skill").isDouble() ? o.value("skill").toDouble() : kNaN;
        });
    outcome("modeled energy [J]", [](const QJsonObject& f) {
        const double e = finalNumber(f, {"modeled_energy_j"});
        return std::isnan(e) ? finalEnergy(f) : e;
    });
    outcome("modeled time [s]", [](const QJsonObject& f) {
        const double t = finalNumber(f, {"modeled_time_s"});
        return std::isnan(t) ? sumOf(finalPerDevice(f, "time_s")) : t;
    });
    outcome("switch step", [](const QJsonObject& f) { return finalSwitchStep(f); });
    return d;
}

ParallelData parallelDataFromStore(const Store& store, const std::vector<int64_t>& ids) {
    std::vector<int64_t> kept;
    QStringList names;
    std::vector<QJsonObject> configs, finals;
    for (int64_t id : ids) {
        if (!store.hasRun(id)) continue;
        const RunSummary s = store.summary(id);
        kept.push_back(id);
        names << QString("#%1 %2").arg(id).arg(s.name);
        configs.push_back(store.runConfig(id));
        finals.push_back(s.final);
    }
    return parallelData(kept, names, configs, finals);
}

std::vector<int64_t> brushedRuns(const ParallelData& data, const std::vector<AxisBrush>& brushes) {
    std::vector<int64_t> out;
    for (size_t i = 0; i < data.runs.size(); ++i) {
        bool in = true;
        for (const auto& b : brushes) {
            if (b.axis < 0 || b.axis >= int(data.axes.size())) continue;
            const double v = data.axes[size_t(b.axis)].values[i];
            const double lo = std::min(b.lo, b.hi), hi = std::max(b.lo, b.hi);
            if (!(v >= lo && v <= hi)) { in = false; break; }
        }
        if (in) out.push_back(data.runs[i]);
    }
    return out;
}

std::vector<std::pair<QString, std::vector<int64_t>>> sweepsAndStudies(const Store& store) {
    std::map<QString, std::vector<int64_t>> studies, sweeps;
    static const QRegularExpression sweepName("^(.+)-(\\d{3,})$");
    for (const auto& r : store.runs()) {
        for (const auto& t : r.tags)
            if (t.startsWith("study:")) studies["study " + t.mid(6)].push_back(r.id);
        const auto m = sweepName.match(r.name);
        if (m.hasMatch()) sweeps["sweep " + m.captured(1)].push_back(r.id);
    }
    std::vector<std::pair<QString, std::vector<int64_t>>> out;
    for (auto& [k, v] : studies) out.emplace_back(k, v);
    for (auto& [k, v] : sweeps)
        if (v.size() >= 2) out.emplace_back(k, v);
    return out;
}

}  // namespace hpt::gui
