// The run store as its users meet it: a run written and read back whole, edits,
// plotting series, recovery of runs whose writer is gone, the v1 → current
// migration, idempotent merges, and bad files that are reported and left alone.
#include "StoreTestSupport.h"
#include "store/Downsample.h"
#include "store/Store.h"
#include "store/StoreSink.h"

#include <hpt/Error.h>

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace hpt;
using namespace hpt::test;

namespace {

const std::vector<std::string> kKeys = {"loss.full", "loss.lora", "lr", "device.reram.energy_j"};

// Asserts that constructing a Store throws hpt::Error(Store) whose message contains `needle`.
void expectStoreError(const QString& path, const QString& needle, bool readOnly = false) {
    try {
        Store s(path, readOnly);
        QFAIL(qPrintable("opened without error: " + path));
    } catch (const Error& e) {
        QCOMPARE(int(e.kind()), int(ErrorKind::Store));
        const QString msg = QString::fromUtf8(e.what());
        QVERIFY2(msg.contains(needle), qPrintable(msg));
        QVERIFY2(msg.contains(QFileInfo(path).fileName()), qPrintable(msg));  // names the file
    }
}

int64_t writeRun(Store& s, const std::string& name, int64_t steps, double offset = 0) {
    const int64_t id = s.createRun(sampleStart(name));
    s.appendMetrics(id, samplePoints(0, steps, kKeys, offset));
    s.appendEvent(id, RunEvent{steps / 2, 1, "phase", QJsonObject{{"from", "FULL"}, {"to", "DUAL"}}, 1.5});
    s.finishRun(id, RunStatus::Finished, QJsonObject{{"test", QJsonObject{{"rmse", 0.25 + offset}}}});
    return id;
}

}  // namespace

class TestStore : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString file(const QString& name) const { return tmp_.filePath(name); }

