// Fault injection over whole batch runs (issue 11): a real `hpt --batch` of a
// small hybrid experiment is SIGKILLed at chosen moments — in FULL, in DUAL, in
// LORA, at a phase switch, half-way through a checkpoint write, between the
// checkpoint renames, inside a store transaction — and at random wall times.
// After every kill:
//   - the store passes PRAGMA integrity_check,
//   - every metric row the killed process had committed is there (the process
//     notes what it committed after each commit, util/FaultPoint.h),
//   - the run is still "running" until recovery marks it "interrupted",
//   - a valid checkpoint is found (a torn one is reported and skipped),
//   - `hpt --batch --resume <run id>` completes the same run, and its stored
//     losses, phase switches, t-tests and test metrics equal those of a run
//     that was never killed (the engine resumes bit-identically, single thread).
//
// HPT_FAULT_KILLS (default 62) sets how many kills; HPT_FAULT_SEED the plan's
// seed (printed, so a failure can be replayed).
//
// Two more scenarios (issue 23), each runnable alone (tst_fault_injection NAME):
//   - twoRunsOneCheckpointFolder: run A is killed in DUAL; run B given A's folder
//     is refused and leaves A's checkpoints as they were; B in its own folder and
//     A resumed both equal the reference;
//   - resumeRacingALiveWriter: a resume of run A while A's process is alive
//     (stopped with SIGSTOP mid-run) is refused; A then finishes equal to the
//     reference, every step stored once.
#include "TestSupport.h"

#include "engine/Checkpoint.h"
#include "store/Store.h"
#include "util/FaultPoint.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <csignal>
#include <map>
#include <random>

using namespace hpt;

namespace {

// FULL → DUAL → LORA in about 100 steps on the test plugins, a checkpoint every 7
// steps (so kills land both just after and long after one).
QJsonObject experiment(const QString& checkpointDir) {
    return QJsonObject{
        {"name", "fault-injection"},
        {"model", QJsonObject{{"name", "testmodel"}}},
        {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 96}}}}},
        {"devices", QJsonObject{{"gpu", QJsonObject{{"plugin", "testdevice"}}},
                                {"systolic", QJsonObject{{"plugin", "testdevice"}}},
                                {"reram", QJsonObject{{"plugin", "testdevice"}}}}},
        {"lora", QJsonObject{{"rank", 2}, {"alpha", 4}, {"dropout", 0.1},
                             {"modules_to_save", QJsonArray{"embed", "decoder"}}}},
        {"training", QJsonObject{{"epochs", 4}, {"lr", 1e-2}, {"batch_size", 4}, {"lr_step_epochs", 2}, {"threads", 1}}},
        {"switching", QJsonObject{{"check_every", 4}, {"ttest_window", 8}, {"tau_loss", 0.5}, {"tau_w", 0.5}}},
        {"checkpoint", QJsonObject{{"every", 7}, {"dir", checkpointDir}}},
    };
}

QProcessEnvironment childEnv(const QString& fault, const QString& log) {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("OMP_NUM_THREADS", "1");  // bit-identical resume needs the same reduction order
    env.remove("HPT_FAULT");
    if (!fault.isEmpty()) env.insert("HPT_FAULT", fault);
    env.insert("HPT_FAULT_LOG", log);
    return env;
}

QStringList batchArgs(const QString& experimentFile, const QString& store) {
    // --log-level info: the harness times its kills by the "checkpoint written" lines, which
    // batch mode prints only at info level or lower.
    return {"--batch", experimentFile, "--store", store, "--plugin-dir", HPT_TEST_PLUGIN_DIR, "--log-level", "info"};
}

// The last value of each note in a fault log.
std::map<QString, long long> readNotes(const QString& log) {
    std::map<QString, long long> last;
    QFile f(log);
    if (!f.open(QIODevice::ReadOnly)) return last;
    for (const QByteArray& line : f.readAll().split('\n')) {
        const auto parts = line.split(' ');
        if (parts.size() == 2) last[QString::fromUtf8(parts[0])] = parts[1].toLongLong();
    }
    return last;
}

