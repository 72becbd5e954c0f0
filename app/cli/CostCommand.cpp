// `hpt cost`: price one GEMM on one device, or one training step of a model
// in each phase under a mapping, or (--bench) time cost evaluation against a
// training step. A thin shell over core/cost.
#include "cli/Command.h"

#include "cost/LoraState.h"
#include "cost/StepCoster.h"
#include "plugin/PluginHost.h"

#include <hpt/Error.h>
#include <hpt/Model.h>
#include <hpt/Params.h>

#include <QElapsedTimer>
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

QJsonObject costJson(const hpt::Cost& c) {
    return {{"cycles", c.cycles}, {"time_s", c.seconds}, {"energy_j", c.joules}, {"cell_writes", c.cellWrites}};
}

void printCost(const char* label, const hpt::Cost& c) {
    std::printf("  %-10s %14.6g cycles %14.6g s %14.6g J %14.6g cell writes\n", label, c.cycles, c.seconds, c.joules,
                c.cellWrites);
}

// Default shapes of the models' reference data sets (stations × features → outputs).
hpt::ModelShape defaultShape(const QString& model) {
    if (model == "swe") return {323, 19, 323};
    if (model == "covid") return {50, 19, 50};
    if (model == "wind") return {57, 12, 57};
    if (model == "weather") return {29, 13, 29};
    return {};
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
    int64_t batch = 1;
};

PricedModel buildModel(const QCommandLineParser& p, const hpt::PluginHost& host) {
    const QString name = p.value("model");
    const auto& rec = host.require(hpt::PluginKind::Model, name);
    const QJsonObject presets = rec.meta.value("presets").toObject();
    const QString preset = p.isSet("preset") ? p.value("preset") : (presets.contains("compact") ? "compact" : "");
    const QJsonObject params = hpt::resolveParams(rec.params, presets, preset, {}, "model");
    hpt::ModelShape shape = defaultShape(name);
    shape.stations = positiveInt(p, "stations", shape.stations);
    shape.features = positiveInt(p, "features", shape.features);
    shape.outputs = positiveInt(p, "outputs", shape.outputs ? shape.outputs : shape.stations);
    if (shape.stations <= 0 || shape.features <= 0)
        throw configError("--stations", "model '" + name.toStdString() +
                                            "' has no default shape; give --stations, --features and --outputs");
    auto* plugin = qobject_cast<hpt::ModelPlugin*>(rec.instance);
    PricedModel m;
    m.batch = positiveInt(p, "batch", 1);
    m.full = plugin->create(shape, params);
    m.lora = plugin->create(shape, params);
    auto spec = hpt::cost::LoraStateSpec::fromJson(rec.meta.value("lora").toObject());
    if (p.isSet("rank")) spec.rank = positiveInt(p, "rank", spec.rank);
    hpt::cost::applyLoraState(m.lora->module(), spec);
    m.fullTrace = m.full->trace(m.batch);
    m.loraTrace = m.lora->trace(m.batch);
    return m;
}

