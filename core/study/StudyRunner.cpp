#include "study/StudyRunner.h"

#include "store/Store.h"
#include "study/StudyReport.h"

#include <hpt/Error.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSaveFile>
#include <QThread>
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>

namespace hpt::study {

namespace {

void writeJson(const QString& path, const QJsonObject& o) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(o).toJson()) < 0 || !f.commit())
        throw configError(path.toStdString(), QString("cannot write: %1; choose a writable --out").arg(f.errorString()).toStdString());
}

// The pid of a sweep an earlier study process started in this folder, if it still runs.
qint64 liveEarlierSweep(const QString& pidFile) {
    QFile f(pidFile);
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const qint64 pid = f.readAll().trimmed().toLongLong();
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0) return 0;
    QFile cmd(QString("/proc/%1/cmdline").arg(pid));  // a reused pid is someone else's process
    if (cmd.open(QIODevice::ReadOnly) && !cmd.readAll().contains("sweep")) return 0;
    return pid;
}

}  // namespace

StudyFolder studyFolder(const QString& root, const QString& store) {
    StudyFolder f;
    f.root = QFileInfo(root).absoluteFilePath();
    f.spec = f.root + "/study-spec.json";
    f.sweep = f.root + "/study-sweep.json";
    f.runs = f.root + "/runs";
    f.store = store.isEmpty() ? f.root + "/study.sqlite" : QFileInfo(store).absoluteFilePath();
    return f;
}

void prepareFolder(const StudySpec& spec, const StudyFolder& folder, double alpha) {
    if (!QDir().mkpath(folder.root))
        throw configError("--out", QString("cannot create folder '%1'; choose a writable --out").arg(folder.root).toStdString());
    QJsonArray arms, seeds, runs;
    for (const auto& a : spec.arms) arms.append(a.toJson());
    for (auto s : spec.seeds) seeds.append(double(s));
    for (const auto& r : expandRuns(spec))
        runs.append(QJsonObject{{"index", r.index}, {"name", runName(spec, r.index)}, {"arm", r.arm}, {"seed", double(r.seed)}});
    writeJson(folder.spec, QJsonObject{{"study_id", spec.id}, {"experiment", spec.experimentFile},
                                       {"experiment_name", spec.experimentName}, {"sweep", spec.sweepFile},
                                       {"arms", arms}, {"seeds", seeds}, {"sets", QJsonArray::fromStringList(spec.sets)},
                                       {"data_dir", spec.dataDir}, {"alpha", alpha}, {"store", folder.store},
                                       {"runs", runs}});
    writeJson(folder.sweep, toSweep(spec));
}

int StudyRunner::run(const StudyFolder& folder, const RunnerOptions& opt) {
    const QString pidFile = folder.root + "/.sweep.pid";
    QElapsedTimer waited;
    waited.start();
    bool said = false;
    while (const qint64 earlier = liveEarlierSweep(pidFile)) {
        if (!said && onLine) onLine(QString("waiting for an earlier run of this study (sweep pid %1) to stop").arg(earlier));
        said = true;
        if (waited.elapsed() > 600000)
            throw Error(ErrorKind::Internal, folder.root.toStdString(),
                        QString("an earlier run of this study (pid %1) is still running; stop it or wait").arg(earlier).toStdString());
        if (stopRequested && stopRequested()) return 130;
        QThread::msleep(200);
    }

    QStringList args{"sweep", folder.sweep, "--output", folder.runs, "--store", folder.store};
    if (opt.slurm) {
        args << "--slurm";
        if (opt.submit) args << "--submit";
    } else {
        args << "--local" << "-j" << QString::number(opt.jobs);
    }
    args << opt.extraArgs;

    QProcess child;
    child.setProcessChannelMode(QProcess::MergedChannels);
    // Its own process group (a terminal's Ctrl-C reaches this process, which asks the
    // sweep once), and SIGTERM when this process dies, so a killed study stops its runs.
    const pid_t parent = ::getpid();
    child.setChildProcessModifier([parent] {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::raise(SIGTERM);
    });
    child.start(opt.exe, args);
    if (!child.waitForStarted(10000))
        throw Error(ErrorKind::Internal, opt.exe.toStdString(), "could not start the sweep: " + child.errorString().toStdString());
    {
        QFile f(pidFile);
        if (f.open(QIODevice::WriteOnly)) f.write(QByteArray::number(child.processId()));
    }
    bool asked = false;
    QByteArray pending;
    const auto drain = [&] {
        pending += child.readAll();
        int nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
            if (onLine) onLine(QString::fromUtf8(pending.left(nl)));
            pending.remove(0, nl + 1);
        }
    };
    while (!child.waitForFinished(100)) {
        drain();
        if (!asked && stopRequested && stopRequested()) {
            asked = true;
            child.terminate();  // SIGTERM: the sweep asks each run to stop after its step and merges
        }
    }
    drain();
    if (!pending.isEmpty() && onLine) onLine(QString::fromUtf8(pending));
    QFile::remove(pidFile);
    if (child.exitStatus() != QProcess::NormalExit) return asked ? 130 : 1;
    return child.exitCode();
}

int tagRuns(Store& store, const StudySpec& spec) {
    int n = 0;
    for (const auto& r : expandRuns(spec))
        if (tagStudyRun(store, runName(spec, r.index), spec.id, r.arm, r.seed) > 0) ++n;
    return n;
}

}  // namespace hpt::study