int countNotes(const QString& log, const QString& what) {
    QFile f(log);
    if (!f.open(QIODevice::ReadOnly)) return 0;
    int n = 0;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith(what.toUtf8() + ' ')) ++n;
    return n;
}

// What must be identical between the reference run and a killed-then-resumed one.
struct Outcome {
    std::map<QString, std::vector<std::pair<double, double>>> series;  // key → (step, value)
    std::vector<std::pair<int64_t, QString>> events;                   // (step, type) of the deterministic events
    QJsonObject test;                                                  // final test metrics
    QJsonObject final;
    QString status;
    int runs = 0;
};

Outcome readOutcome(const QString& storePath) {
    Outcome o;
    Store s(storePath, true);
    const auto runs = s.runs();
    o.runs = int(runs.size());
    if (runs.empty()) return o;
    const int64_t id = runs.front().id;
    o.status = s.summary(id).status;
    o.final = s.summary(id).final;
    o.test = o.final.value("test").toObject();
    for (const QString key : {"loss.full", "loss.lora", "lr"}) {
        const auto ser = s.series(id, key);
        for (size_t i = 0; i < ser.x.size(); ++i) o.series[key].push_back({ser.x[i], ser.y[i]});
    }
    for (const auto& e : s.events(id)) {
        const QString t = QString::fromStdString(e.type);
        if (t == "phase" || t == "ttest" || t == "plateau_check" || t == "weight_check" || t == "lr" || t == "adapter")
            o.events.push_back({e.step, t});
    }
    return o;
}

struct Reference {
    Outcome outcome;
    int64_t dualStep = -1, switchStep = -1, steps = 0;
    int phaseSwitches = 0, checkpoints = 0, commits = 0;
    double seconds = 0;
};

enum class KillKind { Point, Timer };
struct Kill {
    KillKind kind;
    QString point;     // for Point
    long long nth = 0;  // for Point
    int delayMs = 0;    // for Timer: after the start checkpoint is announced
    QString label;      // the phase/moment it targets, for the report
};

}  // namespace