QJsonObject devicesConfig(const QCommandLineParser& p) {
    QJsonObject cfg;
    for (const char* role : {"gpu", "systolic", "reram"}) {
        QJsonObject d;
        const QString opt = QString(role) + "-preset";
        if (p.isSet(opt)) d.insert("preset", p.value(opt));
        cfg.insert(role, d);
    }
    for (const auto& kv : p.values("set")) {
        const int eq = kv.indexOf('='), dot = kv.indexOf('.');
        if (eq <= 0 || dot <= 0 || dot > eq)
            throw configError("--set", "in model mode use role.key=value (e.g. reram.endurance=1e8), got '" + kv.toStdString() + "'");
        const QString role = kv.left(dot);
        if (!cfg.contains(role)) throw configError("--set", "unknown device role '" + role.toStdString() + "'; use gpu, systolic or reram");
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

void addInto(std::map<std::string, hpt::Cost>& into, const std::map<std::string, hpt::Cost>& from) {
    for (const auto& [k, v] : from) into[k] += v;
}

QJsonObject rolesJson(const std::map<std::string, hpt::Cost>& costs) {
    QJsonObject o;
    hpt::Cost total;
    for (const auto& [k, v] : costs) {
        o.insert(QString::fromStdString(k), costJson(v));
        total.seconds += v.seconds;  // devices run one after another within a step (no overlap modelled)
        total.joules += v.joules;
        total.cellWrites += v.cellWrites;
    }
    o.insert("total", QJsonObject{{"time_s", total.seconds}, {"energy_j", total.joules}, {"cell_writes", total.cellWrites}});
    return o;
}

// --model M --mapping X: one step of each phase.
int modelCost(const QCommandLineParser& p, const hpt::PluginHost& host) {
    PricedModel m = buildModel(p, host);
    const QString mappingName = p.isSet("mapping") ? p.value("mapping") : "hpt";
    hpt::StepCoster coster(host, QJsonObject{{"preset", mappingName}}, devicesConfig(p));
    QJsonObject phases;
    std::map<std::string, hpt::Cost> step[3], enter[3];
    step[0] = coster.stepCost(m.fullTrace, hpt::Phase::Full);
    enter[1] = coster.enterPhase(hpt::Phase::Dual, m.loraTrace);
    step[1] = coster.stepCost(m.fullTrace, hpt::Phase::Dual);
    addInto(step[1], coster.stepCost(m.loraTrace, hpt::Phase::Dual));
    enter[2] = coster.enterPhase(hpt::Phase::Lora, m.loraTrace);
    step[2] = coster.stepCost(m.loraTrace, hpt::Phase::Lora);
    for (int i = 0; i < 3; ++i)
        phases.insert(hpt::toString(hpt::Phase(i)), QJsonObject{{"step", rolesJson(step[i])}, {"enter", rolesJson(enter[i])}});
    const QJsonObject wear = coster.wear();
    if (p.isSet("json")) {
        const QJsonObject o{{"model", p.value("model")},
                            {"batch", double(m.batch)},
                            {"mapping", mappingName},
                            {"flops_per_step", QJsonObject{{"FULL", m.fullTrace.totalFlops()}, {"LORA", m.loraTrace.totalFlops()}}},
                            {"ops_per_step", QJsonObject{{"FULL", int(m.fullTrace.ops.size())}, {"LORA", int(m.loraTrace.ops.size())}}},
                            {"phases", phases},
                            {"wear_after_one_step_each", wear},
                            {"describe", coster.describe()}};
        std::fputs(QJsonDocument(o).toJson().constData(), stdout);
        return hpt::cli::Ok;
    }
    std::printf("%s, batch %lld, mapping %s: one training step per phase (%zu ops FULL, %zu ops LORA)\n",
                qPrintable(p.value("model")), (long long)m.batch, qPrintable(mappingName), m.fullTrace.ops.size(),
                m.loraTrace.ops.size());
    for (int i = 0; i < 3; ++i) {
        std::printf("%s step:\n", hpt::toString(hpt::Phase(i)));
        for (const auto& [k, v] : step[i]) printCost(k.c_str(), v);
        for (const auto& [k, v] : enter[i]) {
            std::printf("%s once, when the phase starts:\n", hpt::toString(hpt::Phase(i)));
            printCost(k.c_str(), v);
        }
    }
    std::printf("ReRAM: %g crossbars used of %g (%s), max %g writes per cell, %.3g%% of endurance\n",
                wear.value("crossbars_used").toDouble(), wear.value("crossbars_available").toDouble(),
                wear.value("fits").toBool() ? "fits" : qPrintable(QString("does not fit: needs %1 tiles").arg(wear.value("tiles_needed").toDouble())),
                wear.value("max_writes_per_cell").toDouble(), wear.value("endurance_used_pct").toDouble());
    return hpt::cli::Ok;
}

// --bench: cost evaluation vs a training step of the model on the host.
int bench(const QCommandLineParser& p, const hpt::PluginHost& host) {
    PricedModel m = buildModel(p, host);
    const int steps = int(positiveInt(p, "steps", 20));
    const QString mappingName = p.isSet("mapping") ? p.value("mapping") : "hpt";
    hpt::StepCoster coster(host, QJsonObject{{"preset", mappingName}}, devicesConfig(p));
    auto& net = m.full->module();
    net.train();
    torch::optim::AdamW opt(net.parameters(), torch::optim::AdamWOptions(1e-4));
    hpt::ModelShape shape = defaultShape(p.value("model"));
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
        "           [--set role.key=value ...] [--json]\n"
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
