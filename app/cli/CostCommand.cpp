// `hpt cost`: price one GEMM on one device, or one training step of a model
// in each phase under a mapping, or (--bench) time cost evaluation against a
// training step. A thin shell over core/cost.
#include "cli/Command.h"

#include "config/Experiment.h"
#include "cost/RunCosts.h"
#include "cost/StepCoster.h"
#include "engine/RunOptions.h"
#include "gui/TornadoChart.h"
#include "lora/AdapterInjector.h"
#include "plugin/PluginHost.h"

#include <hpt/Error.h>
#include <hpt/Model.h>
#include <hpt/Params.h>

#include <QElapsedTimer>
#include <algorithm>
#include <cmath>
#include <QJsonArray>
#include <QJsonDocument>
#include <chrono>
#include <cstdio>

namespace {

using hpt::configError;

// "key=value" → JSON value typed like the parameter's default.
QJsonValue parseValue(const QString& text) {
    bool ok = false;
    const double d = text.toDouble(&ok);
    if (ok) return d;
    if (text == "true") return true;
    if (text == "false") return false;
    return text;
}

QJsonObject costJson(const hpt::Cost& c, bool breakdown = false) {
    QJsonObject o = hpt::costBreakdownJson(c);
    if (!breakdown) o.remove("components");
    return o;
}

void printCost(const char* label, const hpt::Cost& c) {
    std::printf("  %-10s %14.6g cycles %14.6g s %14.6g J %14.6g cell writes\n", label, c.cycles, c.seconds, c.joules,
                c.cellWrites);
}

// The shape of the model's reference data set (stations × features → outputs), from its
// metadata "reference_shape"; zeros when the model declares none.
hpt::ModelShape referenceShape(const hpt::PluginHost& host, const QString& model) {
    const hpt::PluginRecord* rec = host.find(hpt::PluginKind::Model, model);
    const QJsonObject r = rec ? rec->meta.value("reference_shape").toObject() : QJsonObject{};
    return {r.value("stations").toInteger(), r.value("features").toInteger(), r.value("outputs").toInteger()};
}

int64_t positiveInt(const QCommandLineParser& p, const QString& opt, int64_t def) {
    if (!p.isSet(opt)) return def;
    bool ok = false;
    const qlonglong v = p.value(opt).toLongLong(&ok);
    if (!ok || v <= 0) throw configError("--" + opt.toStdString(), "expected a positive integer, got '" + p.value(opt).toStdString() + "'");
    return v;
}

// --device NAME --gemm M,K,N
int gemmCost(const QCommandLineParser& p, const hpt::PluginHost& host) {
    const QString name = p.value("device");
    const auto& rec = host.require(hpt::PluginKind::Device, name);
    const QStringList dims = p.value("gemm").split(',');
    std::vector<int64_t> mkn;
    for (const auto& d : dims) {
        bool ok = false;
        const qlonglong v = d.trimmed().toLongLong(&ok);
        if (!ok || v <= 0) break;
        mkn.push_back(v);
    }
    if (mkn.size() != 3) throw configError("--gemm", "expected three positive integers M,K,N, got '" + p.value("gemm").toStdString() + "'");
    QJsonObject overrides;
    for (const auto& kv : p.values("set")) {
        const int eq = kv.indexOf('=');
        if (eq <= 0) throw configError("--set", "expected key=value, got '" + kv.toStdString() + "'");
        overrides.insert(kv.left(eq), parseValue(kv.mid(eq + 1)));
    }
    if (p.isSet("dataflow")) overrides.insert("dataflow", p.value("dataflow"));
    const QString preset = p.value("preset");
    const QJsonObject params =
        hpt::resolveParams(rec.params, rec.meta.value("presets").toObject(), preset, overrides, name);
    auto dev = qobject_cast<hpt::DevicePlugin*>(rec.instance)->create(params);
    hpt::Op op;
    op.kind = hpt::OpKind::WeightGemm;
    op.m = mkn[0];
    op.k = mkn[1];
    op.n = mkn[2];
    op.param = "gemm";
    const hpt::Cost c = dev->compute(op);
    const hpt::Cost w = dev->programWeights(op.k, op.n);
    if (p.isSet("json")) {
        QJsonObject o{{"device", name}, {"preset", preset}, {"gemm", QJsonArray{double(op.m), double(op.k), double(op.n)}},
                      {"macs", op.macs()}, {"cycles", c.cycles}, {"time_s", c.seconds}, {"energy_j", c.joules},
                      {"program_weight", costJson(w)}, {"params", dev->describe()}};
        if (dev->endurance() > 0) o.insert("writes", w.cellWrites);
        std::fputs(QJsonDocument(o).toJson().constData(), stdout);
        return hpt::cli::Ok;
    }
    std::printf("%s%s: (%lld x %lld) . (%lld x %lld), %.6g MACs\n", qPrintable(name),
                preset.isEmpty() ? "" : qPrintable(" [" + preset + "]"), (long long)op.m, (long long)op.k,
                (long long)op.k, (long long)op.n, op.macs());
    std::printf("  cycles   %.6g\n  time_s   %.6g\n  energy_j %.6g\n", c.cycles, c.seconds, c.joules);
    std::printf("  storing the %lld x %lld weight: %.6g s, %.6g J, %.6g cell writes\n", (long long)op.k, (long long)op.n,
                w.seconds, w.joules, w.cellWrites);
    return hpt::cli::Ok;
}

struct PricedModel {
    std::unique_ptr<hpt::Model> full, lora;  // Θ and its LoRA copy Θ′
    hpt::Trace fullTrace, loraTrace;
    int64_t batch = 1, rank = 8;
};

PricedModel buildModel(const QCommandLineParser& p, const hpt::PluginHost& host) {
    const QString name = p.value("model");
    const auto& rec = host.require(hpt::PluginKind::Model, name);
    const QJsonObject presets = rec.meta.value("presets").toObject();
    const QString preset = p.isSet("preset") ? p.value("preset") : (presets.contains("compact") ? "compact" : "");
    const QJsonObject params = hpt::resolveParams(rec.params, presets, preset, {}, "model");
    hpt::ModelShape shape = referenceShape(host, name);
    shape.stations = positiveInt(p, "stations", shape.stations);
    shape.features = positiveInt(p, "features", shape.features);
    shape.outputs = positiveInt(p, "outputs", shape.outputs ? shape.outputs : shape.stations);
    if (shape.stations <= 0 || shape.features <= 0)
        throw configError("--stations", "model '" + name.toStdString() +
                                            "' declares no reference_shape; give --stations, --features and --outputs");
    auto* plugin = qobject_cast<hpt::ModelPlugin*>(rec.instance);
    PricedModel m;
    m.batch = positiveInt(p, "batch", 1);
    m.full = plugin->create(shape, params);
    m.lora = plugin->create(shape, params);
    // The LORA state is built by the engine's own injector from the LoRA options
    // training would use: model metadata ← preset defaults, read as RunOptions
    // (which fill the built-in defaults). No dataset is needed to price a step.
    QJsonObject lora;
    for (const QJsonObject& layer : {rec.meta.value("lora").toObject(),
                                     rec.meta.value("preset_defaults").toObject().value(preset).toObject().value("lora").toObject()})
        for (auto it = layer.begin(); it != layer.end(); ++it) lora.insert(it.key(), it.value());
    const hpt::RunOptions ro = hpt::RunOptions::fromResolved(QJsonObject{{"lora", lora}});
    hpt::LoraSpec spec = ro.lora.spec;
    if (ro.lora.autoRank) spec.rank = 8;  // "auto" picks the rank from Θ's updates; price the default
    if (p.isSet("rank")) spec.rank = positiveInt(p, "rank", spec.rank);
    hpt::injectAdapters(m.lora->module(), spec);
    m.rank = spec.rank;
    m.fullTrace = m.full->trace(m.batch);
    m.loraTrace = m.lora->trace(m.batch);
    return m;
}

QJsonObject devicesConfig(const QCommandLineParser& p) {
    QJsonObject cfg;
    for (const QString& role : hpt::Mapping::roles()) {
        QJsonObject d;
        const QString opt = role + "-preset";
        if (p.isSet(opt)) d.insert("preset", p.value(opt));
        cfg.insert(role, d);
    }
    for (const auto& kv : p.values("set")) {
        const int eq = kv.indexOf('='), dot = kv.indexOf('.');
        if (eq <= 0 || dot <= 0 || dot > eq)
            throw configError("--set", "in model mode use role.key=value (e.g. reram.endurance=1e8), got '" + kv.toStdString() + "'");
        const QString role = kv.left(dot);
        if (!cfg.contains(role))
            throw configError("--set", "unknown device role '" + role.toStdString() + "'; use " +
                                           hpt::Mapping::roles().join(", ").toStdString());
        QJsonObject d = cfg.value(role).toObject();
        QJsonObject params = d.value("params").toObject();
        params.insert(kv.mid(dot + 1, eq - dot - 1), parseValue(kv.mid(eq + 1)));
        d.insert("params", params);
        cfg.insert(role, d);
    }
    // Roles left at their defaults are created only when their plugin is loaded.
    QJsonObject out;
    for (auto it = cfg.begin(); it != cfg.end(); ++it)
        if (!it.value().toObject().isEmpty()) out.insert(it.key(), it.value());
    return out;
}

QJsonObject rolesJson(const std::map<std::string, hpt::Cost>& costs, double seconds, bool breakdown) {
    QJsonObject o;
    hpt::Cost total;
    for (const auto& [k, v] : costs) {
        o.insert(QString::fromStdString(k), costJson(v, breakdown));
        total += v;
    }
    // The step's time: the sum of the roles, or the critical path with "overlap".
    QJsonObject t = costJson(total, breakdown);
    t.insert("time_s", seconds);
    t.remove("cycles");
    o.insert("total", t);
    return o;
}

QJsonObject mappingConfig(const QCommandLineParser& p) {
    QJsonObject m{{"preset", p.isSet("mapping") ? p.value("mapping") : "hpt"}};
    if (p.isSet("overlap")) m.insert("overlap", true);
    if (p.isSet("capacity-policy")) m.insert("capacity_policy", p.value("capacity-policy"));
    return m;
}

struct PhasePrices {
    std::map<std::string, hpt::Cost> step[3], enter[3];
    double seconds[3] = {0, 0, 0}, enterSeconds[3] = {0, 0, 0};
    QJsonObject wear, capacity, describe;
};

PhasePrices pricePhases(const hpt::PluginHost& host, const PricedModel& m, const QJsonObject& mapping,
                        const QJsonObject& devices) {
    hpt::StepCoster coster(host, mapping, devices);
    // The run's own books compose each phase (Θ in FULL and DUAL, Θ′ in DUAL and LORA) and
    // its entry costs, as in training: FULL, then DUAL, then LORA.
    hpt::RunCosts books(&coster);
    PhasePrices out;
    for (int i = 0; i < 3; ++i) {
        const hpt::StepPrice e = books.enterPhase(hpt::Phase(i), &m.fullTrace, &m.loraTrace);
        const hpt::StepPrice s = books.step(hpt::Phase(i), &m.fullTrace, &m.loraTrace);
        out.enter[i] = e.perRole;
        out.enterSeconds[i] = e.seconds;
        out.step[i] = s.perRole;
        out.seconds[i] = s.seconds;
    }
    out.wear = coster.wear();
    out.capacity = coster.capacity(m.loraTrace, hpt::Phase::Lora);
    out.describe = coster.describe();
    return out;
}

double energyOf(const std::map<std::string, hpt::Cost>& m) {
    double j = 0;
    for (const auto& [k, v] : m) j += v.joules;
    return j;
}

// The paper's comparison per step: a FULL step with everything on the GPU
// against a LORA step on the chosen mapping (ratios > 1: the hybrid is better).
QJsonObject compareSteps(const hpt::PluginHost& host, const PricedModel& m, const QJsonObject& mapping,
                         const QJsonObject& devices) {
    QJsonObject gpuOnly = mapping;
    gpuOnly.insert("preset", "gpu-only");
    const PhasePrices base = pricePhases(host, m, gpuOnly, devices);
    const PhasePrices hyb = pricePhases(host, m, mapping, devices);
    const double ft = base.seconds[0], fe = energyOf(base.step[0]);
    const double lt = hyb.seconds[2], le = energyOf(hyb.step[2]);
    return {{"full_gpu_only", QJsonObject{{"time_s", ft}, {"energy_j", fe}}},
            {"lora_mapping", QJsonObject{{"time_s", lt}, {"energy_j", le}}},
            {"time_ratio_full_over_lora", lt > 0 ? ft / lt : 0.0},
            {"energy_ratio_full_over_lora", le > 0 ? fe / le : 0.0}};
}

// Every numeric device parameter at ×(1 − f) and ×(1 + f): how the FULL
// (gpu-only) / LORA (mapping) per-step ratios move. Integers are rounded and
// kept within their bounds; parameters that change nothing are left out.
QJsonArray sensitivity(const hpt::PluginHost& host, const PricedModel& m, const QJsonObject& mapping,
                       const QJsonObject& devices, const QJsonObject& described, double f) {
    const QJsonObject base = compareSteps(host, m, mapping, devices);
    const double t0 = base.value("time_ratio_full_over_lora").toDouble(), e0 = base.value("energy_ratio_full_over_lora").toDouble();
    QJsonArray rows;
    const QJsonObject devs = described.value("devices").toObject();
    for (auto it = devs.begin(); it != devs.end(); ++it) {
        const QString role = it.key();
        const QString plugin = it.value().toObject().value("plugin").toString();
        const auto& rec = host.require(hpt::PluginKind::Device, plugin);
        const QJsonObject params = it.value().toObject().value("params").toObject();
        for (const auto& spec : rec.params) {
            if (spec.type != "double" && spec.type != "int") continue;
            const double v = params.value(spec.name).toDouble();
            if (v == 0) continue;
            QJsonObject row{{"role", role}, {"parameter", spec.name}, {"value", v},
                            {"assumption", spec.source.startsWith("assumption")}};
            bool moved = false;
            for (const double s : {1 - f, 1 + f}) {
                double x = v * s;
                if (spec.type == "int") x = std::round(x);
                x = std::clamp(x, spec.min, spec.max);
                QJsonObject d = devices.value(role).toObject();
                QJsonObject pp = d.value("params").toObject();
                pp.insert(spec.name, spec.type == "int" ? QJsonValue(qint64(x)) : QJsonValue(x));
                d.insert("params", pp);
                if (!d.contains("plugin")) d.insert("plugin", plugin);
                QJsonObject devs2 = devices;
                devs2.insert(role, d);
                const QJsonObject c = compareSteps(host, m, mapping, devs2);
                const double t = c.value("time_ratio_full_over_lora").toDouble(), e = c.value("energy_ratio_full_over_lora").toDouble();
                moved = moved || t != t0 || e != e0;
                row.insert(s < 1 ? "low" : "high", QJsonObject{{"value", x}, {"time_ratio", t}, {"energy_ratio", e}});
            }
            if (moved) rows.append(row);
        }
    }
    return rows;
}

// --model M --mapping X: one step of each phase.
int modelCost(const QCommandLineParser& p, const hpt::PluginHost& host) {
    PricedModel m = buildModel(p, host);
    const QJsonObject mapping = mappingConfig(p);
    const QString mappingName = mapping.value("preset").toString();
    const QJsonObject devices = devicesConfig(p);
    const bool breakdown = p.isSet("breakdown");
    const PhasePrices pr = pricePhases(host, m, mapping, devices);
    QJsonObject phases;
    for (int i = 0; i < 3; ++i)
        phases.insert(hpt::toString(hpt::Phase(i)), QJsonObject{{"step", rolesJson(pr.step[i], pr.seconds[i], breakdown)},
                                                               {"enter", rolesJson(pr.enter[i], pr.enterSeconds[i], breakdown)}});
    const QJsonObject cmp = compareSteps(host, m, mapping, devices);
    const QJsonObject reram = pr.describe.value("devices").toObject().value("reram").toObject().value("params").toObject();
    QJsonObject o{{"model", p.value("model")},
                  {"batch", double(m.batch)},
                  {"lora_rank", double(m.rank)},
                  {"mapping", mappingName},
                  {"flops_per_step", QJsonObject{{"FULL", m.fullTrace.totalFlops()}, {"LORA", m.loraTrace.totalFlops()}}},
                  {"ops_per_step", QJsonObject{{"FULL", int(m.fullTrace.ops.size())}, {"LORA", int(m.loraTrace.ops.size())}}},
                  {"phases", phases},
                  {"capacity", pr.capacity},
                  {"per_step_comparison", cmp},
                  {"wear_after_one_step_each", pr.wear},
                  {"describe", pr.describe}};
    if (!reram.isEmpty())
        o.insert("reram_energies", QJsonObject{{"adc_energy_j_per_conversion", reram.value("adc_energy_j")},
                                               {"dac_energy_j_per_dac_cycle", reram.value("dac_energy_j")},
                                               {"crossbar_read_energy_j", reram.value("crossbar_read_energy_j")}});
    if (p.isSet("sensitivity")) {
        bool ok = false;
        const double f = p.isSet("range") ? p.value("range").toDouble(&ok) : 0.5;
        if (p.isSet("range") && (!ok || f <= 0 || f >= 1))
            throw configError("--range", "expected a fraction in (0, 1), e.g. 0.5 for ±50%");
        o.insert("sensitivity", QJsonObject{{"range", f}, {"baseline", cmp},
                                            {"parameters", sensitivity(host, m, mapping, devices, pr.describe, f)}});
        if (p.isSet("chart")) {
            hpt::gui::exportTornadoChart(o.value("sensitivity").toObject(), p.value("chart"), p.isSet("force"));
            o.insert("chart", p.value("chart"));
        }
    } else if (p.isSet("chart"))
        throw configError("--chart", "the tornado chart draws the sensitivity; add --sensitivity");
    if (p.isSet("json")) {
        std::fputs(QJsonDocument(o).toJson().constData(), stdout);
        return hpt::cli::Ok;
    }
    std::printf("%s, batch %lld, LoRA rank %lld, mapping %s: one training step per phase (%zu ops FULL, %zu ops LORA)\n",
                qPrintable(p.value("model")), (long long)m.batch, (long long)m.rank, qPrintable(mappingName),
                m.fullTrace.ops.size(), m.loraTrace.ops.size());
    for (int i = 0; i < 3; ++i) {
        std::printf("%s step: %.6g s, %.6g J\n", hpt::toString(hpt::Phase(i)), pr.seconds[i], energyOf(pr.step[i]));
        for (const auto& [k, v] : pr.step[i]) {
            printCost(k.c_str(), v);
            if (breakdown)
                for (int c = 0; c < hpt::kComponents; ++c)
                    if (v.time[size_t(c)] != 0 || v.energy[size_t(c)] != 0)
                        std::printf("      %-13s %14.6g s %14.6g J\n", hpt::toString(hpt::Component(c)), v.time[size_t(c)],
                                    v.energy[size_t(c)]);
        }
        for (const auto& [k, v] : pr.enter[i]) {
            std::printf("%s once, when the phase starts:\n", hpt::toString(hpt::Phase(i)));
            printCost(k.c_str(), v);
        }
    }
    if (!pr.capacity.isEmpty())
        std::printf("Capacity (%s): %g crossbars needed, %g per chip -> %g chip(s), policy %s, %g cell writes per step to "
                    "reprogram\n",
                    qPrintable(pr.capacity.value("role").toString()), pr.capacity.value("crossbars_needed").toDouble(),
                    pr.capacity.value("crossbars_available").toDouble(), pr.capacity.value("chips").toDouble(),
                    qPrintable(pr.capacity.value("policy").toString()),
                    pr.capacity.value("reprogram_writes_per_step").toDouble());
    std::printf("Per step: FULL on gpu-only %.6g s, %.6g J; LORA on %s %.6g s, %.6g J; FULL/LORA time x%.3g, energy x%.3g\n",
                cmp.value("full_gpu_only").toObject().value("time_s").toDouble(),
                cmp.value("full_gpu_only").toObject().value("energy_j").toDouble(), qPrintable(mappingName),
                cmp.value("lora_mapping").toObject().value("time_s").toDouble(),
                cmp.value("lora_mapping").toObject().value("energy_j").toDouble(),
                cmp.value("time_ratio_full_over_lora").toDouble(), cmp.value("energy_ratio_full_over_lora").toDouble());
    if (o.contains("sensitivity"))
        for (const auto& r : o.value("sensitivity").toObject().value("parameters").toArray()) {
            const QJsonObject x = r.toObject();
            std::printf("  %-8s %-28s time x%.3g..x%.3g  energy x%.3g..x%.3g%s\n", qPrintable(x.value("role").toString()),
                        qPrintable(x.value("parameter").toString()),
                        x.value("low").toObject().value("time_ratio").toDouble(),
                        x.value("high").toObject().value("time_ratio").toDouble(),
                        x.value("low").toObject().value("energy_ratio").toDouble(),
                        x.value("high").toObject().value("energy_ratio").toDouble(),
                        x.value("assumption").toBool() ? "  (assumption)" : "");
        }
    return hpt::cli::Ok;
}

// --bench: cost evaluation vs a training step of the model on the host.
int bench(const QCommandLineParser& p, const hpt::PluginHost& host) {
    PricedModel m = buildModel(p, host);
    const int steps = int(positiveInt(p, "steps", 20));
    hpt::StepCoster coster(host, mappingConfig(p), devicesConfig(p));
    auto& net = m.full->module();
    net.train();
    torch::optim::AdamW opt(net.parameters(), torch::optim::AdamWOptions(1e-4));
    hpt::ModelShape shape = referenceShape(host, p.value("model"));
    shape.stations = positiveInt(p, "stations", shape.stations);
    shape.features = positiveInt(p, "features", shape.features);
    auto x = torch::randn({m.batch, shape.stations, shape.features});
    auto y0 = m.full->forward(x).detach();
    auto y = torch::randn_like(y0);
    using clock = std::chrono::steady_clock;
    auto seconds = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
    // Training step on the host (forward, backward, AdamW), after two warm-up steps.
    for (int i = 0; i < 2; ++i) {
        opt.zero_grad();
        torch::mse_loss(m.full->forward(x), y).backward();
        opt.step();
    }
    auto t0 = clock::now();
    for (int i = 0; i < steps; ++i) {
        opt.zero_grad();
        torch::mse_loss(m.full->forward(x), y).backward();
        opt.step();
    }
    const double stepS = seconds(t0, clock::now()) / steps;
    // Cost evaluation: first call prices the trace, later calls hit the cache.
    t0 = clock::now();
    coster.stepCost(m.fullTrace, hpt::Phase::Full);
    const double firstS = seconds(t0, clock::now());
    const int evals = 10000;
    t0 = clock::now();
    for (int i = 0; i < evals; ++i) coster.stepCost(m.fullTrace, hpt::Phase::Full);
    const double steadyS = seconds(t0, clock::now()) / evals;
    t0 = clock::now();
    for (int i = 0; i < 100; ++i) (void)m.full->trace(m.batch);
    const double traceS = seconds(t0, clock::now()) / 100;
    const QJsonObject o{{"model", p.value("model")},
                        {"batch", double(m.batch)},
                        {"ops_per_step", int(m.fullTrace.ops.size())},
                        {"training_step_s", stepS},
                        {"cost_first_eval_s", firstS},
                        {"cost_steady_eval_s", steadyS},
                        {"model_trace_s", traceS},
                        {"steady_cost_pct_of_step", 100.0 * steadyS / stepS},
                        {"steady_cost_plus_trace_pct_of_step", 100.0 * (steadyS + traceS) / stepS}};
    if (p.isSet("json")) std::fputs(QJsonDocument(o).toJson().constData(), stdout);
    else {
        std::printf("%s, batch %lld, %zu ops per step (host: %d threads)\n", qPrintable(p.value("model")),
                    (long long)m.batch, m.fullTrace.ops.size(), torch::get_num_threads());
        std::printf("  training step (forward+backward+AdamW) %12.3f us\n", stepS * 1e6);
        std::printf("  cost, first evaluation (pricing)       %12.3f us\n", firstS * 1e6);
        std::printf("  cost, steady state (signature+lookup)  %12.3f us  = %.4f%% of a step\n", steadyS * 1e6,
                    100.0 * steadyS / stepS);
        std::printf("  model trace() build                    %12.3f us  (with it: %.4f%% of a step)\n", traceS * 1e6,
                    100.0 * (steadyS + traceS) / stepS);
    }
    return hpt::cli::Ok;
}

int runCost(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "Price operations on device models.\n"
        "  hpt cost --device NAME --gemm M,K,N [--preset P] [--set key=value ...] [--dataflow os|ws|is] [--json]\n"
        "  hpt cost --model M [--preset P] --mapping gpu-only|hpt|reram-naive [--stations S --features F --outputs O]\n"
        "           [--batch B] [--gpu-preset H100] [--systolic-preset default] [--reram-preset isaac]\n"
        "           [--set role.key=value ...] [--overlap] [--capacity-policy chips|reprogram]\n"
        "           [--breakdown] [--sensitivity [--range 0.5] [--chart FILE.png|pdf|svg [--force]]] [--json]\n"
        "  hpt cost --bench --model M [...]   cost evaluation time vs a training step on this host");
    p.addHelpOption();
    hpt::cli::addPluginOptions(p);
    p.addOptions({{"device", "Device plugin to price a single GEMM on.", "NAME"},
                  {"gemm", "GEMM (M x K).(K x N); K x N is the stored weight.", "M,K,N"},
                  {"preset", "Device preset (--device) or model preset (--model; default compact).", "P"},
                  {"set", "Parameter override (repeatable); role.key=value with --model.", "key=value"},
                  {"dataflow", "Systolic dataflow: os, ws or is.", "DF"},
                  {"model", "Model plugin to price one training step of.", "M"},
                  {"mapping", "Mapping preset: gpu-only, hpt (default) or reram-naive.", "X"},
                  {"stations", "Stations (sequence length).", "S"},
                  {"features", "Input features per station.", "F"},
                  {"outputs", "Outputs per sample.", "O"},
                  {"batch", "Batch size of the step (default 1).", "B"},
                  {"rank", "LoRA rank for the LORA phase (default: model metadata or 8).", "R"},
                  {"gpu-preset", "GPU preset (V100, A100, H100, H200).", "P"},
                  {"systolic-preset", "Systolic preset.", "P"},
                  {"reram-preset", "ReRAM preset (isaac, pipelayer, neurosim).", "P"},
                  {"breakdown", "Time and energy per phase and device by component (adc, dac, crossbar, static, launch, ...)."},
                  {"overlap", "Tiers of a step run concurrently: the step takes its critical path."},
                  {"capacity-policy", "When weights do not fit one chip: chips (default) or reprogram.", "P"},
                  {"sensitivity", "Vary every device parameter by +-range and report the FULL/LORA ratios."},
                  {"range", "Relative range of --sensitivity (default 0.5 = +-50%).", "F"},
                  {"chart", "With --sensitivity: draw the tornado chart to FILE (.png, .pdf or .svg).", "FILE"},
                  {"force", "Overwrite an existing --chart file."},
                  {"bench", "Benchmark cost evaluation against a training step (needs --model)."},
                  {"steps", "Training steps timed by --bench (default 20).", "N"},
                  {"json", "Print JSON."}});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    try {
        auto host = hpt::cli::loadPlugins(p);
        if (p.isSet("device")) {
            if (!p.isSet("gemm")) throw configError("--gemm", "give the GEMM to price as --gemm M,K,N");
            return gemmCost(p, *host);
        }
        if (!p.isSet("model")) throw configError("--model", "give --device NAME --gemm M,K,N or --model M (see --help)");
        return p.isSet("bench") ? bench(p, *host) : modelCost(p, *host);
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("cost", "Price a GEMM on a device, or a model's training step per phase and mapping", runCost);
