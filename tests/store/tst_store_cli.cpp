// `hpt runs`, `hpt export` and `hpt merge` as a user or a script runs them.
#include "StoreTestSupport.h"
#include "TestSupport.h"
#include "store/Store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

using namespace hpt;
using namespace hpt::test;

class TestStoreCli : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString store_, other_;

    static void fill(const QString& path, const std::string& name, int steps) {
        Store s(path);
        const int64_t id = s.createRun(sampleStart(name));
        s.appendMetrics(id, samplePoints(0, steps, {"loss.full", "lr"}));
        s.appendEvent(id, RunEvent{steps / 2, 1, "ttest", QJsonObject{{"t", 1.5}, {"verdict", "no difference, switch"}}, 0.5});
        s.finishRun(id, RunStatus::Finished, QJsonObject{{"test", QJsonObject{{"rmse", 0.5}}}});
    }

private slots:
    void initTestCase() {
        store_ = tmp_.filePath("cli.sqlite");
        other_ = tmp_.filePath("other.sqlite");
        fill(store_, "first", 50);
        fill(store_, "second", 20);
        fill(other_, "from-cluster", 10);
    }

    void runsListsRuns() {
        auto r = runHpt({"runs", "--store", store_, "--json"});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray a = QJsonDocument::fromJson(r.out.toUtf8()).array();
        QCOMPARE(a.size(), 2);
        QCOMPARE(a[0].toObject()["name"].toString(), QString("first"));
        QCOMPARE(a[1].toObject()["status"].toString(), QString("finished"));
        QCOMPARE(a[0].toObject()["last_step"].toInt(), 49);
        r = runHpt({"runs", "--store", store_});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("second") && r.out.contains("(synthetic)"), qPrintable(r.out));
    }

    void exportCsv() {
        const QString dir = tmp_.filePath("csv");
        auto r = runHpt({"export", "--store", store_, "--run", "1", "--csv", dir});
        QCOMPARE(r.exitCode, 0);
        QFile m(dir + "/metrics.csv");
        QVERIFY(m.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = m.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 1 + 50 * 2);
        QCOMPARE(lines[0], QByteArray("step,key,value,wall_time_s"));
        QFile e(dir + "/events.csv");
        QVERIFY(e.open(QIODevice::ReadOnly));
        const QByteArray ev = e.readAll();
        QVERIFY2(ev.contains("\"{\"\"t\"\":1.5,\"\"verdict\"\":\"\"no difference, switch\"\"}\""), ev.constData());
        QFile c(dir + "/config.json");
        QVERIFY(c.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(c.readAll()).object(), sampleStart("first").config);
        QVERIFY(QFile::exists(dir + "/run.json"));
    }

    void exportJson() {
        // Each hpt start loads LibTorch (seconds on a busy machine): one call checks both the
        // record and the downsampling.
        auto r = runHpt({"export", "--store", store_, "--run", "1", "--json", "--max-points", "10"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o["name"].toString(), QString("first"));
        QCOMPARE(o["metric_points"].toInt(), 100);
        QCOMPARE(o["events"].toArray().size(), 1);
        const QJsonArray steps = o["metrics"].toObject()["loss.full"].toObject()["step"].toArray();
        QVERIFY(steps.size() <= 10 && steps.size() >= 4);
        QCOMPARE(steps.last().toInt(), 49);
    }

    void exportErrors() {
        auto r = runHpt({"export", "--store", store_, "--run", "99", "--json"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("no run 99"), qPrintable(r.err));
    }

    void mergeTwice() {
        const QString out = tmp_.filePath("merged.sqlite");
        auto r = runHpt({"merge", out, store_, other_});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("3 run(s) in total"), qPrintable(r.out));
        r = runHpt({"merge", out, store_, other_});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("3 run(s) in total, 0 new"), qPrintable(r.out));
    }

    void badStoreIsReported() {
        const QString junk = tmp_.filePath("junk.sqlite");
        QFile f(junk);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("definitely not a database, just some text that is long enough for a header check.........");
        f.close();
        const QByteArray before = fileSha256(junk);
        auto r = runHpt({"runs", "--store", junk});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("not an SQLite database") && r.err.contains("junk.sqlite"), qPrintable(r.err));
        QCOMPARE(fileSha256(junk), before);
    }
};

QTEST_GUILESS_MAIN(TestStoreCli)
#include "tst_store_cli.moc"
