// The store and the checkpoint folder when the disk says no: a read-only store
// folder or file, a read-only checkpoint folder, and a disk that fills up during
// a run — each through `hpt --batch` as a user meets it. Every case must end with
// a non-zero exit code and a message naming the path and the fix; nothing may be
// left looking valid that is not (store status, integrity, committed rows,
// checkpoint files).
//
// How the faults are made without root mounts:
// - Read-only: chmod. This machine runs the tests as root, and root ignores file
//   modes (CAP_DAC_OVERRIDE), so the child drops CAP_DAC_OVERRIDE and
//   CAP_DAC_READ_SEARCH from its capability bounding set before exec; an ordinary
//   user needs nothing. A probe skips the cases if modes still do not apply.
// - Disk full: tests/store/enospc_shim.cpp, an LD_PRELOAD library that lets the
//   child write HPT_ENOSPC_BYTES bytes into HPT_ENOSPC_DIR and then fails write()/
//   pwrite() with ENOSPC — the errno a full file system returns, so SQLite reports
//   SQLITE_FULL and QSaveFile "No space left on device" exactly as on a real full
//   disk, and only in that folder (the run's output, logs and the other folder keep
//   working, as when the store and the checkpoints live on different disks).
//   RLIMIT_FSIZE was the alternative: it fails writes with EFBIG ("File too large",
//   which SQLite reports as a generic I/O error, not "disk full"), per file rather
//   than per disk, and for every file the process writes.
#include "StoreTestSupport.h"
#include "TestSupport.h"

#include "engine/Checkpoint.h"
#include "store/Store.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <linux/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

using hpt::test::ProcResult;

namespace {

QJsonObject tinyExperiment(int maxSteps, int ckptEvery = 0) {
    return QJsonObject{
        {"name", "faults"},
        {"model", QJsonObject{{"name", "testmodel"}}},
        {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 16}}}}},
        {"training", QJsonObject{{"epochs", 100000}, {"max_steps", maxSteps}, {"batch_size", 4}, {"seed", 3}}},
        {"switching", QJsonObject{{"mode", "full"}}},
        {"checkpoint", QJsonObject{{"every", ckptEvery}}},
        {"devices", QJsonObject{{"gpu", QJsonObject{{"plugin", "testdevice"}}}}},
    };
}

QString writeJson(const QString& path, const QJsonObject& o) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(QJsonDocument(o).toJson());
    return path;
}

// Runs hpt (a batch with the test plugins); `dropDacOverride` drops root's permission bypass in the child.
ProcResult run(QStringList args, const QProcessEnvironment& extra = {}, bool dropDacOverride = true) {
    if (args.value(0) == "--batch") args << "--plugin-dir" << HPT_TEST_PLUGIN_DIR;
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString& k : extra.keys()) env.insert(k, extra.value(k));
    p.setProcessEnvironment(env);
    if (dropDacOverride)
        p.setChildProcessModifier([] {
            if (geteuid() == 0) {
                prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0);
                prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0);
            }
        });
    return hpt::test::runHpt(p, args, 180000);
}

QProcessEnvironment diskFull(const QString& dir, qint64 bytes) {
    QProcessEnvironment e;
    e.insert("LD_PRELOAD", HPT_ENOSPC_SHIM);
    e.insert("HPT_ENOSPC_DIR", dir);
    e.insert("HPT_ENOSPC_BYTES", QString::number(bytes));
    e.insert("ASAN_OPTIONS", "verify_asan_link_order=0");  // sanitized builds: the shim comes before libasan
    return e;
}

// Every checkpoint file left in dir verifies; a temporary (partial) file may not stay behind.
void checkpointFolderIsClean(const QString& dir) {
    for (const QString& f : QDir(dir).entryList(QDir::Files)) {
        QVERIFY2(f == hpt::Checkpoint::kFile || f == hpt::Checkpoint::kPrevious,
                 qPrintable("unexpected file left in the checkpoint folder: " + f));
        const QString why = hpt::Checkpoint::verify(QDir(dir).filePath(f));
        QVERIFY2(why.isEmpty(), qPrintable(f + ": " + why));
    }
}

}  // namespace

