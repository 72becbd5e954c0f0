#include "gui/StoreRunData.h"

#include "store/Store.h"

#include <QJsonArray>
#include <cmath>
#include <limits>

namespace hpt::gui {

RunData loadRunData(const Store& store, int64_t run, int maxPointsPerKey) {
    RunData d;
    const RunSummary s = store.summary(run);
    d.name = s.name.isEmpty() ? QString("run %1").arg(run) : s.name;
    d.config = store.runConfig(run);
    d.final = store.runRecord(run).value("final").toObject();
    if (d.config.value("switching").toObject().value("mode").toString() == "lora") d.setInitialPhase("LORA");
    for (const auto& key : store.metricKeys(run)) {
        std::vector<MetricPoint> pts;
        store.forEachMetric(run, key, [&](const MetricPoint& p) { pts.push_back(p); });
        const size_t n = pts.size();
        const size_t stride = (maxPointsPerKey > 0 && n > size_t(maxPointsPerKey)) ? (n + maxPointsPerKey - 1) / maxPointsPerKey : 1;
        for (size_t i = 0; i < n; ++i)
            if (i % stride == 0 || i + 1 == n) d.add(pts[i]);
    }
    for (const auto& e : store.events(run)) d.add(e);
    return d;
}

double finalNumber(const QJsonObject& final, const QStringList& paths) {
    for (const auto& p : paths) {
        QJsonValue cur = final;
        for (const auto& part : p.split('.')) cur = cur.toObject().value(part);
        if (cur.isDouble()) return cur.toDouble();
    }
    return std::numeric_limits<double>::quiet_NaN();
}

double finalRmse(const QJsonObject& f) { return finalNumber(f, {"test.rmse", "rmse", "metrics.rmse", "test_metrics.rmse"}); }
double finalNse(const QJsonObject& f) { return finalNumber(f, {"test.nse", "nse", "metrics.nse", "test_metrics.nse"}); }
double finalSwitchStep(const QJsonObject& f) {
    return finalNumber(f, {"switch_step", "switch.step", "switch_step_lora", "phases.LORA.start_step", "lora_step"});
}

QJsonObject finalPerDevice(const QJsonObject& f, const QString& field) {
    QJsonObject out;
    const QJsonObject devs = f.value("devices").toObject();
    for (auto it = devs.begin(); it != devs.end(); ++it) {
        const QJsonObject d = it.value().toObject();
        if (d.value(field).isDouble()) out.insert(it.key(), d.value(field));
        else if (d.value("total").toObject().value(field).isDouble()) out.insert(it.key(), d.value("total").toObject().value(field));
    }
    return out;
}

double finalEnergy(const QJsonObject& f) {
    const double e = finalNumber(f, {"energy_j", "total_energy_j", "totals.energy_j"});
    if (!std::isnan(e)) return e;
    const QJsonObject per = finalPerDevice(f, "energy_j");
    if (per.isEmpty()) return std::numeric_limits<double>::quiet_NaN();
    double sum = 0;
    for (const auto& v : per) sum += v.toDouble();
    return sum;
}

QString skillText(const QJsonObject& skill) {
    QStringList lines;
    for (auto it = skill.begin(); it != skill.end(); ++it) {
        const QJsonObject o = it.value().toObject();
        lines << (o.value("comparable").toBool(true)
                      ? QString("%1: skill %2 (its RMSE %3)").arg(it.key()).arg(o.value("skill").toDouble(), 0, 'f', 3)
                            .arg(o.value("baseline_rmse").toDouble(), 0, 'g', 4)
                      : QString("%1: not comparable (uses information the model is not given)").arg(it.key()));
    }
    return lines.isEmpty() ? QString("no baselines stored for this run") : lines.join('\n');
}

}  // namespace hpt::gui
