// `hpt runs`, `hpt export` and `hpt merge` as a user or a script runs them.
#include "StoreTestSupport.h"
#include "TestSupport.h"
#include "store/Store.h"

#include <QDir>
#include <QFile>
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

    void runsWhere() {
        auto r = runHpt({"runs", "--store", store_, "--json", "--where", "config.training.epochs = 2 and name = second"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonArray a = QJsonDocument::fromJson(r.out.toUtf8()).array();
        QCOMPARE(a.size(), 1);
        QCOMPARE(a[0].toObject()["name"].toString(), QString("second"));
        r = runHpt({"runs", "--store", store_, "--where", "final.test.rmse > 1"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("No run matches --where"), qPrintable(r.out));
        // A bad query: exit 2, the position, and a caret under it; the store is not opened.
        r = runHpt({"runs", "--store", tmp_.filePath("absent.sqlite"), "--where", "final.test.rmse <"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--where: at character 18: expected a value"), qPrintable(r.err));
        QVERIFY2(r.err.contains("  final.test.rmse <\n                   ^"), qPrintable(r.err));
    }

    void exportAllTables() {
        const QString dir = tmp_.filePath("tables");
        auto r = runHpt({"export", "--store", store_, "--all", "--format", "csv", dir});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        auto lines = [&](const QString& f) {
            QFile file(QDir(dir).filePath(f));
            if (!file.open(QIODevice::ReadOnly)) return QStringList();
            return QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
        };
        QCOMPARE(lines("runs.csv").size(), 3);
        QVERIFY(lines("runs.csv")[0].startsWith("run,uuid,name,status"));
        QVERIFY(lines("configs.csv").contains("1,lora.rank,8"));
        QVERIFY(lines("configs.csv").contains("2,lora.targets.1,*.attn.v"));
        QVERIFY(lines("final.csv").contains("2,test.rmse,0.5"));
        QCOMPARE(lines("metrics.csv").size(), 1 + (50 + 20) * 2);
        QCOMPARE(lines("events.csv").size(), 3);
        // Again without --force: refused, nothing replaced; --where narrows; jsonl keeps types.
        r = runHpt({"export", "--store", store_, "--all", "--format", "csv", dir});
        QVERIFY(r.exitCode != 0);
        const QString jdir = tmp_.filePath("tables-jsonl");
        r = runHpt({"export", "--store", store_, "--where", "name = first", "--format", "jsonl", jdir});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile runs(QDir(jdir).filePath("runs.jsonl"));
        QVERIFY(runs.open(QIODevice::ReadOnly));
        const QList<QByteArray> rows = runs.readAll().split('\n');
        QCOMPARE(rows.size(), 2);  // one row + the final newline
        QCOMPARE(QJsonDocument::fromJson(rows[0]).object()["name"].toString(), QString("first"));
        QFile configs(QDir(jdir).filePath("configs.jsonl"));
        QVERIFY(configs.open(QIODevice::ReadOnly));
        bool rank = false;
        for (const QByteArray& line : configs.readAll().split('\n')) {
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            if (o["key"].toString() == "lora.rank") rank = o["value"].isDouble() && o["value"].toInt() == 8;
        }
        QVERIFY(rank);
        r = runHpt({"export", "--store", store_, "--all", "--format", "parquet", tmp_.filePath("pq")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("no Parquet library"), qPrintable(r.err));
        r = runHpt({"export", "--store", store_, "--all", "--run", "1", dir});
        QCOMPARE(r.exitCode, 2);
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