class TestFaultInjection : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    Reference ref_;
    int iteration_ = 0;

    QString writeExperiment(const QString& path, const QString& ckpt) {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
        f.write(QJsonDocument(experiment(ckpt)).toJson());
        return path;
    }

    std::vector<Kill> plan(int total, unsigned seed) const {
        std::mt19937 rng(seed);
        auto pick = [&](long long lo, long long hi) { return std::uniform_int_distribution<long long>(lo, std::max(lo, hi))(rng); };
        // Shares of the kills per moment; the remainder goes to random wall-time kills.
        struct Share {
            const char* label;
            double fraction;
            std::function<Kill()> make;
        };
        const std::vector<Share> shares = {
            {"FULL step", 0.16, [&] { return Kill{KillKind::Point, fault::kStep, pick(1, ref_.dualStep - 1), 0, "FULL step"}; }},
            {"DUAL step", 0.16, [&] { return Kill{KillKind::Point, fault::kStep, pick(ref_.dualStep + 1, ref_.switchStep), 0, "DUAL step"}; }},
            {"LORA step", 0.13, [&] { return Kill{KillKind::Point, fault::kStep, pick(ref_.switchStep + 1, ref_.steps), 0, "LORA step"}; }},
            {"phase switch", 0.10, [&] { return Kill{KillKind::Point, fault::kPhaseSwitch, pick(1, ref_.phaseSwitches), 0, "at a phase switch"}; }},
            {"checkpoint partial", 0.10, [&] { return Kill{KillKind::Point, fault::kCheckpointPartial, pick(1, ref_.checkpoints), 0, "mid checkpoint write"}; }},
            {"checkpoint rotated", 0.10, [&] { return Kill{KillKind::Point, fault::kCheckpointRotated, pick(2, ref_.checkpoints), 0, "between checkpoint renames"}; }},
            {"store commit", 0.13, [&] { return Kill{KillKind::Point, fault::kStoreCommit, pick(1, ref_.commits), 0, "inside a store transaction"}; }},
        };
        std::vector<Kill> kills;
        for (const auto& s : shares)
            for (int i = 0, n = std::max(1, int(s.fraction * total + 0.5)); i < n; ++i) kills.push_back(s.make());
        while (int(kills.size()) < total)
            kills.push_back(Kill{KillKind::Timer, {}, 0, int(pick(0, std::max<long long>(50, llround(ref_.seconds * 700)))), "random wall time"});
        std::shuffle(kills.begin(), kills.end(), rng);
        return kills;
    }

    // The stored run equals the never-killed reference: one run, finished, the same losses,
    // checks, switches and test metrics.
    void expectSameAsReference(const QString& store, const QString& ctx) {
        const Outcome o = readOutcome(store);
        QCOMPARE(o.runs, 1);
        QCOMPARE(o.status, QString("finished"));
        for (const auto& [key, want] : ref_.outcome.series) {
            const auto& got = o.series.count(key) ? o.series.at(key) : decltype(want){};
            QVERIFY2(got.size() == want.size(), qPrintable(ctx + QString("%1: %2 points, reference %3").arg(key).arg(got.size()).arg(want.size())));
            for (size_t i = 0; i < want.size(); ++i)
                if (got[i] != want[i])
                    QFAIL(qPrintable(ctx + QString("%1 differs at step %2: %3 vs reference %4")
                                               .arg(key).arg(want[i].first).arg(got[i].second, 0, 'g', 17).arg(want[i].second, 0, 'g', 17)));
        }
        QVERIFY2(o.events == ref_.outcome.events, qPrintable(ctx + QString("%1 checks/switch events, reference %2")
                                                                    .arg(o.events.size()).arg(ref_.outcome.events.size())));
        QVERIFY2(o.test == ref_.outcome.test, qPrintable(ctx + "test metrics differ: " + QJsonDocument(o.test).toJson(QJsonDocument::Compact)));
        QCOMPARE(o.final.value("switch_step").toInteger(), ref_.switchStep);
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        if (qEnvironmentVariableIsSet("HPT_FAULT_KEEP")) {  // keep every folder for a post-mortem
            dir_.setAutoRemove(false);
            qInfo("keeping %s", qPrintable(dir_.path()));
        }
        // The reference: the same experiment, never killed.
        const QString d = dir_.filePath("reference");
        QDir().mkpath(d);
        const QString store = d + "/runs.sqlite", log = d + "/fault.log";
        // Timer kills are drawn over the training time: from the start checkpoint to the exit.
        QProcess p;
        p.setProcessEnvironment(childEnv({}, log));
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(HPT_EXE, batchArgs(writeExperiment(d + "/e.json", d + "/ckpt"), store));
        QVERIFY2(p.waitForStarted(10000), qPrintable(p.errorString()));
        QByteArray out;
        QElapsedTimer t;
        while (p.state() == QProcess::Running) {
            p.waitForReadyRead(20);
            out += p.readAll();
            if (!t.isValid() && out.contains("checkpoint written")) t.start();
        }
        out += p.readAll();
        ref_.seconds = t.isValid() ? t.elapsed() / 1000.0 : 0;
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, out.constData());
        ref_.outcome = readOutcome(store);
        QCOMPARE(ref_.outcome.status, QString("finished"));
        const QJsonObject& f = ref_.outcome.final;
        ref_.dualStep = f.value("dual_step").toInteger(-1);
        ref_.switchStep = f.value("switch_step").toInteger(-1);
        ref_.steps = f.value("steps").toInteger();
        QVERIFY2(ref_.dualStep > 1 && ref_.switchStep > ref_.dualStep && ref_.steps > ref_.switchStep,
                 qPrintable("the reference run must pass FULL → DUAL → LORA: " + QJsonDocument(f).toJson()));
        Store s(store, true);
        for (const auto& e : s.events(1)) {
            if (e.type == "phase") ++ref_.phaseSwitches;
            if (e.type == "checkpoint") ++ref_.checkpoints;
        }
        ref_.commits = countNotes(log, "store.metric_rows");
        QVERIFY(ref_.checkpoints >= 10 && ref_.commits >= 2);
        qInfo("reference: %.2f s of training, %lld steps, DUAL at %lld, LORA at %lld, %d checkpoints, %d store commits",
              ref_.seconds, (long long)ref_.steps, (long long)ref_.dualStep, (long long)ref_.switchStep,
              ref_.checkpoints, ref_.commits);
    }

    void twoRunsOneCheckpointFolder() {
        const QString d = dir_.filePath("two-runs-one-folder");
        QDir().mkpath(d);
        const QString store = d + "/runs.sqlite", ckpt = d + "/ckpt";
        const QString exp = writeExperiment(d + "/e.json", ckpt);
        // A: killed in DUAL.
        QProcess a;
        a.setProcessEnvironment(childEnv(QString("%1:%2").arg(fault::kStep).arg(ref_.dualStep + 2), d + "/a.log"));
        a.setProcessChannelMode(QProcess::MergedChannels);
        a.start(HPT_EXE, batchArgs(exp, store));
        QVERIFY(a.waitForFinished(120000));
        QVERIFY2(a.exitStatus() == QProcess::CrashExit, a.readAll().constData());
        QFile ck(ckpt + "/" + Checkpoint::kFile);
        QVERIFY(ck.open(QIODevice::ReadOnly));
        const QByteArray before = ck.readAll();
        ck.close();
        // B, the same experiment in the same folder: refused, A's checkpoint untouched.
        auto b = test::runHpt(batchArgs(exp, store), 120000, childEnv({}, d + "/b.log"));
        QVERIFY2(b.exitCode == 2 && b.err.contains("never share"), qPrintable(b.out + b.err));
        QVERIFY(ck.open(QIODevice::ReadOnly));
        QCOMPARE(ck.readAll(), before);
        ck.close();
        // B in its own folder and store: the same as the reference.
        auto b2 = test::runHpt(batchArgs(writeExperiment(d + "/b.json", d + "/ckpt-b"), d + "/b.sqlite"), 120000,
                               childEnv({}, d + "/b2.log"));
        QVERIFY2(b2.exitCode == 0, qPrintable(b2.out + b2.err));
        expectSameAsReference(d + "/b.sqlite", "run B: ");
        // A resumed: nothing of it was lost to B.
        auto r = test::runHpt({"--resume", "1", "--store", store, "--plugin-dir", HPT_TEST_PLUGIN_DIR}, 120000,
                              childEnv({}, d + "/resume.log"));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        expectSameAsReference(store, "run A: ");
    }

    void resumeRacingALiveWriter() {
        const QString d = dir_.filePath("resume-racing-writer");
        QDir().mkpath(d);
        const QString store = d + "/runs.sqlite";
        QProcess a;
        a.setProcessEnvironment(childEnv({}, d + "/a.log"));
        a.setProcessChannelMode(QProcess::MergedChannels);
        a.start(HPT_EXE, batchArgs(writeExperiment(d + "/e.json", d + "/ckpt"), store));
        QVERIFY(a.waitForStarted(10000));
        QByteArray out;
        QElapsedTimer t;
        t.start();
        // The second checkpoint: the run is recorded (a checkpoint waits for the store's commit).
        while (out.count("checkpoint written") < 2 && a.state() == QProcess::Running && t.elapsed() < 60000) {
            a.waitForReadyRead(20);
            out += a.readAll();
        }
        // Frozen mid-run, but alive: its lock on the run's checkpoint folder holds.
        QVERIFY2(a.state() == QProcess::Running, out.constData());
        ::kill(pid_t(a.processId()), SIGSTOP);
        auto r = test::runHpt({"--resume", "1", "--store", store, "--plugin-dir", HPT_TEST_PLUGIN_DIR}, 120000,
                              childEnv({}, d + "/resume.log"));
        ::kill(pid_t(a.processId()), SIGCONT);
        QVERIFY2(r.exitCode == 2 && r.err.contains("one writer") &&
                     r.err.contains(QString("process %1").arg(a.processId())),
                 qPrintable(r.out + r.err));
        QVERIFY(a.waitForFinished(120000));
        out += a.readAll();
        QVERIFY2(a.exitStatus() == QProcess::NormalExit && a.exitCode() == 0, out.constData());
        expectSameAsReference(store, "racing resume: ");
    }

    void killsLoseNothing() {
        const int total = qEnvironmentVariableIsSet("HPT_FAULT_KILLS") ? qEnvironmentVariableIntValue("HPT_FAULT_KILLS") : 62;
        const unsigned seed = qEnvironmentVariableIsSet("HPT_FAULT_SEED") ? unsigned(qEnvironmentVariableIntValue("HPT_FAULT_SEED"))
                                                                          : 20261129u;
        qInfo("plan: %d kills, seed %u (HPT_FAULT_SEED=%u HPT_FAULT_KILLS=%d replays it)", total, seed, seed, total);
        std::map<QString, int> killedPer;
        int killed = 0, finishedFirst = 0;
        for (const Kill& k : plan(total, seed)) {
            const QString d = dir_.filePath(QString("kill-%1").arg(++iteration_, 3, 10, QChar('0')));
            QDir().mkpath(d);
            const QString store = d + "/runs.sqlite", log = d + "/fault.log", ckpt = d + "/ckpt";
            const QString what = k.kind == KillKind::Point ? QString("%1:%2").arg(k.point).arg(k.nth)
                                                           : QString("timer %1 ms").arg(k.delayMs);
            const QString ctx = QString("kill %1 (%2, %3): ").arg(iteration_).arg(k.label, what);

            // 1. Run until killed.
            QProcess p;
            p.setProcessEnvironment(childEnv(k.kind == KillKind::Point ? QString("%1:%2").arg(k.point).arg(k.nth) : QString(), log));
            p.setProcessChannelMode(QProcess::MergedChannels);
            p.start(HPT_EXE, batchArgs(writeExperiment(d + "/e.json", ckpt), store));
            QVERIFY2(p.waitForStarted(10000), qPrintable(ctx + p.errorString()));
            QByteArray out;
            if (k.kind == KillKind::Timer) {
                // Training has begun once the start checkpoint is announced; kill a random time later.
                QElapsedTimer t;
                t.start();
                while (!out.contains("checkpoint written") && p.state() == QProcess::Running && t.elapsed() < 60000) {
                    p.waitForReadyRead(20);
                    out += p.readAll();
                }
                QThread::msleep(ulong(k.delayMs));
                if (p.state() == QProcess::Running) p.kill();
            }
            QVERIFY2(p.waitForFinished(120000), qPrintable(ctx + "the run did not end"));
            out += p.readAll();
            if (p.exitStatus() == QProcess::NormalExit) {
                // A point kill must fire: its n was taken from the reference run.
                QVERIFY2(k.kind == KillKind::Timer, qPrintable(ctx + "the fault point was never reached:\n" + out));
                QCOMPARE(p.exitCode(), 0);
                ++finishedFirst;  // the timer fired after the run ended; not counted as a kill
                continue;
            }
            const auto notes = readNotes(log);

            // 2. The store as the kill left it.
            {
                Store s(store);
                QVERIFY2(s.integrityCheck() == "ok", qPrintable(ctx + s.integrityCheck()));
                const auto runs = s.runs();
                if (runs.empty()) {
                    // Killed while writing the start checkpoint, before the run was recorded: it
                    // is started again (from the checkpoint folder if that write had completed).
                    QVERIFY2(k.point == fault::kCheckpointPartial || k.point == fault::kCheckpointRotated ||
                                 k.kind == KillKind::Timer,
                             qPrintable(ctx + "no run in the store"));
                    const bool haveCheckpoint = Checkpoint::verify(ckpt + "/" + Checkpoint::kFile).isEmpty() ||
                                                Checkpoint::verify(ckpt + "/" + Checkpoint::kNew).isEmpty();
                    const auto r = haveCheckpoint
                                       ? test::runHpt({"--resume", ckpt, "--store", store, "--plugin-dir", HPT_TEST_PLUGIN_DIR},
                                                      120000, childEnv({}, d + "/resume.log"))
                                       : test::runHpt(batchArgs(d + "/e.json", store), 120000, childEnv({}, d + "/rerun.log"));
                    QVERIFY2(r.exitCode == 0, qPrintable(ctx + "restart failed:\n" + r.out + r.err));
                    expectSameAsReference(store, ctx);
                    if (QTest::currentTestFailed()) return;
                    ++killed;
                    ++killedPer[k.label + " (before the run was recorded)"];
                    QDir(d).removeRecursively();
                    continue;
                }
                QVERIFY2(runs.size() == 1, qPrintable(ctx + QString("%1 runs in the store").arg(runs.size())));
                if (runs.front().status == "finished") {
                    // A timer kill that landed after the run was recorded as finished, while the
                    // process was exiting: nothing to resume, and nothing may be lost.
                    QVERIFY2(k.kind == KillKind::Timer, qPrintable(ctx + "a fault-point kill left a finished run"));
                    expectSameAsReference(store, ctx);
                    if (QTest::currentTestFailed()) return;
                    ++finishedFirst;
                    continue;
                }
                QVERIFY2(runs.front().status == "running", qPrintable(ctx + "status " + runs.front().status));
                if (notes.count("store.metric_rows"))
                    QVERIFY2(s.metricCount(1) >= notes.at("store.metric_rows"),
                             qPrintable(ctx + QString("%1 metric rows stored, %2 reported committed")
                                                  .arg(s.metricCount(1)).arg(notes.at("store.metric_rows"))));
                if (notes.count("store.step") && notes.at("store.step") >= 1) {  // step 0 holds only the lr
                    const auto loss = s.series(1, "loss.full");
                    const double want = double(std::min<long long>(notes.at("store.step"), ref_.switchStep));
                    QVERIFY2(!loss.x.empty() && loss.x.back() >= want,
                             qPrintable(ctx + QString("loss.full is stored up to step %1, committed up to %2")
                                                  .arg(loss.x.empty() ? -1 : loss.x.back()).arg(want)));
                }
                ++killed;
                ++killedPer[k.label];
                QCOMPARE(s.recoverInterrupted(), 1);
                QCOMPARE(s.summary(1).status, QString("interrupted"));
            }

            // 3. A valid checkpoint remains; a torn or missing newest one is reported, not used.
            QString rejected;
            try {
                rejected = Checkpoint::read(ckpt).rejected;
            } catch (const Error& e) {
                QFAIL(qPrintable(ctx + "no checkpoint to resume from: " + e.what()));
            }
            if (k.point == fault::kCheckpointRotated)
                QVERIFY2(rejected.contains(Checkpoint::kNew), qPrintable(ctx + "expected the complete new checkpoint to be used: " + rejected));

            // 4. Resume by run id: the same run completes, equal to the reference.
            const auto r = test::runHpt({"--resume", "1", "--store", store, "--plugin-dir", HPT_TEST_PLUGIN_DIR},
                                        120000, childEnv({}, d + "/resume.log"));
            QVERIFY2(r.exitCode == 0, qPrintable(ctx + "resume failed:\n" + r.out + r.err));
            expectSameAsReference(store, ctx);
            if (QTest::currentTestFailed()) return;
            // Keep the folder only when something failed (QTemporaryDir removes it all at the end).
            QDir(d).removeRecursively();
        }
        QString per;
        for (const auto& [label, n] : killedPer) per += QString("%1 %2, ").arg(label).arg(n);
        qInfo("%d kills (%s%d timer kills came after the run was recorded as finished)", killed, qPrintable(per), finishedFirst);
        QVERIFY2(killed >= std::min(50, total - 2), qPrintable(QString("only %1 kills landed").arg(killed)));
    }
};

QTEST_GUILESS_MAIN(TestFaultInjection)
#include "tst_fault_injection.moc"
