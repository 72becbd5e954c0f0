// `hpt models`: lists model plugins; `--describe NAME` builds the model for a
// shape and prints every named parameter with shape and count, totals, LoRA
// targets, modules to save and monitored layers, per preset. (Step timings:
// the bench_models executable in tests/models.)
#include "cli/Command.h"

#include "plugin/PluginHost.h"

#include <hpt/Error.h>
#include <hpt/Model.h>
#include <hpt/Params.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <cstdio>
#include <optional>

namespace {

using hpt::PluginKind;

// The shape of the model's reference data set (metadata "reference_shape"): stations × features → outputs.
std::optional<hpt::ModelShape> defaultShape(const QJsonObject& meta) {
    const QJsonObject r = meta.value("reference_shape").toObject();
    const hpt::ModelShape s{r.value("stations").toInteger(), r.value("features").toInteger(), r.value("outputs").toInteger()};
    if (s.stations <= 0 || s.features <= 0 || s.outputs <= 0) return std::nullopt;
    return s;
}

// fnmatch-style: '*' matches any run of characters (dots included), as LoRA target patterns do.
bool wildcardMatch(const QString& pattern, const QString& name) {
    QStringList parts = pattern.split('*');
    for (auto& p : parts) p = QRegularExpression::escape(p);
    return QRegularExpression(QRegularExpression::anchoredPattern(parts.join(".*"))).match(name).hasMatch();
}

QString withThousands(int64_t n) {
    QString s = QString::number(n);
    for (int i = s.size() - 3; i > (n < 0 ? 1 : 0); i -= 3) s.insert(i, ',');
    return s;
}

QJsonObject presetBlock(const QJsonObject& meta, const QString& preset, const char* key) {
    QJsonObject o = meta.value(key).toObject();
    const auto over = meta.value("preset_defaults").toObject().value(preset).toObject().value(key).toObject();
    for (auto it = over.begin(); it != over.end(); ++it) o.insert(it.key(), it.value());
    return o;
}

hpt::ModelShape shapeFrom(const QCommandLineParser& p, const QString& name, const QJsonObject& meta) {
    auto shape = defaultShape(meta);
    const bool given = p.isSet("stations") || p.isSet("features") || p.isSet("outputs");
    if (!shape && !(p.isSet("stations") && p.isSet("features") && p.isSet("outputs")))
        throw hpt::configError("--stations/--features/--outputs",
                               "model '" + name.toStdString() + "' declares no reference_shape; give all three");
    hpt::ModelShape s = shape.value_or(hpt::ModelShape{});
    if (given) {
        auto read = [&](const char* opt, int64_t fallback) {
            if (!p.isSet(opt)) return fallback;
            bool ok = false;
            const qlonglong v = p.value(opt).toLongLong(&ok);
            if (!ok || v < 1) throw hpt::configError(std::string("--") + opt, "expected a positive integer, got '" +
                                                                                  p.value(opt).toStdString() + "'");
            return int64_t(v);
        };
        s = {read("stations", s.stations), read("features", s.features), read("outputs", s.outputs)};
    }
    return s;
}

QStringList presetsOf(const hpt::PluginRecord& rec, const QCommandLineParser& p) {
    if (p.isSet("preset")) return {p.value("preset")};
    QStringList presets = rec.meta.value("presets").toObject().keys();
    return presets.isEmpty() ? QStringList{QString()} : presets;
}

QJsonObject describePreset(const hpt::PluginRecord& rec, hpt::ModelPlugin* plugin, const QString& preset,
                           const hpt::ModelShape& shape) {
    const QJsonObject params =
        hpt::resolveParams(rec.params, rec.meta.value("presets").toObject(), preset, {}, "model.params");
    auto model = plugin->create(shape, params);
    auto& module = model->module();

    QJsonArray parameters;
    int64_t total = 0, trainable = 0;
    QStringList names;
    for (const auto& kv : module.named_parameters()) {
        const auto& t = kv.value();
        total += t.numel();
        if (t.requires_grad()) trainable += t.numel();
        names << QString::fromStdString(kv.key());
        QJsonArray dims;
        for (auto d : t.sizes()) dims.append(qint64(d));
        parameters.append(QJsonObject{{"name", names.back()}, {"shape", dims}, {"count", qint64(t.numel())},
                                      {"trainable", t.requires_grad()}});
    }

    const QJsonObject lora = presetBlock(rec.meta, preset, "lora");
    const QJsonObject switching = presetBlock(rec.meta, preset, "switching");
    const QJsonObject training = presetBlock(rec.meta, preset, "training");
    const int64_t rank = lora.value("rank").toInteger(8);

    // What the LORA phase would train: adapters on the targets plus the modules to save.
    QJsonArray targetModules;
    int64_t adapterValues = 0;
    for (const auto& kv : module.named_modules("", false)) {
        const QString n = QString::fromStdString(kv.key());
        bool hit = false;
        for (const auto& pat : lora.value("targets").toArray()) hit = hit || wildcardMatch(pat.toString(), n);
        if (!hit) continue;
        targetModules.append(n);
        if (auto* lin = kv.value()->as<hpt::AdaptableLinearImpl>())
            adapterValues += rank * (lin->inFeatures() + lin->outFeatures());
    }
    int64_t savedValues = 0;
    for (const auto& kv : module.named_parameters()) {
        const QString n = QString::fromStdString(kv.key());
        for (const auto& save : lora.value("modules_to_save").toArray())
            if (n == save.toString() || n.startsWith(save.toString() + ".")) {
                savedValues += kv.value().numel();
                break;
            }
    }
    QJsonArray attention;
    for (const auto& a : model->attentionLayers()) attention.append(QString::fromStdString(a));

    const hpt::Trace trace = model->trace(training.value("batch_size").toInt(1));
    return QJsonObject{{"preset", preset},
                       {"shape", QJsonObject{{"stations", qint64(shape.stations)}, {"features", qint64(shape.features)},
                                             {"outputs", qint64(shape.outputs)}}},
                       {"params", params},
                       {"parameters", parameters},
                       {"total_parameters", qint64(total)},
                       {"trainable_parameters", qint64(trainable)},
                       {"attention_layers", attention},
                       {"lora", lora},
                       {"lora_target_modules", targetModules},
                       {"lora_phase_trainable_parameters", qint64(adapterValues + savedValues)},
                       {"modules_to_save_parameters", qint64(savedValues)},
                       {"switching", switching},
                       {"training", training},
                       {"trace_gflop_per_step", trace.totalFlops() / 1e9},
                       {"trace_ops_per_step", qint64(trace.ops.size())}};
}

void printPreset(const QJsonObject& d) {
    const auto shape = d.value("shape").toObject();
    std::printf("\npreset %s — %lld stations × %lld features → %lld outputs\n", qPrintable(d.value("preset").toString()),
                shape.value("stations").toInteger(), shape.value("features").toInteger(),
                shape.value("outputs").toInteger());
    std::printf("  hyperparameters: %s\n",
                QJsonDocument(d.value("params").toObject()).toJson(QJsonDocument::Compact).constData());
    std::printf("  %-34s %-16s %12s\n", "PARAMETER", "SHAPE", "COUNT");
    for (const auto& v : d.value("parameters").toArray()) {
        const auto p = v.toObject();
        QStringList dims;
        for (const auto& x : p.value("shape").toArray()) dims << QString::number(x.toInteger());
        std::printf("  %-34s %-16s %12s%s\n", qPrintable(p.value("name").toString()), qPrintable("[" + dims.join(", ") + "]"),
                    qPrintable(withThousands(p.value("count").toInteger())), p.value("trainable").toBool() ? "" : "  (frozen)");
    }
    std::printf("  total parameters:      %s\n", qPrintable(withThousands(d.value("total_parameters").toInteger())));
    std::printf("  trainable parameters:  %s\n", qPrintable(withThousands(d.value("trainable_parameters").toInteger())));
    const auto lora = d.value("lora").toObject();
    QStringList targets, save, monitored, modules;
    for (const auto& t : lora.value("targets").toArray()) targets << t.toString();
    for (const auto& t : lora.value("modules_to_save").toArray()) save << t.toString();
    for (const auto& t : d.value("switching").toObject().value("monitored_layers").toArray()) monitored << t.toString();
    for (const auto& t : d.value("lora_target_modules").toArray()) modules << t.toString();
    std::printf("  LoRA: rank %lld, alpha %g, dropout %g\n", lora.value("rank").toInteger(), lora.value("alpha").toDouble(),
                lora.value("dropout").toDouble());
    std::printf("  LoRA targets: %s → %lld modules (%s)\n", qPrintable(targets.join(", ")), qlonglong(modules.size()),
                qPrintable(modules.size() > 4 ? modules.mid(0, 2).join(", ") + ", …, " + modules.last() : modules.join(", ")));
    std::printf("  modules to save: %s (%s parameters)\n", qPrintable(save.join(", ")),
                qPrintable(withThousands(d.value("modules_to_save_parameters").toInteger())));
    std::printf("  LORA phase trains: %s parameters (adapters + modules to save)\n",
                qPrintable(withThousands(d.value("lora_phase_trainable_parameters").toInteger())));
    std::printf("  monitored layers: %s; checks every %lld batches\n", qPrintable(monitored.join(", ")),
                d.value("switching").toObject().value("check_every").toInteger());
    std::printf("  training: %s\n", QJsonDocument(d.value("training").toObject()).toJson(QJsonDocument::Compact).constData());
    std::printf("  one training step (trace): %.2f GFLOP in %lld ops\n", d.value("trace_gflop_per_step").toDouble(),
                d.value("trace_ops_per_step").toInteger());
}

int runModels(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("List model plugins, or describe one: named parameters with shapes and counts, "
                                "LoRA targets, modules to save, monitored layers, per preset.");
    p.addHelpOption();
    hpt::cli::addPluginOptions(p);
    p.addOption({"describe", "Build model NAME and list its named parameters, per preset.", "NAME"});
    p.addOption({"preset", "Only this preset.", "P"});
    p.addOption({"stations", "Stations (the attention sequence).", "S"});
    p.addOption({"features", "Inputs per station.", "F"});
    p.addOption({"outputs", "Outputs per sample.", "O"});
    p.addOption({"json", "Print JSON."});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    try {
        auto host = hpt::cli::loadPlugins(p);
        if (p.isSet("describe")) {
            const auto& rec = host->require(PluginKind::Model, p.value("describe"));
            const auto shape = shapeFrom(p, rec.name, rec.meta);
            QJsonArray presets;
            for (const auto& preset : presetsOf(rec, p)) presets.append(describePreset(rec, host->model(rec.name), preset, shape));
            const QJsonObject o{{"name", rec.name}, {"version", rec.version}, {"description", rec.description},
                                {"file", rec.file}, {"presets", presets}};
            if (p.isSet("json")) {
                std::fputs(QJsonDocument(o).toJson().constData(), stdout);
                return 0;
            }
            std::printf("%s %s — %s\n  %s\n", qPrintable(rec.name), qPrintable(rec.version), qPrintable(rec.description),
                        qPrintable(rec.file));
            for (const auto& d : presets) printPreset(d.toObject());
            return 0;
        }
        QJsonArray list;
        for (const auto* r : host->loaded()) {
            if (r->kind != PluginKind::Model) continue;
            list.append(QJsonObject{{"name", r->name}, {"version", r->version}, {"description", r->description},
                                    {"dataset", r->meta.value("dataset")},
                                    {"presets", QJsonArray::fromStringList(r->meta.value("presets").toObject().keys())},
                                    {"file", r->file}});
        }
        if (p.isSet("json")) {
            std::fputs(QJsonDocument(list).toJson().constData(), stdout);
            return 0;
        }
        std::printf("%-10s %-8s %-10s %-16s %s\n", "NAME", "VERSION", "DATASET", "PRESETS", "DESCRIPTION");
        for (const auto& v : list) {
            const auto o = v.toObject();
            QStringList presets;
            for (const auto& x : o.value("presets").toArray()) presets << x.toString();
            std::printf("%-10s %-8s %-10s %-16s %s\n", qPrintable(o.value("name").toString()),
                        qPrintable(o.value("version").toString()), qPrintable(o.value("dataset").toString()),
                        qPrintable(presets.join(",")), qPrintable(o.value("description").toString()));
        }
        return 0;
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("models", "List model plugins; --describe NAME lists named parameters, counts and LoRA defaults", runModels);
