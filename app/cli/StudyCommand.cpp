// `hpt study EXPERIMENT.json|SWEEP.json`: the paper's comparison in one
// command. Every arm (full = full-only on the GPU baseline, hybrid = HpT, ...)
// runs once per seed through the sweep machinery; the runs are tagged with the
// study in the store and summarised (core/study): Markdown table on stdout,
// study.md/.csv/.json and charts in the study folder. A thin shell: the
// expansion, the runner and the report live in core/study.
#include "cli/Command.h"
#include "cli/SignalHandling.h"
#include "gui/StudyCharts.h"
#include "store/Store.h"
#include "study/StudyReport.h"
#include "study/StudyRunner.h"
#include "study/StudySpec.h"

#include <hpt/Error.h>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <atomic>
#include <cstdio>

namespace {

using namespace hpt;
using namespace hpt::cli;

QString g_lastReport;  // study.json of the study runStudy wrote last (for a list of studies)

QJsonObject readObject(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw configError(path.toStdString(), "cannot open; pass an experiment or sweep file (resources/experiments/, resources/sweeps/)");
    QJsonParseError err;
    const QJsonDocument d = QJsonDocument::fromJson(f.readAll(), &err);
    if (err.error != QJsonParseError::NoError || !d.isObject())
        throw configError(path.toStdString(), "not a JSON object: " + err.errorString().toStdString());
    return d.object();
}

study::StudySpec specFrom(const QCommandLineParser& p, const QString& file) {
    const QJsonObject o = readObject(file);
    // A sweep has a base experiment; an experiment has a model.
    const bool isSweep = o.contains("base") && !o.contains("model");
    study::StudySpec s;
    if (isSweep) {
        if (p.isSet("arms"))
            throw configError("--arms", "a study over a sweep runs the full arm and one hybrid arm per sweep point; leave --arms out");
        s = study::specFromSweep(file);
    } else {
        s.experimentFile = QFileInfo(file).absoluteFilePath();
        s.experiment = o;
        s.experimentName = o.value("name").toString(QFileInfo(file).completeBaseName());
        s.arms = study::parseArms(p.value("arms"));
    }
    if (std::none_of(s.arms.begin(), s.arms.end(), [](const study::Arm& a) { return a.name == "full"; }))
        std::fprintf(stderr, "warning: no 'full' arm: the report has no ratios and no quality test\n");
    const QJsonValue seed = s.experiment.value("training").toObject().value("seed");
    s.seeds = study::parseSeeds(p.value("seeds"), seed.isDouble() ? seed.toInteger() : 42);
    s.sets = p.values("set");
    for (const auto& set : s.sets) {
        const QString key = set.section('=', 0, 0);
        if (set.indexOf('=') <= 0) throw configError("--set " + set.toStdString(), "expected key=value, e.g. --set training.max_steps=200");
        if (study::reservedKeys().contains(key))
            throw configError("--set " + set.toStdString(), "the study sets " + key.toStdString() +
                                                                " itself (per arm and seed); use --arms or --seeds instead");
    }
    if (p.isSet("data-dir")) s.dataDir = QFileInfo(p.value("data-dir")).absoluteFilePath();
    s.id = study::computeId(s);
    return s;
}

// Options each run inherits, passed on to `hpt sweep`.
QStringList sweepArgs(const QCommandLineParser& p) {
    QStringList a;
    for (const auto& d : p.values("plugin-dir")) a << "--plugin-dir" << QFileInfo(d).absoluteFilePath();
    for (const auto& s : p.values("set")) a << "--set" << s;
    if (p.isSet("data-dir")) a << "--data-dir" << QFileInfo(p.value("data-dir")).absoluteFilePath();
    for (const char* o : {"torch-device", "log-level", "progress-every", "partition", "time", "cpus", "mem", "gpus", "max-parallel"})
        if (p.isSet(o)) a << QString("--") + o << p.value(o);
    return a;
}

int runStudy(const QStringList& args);

// A file with "studies": [{"experiment": "...", "data_subdir": "wind", "seeds": 3, "arms": "full,hybrid"}, ...]
// (resources/studies/paper.json) runs each entry as a study, then prints one row per study and arm.
int runStudyList(const QCommandLineParser& p, const QStringList& args, const QString& file, const QJsonObject& list) {
    const QDir base = QFileInfo(file).absoluteDir();
    // The entry's own options come first; the command line's (except the file and --data-root) apply to all.
    QStringList common;
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == file) continue;
        if (args[i] == "--data-root" || args[i] == "--out") {
            ++i;
            continue;
        }
        if (args[i].startsWith("--data-root=") || args[i].startsWith("--out=")) continue;
        common << args[i];
    }
    std::vector<QJsonObject> reports;
    int worst = Ok;
    for (const auto& v : list.value("studies").toArray()) {
        const QJsonObject e = v.toObject();
        const QString exp = base.absoluteFilePath(e.value("experiment").toString());
        QStringList a{args.value(0), exp};
        if (e.contains("seeds") && !p.isSet("seeds")) a << "--seeds" << QString::number(e.value("seeds").toInt());
        if (e.contains("arms") && !p.isSet("arms")) a << "--arms" << e.value("arms").toString();
        for (const auto& set : e.value("sets").toArray()) a << "--set" << set.toString();
        if (p.isSet("data-root") && e.contains("data_subdir"))
            a << "--data-dir" << QDir(p.value("data-root")).absoluteFilePath(e.value("data_subdir").toString());
        const QString name = QFileInfo(exp).completeBaseName();
        if (p.isSet("out")) a << "--out" << QDir(p.value("out")).absoluteFilePath(name);
        a << common;
        std::fprintf(stderr, "== study of %s ==\n", qPrintable(name));
        g_lastReport.clear();
        const int code = runStudy(a);
        if (code != Ok && worst == Ok) worst = code;
        if (!g_lastReport.isEmpty()) {
            QFile f(g_lastReport);
            if (f.open(QIODevice::ReadOnly)) reports.push_back(QJsonDocument::fromJson(f.readAll()).object());
        }
        if (isSignalExit(code)) break;
    }
    const QString md = study::toMarkdownSummary(reports);
    if (p.isSet("out")) {
        QFile f(QDir(p.value("out")).absoluteFilePath("summary.md"));
        if (f.open(QIODevice::WriteOnly)) f.write(md.toUtf8());
    }
    if (p.isSet("json")) {
        QJsonArray all;
        for (const auto& r : reports) all.append(r);
        std::fputs(QJsonDocument(QJsonObject{{"studies", all}}).toJson().constData(), stdout);
    } else {
        std::printf("\n## All studies\n\n%s", qPrintable(md));
    }
    return worst;
}

