// `hpt sweep SWEEP.json`: expand a sweep (grid and seeded random axes over
// dotted keys) and run it: --list, --index I (one run, in this process),
// --local -j N (N child processes), --slurm (an array job, one task per run),
// --merge (gather the per-run stores). Every run writes its own store file
// under the sweep folder, so parallel runs never share an SQLite file.
#include "cli/Batch.h"
#include "cli/Command.h"
#include "cli/SignalHandling.h"
#include "config/Names.h"
#include "config/Sweep.h"
#include "plugin/PluginHost.h"
#include "util/ShellQuote.h"

#include <hpt/Error.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QThread>
#include <atomic>
#include <cstdio>
#include <deque>
#include <memory>
#include <unistd.h>

#include "config/Experiment.h"
#include "store/Store.h"

namespace {

using namespace hpt;
using namespace hpt::cli;

struct Layout {
    QString root, sweepFile, stores, logs, summaries, slurm, merged;
};

Layout layoutFor(const Sweep& s, const QCommandLineParser& p) {
    Layout l;
    l.root = p.isSet("output") ? QFileInfo(p.value("output")).absoluteFilePath() : s.output;
    l.sweepFile = l.root + "/sweep.json";
    l.stores = l.root + "/stores";
    l.logs = l.root + "/logs";
    l.summaries = l.root + "/summaries";
    l.slurm = l.root + "/slurm";
    l.merged = p.isSet("store") ? QFileInfo(p.value("store")).absoluteFilePath() : l.root + "/" + QFileInfo(l.root).fileName() + ".sqlite";
    return l;
}

QString storeFor(const Layout& l, const SweepRun& r) { return l.stores + "/" + r.name + ".sqlite"; }
QString summaryFor(const Layout& l, const SweepRun& r) { return l.summaries + "/" + r.name + ".json"; }

// A self-contained copy of the sweep (base inlined, output = its own folder),
// so children and cluster tasks expand exactly the same runs even if the
// original files change while the sweep runs.
void writeSweepCopy(const Sweep& s, const Layout& l) {
    for (const auto& d : {l.root, l.stores, l.logs, l.summaries})
        if (!QDir().mkpath(d)) throw configError("output", QString("cannot create folder '%1'").arg(d).toStdString());
    QJsonObject copy = s.source;
    copy.insert("name", s.name);
    copy.insert("output", ".");
    QFile f(l.sweepFile);
    if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(copy).toJson()) < 0)
        throw configError("output", QString("cannot write '%1': %2").arg(l.sweepFile, f.errorString()).toStdString());
}

// Options a child run inherits from this command line, as arguments.
QStringList forwardedOptions(const QCommandLineParser& p) {
    QStringList a;
    for (const auto& d : p.values("plugin-dir")) a << "--plugin-dir" << QFileInfo(d).absoluteFilePath();
    for (const auto& s : p.values("set")) a << "--set" << s;
    if (p.isSet("data-dir")) a << "--data-dir" << QFileInfo(p.value("data-dir")).absoluteFilePath();
    if (p.isSet("torch-device")) a << "--torch-device" << p.value("torch-device");
    if (p.isSet("log-level")) a << "--log-level" << p.value("log-level");
    if (p.isSet("progress-every")) a << "--progress-every" << p.value("progress-every");
    return a;
}

// Resolves every run against the plugins, so a typo in an axis key fails here
// (naming the run and the field) instead of in run 57 on the cluster.
void checkRuns(const Sweep& s, const QCommandLineParser& p, const QString& where) {
    auto host = loadPlugins(p);
    for (const auto& r : s.runs) {
        try {
            resolveForBatch(s.base, *host, QStringList(p.values("set")) << r.sets());
        } catch (const Error& e) {
            throw Error(e.kind(), where.toStdString() + " run " + std::to_string(r.index),
                        std::string(e.what()) + " (sweep values: " + r.sets().join(" ").toStdString() + ")");
        }
    }
}

int listRuns(const Sweep& s, const QCommandLineParser& p) {
    if (p.isSet("json")) {
        QJsonArray runs;
        for (const auto& r : s.runs) {
            QJsonObject values;
            for (const auto& [k, v] : r.values) values.insert(k, v);
            runs.append(QJsonObject{{"index", r.index}, {"name", r.name}, {"values", values},
                                    {"sets", QJsonArray::fromStringList(r.sets())}});
        }
        const QJsonObject o{{"name", s.name}, {"output", s.output}, {"runs", runs}};
        std::fputs(QJsonDocument(o).toJson().constData(), stdout);
        return Ok;
    }
    std::printf("sweep '%s': %zu run(s), output folder %s\n", qPrintable(s.name), s.runs.size(), qPrintable(s.output));
    for (const auto& r : s.runs) {
        QStringList sets;
        for (const auto& x : r.sets()) sets << "--set " + shellQuote(x);
        std::printf("%4d  %-20s %s\n", r.index, qPrintable(r.name), qPrintable(sets.join(' ')));
    }
    return Ok;
}