class TestStoreFaults : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    bool modesApply_ = false;
    QString path(const QString& n) const { return tmp_.filePath(n); }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        // Does chmod stop this child from writing here (root without CAP_DAC_OVERRIDE, or a user)?
        const QString ro = path("probe-ro");
        QVERIFY(QDir().mkpath(ro));
        QFile::setPermissions(ro, QFile::ReadOwner | QFile::ExeOwner | QFile::ReadGroup | QFile::ExeGroup);
        QProcess p;
        p.setChildProcessModifier([] {
            if (geteuid() == 0) {
                prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0);
                prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0);
            }
        });
        p.start("/bin/sh", {"-c", "touch '" + ro + "/x'"});
        QVERIFY(p.waitForFinished(10000));
        modesApply_ = p.exitCode() != 0 && !QFile::exists(ro + "/x");
    }

    void readOnlyStoreFolder() {
        if (!modesApply_) QSKIP("file modes do not restrict this process here");
        const QString dir = path("ro-store"), store = dir + "/runs.sqlite";
        QVERIFY(QDir().mkpath(dir));
        const QString exp = writeJson(path("ro.json"), tinyExperiment(4));
        auto r = run({"--batch", exp, "--store", store, "--set", "checkpoint.dir=" + path("ro-ckpt")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        const QByteArray before = hpt::test::fileSha256(store);
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::ExeOwner);
        r = run({"--batch", exp, "--store", store, "--set", "checkpoint.dir=" + path("ro-ckpt2")});
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(store) && r.err.contains("folder " + dir + " is not writable") &&
                     r.err.contains("chmod u+w " + dir) && r.err.contains("--store"),
                 qPrintable(r.err));
        QCOMPARE(hpt::test::fileSha256(store), before);
        QVERIFY(!QFileInfo::exists(path("ro-ckpt2")) || QDir(path("ro-ckpt2")).isEmpty());  // nothing trained

        // A new store in a read-only folder: the same sentence, and no file appears.
        const QString fresh = dir + "/new.sqlite";
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::ExeOwner);
        r = run({"--batch", exp, "--store", fresh});
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(fresh) && r.err.contains("not writable"), qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(fresh));
    }

    void readOnlyStoreFile() {
        if (!modesApply_) QSKIP("file modes do not restrict this process here");
        const QString store = path("ro-file.sqlite");
        const QString exp = writeJson(path("rof.json"), tinyExperiment(4));
        auto r = run({"--batch", exp, "--store", store, "--set", "checkpoint.dir=" + path("rof-ckpt")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        const QByteArray before = hpt::test::fileSha256(store);
        QFile::setPermissions(store, QFile::ReadOwner | QFile::ReadGroup);
        r = run({"--batch", exp, "--store", store, "--set", "checkpoint.dir=" + path("rof-ckpt2")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(store + ": is read-only") && r.err.contains("chmod u+w " + store), qPrintable(r.err));
        QCOMPARE(hpt::test::fileSha256(store), before);
        // Reading it still works.
        r = run({"runs", "--store", store});
        QVERIFY2(r.exitCode == 0 && r.out.contains("faults"), qPrintable(r.out + r.err));
        QFile::setPermissions(store, QFile::ReadOwner | QFile::WriteOwner);
        QCOMPARE(hpt::test::fileSha256(store), before);
    }

    void readOnlyCheckpointFolder() {
        if (!modesApply_) QSKIP("file modes do not restrict this process here");
        const QString store = path("roc.sqlite"), ckpt = path("roc-ckpt");
        QVERIFY(QDir().mkpath(ckpt));
        QFile::setPermissions(ckpt, QFile::ReadOwner | QFile::ExeOwner);
        auto r = run({"--batch", writeJson(path("roc.json"), tinyExperiment(4)), "--store", store, "--set",
                      "checkpoint.dir=" + ckpt});
        QFile::setPermissions(ckpt, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(ckpt + ": the checkpoint folder is not writable") && r.err.contains("checkpoint.dir"),
                 qPrintable(r.err));
        QVERIFY(QDir(ckpt).isEmpty());
        hpt::Store st(store, true);
        for (const auto& s : st.runs()) QVERIFY2(s.status != "finished", qPrintable(s.status));
    }

    void diskFullDuringRunStopsAndKeepsCommittedRows() {
        // The store's disk fills up while training: the run stops at the next step with the store's
        // error, writes a checkpoint (on another disk) so nothing trained is lost, and the store
        // keeps every batch it committed, passes integrity_check and does not say "finished".
        const QString sdir = path("full-store"), store = sdir + "/runs.sqlite", ckpt = path("full-ckpt");
        QVERIFY(QDir().mkpath(sdir));
        const QString exp = writeJson(path("full.json"), tinyExperiment(20000));
        QElapsedTimer t;
        t.start();
        auto r = run({"--batch", exp, "--store", store, "--set", "checkpoint.dir=" + ckpt}, diskFull(sdir, 256 * 1024),
                     false);
        qInfo("disk-full run: %lld ms", static_cast<long long>(t.elapsed()));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(store) && r.err.contains("disk is full") && r.err.contains("Free space"),
                 qPrintable(r.err));
        QVERIFY2(r.err.contains("a checkpoint of it is in " + ckpt), qPrintable(r.err));
        const auto m = QRegularExpression("recorded up to step (-?\\d+) only").match(r.out);
        QVERIFY2(m.hasMatch(), qPrintable(r.out));
        const int64_t committed = m.captured(1).toLongLong();
        QVERIFY2(committed > 0, qPrintable(r.out));

        hpt::Store st(store);
        QCOMPARE(st.integrityCheck(), QString("ok"));
        const auto runs = st.runs();
        QCOMPARE(runs.size(), size_t(1));
        QVERIFY2(runs[0].status != "finished", qPrintable(runs[0].status));
        st.recoverInterrupted();
        const QString status = st.summary(runs[0].id).status;
        QVERIFY2(status == "failed" || status == "interrupted", qPrintable(status));
        const auto loss = st.series(runs[0].id, "loss.full");
        QVERIFY(int64_t(loss.x.size()) >= committed);
        for (int64_t s = 1; s <= committed; ++s)
            QVERIFY2(std::find(loss.x.begin(), loss.x.end(), double(s)) != loss.x.end(),
                     qPrintable(QString("committed step %1 is missing").arg(s)));
        checkpointFolderIsClean(ckpt);
        QVERIFY(QFileInfo::exists(QDir(ckpt).filePath(hpt::Checkpoint::kFile)));

        const auto stopped = QRegularExpression("Training stopped at step (\\d+)").match(r.err);
        QVERIFY2(stopped.hasMatch(), qPrintable(r.err));
        const int64_t at = stopped.captured(1).toLongLong();
        QVERIFY(at >= committed);
        QCOMPARE(hpt::Checkpoint::read(ckpt).state.value("step").toInteger(), qint64(at));

        // With space again, the run resumes from that checkpoint and finishes under the same record.
        r = run({"--batch", exp, "--store", store, "--resume", ckpt, "--set",
                 "training.max_steps=" + QString::number(at + 20)}, {}, false);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        hpt::Store after(store, true);
        QCOMPARE(after.runs().size(), size_t(1));
        QCOMPARE(after.summary(runs[0].id).status, QString("finished"));
        QCOMPARE(after.integrityCheck(), QString("ok"));
    }

    void diskFullCheckpointKeepsThePreviousOne() {
        // The checkpoint disk fills up: the first checkpoint fits, the second does not. The run
        // stops (exit 1) naming the folder; the partial file is gone and the first one verifies.
        const QString ckpt = path("cfull"), store = path("cfull.sqlite");
        QVERIFY(QDir().mkpath(ckpt));
        // How big is one checkpoint of this run?
        const QString probe = path("cfull-probe");
        auto r = run({"--batch", writeJson(path("cfull-probe.json"), tinyExperiment(5)), "--store", path("probe.sqlite"),
                      "--set", "checkpoint.dir=" + probe}, {}, false);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        const qint64 one = QFileInfo(QDir(probe).filePath(hpt::Checkpoint::kFile)).size();
        QVERIFY(one > 0);
        // Room for two and a half: whichever checkpoints come first (step 0 when the engine writes a
        // start checkpoint, then every 50 steps), the third does not fit.
        r = run({"--batch", writeJson(path("cfull.json"), tinyExperiment(200, 50)), "--store", store, "--set",
                 "checkpoint.dir=" + ckpt}, diskFull(ckpt, 2 * one + one / 2), false);
        QCOMPARE(r.exitCode, 1);
        const auto m = QRegularExpression(QRegularExpression::escape(ckpt) + ": writing the checkpoint of step (\\d+) failed")
                           .match(r.err);
        QVERIFY2(m.hasMatch() && r.err.contains("No space left on device") && r.err.contains("Free space"),
                 qPrintable(r.err));
        const qint64 failedAt = m.captured(1).toLongLong();
        QVERIFY2(failedAt == 100 || failedAt == 150, qPrintable(r.err));
        checkpointFolderIsClean(ckpt);
        QCOMPARE(hpt::Checkpoint::read(ckpt).state.value("step").toInteger(), failedAt - 50);
        hpt::Store st(store, true);
        QCOMPARE(st.integrityCheck(), QString("ok"));
        QCOMPARE(st.runs().size(), size_t(1));
        QCOMPARE(st.runs()[0].status, QString("failed"));
    }
};

QTEST_GUILESS_MAIN(TestStoreFaults)
#include "tst_store_faults.moc"
