#include "cli/ResultBlock.h"
#include "util/ShellQuote.h"

#include "cli/BatchPrinter.h"
#include "cost/Counterfactual.h"
#include "cost/Mapping.h"
#include "engine/Phase.h"

#include <cmath>

namespace hpt::cli {

namespace {

const char* const kPhases[] = {"FULL", "DUAL", "LORA"};

QString g4(double v) { return QString::number(v, 'g', 4); }

// Sum of time and energy over the roles of a {"role": {"time_s", "energy_j"}} block.
QJsonObject totalOf(const QJsonObject& roles) {
    double t = 0, e = 0;
    for (auto it = roles.begin(); it != roles.end(); ++it) {
        t += it.value().toObject().value("time_s").toDouble();
        e += it.value().toObject().value("energy_j").toDouble();
    }
    return {{"time_s", t}, {"energy_j", e}};
}

QString timeEnergy(const QJsonObject& o) {
    return si(o.value("time_s").toDouble(), "s") + " / " + si(o.value("energy_j").toDouble(), "J");
}

// "gpu 1.23 s / 325.5 J · reram 2 ms / 0.1 J", roles in the usual order first.
QString rolesText(const QJsonObject& roles) {
    QStringList parts, order = Mapping::roles();
    for (const auto& k : roles.keys())
        if (!order.contains(k)) order << k;
    for (const auto& r : order)
        if (roles.contains(r)) parts << r + " " + timeEnergy(roles.value(r).toObject());
    return parts.join(" · ");
}

}  // namespace

QString si(double v, const QString& unit) {
    if (!std::isfinite(v)) return "?";
    if (v == 0) return "0 " + unit;
    struct P { double f; const char* p; };
    static const P prefixes[] = {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}, {1e-3, "m"}, {1e-6, "µ"}, {1e-9, "n"}};
    for (const auto& p : prefixes)
        if (std::fabs(v) >= p.f * 0.99995) return g4(v / p.f) + " " + p.p + unit;
    return g4(v / 1e-12) + " p" + unit;
}

QJsonObject resultJson(const PluginHost& host, const QJsonObject& config, const QJsonObject& final,
                       const QJsonArray& segments, const QString& storePath, int64_t runId) {
    QJsonObject r{{"run_id", double(runId)},
                  {"status", final.value("status")},
                  {"steps", final.value("steps")},
                  {"wall_s", final.value("wall_s")},
                  {"store", storePath},
                  {"gui", "hpt " + shellQuote(storePath)}};
    const QJsonObject test = final.value("test").toObject();
    if (!test.isEmpty()) {
        QJsonObject t;
        for (const char* k : {"rmse", "mae", "nse", "unit"})
            if (test.contains(k)) t.insert(k, test.value(k));
        r.insert("test", t);
        r.insert("skill", test.value("skill").toObject());
    }
    QJsonObject phaseSteps;
    for (const auto& s : segments) {
        const QJsonObject o = s.toObject();
        const QString ph = o.value("phase").toString();
        phaseSteps.insert(ph, phaseSteps.value(ph).toDouble() + o.value("steps").toDouble());
    }
    r.insert("phase_steps", phaseSteps);
    r.insert("segments", segments);
    for (const char* k : {"dual_step", "switch_step"}) {
        const double v = final.value(k).toDouble(-1);
        r.insert(k, v >= 0 ? QJsonValue(v) : QJsonValue(QJsonValue::Null));
    }
    const QJsonObject devices = final.value("devices").toObject();
    r.insert("devices", devices);
    r.insert("devices_per_phase", final.value("devices_per_phase").toObject());
    QJsonObject hybrid = totalOf(devices);
    // The run's own end-to-end time (the critical path per step when the mapping overlaps tiers).
    if (final.value("modeled_time_s").isDouble()) hybrid.insert("time_s", final.value("modeled_time_s").toDouble());
    r.insert("total", hybrid);

    // The counterfactual: the same steps per phase, the same traces, on the gpu-only mapping.
    const QJsonObject devCfg = config.value("devices").toObject();
    const QJsonArray shape = final.value("model_shape").toArray();
    if (!devCfg.isEmpty() && !devices.isEmpty() && shape.size() == 3) {
        try {
            std::vector<PhaseSegment> segs;
            for (const auto& s : segments) {
                const QJsonObject o = s.toObject();
                PhaseSegment seg;
                if (!parsePhase(o.value("phase").toString().toStdString(), &seg.phase)) continue;
                seg.steps = o.value("steps").toInteger();
                segs.push_back(seg);
            }
            const ModelShape ms{shape[0].toInteger(), shape[1].toInteger(), shape[2].toInteger()};
            const RunTraces traces = runTraces(host, config, ms, final.value("lora_rank").toInteger(0));
            QJsonObject gpu = priceOnMapping(host, devCfg, "gpu-only", traces, segs);
            const QJsonObject gt = gpu.value("total").toObject();
            auto ratio = [](double a, double b) { return b > 0 ? QJsonValue(a / b) : QJsonValue(QJsonValue::Null); };
            gpu.insert("ratio", QJsonObject{
                                    {"time", ratio(hybrid.value("time_s").toDouble(), gt.value("time_s").toDouble())},
                                    {"energy", ratio(hybrid.value("energy_j").toDouble(), gt.value("energy_j").toDouble())}});
            r.insert("gpu_only", gpu);
        } catch (const std::exception& e) {
            r.insert("gpu_only", QJsonObject{{"error", QString::fromUtf8(e.what())}});
        }
    }

    const QJsonObject wear = final.value("reram_wear").toObject();
    if (devices.contains("reram") || !wear.isEmpty()) {
        QJsonObject w{{"writes", devices.value("reram").toObject().value("writes").toDouble(
                                     wear.value("cell_writes_total").toDouble())}};
        for (const char* k : {"max_writes_per_cell", "endurance", "endurance_used_pct", "projected_lifetime_runs"})
            if (wear.contains(k)) w.insert(k, wear.value(k));
        r.insert("reram", w);
    }
    return r;
}