int runIndex(const Sweep& s, const QCommandLineParser& p) {
    bool ok = false;
    const int i = p.value("index").toInt(&ok);
    if (!ok || i < 0 || i >= int(s.runs.size())) {
        std::fprintf(stderr, "hpt sweep: --index %s is out of range; this sweep has runs 0..%zu (see --list)\n",
                     qPrintable(p.value("index")), s.runs.size() - 1);
        return BadArguments;
    }
    const SweepRun& r = s.runs[size_t(i)];
    ExperimentSource src;
    src.file = s.baseFile;
    src.experiment = s.base;
    src.extraSets = r.sets();
    src.runName = r.name;
    std::printf("sweep '%s' run %d/%zu: %s\n", qPrintable(s.name), i, s.runs.size(), qPrintable(r.sets().join(' ')));
    std::fflush(stdout);
    return runHeadless(p, src);
}

// Merges every per-run store under the sweep folder into `target`. Returns the exit code.
int mergeStores(const Layout& l) {
    const QStringList files = QDir(l.stores).entryList({"*.sqlite"}, QDir::Files, QDir::Name);
    if (files.isEmpty()) {
        std::fprintf(stderr, "hpt sweep: no run stores in %s to merge (did any run start?)\n", qPrintable(l.stores));
        return Failure;
    }
    try {
        Store target(l.merged);
        int copied = 0;
        QStringList rejected;
        for (const auto& f : files) copied += target.merge(l.stores + "/" + f, &rejected);
        for (const auto& r : rejected) std::fprintf(stderr, "warning: %s\n", qPrintable(r));
        std::printf("merged %d new run(s) from %lld store file(s) into %s\nopen it in the GUI: hpt %s\n", copied,
                    qlonglong(files.size()), qPrintable(l.merged), qPrintable(shellQuote(l.merged)));
        return Ok;
    } catch (const std::exception& e) {
        return reportError(e);
    }
}

// True when a previous invocation already finished this run (its summary says exit 0).
bool alreadyFinished(const Layout& l, const SweepRun& r) {
    QFile f(summaryFor(l, r));
    if (!f.open(QIODevice::ReadOnly)) return false;
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    return o.value("exit_code").toInt(-1) == 0 && o.value("status").toString() == "finished";
}

