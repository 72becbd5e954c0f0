#include "cost/Counterfactual.h"

#include "cost/RunCosts.h"
#include "engine/RunOptions.h"
#include "lora/AdapterInjector.h"
#include "plugin/PluginHost.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <map>
#include <string>

namespace hpt {

namespace {

using Costs = std::map<std::string, Cost>;

void addInto(Costs& into, const Costs& from, double times = 1) {
    for (const auto& [role, c] : from) {
        Cost& t = into[role];
        t.cycles += c.cycles * times;
        t.seconds += c.seconds * times;
        t.joules += c.joules * times;
        t.cellWrites += c.cellWrites * times;
    }
}

QJsonObject costJson(const Cost& c) { return {{"time_s", c.seconds}, {"energy_j", c.joules}, {"writes", c.cellWrites}}; }

QJsonObject rolesJson(const Costs& m) {
    QJsonObject o;
    for (const auto& [role, c] : m) o.insert(QString::fromStdString(role), costJson(c));
    return o;
}

}  // namespace

RunTraces runTraces(const PluginHost& host, const QJsonObject& config, const ModelShape& shape, int64_t rank) {
    const QJsonObject m = config.value("model").toObject();
    const QString name = m.value("name").toString();
    const ModelPlugin* plugin = host.model(name);
    if (!plugin) throw configError("model.name", "no model plugin '" + name.toStdString() + "' is loaded");
    if (shape.stations <= 0 || shape.features <= 0 || shape.outputs <= 0)
        throw configError("model", "the run reported no model shape to trace");
    // The run's own LoRA options and batch size; the rank it chose (rank > 0), else the configured one.
    const RunOptions ro = RunOptions::fromResolved(config);
    LoraSpec spec = ro.lora.spec;
    if (rank > 0) spec.rank = rank;
    else if (ro.lora.autoRank) spec.rank = 8;
    const int64_t batch = ro.training.batchSize;
    auto theta = plugin->create(shape, m.value("params").toObject());
    auto thetaPrime = plugin->create(shape, m.value("params").toObject());
    injectAdapters(thetaPrime->module(), spec);
    return {theta->trace(batch), thetaPrime->trace(batch)};
}

QJsonObject priceOnMapping(const PluginHost& host, const QJsonObject& devicesConfig, const QString& mapping,
                           const RunTraces& t, const std::vector<PhaseSegment>& segments) {
    StepCoster coster(host, QJsonObject{{"preset", mapping}}, devicesConfig);
    RunCosts books(&coster);
    std::map<std::string, Costs> perPhase;
    Costs total;
    for (const auto& seg : segments) {
        // The engine's own composition (cost/RunCosts.h): Θ in FULL and DUAL, Θ′ in DUAL and LORA.
        const Costs enter = books.enterPhase(seg.phase, &t.theta, &t.thetaPrime).perRole;
        const Costs step = seg.steps > 0 ? books.step(seg.phase, &t.theta, &t.thetaPrime).perRole : Costs{};
        Costs& ph = perPhase[toString(seg.phase)];
        addInto(ph, enter);
        addInto(ph, step, double(seg.steps));
        addInto(total, enter);
        addInto(total, step, double(seg.steps));
    }
    QJsonObject per;
    for (const auto& [ph, m] : perPhase) per.insert(QString::fromStdString(ph), rolesJson(m));
    double seconds = 0, joules = 0;
    for (const auto& [role, c] : total) {
        seconds += c.seconds;
        joules += c.joules;
    }
    return {{"mapping", mapping}, {"per_phase", per}, {"devices", rolesJson(total)},
            {"total", QJsonObject{{"time_s", seconds}, {"energy_j", joules}}}};
}

}  // namespace hpt
