// `hpt data --describe NAME [--data-dir DIR] [--set key=value]... [--json]`:
// what a user needs before training on a dataset — real or synthetic, file and
// checksum, split sizes, input/target shapes, train-only normalisation, load
// time and the naive baselines on the test split in real units.
#include "cli/Command.h"

#include "plugin/PluginHost.h"

#include <hpt/Dataset.h>
#include <hpt/Error.h>
#include <hpt/Params.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>

namespace {

QJsonArray shapeOf(const torch::Tensor& t) {
    QJsonArray a;
    if (!t.defined()) return a;
    for (int64_t d : t.sizes()) a.append(double(d));
    return a;
}

QString shapeText(const torch::Tensor& t) {
    QStringList parts;
    if (t.defined())
        for (int64_t d : t.sizes()) parts << QString::number(d);
    return "[" + parts.join(", ") + "]";
}

QJsonArray strings(const std::vector<std::string>& v) {
    QJsonArray a;
    for (const auto& s : v) a.append(QString::fromStdString(s));
    return a;
}

QJsonObject infoJson(const hpt::DatasetInfo& i) {
    return {{"name", QString::fromStdString(i.name)},     {"synthetic", i.synthetic},
            {"source", QString::fromStdString(i.source)}, {"path", QString::fromStdString(i.path)},
            {"sha256", QString::fromStdString(i.sha256)}, {"features", strings(i.features)},
            {"stations", strings(i.stations)},            {"target", QString::fromStdString(i.target)},
            {"target_unit", QString::fromStdString(i.targetUnit)},
            {"missing_policy", QString::fromStdString(i.missingPolicy)},
            {"normalization", i.normalization},           {"notes", i.notes}};
}

// --set key=value: the value is read as JSON when it parses (numbers, true, [..]), else as text.
QJsonObject parseOverrides(const QStringList& sets) {
    QJsonObject o;
    for (const auto& s : sets) {
        const int eq = s.indexOf('=');
        if (eq <= 0) throw hpt::configError("--set " + s.toStdString(), "expected key=value, e.g. --set window=24");
        const QString key = s.left(eq), text = s.mid(eq + 1);
        QJsonParseError err{};
        const auto doc = QJsonDocument::fromJson(("[" + text + "]").toUtf8(), &err);
        o.insert(key, err.error == QJsonParseError::NoError && doc.array().size() == 1 ? doc.array().at(0) : QJsonValue(text));
    }
    return o;
}

void printStats(const char* title, const QJsonObject& n) {
    const auto ch = n.value("channels").toArray();
    if (ch.isEmpty()) return;
    std::printf("  %s (%s, fitted on %s):\n", title, qPrintable(n.value("method").toString()),
                qPrintable(n.value("fitted_on").toString("train")));
    const int show = std::min<int>(int(ch.size()), 20);
    for (int k = 0; k < show; ++k) {
        const auto c = ch.at(k).toObject();
        std::printf("    %-28s mean %12.5g  std %12.5g %s\n", qPrintable(c.value("name").toString(QString::number(k))),
                    c.value("mean").toDouble(), c.value("std").toDouble(), qPrintable(c.value("unit").toString()));
    }
    if (ch.size() > show) std::printf("    ... %d more channels (see --json)\n", int(ch.size()) - show);
}

int runData(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Describe a dataset before training: source and checksum, split sizes, shapes, "
                                "normalisation statistics, load time and naive baselines on the test split.");
    p.addHelpOption();
    hpt::cli::addPluginOptions(p);
    p.addOption({"describe", "Dataset plugin to describe (wind, covid, swe, weather, ...).", "NAME"});
    p.addOption({"data-dir", "Folder holding the dataset files (default: $HPT_DATA_DIR, then the download folder).", "DIR"});
    p.addOption({"set", "Dataset parameter override key=value (repeatable).", "KEY=VALUE"});
    p.addOption({"json", "Print JSON."});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    const QString name = p.value("describe");
    if (name.isEmpty()) {
        std::fprintf(stderr, "%s: --describe NAME is required\nSee '%s --help'.\n", qPrintable(args.value(0)),
                     qPrintable(args.value(0)));
        return hpt::cli::BadArguments;
    }
    try {
        auto host = hpt::cli::loadPlugins(p);
        const auto& rec = host->require(hpt::PluginKind::Dataset, name);
        const QJsonObject params = hpt::resolveParams(rec.params, rec.meta.value("presets").toObject(), QString(),
                                                      parseOverrides(p.values("set")), "dataset.params");
        QElapsedTimer timer;
        timer.start();
        const auto ds = host->dataset(name)->load(params, p.value("data-dir"));
        const double loadMs = double(timer.nsecsElapsed()) / 1e6;
        const auto info = ds->info();
        const auto& tr = ds->train();
        const auto& te = ds->test();
        const QJsonObject baselines = ds->baselines();
        if (p.isSet("json")) {
            const QJsonObject o{{"plugin", QJsonObject{{"name", rec.name}, {"version", rec.version}, {"file", rec.file}}},
                                {"params", params},
                                {"info", infoJson(info)},
                                {"train", QJsonObject{{"samples", double(tr.size())}, {"x", shapeOf(tr.x)}, {"y", shapeOf(tr.y)}}},
                                {"test", QJsonObject{{"samples", double(te.size())}, {"x", shapeOf(te.x)}, {"y", shapeOf(te.y)}}},
                                {"baselines", baselines},
                                {"load_ms", loadMs}};
            std::fputs(QJsonDocument(o).toJson().constData(), stdout);
            return hpt::cli::Ok;
        }
        std::printf("dataset    %s %s  (%s)\n", qPrintable(rec.name), qPrintable(rec.version),
                    info.synthetic ? "SYNTHETIC" : "real data");
        std::printf("source     %s\n", info.source.c_str());
        if (!info.path.empty()) std::printf("file       %s\n", info.path.c_str());
        if (!info.sha256.empty()) {
            const auto n = info.notes;
            const char* verdict = n.contains("sha256_matches_manifest")
                                      ? (n.value("sha256_matches_manifest").toBool() ? " (matches datasets/manifest)"
                                                                                      : " (DIFFERS from datasets/manifest)")
                                      : "";
            std::printf("sha256     %s%s\n", info.sha256.c_str(), verdict);
        }
        std::printf("missing    %s\n", info.missingPolicy.c_str());
        std::printf("split      train %lld samples, test %lld samples\n", (long long)tr.size(), (long long)te.size());
        std::printf("inputs     x %s float32 [samples, stations, features], normalised\n", qPrintable(shapeText(tr.x)));
        std::printf("targets    y %s float32 [samples, outputs]: %s in %s\n", qPrintable(shapeText(tr.y)),
                    info.target.c_str(), info.targetUnit.c_str());
        std::printf("model      stations %lld, features %lld, outputs %lld\n", (long long)(tr.x.defined() ? tr.x.size(1) : 0),
                    (long long)(tr.x.defined() ? tr.x.size(2) : 0), (long long)(tr.y.defined() ? tr.y.size(1) : 0));
        std::printf("normalisation (training split only):\n");
        printStats("inputs", info.normalization);
        if (info.normalization.contains("target")) printStats("target", info.normalization.value("target").toObject());
        std::printf("baselines on the test split (%s):\n", qPrintable(baselines.value("unit").toString(QString::fromStdString(info.targetUnit))));
        for (auto it = baselines.begin(); it != baselines.end(); ++it) {
            if (!it.value().isObject()) continue;
            const auto b = it.value().toObject();
            std::printf("  %-12s rmse %10.4f  mae %10.4f  (n = %.0f)\n", qPrintable(it.key()), b.value("rmse").toDouble(),
                        b.value("mae").toDouble(), b.value("n").toDouble());
        }
        std::printf("load_ms    %.1f\n", loadMs);
        std::printf("notes      %s\n", QJsonDocument(info.notes).toJson(QJsonDocument::Compact).left(2000).constData());
        return hpt::cli::Ok;
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("data", "Describe a dataset: source, checksum, splits, shapes, normalisation, baselines", runData);