int runLocal(const Sweep& s, const QCommandLineParser& p) {
    bool ok = false;
    const int jobs = p.value("jobs").toInt(&ok);
    if (!ok || jobs < 1) {
        std::fprintf(stderr, "hpt sweep: -j expects a number of parallel runs >= 1, got '%s'\n", qPrintable(p.value("jobs")));
        return BadArguments;
    }
    const Layout l = layoutFor(s, p);
    writeSweepCopy(s, l);
    const QString exe = QCoreApplication::applicationFilePath();
    const QStringList common = forwardedOptions(p);

    std::deque<const SweepRun*> todo;
    for (const auto& r : s.runs) {
        if (alreadyFinished(l, r)) std::printf("%s: already finished earlier, skipped\n", qPrintable(r.name));
        else todo.push_back(&r);
    }
    std::printf("sweep '%s': %zu run(s) to do, %d at a time; logs in %s\n", qPrintable(s.name), todo.size(), jobs,
                qPrintable(l.logs));
    std::fflush(stdout);

    std::atomic<int> stopSignal{0};
    StopOnSignal guard([&](int sig) { stopSignal = sig; });

    struct Child {
        const SweepRun* run;
        std::unique_ptr<QProcess> proc;
        QElapsedTimer clock;
    };
    std::vector<Child> running;
    int done = 0, failed = 0, firstFailure = Ok;
    const size_t total = todo.size();
    bool forwarded = false;
    while (!todo.empty() || !running.empty()) {
        if (stopSignal && !forwarded) {
            // Each child stops after its current step and checkpoints; nothing new starts.
            std::printf("stopping: asking %zu running run(s) to stop after their current step\n", running.size());
            for (auto& c : running) c.proc->terminate();
            todo.clear();
            forwarded = true;
        }
        while (!stopSignal && int(running.size()) < jobs && !todo.empty()) {
            const SweepRun* r = todo.front();
            todo.pop_front();
            auto proc = std::make_unique<QProcess>();
            proc->setProcessChannelMode(QProcess::MergedChannels);
            proc->setStandardOutputFile(l.logs + "/" + r->name + ".log");
            // Own process group: a Ctrl-C reaches only this process, which then asks each child
            // once (a second signal would make a child exit without its checkpoint).
            proc->setChildProcessModifier([] { setpgid(0, 0); });
            QStringList args{"sweep", l.sweepFile, "--index", QString::number(r->index), "--store", storeFor(l, *r),
                             "--summary-json", summaryFor(l, *r)};
            args << common;
            proc->start(exe, args);
            if (!proc->waitForStarted(10000)) {
                std::fprintf(stderr, "%s: could not start %s: %s\n", qPrintable(r->name), qPrintable(exe),
                             qPrintable(proc->errorString()));
                ++failed;
                if (firstFailure == Ok) firstFailure = Failure;
                continue;
            }
            std::printf("%s: started (%s)\n", qPrintable(r->name), qPrintable(r->sets().join(' ')));
            std::fflush(stdout);
            Child c{r, std::move(proc), {}};
            c.clock.start();
            running.push_back(std::move(c));
        }
        for (auto it = running.begin(); it != running.end();) {
            if (!it->proc->waitForFinished(50)) {
                ++it;
                continue;
            }
            const int code = it->proc->exitStatus() == QProcess::NormalExit ? it->proc->exitCode() : Failure;
            ++done;
            std::printf("[%d/%zu] %s: exit %d after %.1f s%s\n", done, total, qPrintable(it->run->name), code,
                        it->clock.elapsed() / 1000.0,
                        code == Ok ? "" : qPrintable(" — see " + l.logs + "/" + it->run->name + ".log"));
            std::fflush(stdout);
            if (code != Ok) {
                ++failed;
                if (firstFailure == Ok) firstFailure = code;
            }
            it = running.erase(it);
        }
    }
    const int merged = mergeStores(l);
    if (stopSignal) return Interrupted;
    if (failed) {
        std::fprintf(stderr, "hpt sweep: %d of %zu run(s) failed; rerun the same command to redo only those\n", failed, total);
        return firstFailure;
    }
    return merged;
}

// A value on an "#SBATCH --opt=VALUE" line: sbatch reads these lines itself (no shell), so a
// value is either in the plain set, or double-quoted when it is a path without '"', '\\', '%'
// (Slurm file patterns) or control characters. Anything else is refused, never written.
QString sbatchValue(const QString& v, const char* what, bool path) {
    static const QRegularExpression plain("^[A-Za-z0-9_][A-Za-z0-9_./:,+=@-]*$");
    if (plain.match(v).hasMatch()) return v;
    static const QRegularExpression quotable("^[^\"\\\\%\\x00-\\x1f\\x7f]+$");
    if (path && quotable.match(v).hasMatch()) return "\"" + v + "\"";
    throw configError(what, QString("'%1' cannot be written on an #SBATCH line; use letters, digits and _ . / : , + = @ -%2")
                                .arg(escapeControl(v.left(80)), path ? " (or a folder without quotes, backslashes, '%' or "
                                                                        "control characters)" : "")
                                .toStdString());
}

