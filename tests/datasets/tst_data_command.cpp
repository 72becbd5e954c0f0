// `hpt data --describe`: the JSON and text a user reads before training, exit
// codes for a missing file (3) and a mistyped parameter (2), and — with
// ../shared/datasets — the real wind file's checksum, split and load time.
#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using hpt::test::sharedDatasets;

class TestDataCommand : public QObject {
    Q_OBJECT
private slots:
    void dataCommandDescribesWeather() {
        auto r = hpt::test::runHpt({"data", "--describe", "weather", "--json", "--plugin-dir", QStringLiteral(HPT_BUILD_PLUGIN_DIR)});
        QCOMPARE(r.exitCode, 0);
        const auto o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QVERIFY2(o.value("info").toObject().value("synthetic").toBool(), qPrintable(r.out.left(400)));
        QCOMPARE(o.value("train").toObject().value("x").toArray().at(1).toInt(), 29);
        QCOMPARE(o.value("train").toObject().value("x").toArray().at(2).toInt(), 13);
        QVERIFY(o.value("baselines").toObject().value("persistence").toObject().value("rmse").toDouble() > 0);
        QVERIFY(o.value("load_ms").toDouble() > 0);
        auto text = hpt::test::runHpt({"data", "--describe", "weather", "--set", "seed=3"});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("SYNTHETIC"));
        QVERIFY(text.out.contains("persistence"));
    }
    void dataCommandReportsMissingFiles() {
        QTemporaryDir empty;
        auto r = hpt::test::runHpt({"data", "--describe", "wind", "--data-dir", empty.path()});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("MS_winds.dat") && r.err.contains("datasets/download"), qPrintable(r.err));
        auto typo = hpt::test::runHpt({"data", "--describe", "weather", "--set", "sead=3"});
        QCOMPARE(typo.exitCode, 2);
        QVERIFY2(typo.err.contains("did you mean 'seed'"), qPrintable(typo.err));
    }
    void describeWindPrintsChecksumAndLoadTime() {
        if (sharedDatasets().isEmpty()) QSKIP("../shared/datasets is absent (set HPT_SHARED_DATASETS)");
        auto r = hpt::test::runHpt({"data", "--describe", "wind", "--data-dir", sharedDatasets()});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("2fd6e533687689ee1dd2aff4506cbf662900dfb312a522619bad1ce62aaf42a3"), qPrintable(r.out));
        QVERIFY(r.out.contains("matches datasets/manifest"));
        QVERIFY(r.out.contains("train 6723 samples, test 1628 samples"));
        QVERIFY(r.out.contains("load_ms"));
    }
};

QTEST_GUILESS_MAIN(TestDataCommand)
#include "tst_data_command.moc"