int runStudy(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "Run an experiment as a study: every arm once per seed on the same data, then a report of test RMSE, modeled\n"
        "time and energy per device and phase, ratios to the full arm and a paired test of quality. A sweep file runs\n"
        "the full arm and one hybrid arm per sweep point (a Pareto front). Rerunning the same command runs only what\n"
        "is missing. Reference: resources/docs/study.md.");
    p.addHelpOption();
    p.addPositionalArgument("file", "Experiment or sweep file (JSON).", "EXPERIMENT.json|SWEEP.json");
    p.addOption({"seeds", "Seeds per arm: a count (from the experiment's training.seed, default 42) or a list (1,5,9).", "N", "3"});
    p.addOption({"arms", QString("Arms, comma-separated: %1, or NAME=MODE@MAPPING.").arg(study::armPresetNames().join(", ")),
                 "LIST", "full,hybrid"});
    p.addOption({"set", "Override a configuration key in every run (repeatable).", "key=value"});
    p.addOption({"data-dir", "Read the dataset from DIR.", "DIR"});
    p.addOption({"store", "Store the runs are merged into (default: <out>/study.sqlite).", "FILE"});
    p.addOption({"out", "Study folder (default: studies/<study id>).", "DIR"});
    p.addOption({"json", "Print the report as JSON (the sweep's progress goes to stderr)."});
    p.addOption({"alpha", "Significance level of the quality test (default 0.01).", "A", "0.01"});
    p.addOption({{"j", "jobs"}, "Runs at a time on this machine (default 1).", "N", "1"});
    p.addOption({"slurm", "Write a Slurm array job (one task per run) instead of running here; then --report."});
    p.addOption({"submit", "With --slurm: submit it."});
    p.addOption({"report", "Only report what the store holds; run nothing."});
    p.addOption({"chart-formats", "Chart files to write (default png,svg).", "LIST", "png,svg"});
    p.addOption({"no-charts", "Write no chart files."});
    p.addOption({"torch-device", "auto, cpu or cuda for every run.", "DEVICE"});
    p.addOption({"log-level", "Log level of every run.", "LEVEL"});
    p.addOption({"progress-every", "Seconds between a run's progress lines in its log.", "SECONDS"});
    for (const char* o : {"partition", "time", "cpus", "mem", "gpus", "max-parallel"})
        p.addOption({o, QString("With --slurm: as in hpt sweep --%1.").arg(o), "V"});
    p.addOption({"data-root", "With a list of studies (resources/studies/paper.json): each study reads DIR/<its data_subdir>.", "DIR"});
    addPluginOptions(p);
    if (!parseOrFail(p, args)) return BadArguments;
    if (p.positionalArguments().size() != 1) {
        std::fprintf(stderr, "hpt study: expected one experiment or sweep file, e.g. hpt study resources/experiments/wind-compact.json\n");
        return BadArguments;
    }
    const bool json = p.isSet("json");
    FILE* progress = json ? stderr : stdout;
    try {
        bool ok = false;
        const double alpha = p.value("alpha").toDouble(&ok);
        if (!ok || !(alpha > 0 && alpha < 1)) throw configError("--alpha", "expected a level in (0, 1), e.g. --alpha 0.05");
        const int jobs = p.value("jobs").toInt(&ok);
        if (!ok || jobs < 1) throw configError("-j", "expected a number of parallel runs >= 1");
        if (p.isSet("slurm") && p.isSet("report")) throw configError("--report", "choose --slurm or --report");

        const QString file = p.positionalArguments().first();
        if (QFileInfo(file).isFile()) {
            const QJsonObject o = readObject(file);
            if (o.contains("studies")) return runStudyList(p, args, file, o);
        }
        const study::StudySpec spec = specFrom(p, file);
        const QString root = p.isSet("out") ? p.value("out") : QDir::current().filePath("studies/" + spec.id);
        const study::StudyFolder folder = study::studyFolder(root, p.value("store"));
        const auto runs = study::expandRuns(spec);
        std::fprintf(progress, "study %s: %zu arm(s) × %zu seed(s) = %zu run(s); folder %s; store %s\n", qPrintable(spec.id),
                     spec.arms.size(), spec.seeds.size(), runs.size(), qPrintable(folder.root), qPrintable(folder.store));
        std::fflush(progress);

        int code = Ok;
        if (!p.isSet("report")) {
            study::prepareFolder(spec, folder, alpha);
            std::atomic<int> stop{0};
            StopOnSignal guard([&](int sig) { stop = sig; });
            study::StudyRunner runner;
            runner.onLine = [&](const QString& l) {
                std::fprintf(progress, "  %s\n", qPrintable(l));
                std::fflush(progress);
            };
            runner.stopRequested = [&] { return stop.load() != 0; };
            study::RunnerOptions opt;
            opt.exe = QCoreApplication::applicationFilePath();
            opt.jobs = jobs;
            opt.slurm = p.isSet("slurm");
            opt.submit = p.isSet("submit");
            opt.extraArgs = sweepArgs(p);
            code = runner.run(folder, opt);
            if (opt.slurm) {
                if (code == Ok)
                    std::fprintf(progress, "when the jobs have finished, write the report: the same command with --report "
                                           "in place of --slurm%s\n", p.isSet("submit") ? " --submit" : "");
                return code;
            }
            if (stop) code = exitCodeForSignal(stop);
        }

        if (!QFileInfo::exists(folder.store)) {
            std::fprintf(stderr, "hpt study: no store at %s yet: nothing has run\n", qPrintable(folder.store));
            return code == Ok ? Failure : code;
        }
        QJsonObject report;
        {
            Store store(folder.store);
            const int tagged = study::tagRuns(store, spec);
            std::fprintf(progress, "%d of %zu run(s) finished and tagged with study %s\n", tagged, runs.size(), qPrintable(spec.id));
            report = study::reportFromStore(store, spec.id, alpha,
                                            spec.sweepFile.isEmpty() ? spec.experimentFile : spec.sweepFile, spec.arms, spec.seeds);
        }
        QStringList formats;
        if (!p.isSet("no-charts")) formats = p.value("chart-formats").split(',', Qt::SkipEmptyParts);
        try {
            gui::writeStudyFiles(report, folder.store, folder.root, formats);
        } catch (const Error& e) {
            if (formats.isEmpty()) throw;
            std::fprintf(stderr, "warning: charts not written (%s); writing the report without them\n", e.what());
            gui::writeStudyFiles(report, folder.store, folder.root, {});
        }
        g_lastReport = folder.root + "/study.json";
        const QString md = study::toMarkdown(report);
        if (json) std::fputs(QJsonDocument(report).toJson().constData(), stdout);
        else std::fputs(qPrintable(md), stdout);
        if (code == Ok && !report.value("complete").toBool()) {
            std::fprintf(stderr, "hpt study: %lld run(s) missing; rerun the same command to run only those\n",
                         qlonglong(report.value("missing").toArray().size()));
            code = Failure;
        }
        return code;
    } catch (const std::exception& e) {
        return reportError(e);
    }
}

}  // namespace

HPT_COMMAND("study", "Full-only against hybrid (and other arms) over seeds: ratios, a paired test, charts", runStudy);