int writeSlurm(const Sweep& s, const QCommandLineParser& p) {
    const Layout l = layoutFor(s, p);
    // Every value that reaches the scripts is checked before anything is written.
    requireSafeName(s.name, NameKind::Sweep, "name");
    for (const char* o : {"partition", "time", "mem", "gpus", "cpus", "max-parallel"})
        if (p.isSet(o) || QString(o) == "cpus") sbatchValue(p.value(o), (QString("--") + o).toUtf8().constData(), false);
    const QString root = sbatchValue(l.root, "--output", true);
    writeSweepCopy(s, l);
    QDir().mkpath(l.slurm);
    const QString exe = QCoreApplication::applicationFilePath();
    const int n = int(s.runs.size());
    const int width = s.runs.empty() ? 3 : int(s.runs.back().name.size() - s.name.size() - 1);

    // Names are data: the sweep name is in the safe set (config/Names.h) and is still only ever
    // written shell-quoted; paths are absolute and shell-quoted; log paths are relative to --chdir.
    QString sb = "#!/bin/bash\n";
    sb += QString("# Slurm array job for sweep %1 (%2 runs), written by hpt %3 on %4.\n")
              .arg(shellQuote(s.name)).arg(n).arg(QCoreApplication::applicationVersion(),
                                                  QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    sb += "# One array task per run; each writes its own store under stores/. Merge them with:\n";
    sb += QString("#   %1 sweep %2 --merge\n").arg(shellQuote(exe), shellQuote(l.sweepFile));
    sb += QString("#SBATCH --job-name=%1\n").arg(s.name);
    sb += QString("#SBATCH --array=0-%1%2\n").arg(n - 1).arg(p.isSet("max-parallel") ? "%" + p.value("max-parallel") : QString());
    sb += QString("#SBATCH --chdir=%1\n").arg(root);
    sb += QString("#SBATCH --output=logs/%1-%a.slurm.log\n").arg(s.name);
    if (p.isSet("partition")) sb += "#SBATCH --partition=" + p.value("partition") + "\n";
    if (p.isSet("time")) sb += "#SBATCH --time=" + p.value("time") + "\n";
    sb += "#SBATCH --ntasks=1\n";
    sb += "#SBATCH --cpus-per-task=" + p.value("cpus") + "\n";
    if (p.isSet("mem")) sb += "#SBATCH --mem=" + p.value("mem") + "\n";
    if (p.isSet("gpus")) sb += "#SBATCH --gpus=" + p.value("gpus") + "\n";
    sb += "set -euo pipefail\n";
    sb += "export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\" QT_QPA_PLATFORM=offscreen\n";
    sb += "case \"${SLURM_ARRAY_TASK_ID:-}\" in ''|*[!0-9]*) echo \"SLURM_ARRAY_TASK_ID must be a run index\" >&2; exit 2;; esac\n";
    sb += "printf -v name '%s-%0" + QString::number(width) + "d' " + shellQuote(s.name) + " \"$SLURM_ARRAY_TASK_ID\"\n";
    QStringList cmd{shellQuote(exe), "sweep", shellQuote(l.sweepFile), "--index", "\"$SLURM_ARRAY_TASK_ID\"",
                    "--store", shellQuote(l.stores) + "/\"$name\".sqlite", "--summary-json",
                    shellQuote(l.summaries) + "/\"$name\".json", "--progress-every", "60"};
    for (const auto& a : forwardedOptions(p)) cmd << shellQuote(a);
    sb += "exec " + cmd.join(' ') + "\n";

    const QString script = l.slurm + "/" + s.name + ".sbatch";
    QFile f(script);
    if (!f.open(QIODevice::WriteOnly) || f.write(sb.toUtf8()) < 0) {
        std::fprintf(stderr, "hpt sweep: cannot write %s: %s\n", qPrintable(script), qPrintable(f.errorString()));
        return Failure;
    }
    f.close();
    f.setPermissions(f.permissions() | QFileDevice::ExeOwner);

    // Merging after the array: a dependent job, so the merged store appears without anyone waiting.
    const QString mergeScript = l.slurm + "/" + s.name + "-merge.sbatch";
    QFile m(mergeScript);
    if (m.open(QIODevice::WriteOnly)) {
        m.write(QString("#!/bin/bash\n#SBATCH --job-name=%1-merge\n#SBATCH --chdir=%2\n#SBATCH --output=logs/%1-merge.slurm.log\n"
                        "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n%3set -euo pipefail\nexec %4 sweep %5 --merge%6\n")
                    .arg(s.name, root, p.isSet("partition") ? "#SBATCH --partition=" + p.value("partition") + "\n" : "",
                         shellQuote(exe), shellQuote(l.sweepFile),
                         p.isSet("store") ? " --store " + shellQuote(l.merged) : QString())
                    .toUtf8());
        m.close();
    }
    std::printf("wrote %s (%d array task(s)) and %s\n", qPrintable(script), n, qPrintable(mergeScript));

    if (!p.isSet("submit")) {
        std::printf("submit with:\n  jobid=$(sbatch --parsable %s)\n  sbatch --dependency=afterany:$jobid %s\n",
                    qPrintable(shellQuote(script)), qPrintable(shellQuote(mergeScript)));
        return Ok;
    }
    const QString sbatch = QStandardPaths::findExecutable("sbatch");
    if (sbatch.isEmpty()) {
        std::fprintf(stderr, "hpt sweep: sbatch not found on PATH; install the Slurm client (Debian: slurm-client) or "
                             "submit %s from a login node\n", qPrintable(script));
        return Failure;
    }
    auto submit = [&](const QStringList& args, QString* jobId) {
        QProcess pr;
        pr.start(sbatch, args);
        if (!pr.waitForFinished(60000) || pr.exitStatus() != QProcess::NormalExit || pr.exitCode() != 0) {
            std::fprintf(stderr, "hpt sweep: sbatch %s failed: %s%s\n", qPrintable(args.join(' ')),
                         qPrintable(QString::fromUtf8(pr.readAllStandardError()).trimmed()), qPrintable(pr.errorString()));
            return false;
        }
        *jobId = QString::fromUtf8(pr.readAllStandardOutput()).trimmed().section(';', 0, 0);
        return true;
    };
    QString job, mergeJob;
    if (!submit({"--parsable", script}, &job)) return Failure;
    std::printf("submitted array job %s\n", qPrintable(job));
    if (!submit({"--parsable", "--dependency=afterany:" + job, mergeScript}, &mergeJob)) return Failure;
    std::printf("submitted merge job %s (runs after the array); merged store: %s\n", qPrintable(mergeJob), qPrintable(l.merged));
    std::printf("SLURM_JOB_ID=%s\nSLURM_MERGE_JOB_ID=%s\n", qPrintable(job), qPrintable(mergeJob));
    return Ok;
}

int runSweep(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "Expand and run a parameter sweep: a base experiment and axes over dotted keys (grid and/or seeded random).\n"
        "Exactly one of --list, --index, --local, --slurm, --merge. Schema: resources/docs/batch.md.");
    p.addHelpOption();
    p.addPositionalArgument("sweep", "Sweep file (JSON).", "SWEEP.json");
    p.addOption({"list", "Print the expanded runs with their --set overrides (checked against the plugins)."});
    p.addOption({"json", "With --list: print JSON."});
    p.addOption({"no-check", "With --list/--local/--slurm: do not resolve every run against the plugins first."});
    p.addOption({"index", "Run one run of the sweep in this process (0-based).", "I"});
    p.addOption({"local", "Run all runs on this machine in child processes (rerunning skips finished runs)."});
    p.addOption({{"j", "jobs"}, "With --local: runs at a time (default 1).", "N", "1"});
    p.addOption({"slurm", "Write a Slurm array-job script (one task per run) and a dependent merge job."});
    p.addOption({"submit", "With --slurm: submit both with sbatch."});
    p.addOption({"partition", "With --slurm: partition.", "P"});
    p.addOption({"time", "With --slurm: time limit per run, e.g. 02:00:00.", "T"});
    p.addOption({"cpus", "With --slurm: CPUs per run (default 2).", "C", "2"});
    p.addOption({"mem", "With --slurm: memory per run, e.g. 8G.", "M"});
    p.addOption({"gpus", "With --slurm: GPUs per run.", "G"});
    p.addOption({"max-parallel", "With --slurm: at most K array tasks at once.", "K"});
    p.addOption({"merge", "Merge the per-run stores of the sweep folder into one store (--store, or <folder>/<name>.sqlite)."});
    p.addOption({"output", "Sweep folder (default: the sweep's \"output\", else <sweep dir>/<name>).", "DIR"});
    addRunOptions(p);
    addPluginOptions(p);
    if (!parseOrFail(p, args)) return BadArguments;
    if (p.positionalArguments().size() != 1) {
        std::fprintf(stderr, "hpt sweep: expected one sweep file, e.g. hpt sweep resources/sweeps/switching.json --list\n");
        return BadArguments;
    }
    int modes = 0;
    for (const char* m : {"list", "index", "local", "slurm", "merge"}) modes += p.isSet(m) ? 1 : 0;
    if (modes != 1) {
        std::fprintf(stderr, "hpt sweep: choose exactly one of --list, --index I, --local [-j N], --slurm, --merge\n");
        return BadArguments;
    }
    try {
        const QString file = p.positionalArguments().first();
        const Sweep s = loadSweepFile(file);
        if (s.runs.empty()) throw configError(file.toStdString(), "the sweep expands to no runs");
        if (p.isSet("merge")) return mergeStores(layoutFor(s, p));
        if (p.isSet("index")) return runIndex(s, p);
        if (!p.isSet("no-check")) checkRuns(s, p, QFileInfo(file).fileName());
        if (p.isSet("list")) return listRuns(s, p);
        if (p.isSet("local")) return runLocal(s, p);
        return writeSlurm(s, p);
    } catch (const std::exception& e) {
        return reportError(e);
    }
}

}  // namespace

HPT_COMMAND("sweep", "Expand and run parameter sweeps (list, one run, local processes, Slurm array jobs)", runSweep);
