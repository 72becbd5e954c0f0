// `hpt export --run ID [--store FILE] (--csv DIR | --json)`: a run's metrics,
// events, configuration and record, as CSV files for spreadsheets or as one
// JSON document on stdout for scripts.
// `hpt export --all [--where QUERY] [--store FILE] --format csv|jsonl DIR`: many runs
// as tidy tables for analysis code (core/store/TidyExport.h).
#include "cli/Command.h"
#include "cli/StoreArgument.h"
#include "cli/WhereOption.h"

#include "gui/ChartExport.h"
#include "store/Store.h"
#include "store/TidyExport.h"
#include "util/CsvText.h"
#include "util/SafeWrite.h"

#include <hpt/Error.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <cmath>
#include <cstdio>

namespace {

QByteArray number(double v) { return std::isnan(v) ? QByteArray() : QByteArray::number(v, 'g', 17); }

// Text cells follow the OWASP rule (util/CsvText.h): a formula-like start gets a leading '.
// Numbers are written by number() and never pass through here.
QByteArray csvField(const QByteArray& s) { return hpt::csvTextCell(QString::fromUtf8(s)).toUtf8(); }

// Every file is checked before the first is written, so a refusal leaves the folder as it was.
// Files are never written through a symlink, and replace an existing file only with --force.
void exportCsv(const hpt::Store& store, int64_t run, const QString& dir, bool force) {
    if (!QDir().mkpath(dir))
        throw hpt::Error(hpt::ErrorKind::Config, "--csv", "cannot create the folder " + dir.toStdString() + ".");
    const QStringList names{"metrics.csv", "events.csv", "config.json", "run.json"};
    for (const QString& n : names)
        if (const QString why = hpt::noFollowProblem(QDir(dir).filePath(n), force); !why.isEmpty())
            throw hpt::Error(hpt::ErrorKind::Store, QDir(dir).filePath(n).toStdString(), why.toStdString());
    QByteArray metrics = "step,key,value,wall_time_s\n";
    store.forEachMetric(run, {}, [&](const hpt::MetricPoint& m) {
        metrics += QByteArray::number(qint64(m.step)) + ',' + csvField(QByteArray::fromStdString(m.key)) + ',' +
                   number(m.value) + ',' + number(m.wallTime) + '\n';
    });
    QByteArray events = "step,epoch,type,wall_time_s,payload\n";
    for (const auto& e : store.events(run))
        events += QByteArray::number(qint64(e.step)) + ',' + QByteArray::number(e.epoch) + ',' +
                  csvField(QByteArray::fromStdString(e.type)) + ',' + number(e.wallTime) + ',' +
                  csvField(QJsonDocument(e.payload).toJson(QJsonDocument::Compact)) + '\n';
    hpt::writeFileNoFollow(QDir(dir).filePath(names[0]), metrics, force);
    hpt::writeFileNoFollow(QDir(dir).filePath(names[1]), events, force);
    hpt::writeFileNoFollow(QDir(dir).filePath(names[2]), QJsonDocument(store.runConfig(run)).toJson(), force);
    hpt::writeFileNoFollow(QDir(dir).filePath(names[3]), QJsonDocument(store.runRecord(run)).toJson(), force);
}

QJsonObject exportJson(const hpt::Store& store, int64_t run, int maxPoints) {
    QJsonObject o = store.runRecord(run);
    QJsonObject metrics;
    for (const QString& key : store.metricKeys(run)) {
        const auto steps = store.series(run, key, false, maxPoints);
        QJsonArray s, v, w;
        for (size_t i = 0; i < steps.x.size(); ++i) {
            s.append(steps.x[i]);
            v.append(std::isnan(steps.y[i]) ? QJsonValue() : QJsonValue(steps.y[i]));  // JSON has no NaN
        }
        if (maxPoints <= 0)
            for (double t : store.series(run, key, true).x) w.append(t);
        QJsonObject series{{"step", s}, {"value", v}};
        if (maxPoints <= 0) series["wall_time_s"] = w;
        metrics[key] = series;
    }
    o["metrics"] = metrics;
    QJsonArray events;
    for (const auto& e : store.events(run))
        events.append(QJsonObject{{"step", double(e.step)}, {"epoch", e.epoch}, {"type", QString::fromStdString(e.type)},
                                  {"wall_time_s", e.wallTime}, {"payload", e.payload}});
    o["events"] = events;
    return o;
}

// A stored run's device cost by phase, device and component (the run's final
// report keeps "devices_per_phase"; docs/devices.md "Breakdown"). One row per
// phase × device × component; the components of a device add up to its totals.
QJsonObject costBreakdown(const hpt::Store& store, int64_t run) {
    const QJsonObject per = store.runRecord(run).value("final").toObject().value("devices_per_phase").toObject();
    QJsonArray rows;
    for (auto ph = per.begin(); ph != per.end(); ++ph) {
        const QJsonObject roles = ph.value().toObject();
        for (auto r = roles.begin(); r != roles.end(); ++r) {
            const QJsonObject parts = r.value().toObject().value("components").toObject();
            for (auto c = parts.begin(); c != parts.end(); ++c)
                rows.append(QJsonObject{{"phase", ph.key()}, {"device", r.key()}, {"component", c.key()},
                                        {"time_s", c.value().toObject().value("time_s")},
                                        {"energy_j", c.value().toObject().value("energy_j")}});
        }
    }
    return {{"run", double(run)}, {"devices_per_phase", per}, {"rows", rows}};
}

QByteArray costBreakdownCsv(const QJsonObject& breakdown) {
    QByteArray out = "phase,device,component,time_s,energy_j\n";
    for (const auto& v : breakdown.value("rows").toArray()) {
        const QJsonObject r = v.toObject();
        out += csvField(r.value("phase").toString().toUtf8()) + ',' + csvField(r.value("device").toString().toUtf8()) + ',' +
               csvField(r.value("component").toString().toUtf8()) + ',' + number(r.value("time_s").toDouble()) + ',' +
               number(r.value("energy_j").toDouble()) + '\n';
    }
    return out;
}

// --all / --where: the positional argument is the output folder (the store comes from
// --store or $HPT_STORE), as in `hpt export --store F --all --format csv DIR`.
int exportTables(const QCommandLineParser& p, const QString& cmd) {
    hpt::Query where;
    try {
        where = hpt::cli::whereArgument(p);
    } catch (const hpt::QueryError& e) {
        return hpt::cli::reportQueryError(e, p.value("where"));
    }
    const QStringList pos = p.positionalArguments();
    if (pos.size() > 1 || (pos.size() == 1 && p.isSet("out")) || (pos.isEmpty() && !p.isSet("out"))) {
        std::fprintf(stderr, "%s: with --all or --where give one output folder: `%s --store FILE --all --format csv DIR`.\n",
                     qPrintable(cmd), qPrintable(cmd));
        return hpt::cli::BadArguments;
    }
    const QString dir = p.isSet("out") ? p.value("out") : pos.first();
    try {
        const hpt::TidyFormat format = hpt::parseTidyFormat(p.isSet("format") ? p.value("format") : QString("csv"));
        const QString path = p.isSet("store") ? p.value("store") : hpt::Store::defaultPath();
        if (!QFileInfo::exists(path)) {
            std::fprintf(stderr, "error: %s: does not exist; check the path (--store FILE).\n", qPrintable(path));
            return hpt::cli::BadArguments;
        }
        const hpt::Store store(path, true);
        const auto runs = hpt::queryRuns(store, where);
        for (const auto& r : runs)
            if (!r.damaged.isEmpty())
                std::fprintf(stderr, "warning: damaged: field %s of run %lld is not valid JSON; exported as empty\n",
                             qPrintable(r.damaged.join(", ")), static_cast<long long>(r.id));
        const QStringList files = hpt::writeTidyTables(store, runs, dir, format, p.isSet("force"));
        std::fprintf(stderr, "wrote %zu run(s) as %s to %s\n", runs.size(), qPrintable(files.join(", ")), qPrintable(dir));
        return hpt::cli::Ok;
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

int runExport(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Export one run: --csv DIR writes metrics.csv, events.csv, config.json and run.json;\n"
                                "--json prints the run record with its metrics and events on stdout.\n"
                                "Export many runs: --all [--where QUERY] --format csv|jsonl DIR writes the tidy tables\n"
                                "runs, tags, configs, final, metrics and events (resources/docs/analysis.md).");
    p.addHelpOption();
    hpt::cli::addStoreOption(p);
    p.addOption({"run", "The run id (see `hpt runs`).", "ID"});
    p.addOption({"all", "Every run (or those --where selects) as tidy tables into DIR; see --format."});
    hpt::cli::addWhereOption(p);
    p.addOption({"csv", "Write CSV and JSON files into DIR (created if missing).", "DIR"});
    p.addOption({"json", "Print JSON on stdout."});
    p.addOption({"breakdown", "Device time and energy by phase, device and component (with --json: that only; "
                              "with --csv: also cost_breakdown.csv)."});
    p.addOption({"max-points", "With --json: downsample each series to at most N points (min/max per bucket; 0 = all).",
                 "N", "0"});
    // --chart: drawn by app/gui/ChartExport (the same charts as the GUI).
    p.addOption({"chart", "Save a chart instead: loss, energy, time, id, writes or lr.", "NAME"});
    p.addOption({"format", "With --chart: png, pdf or svg (default: from --out's suffix). "
                           "With --all/--where: csv (default) or jsonl.", "FMT"});
    p.addOption({"out", "With --chart: the image file to write.", "FILE"});
    p.addOption({"force", "Replace existing files (--csv files, --chart --out). Symlinks are never written through."});
    p.addOption({"width", "With --chart: width in pixels.", "PX", "1200"});
    p.addOption({"height", "With --chart: height in pixels.", "PX", "700"});
    p.addOption({"dpi", "With --chart: resolution (PNG pixels = size x dpi / 96).", "N", "150"});
    p.addOption({"smooth", "With --chart: smooth noisy curves (raw kept faint): ema, gaussian or mean, optionally :STRENGTH 0-0.99 (ema:0.9).", "SPEC"});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;

    if (p.isSet("all") || (p.isSet("where") && !p.isSet("run"))) {
        if (p.isSet("run") || p.isSet("csv") || p.isSet("json") || p.isSet("chart") || p.isSet("breakdown")) {
            std::fprintf(stderr, "%s: --all/--where export tables of many runs; --run, --csv, --json, --chart and "
                                 "--breakdown are for one run. Give one or the other.\n", qPrintable(args.value(0)));
            return hpt::cli::BadArguments;
        }
        return exportTables(p, args.value(0));
    }
    if (p.isSet("where")) {
        std::fprintf(stderr, "%s: --where selects runs for --all; with --run ID it has nothing to select.\n",
                     qPrintable(args.value(0)));
        return hpt::cli::BadArguments;
    }

    bool ok = false;
    const qlonglong run = p.value("run").toLongLong(&ok);
    if (!p.isSet("run") || !ok || run <= 0) {
        std::fprintf(stderr, "%s: --run ID is required (a positive run id; `hpt runs` lists them).\n",
                     qPrintable(args.value(0)));
        return hpt::cli::BadArguments;
    }
    const int maxPoints = p.value("max-points").toInt(&ok);
    if (!ok || maxPoints < 0) {
        std::fprintf(stderr, "%s: --max-points must be a whole number >= 0.\n", qPrintable(args.value(0)));
        return hpt::cli::BadArguments;
    }
    const bool anyOutput = p.isSet("csv") || p.isSet("json") || p.isSet("chart") || p.isSet("breakdown");
    if (!anyOutput) {
        std::fprintf(stderr, "%s: say what to export: --csv DIR, --json or --chart NAME --out FILE.\n", qPrintable(args.value(0)));
        return hpt::cli::BadArguments;
    }
    try {
        bool named = false;
        const QString path = hpt::cli::storeArgument(p, &named);
        if (named && !QFileInfo::exists(path)) {
            std::fprintf(stderr, "error: %s: does not exist; check the path.\n", qPrintable(path));
            return hpt::cli::BadArguments;
        }
        const hpt::Store store(path, true);
        if (!store.hasRun(run)) {
            std::fprintf(stderr, "error: %s: there is no run %lld; `hpt runs --store %s` lists the runs.\n",
                         qPrintable(path), run, qPrintable(path));
            return hpt::cli::BadArguments;
        }
        // A damaged row is exported with what could be read, and said so (exit 0).
        for (const auto& f : store.runRecord(run).value("damaged").toArray())
            std::fprintf(stderr, "warning: damaged: field %s of run %lld is not valid JSON; exported as empty\n",
                         qPrintable(f.toString()), run);
        if (p.isSet("csv")) {
            exportCsv(store, run, p.value("csv"), p.isSet("force"));
            std::fprintf(stderr, "wrote metrics.csv, events.csv, config.json, run.json to %s\n", qPrintable(p.value("csv")));
        }
        if (p.isSet("breakdown") && p.isSet("csv"))
            hpt::writeFileNoFollow(QDir(p.value("csv")).filePath("cost_breakdown.csv"),
                                   costBreakdownCsv(costBreakdown(store, run)), p.isSet("force"));
        else if (p.isSet("breakdown") && !p.isSet("chart"))
            std::fputs(QJsonDocument(costBreakdown(store, run)).toJson().constData(), stdout);
        if (p.isSet("json") && !p.isSet("breakdown"))
            std::fputs(QJsonDocument(exportJson(store, run, maxPoints)).toJson().constData(), stdout);
        if (p.isSet("chart")) {
            hpt::gui::RunChartRequest r{path, run, p.value("chart"), p.value("format"), p.value("out"), p.isSet("force"),
                                        {p.value("width").toInt(), p.value("height").toInt(), p.value("dpi").toDouble()},
                                        p.value("smooth")};
            hpt::gui::exportRunChart(r);
            std::fprintf(stderr, "wrote %s\n", qPrintable(r.out));
        }
        return hpt::cli::Ok;
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("export", "Export a run (--run ID --csv DIR | --json) or many as tables (--all [--where Q] --format csv|jsonl DIR)",
            runExport);