private slots:
    void roundTrip() {
        const QString f = file("roundtrip.sqlite");
        RunStart start = sampleStart("round-trip", 1234);
        int64_t id;
        {
            Store s(f);
            QCOMPARE(s.schemaVersion(), Store::kSchemaVersion);
            id = s.createRun(start);
            auto pts = samplePoints(0, 100, kKeys);
            pts.push_back({100, "loss.full", std::nan(""), 2.0});  // a diverged step stays a gap, not a number
            s.appendMetrics(id, pts);
            s.appendEvent(id, RunEvent{40, 1, "plateau_check", QJsonObject{{"rel_improvement", 0.05}, {"passed", true}}, 0.4});
            s.appendEvent(id, RunEvent{60, 2, "ttest", QJsonObject{{"t", 1.2}, {"p", 0.23}, {"df", 728}}, 0.6});
            QCOMPARE(s.summary(id).status, QString("running"));
            s.finishRun(id, RunStatus::Finished, QJsonObject{{"test", QJsonObject{{"rmse", 1.5}}}, {"switch_step", 60}});
        }
        Store s(f, true);  // a fresh read-only connection sees everything
        QCOMPARE(s.runConfig(id), start.config);
        const QJsonObject rec = s.runRecord(id);
        const QByteArray configText = QJsonDocument(start.config).toJson(QJsonDocument::Compact);
        QCOMPARE(rec["config_sha256"].toString(),
                 QString(QCryptographicHash::hash(configText, QCryptographicHash::Sha256).toHex()));
        QCOMPARE(rec["plugins"].toObject(), start.plugins);
        QCOMPARE(rec["dataset"].toObject(), start.dataset);
        QCOMPARE(rec["runtime"].toObject(), start.runtime);
        QCOMPARE(rec["seed"].toInt(), 1234);
        QCOMPARE(rec["checkpoint_dir"].toString(), QString::fromStdString(start.checkpointDir));
        QVERIFY(!rec["uuid"].toString().isEmpty());
        QVERIFY(!rec["host"].toString().isEmpty());
        QCOMPARE(rec["metric_points"].toInt(), 401);
        QCOMPARE(rec["event_count"].toInt(), 2);

        const RunSummary sum = s.summary(id);
        QCOMPARE(sum.status, QString("finished"));
        QCOMPARE(sum.name, QString("round-trip"));
        QCOMPARE(sum.model, QString("wind"));
        QCOMPARE(sum.dataset, QString("wind"));
        QCOMPARE(sum.mapping, QString("hpt"));
        QVERIFY(sum.synthetic);
        QCOMPARE(sum.final["switch_step"].toInt(), 60);
        QVERIFY(!sum.finishedAt.isEmpty());
        QVERIFY(sum.durationS >= 0);
        QCOMPARE(s.lastStep(id), int64_t(100));

        QStringList keys;
        for (const auto& k : kKeys) keys << QString::fromStdString(k);
        keys.sort();
        QCOMPARE(s.metricKeys(id), keys);
        const auto lr = s.series(id, "lr");
        QCOMPARE(lr.x.size(), size_t(100));
        for (size_t i = 0; i < lr.x.size(); ++i) {
            QCOMPARE(lr.x[i], double(i));
            QCOMPARE(lr.y[i], double(i) * 0.5 + 2.0);  // "lr" is key index 2
        }
        const auto loss = s.series(id, "loss.full", true);
        QCOMPARE(loss.x.size(), size_t(101));
        QCOMPARE(loss.x[50], 0.5);  // wall time
        QVERIFY(std::isnan(loss.y[100]));
        QVERIFY(s.series(id, "no.such.key").x.empty());

        const auto ev = s.events(id);
        QCOMPARE(ev.size(), size_t(2));
        QCOMPARE(ev[0].type, std::string("plateau_check"));
        QCOMPARE(ev[1].type, std::string("ttest"));
        QCOMPARE(ev[1].epoch, 2);
        QCOMPARE(ev[1].payload["p"].toDouble(), 0.23);
        QCOMPARE(ev[1].wallTime, 0.6);

        int n = 0;
        s.forEachMetric(id, "loss.lora", [&](const MetricPoint& p) {
            QCOMPARE(p.key, std::string("loss.lora"));
            QCOMPARE(p.step, int64_t(n++));
        });
        QCOMPARE(n, 100);
    }

    void editsAndDelete() {
        Store s(file("edit.sqlite"));
        const int64_t a = writeRun(s, "a", 10), b = writeRun(s, "b", 10);
        s.setName(a, "renamed");
        s.setNotes(a, "lr too high?");
        s.setTags(a, {"baseline", "wind"});
        s.markStatus(b, RunStatus::Stopped);
        auto runs = s.runs();
        QCOMPARE(runs.size(), size_t(2));
        QCOMPARE(runs[0].name, QString("renamed"));
        QCOMPARE(runs[0].notes, QString("lr too high?"));
        QCOMPARE(runs[0].tags, QStringList({"baseline", "wind"}));
        QCOMPARE(runs[1].status, QString("stopped"));
        s.deleteRun(a);
        QCOMPARE(s.runs().size(), size_t(1));
        QCOMPARE(s.metricCount(a), int64_t(0));
        QVERIFY(s.events(a).empty());
        try {
            s.appendMetrics(a, samplePoints(0, 1, kKeys));
            QFAIL("appending to a deleted run must fail");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("no run"), e.what());
        }
        // Same (run, key, step) twice: the later value replaces the earlier one.
        s.appendMetrics(b, {{3, "lr", 99.0, 0.0}});
        QCOMPARE(s.series(b, "lr").y[3], 99.0);
        QCOMPARE(s.series(b, "lr").x.size(), size_t(10));
    }

    void downsampleKeepsExtremes() {
        std::vector<double> x, y;
        for (int i = 0; i < 100000; ++i) {
            x.push_back(i);
            y.push_back(std::sin(i * 0.001));
        }
        y[31337] = 50;   // a spike
        y[77777] = -50;  // a dip
        std::vector<double> ox, oy;
        minMaxDownsample(x, y, 500, ox, oy);
        QVERIFY(ox.size() <= 500);
        QVERIFY(ox.size() >= 400);
        QCOMPARE(ox.front(), 0.0);
        QCOMPARE(ox.back(), 99999.0);
        QVERIFY(std::is_sorted(ox.begin(), ox.end()));
        QCOMPARE(*std::max_element(oy.begin(), oy.end()), 50.0);
        QCOMPARE(*std::min_element(oy.begin(), oy.end()), -50.0);
        minMaxDownsample(x, y, 0, ox, oy);  // 0 = everything
        QCOMPARE(ox.size(), x.size());

        Store s(file("ds.sqlite"));
        const int64_t id = s.createRun(sampleStart("ds"));
        std::vector<MetricPoint> pts;
        for (int i = 0; i < 20000; ++i) pts.push_back({i, "loss.full", i == 12345 ? 1e6 : 1.0, i * 0.1});
        s.appendMetrics(id, pts);
        const auto ser = s.series(id, "loss.full", false, 300);
        QVERIFY(ser.x.size() <= 300);
        QCOMPARE(*std::max_element(ser.y.begin(), ser.y.end()), 1e6);
        const auto wall = s.series(id, "loss.full", true, 300);
        QCOMPARE(wall.x.back(), 19999 * 0.1);
    }

    void recoverInterruptedRuns() {
        const QString f = file("recover.sqlite");
        Store s(f);
        const int64_t mine = s.createRun(sampleStart("alive"));     // this process writes it: alive
        const int64_t deadLocal = s.createRun(sampleStart("dead"));
        const int64_t staleRemote = s.createRun(sampleStart("remote-stale"));
        const int64_t freshRemote = s.createRun(sampleStart("remote-fresh"));
        const int64_t done = writeRun(s, "done", 5);
        const double now = QDateTime::currentMSecsSinceEpoch() / 1000.0;
        rawExec(f, qPrintable(QString("UPDATE runs SET writer_pid = 999999999 WHERE id = %1;"
                                      "UPDATE runs SET host = 'elsewhere', heartbeat_at = %2 WHERE id = %3;"
                                      "UPDATE runs SET host = 'elsewhere', heartbeat_at = %4 WHERE id = %5;")
                                  .arg(deadLocal).arg(now - 3600, 0, 'f', 3).arg(staleRemote).arg(now - 5, 0, 'f', 3).arg(freshRemote)));
        QCOMPARE(s.recoverInterrupted(600), 2);
        QCOMPARE(s.summary(mine).status, QString("running"));
        QCOMPARE(s.summary(deadLocal).status, QString("interrupted"));
        QCOMPARE(s.summary(staleRemote).status, QString("interrupted"));
        QCOMPARE(s.summary(freshRemote).status, QString("running"));
        QCOMPARE(s.summary(done).status, QString("finished"));
        QCOMPARE(s.recoverInterrupted(600), 0);  // nothing left to recover
        // Resuming an interrupted run makes this process its writer again.
        s.markStatus(deadLocal, RunStatus::Running);
        QCOMPARE(s.recoverInterrupted(600), 0);
        QVERIFY(s.summary(deadLocal).finishedAt.isEmpty());
    }

    void sinkWritesAndDrains() {
        const QString f = file("sink.sqlite");
        int64_t id;
        {
            StoreSink sink(f);
            sink.runStarted(sampleStart("sink"));
            id = sink.runId();
            QVERIFY(id > 0);
            for (int64_t s = 0; s < 2000; ++s) sink.metrics(samplePoints(s, 1, kKeys));
            sink.event(RunEvent{1000, 1, "phase", QJsonObject{{"to", "LORA"}}, 1.0});
            sink.flush();
            QCOMPARE(sink.committedRows(), int64_t(2000 * kKeys.size() + 1));
            QVERIFY(sink.lastError().isEmpty());
            {
                Store reader(f, true);  // a second connection reads while the sink writes
                QCOMPARE(reader.metricCount(id), int64_t(8000));
            }
            for (int64_t s = 2000; s < 3000; ++s) sink.metrics(samplePoints(s, 1, kKeys));
            sink.runFinished(RunStatus::Finished, QJsonObject{{"test", QJsonObject{{"rmse", 2.0}}}});
            // A second run on the same sink (a sweep): the queued rows above stay with run 1.
            sink.runStarted(sampleStart("sink-second"));
            QVERIFY(sink.runId() != id);
            sink.metrics(samplePoints(0, 5, kKeys));
            sink.runFinished(RunStatus::Stopped, {});
        }  // destructor drains
        Store s(f, true);
        QCOMPARE(s.metricCount(id + 1), int64_t(20));
        QCOMPARE(s.summary(id + 1).status, QString("stopped"));
        QCOMPARE(s.metricCount(id), int64_t(12000));
        QCOMPARE(s.summary(id).status, QString("finished"));
        QCOMPARE(s.lastStep(id), int64_t(2999));
        QCOMPARE(s.events(id).size(), size_t(1));
        // A sink destroyed without runFinished leaves an honest status, not "running".
        int64_t abandoned;
        {
            StoreSink sink(f);
            sink.runStarted(sampleStart("abandoned"));
            abandoned = sink.runId();
            sink.metrics(samplePoints(0, 10, kKeys));
        }
        Store s2(f, true);
        QCOMPARE(s2.summary(abandoned).status, QString("interrupted"));
        QCOMPARE(s2.metricCount(abandoned), int64_t(40));
    }

    void migratesV1File() {
        // The v1 layout, written here independently of the program's migration code.
        const QString f = file("v1.sqlite");
        rawExec(f, kV1Schema);
        rawExec(f, R"sql(
            INSERT INTO runs(id, uuid, name, status, created_at, finished_at, config, tags, final)
              VALUES (3, 'u-v1-a', 'old run', 'finished', '2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z',
                      '{"model":{"name":"swe"}}', '["v1"]', '{"test":{"rmse":3.5}}'),
                     (4, 'u-v1-b', 'old crash', 'running', '2026-01-02T00:00:00.000Z', NULL, '{}', '[]', '{}');
            INSERT INTO metrics VALUES (3, 0, 'loss.full', 1.0, 0.1), (3, 1, 'loss.full', 0.5, 0.2),
              (3, 2, 'loss.full', 0.25, 0.3), (3, 0, 'lr', 0.001, 0.1), (4, 7, 'loss.full', 9.0, 1.0);
            INSERT INTO events(run, step, epoch, type, payload, wall_time) VALUES (3, 9, 1, 'phase', '{"to":"DUAL"}', 0.9);
        )sql");
        Store s(f);
        QCOMPARE(s.schemaVersion(), Store::kSchemaVersion);
        QCOMPARE(s.integrityCheck(), QString("ok"));
        const auto runs = s.runs();
        QCOMPARE(runs.size(), size_t(2));
        QCOMPARE(runs[0].id, int64_t(3));  // ids survive the migration
        QCOMPARE(runs[0].name, QString("old run"));
        QCOMPARE(runs[0].model, QString("swe"));
        QCOMPARE(runs[0].tags, QStringList{"v1"});
        QCOMPARE(runs[0].final["test"].toObject()["rmse"].toDouble(), 3.5);
        QCOMPARE(runs[0].durationS, 3600.0);
        QCOMPARE(s.metricKeys(3), QStringList({"loss.full", "lr"}));
        const auto loss = s.series(3, "loss.full");
        QCOMPARE(loss.y, std::vector<double>({1.0, 0.5, 0.25}));
        QCOMPARE(s.series(3, "loss.full", true).x, std::vector<double>({0.1, 0.2, 0.3}));
        QCOMPARE(s.lastStep(3), int64_t(9));  // computed from metrics and events
        QCOMPARE(s.lastStep(4), int64_t(7));
        QCOMPARE(s.events(3).size(), size_t(1));
        // A v1 "running" run has no recorded writer: it is recovered as interrupted.
        QCOMPARE(s.recoverInterrupted(), 1);
        QCOMPARE(s.summary(4).status, QString("interrupted"));
        // The migrated file takes new runs with fresh ids.
        QCOMPARE(writeRun(s, "new", 3), int64_t(5));
    }

    void mergeTwiceIsIdempotent() {
        const QString a = file("merge-a.sqlite"), b = file("merge-b.sqlite"), out = file("merge-out.sqlite");
        {
            Store sa(a);
            writeRun(sa, "a1", 20, 0);
            writeRun(sa, "a2", 30, 100);
            Store sb(b);
            // Keys interned in another order, so key ids differ between the files.
            const int64_t id = sb.createRun(sampleStart("b1"));
            sb.appendMetrics(id, {{0, "only.in.b", 1.0, 0}});
            sb.appendMetrics(id, samplePoints(0, 40, {"lr", "loss.full"}, 1000));
            sb.finishRun(id, RunStatus::Finished, {});
        }
        const QByteArray hashA = fileSha256(a), hashB = fileSha256(b);
        Store o(out);
        writeRun(o, "local", 5);  // id 1 is taken, so merged runs must be renumbered
        QCOMPARE(o.merge(a), 2);
        QCOMPARE(o.merge(b), 1);
        QCOMPARE(o.merge(a), 0);
        QCOMPARE(o.merge(b), 0);
        QCOMPARE(fileSha256(a), hashA);  // inputs are only read
        QCOMPARE(fileSha256(b), hashB);
        const auto runs = o.runs();
        QCOMPARE(runs.size(), size_t(4));
        QStringList names;
        for (const auto& r : runs) names << r.name;
        QCOMPARE(names, QStringList({"local", "a1", "a2", "b1"}));
        const int64_t a2 = runs[2].id, b1 = runs[3].id;
        QCOMPARE(o.metricCount(a2), int64_t(30 * 4));
        QCOMPARE(o.series(a2, "lr").y[5], 100 + 5 * 0.5 + 2);
        QCOMPARE(o.series(b1, "lr").y[5], 1000 + 5 * 0.5 + 0);  // key ids remapped by name
        QCOMPARE(o.series(b1, "only.in.b").y, std::vector<double>({1.0}));
        QCOMPARE(o.events(a2).size(), size_t(1));
        QCOMPARE(o.integrityCheck(), QString("ok"));
        try {
            o.merge(out);
            QFAIL("merging a store into itself must fail");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("itself"), e.what());
        }
    }

    void mergeReplacesCopyThatWasStillRunning() {
        const QString src = file("live-src.sqlite"), out = file("live-out.sqlite");
        Store s(src);
        const int64_t id = s.createRun(sampleStart("cluster-job"));
        s.appendMetrics(id, samplePoints(0, 10, kKeys));
        Store o(out);
        QCOMPARE(o.merge(src), 1);  // copied while still running
        s.appendMetrics(id, samplePoints(10, 10, kKeys));
        s.finishRun(id, RunStatus::Finished, QJsonObject{{"done", true}});
        QCOMPARE(o.merge(src), 1);  // the finished copy replaces the partial one
        QCOMPARE(o.merge(src), 0);
        QCOMPARE(o.runs().size(), size_t(1));
        QCOMPARE(o.runs()[0].status, QString("finished"));
        QCOMPARE(o.metricCount(o.runs()[0].id), int64_t(80));
    }

    void mergesV1InputWithoutTouchingIt() {
        const QString v1 = file("v1-input.sqlite"), out = file("v1-out.sqlite");
        rawExec(v1, kV1Schema);
        rawExec(v1, "INSERT INTO runs(uuid, status, created_at) VALUES ('u-merge-v1', 'finished', '2026-01-01T00:00:00Z');"
                    "INSERT INTO metrics VALUES (1, 0, 'loss.full', 2.0, 0.5);");
        const QByteArray before = fileSha256(v1);
        Store o(out);
        QCOMPARE(o.merge(v1), 1);
        QCOMPARE(fileSha256(v1), before);
        QCOMPARE(o.series(o.runs()[0].id, "loss.full").y, std::vector<double>({2.0}));
    }

    void badFilesAreReportedAndLeftAlone() {
        // Not SQLite at all.
        const QString text = file("notes.sqlite");
        {
            QFile f(text);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("step,loss\n1,0.5\n2,0.4\n");
        }
        QByteArray h = fileSha256(text);
        expectStoreError(text, "not an SQLite database");
        expectStoreError(text, "not an SQLite database", true);
        QCOMPARE(fileSha256(text), h);
        QVERIFY(!QFile::exists(text + "-wal") && !QFile::exists(text + "-shm"));

        // Truncated: a real store cut in half (as a failed copy leaves it).
        const QString full = file("full.sqlite"), cut = file("cut.sqlite");
        {
            Store s(full);
            writeRun(s, "big", 5000);
        }
        QFile src(full);
        QVERIFY(src.open(QIODevice::ReadOnly));
        const QByteArray bytes = src.readAll();
        QVERIFY(bytes.size() > 65536);
        for (qsizetype keep : {qsizetype(bytes.size() / 2 / 4096 * 4096), qsizetype(bytes.size() / 2 + 123), qsizetype(60)}) {
            QFile c(cut);
            QVERIFY(c.open(QIODevice::WriteOnly | QIODevice::Truncate));
            c.write(bytes.left(keep));
            c.close();
            h = fileSha256(cut);
            expectStoreError(cut, "truncated");
            QCOMPARE(fileSha256(cut), h);
        }

        // Written by a newer program.
        const QString newer = file("newer.sqlite");
        {
            Store s(newer);
            writeRun(s, "future", 10);
        }
        rawExec(newer, "PRAGMA user_version = 99");
        h = fileSha256(newer);
        expectStoreError(newer, "newer");
        expectStoreError(newer, "v99");
        expectStoreError(newer, "newer", true);
        QCOMPARE(fileSha256(newer), h);
        QVERIFY(!QFile::exists(newer + "-wal"));
        {
            Store o(file("merge-target.sqlite"));
            try {
                o.merge(newer);
                QFAIL("merging a newer store must fail");
            } catch (const Error& e) {
                QVERIFY2(QString(e.what()).contains("newer"), e.what());
            }
        }
        QCOMPARE(fileSha256(newer), h);

        // Another program's SQLite database.
        const QString foreign = file("foreign.sqlite");
        rawExec(foreign, "CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES ('x');");
        h = fileSha256(foreign);
        expectStoreError(foreign, "not an HpT run store");
        QCOMPARE(fileSha256(foreign), h);

        // Missing file, read-only: nothing is created.
        expectStoreError(file("missing.sqlite"), "does not exist", true);
        QVERIFY(!QFile::exists(file("missing.sqlite")));

        // Damage inside the file: queries fail with an hpt::Error, the program does not crash.
        const QString damaged = file("damaged.sqlite");
        QFile::copy(full, damaged);
        {
            QFile d(damaged);
            QVERIFY(d.open(QIODevice::ReadWrite));
            d.seek(bytes.size() / 2);
            d.write(QByteArray(8192, '\xAB'));
        }
        bool reported = false;
        try {
            Store s(damaged);
            for (const auto& r : s.runs()) s.series(r.id, "loss.full");
            reported = s.integrityCheck() != "ok";
        } catch (const Error& e) {
            QCOMPARE(int(e.kind()), int(ErrorKind::Store));
            reported = true;
        }
        QVERIFY(reported);
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
