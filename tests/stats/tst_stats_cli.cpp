// `hpt stats ttest` as a user meets it: text and JSON output agree with the
// library, bad files name file:line:column, bad arguments exit 2.
#include "TestSupport.h"

#include "stats/TTest.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using hpt::test::runHpt;

class TestStatsCli : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    QString write(const QString& name, const QByteArray& text) {
        const QString path = dir_.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
        f.write(text);
        return path;
    }

private slots:
    void jsonMatchesLibrary() {
        const QString a = write("a.csv", "loss_full\n1.0\n1.1\n0.9\n1.05\n0.95\n1.02\n");
        const QString b = write("b.csv", "loss_lora\n1.12\n1.2\n1.08\n1.15\n1.1\n1.18\n");
        const auto want = hpt::tTest({1.0, 1.1, 0.9, 1.05, 0.95, 1.02}, {1.12, 1.2, 1.08, 1.15, 1.1, 1.18}, 0.05, true);
        auto r = runHpt({"stats", "ttest", a, b, "--alpha", "0.05", "--welch", "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o.value("test").toString(), QString("welch"));
        QVERIFY(std::fabs(o.value("t").toDouble() - want.t) <= 1e-12 * std::fabs(want.t));
        QVERIFY(std::fabs(o.value("p").toDouble() - want.p) <= 1e-12 * want.p);
        QVERIFY(std::fabs(o.value("df").toDouble() - want.df) <= 1e-12 * want.df);
        QCOMPARE(o.value("significant").toBool(), want.significant);
        QCOMPARE(o.value("a").toObject().value("n").toInt(), 6);
    }
    void textShowsDecision() {
        const QString a = write("same_a.csv", "1\n2\n3\n4\n");
        const QString b = write("same_b.csv", "v\n1.5\n2.5\nx\n");
        const QString b2 = write("same_b2.csv", "1.5\n2.5\n3.5\n4.5\n");
        auto r = runHpt({"stats", "ttest", a, b2});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("Student") && r.out.contains("critical |t|"), qPrintable(r.out));
        QVERIFY2(r.out.contains("decision: no significant difference"), qPrintable(r.out));
        // 'x' is not a number: named with file, line and column.
        r = runHpt({"stats", "ttest", a, b});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("same_b.csv:4:1") && r.err.contains("'x' is not a number"), qPrintable(r.err));
    }
    void constantSamplesGiveInfiniteT() {
        const QString a = write("c_a.csv", "2\n2\n2\n"), b = write("c_b.csv", "3\n3\n");
        auto r = runHpt({"stats", "ttest", a, b, "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o.value("t").toString(), QString("-inf"));
        QCOMPARE(o.value("p").toDouble(), 0.0);
        QVERIFY(o.value("significant").toBool());
    }
    void badInput() {
        const QString a = write("ok.csv", "1\n2\n3\n");
        const QString one = write("one.csv", "v\n5\n");
        const QString nan = write("nan.csv", "1\nnan\n3\n");
        auto r = runHpt({"stats", "ttest", a, one});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("at least 2 values"), qPrintable(r.err));
        r = runHpt({"stats", "ttest", a, nan});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("nan.csv:2:1") && r.err.contains("NaN or infinite"), qPrintable(r.err));
        r = runHpt({"stats", "ttest", a, a, "--alpha", "1.5"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("(0, 1)"), qPrintable(r.err));
        r = runHpt({"stats", "ttest", a});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("two CSV files"), qPrintable(r.err));
        r = runHpt({"stats", "anova", a, a});
        QCOMPARE(r.exitCode, 2);
        r = runHpt({"stats", "ttest", a, "/nonexistent/b.csv"});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("/nonexistent/b.csv") && r.err.contains("cannot open"), qPrintable(r.err));
        r = runHpt({"stats", "ttest", a, a, "--column", "loss"});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("no column 'loss'"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestStatsCli)
#include "tst_stats_cli.moc"