QStringList resultLines(const QJsonObject& r, const QString& runName) {
    QStringList out;
    QString head = QString("── result: run %1").arg(r.value("run_id").toInteger());
    if (!runName.isEmpty()) head += " '" + runName + "'";
    head += QString(", %1 after %2 steps").arg(r.value("status").toString("?")).arg(r.value("steps").toInteger());
    if (r.value("wall_s").isDouble()) head += " in " + formatDuration(r.value("wall_s").toDouble());
    out << head + " ──";

    const QJsonObject test = r.value("test").toObject();
    if (!test.isEmpty()) {
        const QString unit = test.value("unit").toString();
        const QString u = unit.isEmpty() ? QString() : " " + unit;
        QString t = "test RMSE " + g4(test.value("rmse").toDouble()) + u;
        if (test.contains("mae")) t += " · MAE " + g4(test.value("mae").toDouble()) + u;
        if (test.contains("nse")) t += " · NSE " + g4(test.value("nse").toDouble());
        out << t;
        const QJsonObject skill = r.value("skill").toObject();
        const QStringList names = skill.keys();
        int shown = 0;
        for (const auto& name : names) {
            const QJsonObject s = skill.value(name).toObject();
            QString l = QString("  vs %1: RMSE %2%3, ").arg(name, g4(s.value("baseline_rmse").toDouble()), u);
            if (!s.value("comparable").toBool(true)) {
                l += "not comparable (it uses information the model is not given)";
            } else {
                const double k = s.value("skill").toDouble();
                l += "skill " + QString::number(k, 'f', 3) + (k < 0 ? " (worse than " + name + ")" : k > 0 ? " (better)" : "");
            }
            if (++shown > 4) {
                out << QString("  … %1 more baselines in --summary-json").arg(names.size() - 4);
                break;
            }
            out << l;
        }
    }

    const QJsonObject steps = r.value("phase_steps").toObject();
    if (!steps.isEmpty()) {
        QStringList parts;
        for (const char* ph : kPhases)
            if (steps.contains(ph)) parts << QString("%1 %2").arg(ph).arg(steps.value(ph).toInteger());
        QString l = "steps per phase: " + parts.join(" · ");
        QStringList sw;
        if (r.value("dual_step").isDouble()) sw << QString("DUAL at step %1").arg(r.value("dual_step").toInteger());
        if (r.value("switch_step").isDouble()) sw << QString("LORA at step %1").arg(r.value("switch_step").toInteger());
        l += sw.isEmpty() ? QString("; never switched") : "; switched to " + sw.join(", ");
        out << l;
    }

    const QJsonObject per = r.value("devices_per_phase").toObject();
    if (!per.isEmpty()) {
        out << "modeled time / energy per device and phase:";
        for (const char* ph : kPhases)
            if (per.contains(ph)) out << QString("  %1  %2").arg(QString(ph), -4).arg(rolesText(per.value(ph).toObject()));
        out << "  all   " + timeEnergy(r.value("total").toObject());
    }

    const QJsonObject gpu = r.value("gpu_only").toObject();
    if (gpu.contains("error")) {
        out << "on GPUs only: not priced (" + gpu.value("error").toString() + ")";
    } else if (!gpu.isEmpty()) {
        const QJsonObject ratio = gpu.value("ratio").toObject();
        auto x = [&](const char* k) {
            return ratio.value(k).isDouble() ? QString::number(ratio.value(k).toDouble(), 'f', 2) + "×" : QString("?");
        };
        out << "on GPUs only this run would have cost " + timeEnergy(gpu.value("total").toObject()) +
                   QString(": this run took %1 the time and %2 the energy").arg(x("time"), x("energy"));
    }

    const QJsonObject reram = r.value("reram").toObject();
    if (!reram.isEmpty()) {
        QString l = "ReRAM: " + g4(reram.value("writes").toDouble()) + " cell writes";
        if (reram.contains("max_writes_per_cell"))
            l += ", at most " + g4(reram.value("max_writes_per_cell").toDouble()) + " per cell";
        if (reram.contains("endurance_used_pct"))
            l += " (" + g4(reram.value("endurance_used_pct").toDouble()) + " % of endurance";
        if (reram.contains("projected_lifetime_runs"))
            l += ", ≈ " + g4(reram.value("projected_lifetime_runs").toDouble()) + " such runs per lifetime";
        if (reram.contains("endurance_used_pct")) l += ")";
        out << l;
    }
    out << QString("stored as run %1 in %2").arg(r.value("run_id").toInteger()).arg(r.value("store").toString());
    out << "open it in the GUI: " + r.value("gui").toString();
    return out;
}

}  // namespace hpt::cli
