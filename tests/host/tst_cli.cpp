// The hpt executable as a user meets it: --version, --help, unknown options,
// `hpt plugins`, and --batch on a missing file.
#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using hpt::test::runHpt;

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void version() {
        auto r = runHpt({"--version"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith("hpt "), qPrintable(r.out));
    }
    void helpListsCommands() {
        auto r = runHpt({"--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("--batch"));
        QVERIFY(r.out.contains("plugins"));
    }
    void unknownOptionExits2() {
        auto r = runHpt({"--batch", "x.json", "--frobnicate"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("frobnicate"), qPrintable(r.err));
    }
    void unknownCommandExits2() {
        auto r = runHpt({"plugns"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("unknown command 'plugns'"), qPrintable(r.err));
    }
    void pluginsListsEverySpecWithState() {
        auto r = runHpt({"plugins", "--plugin-dir", HPT_TEST_PLUGIN_DIR});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("testmodel"));
        QVERIFY(r.out.contains("testdata"));
        QVERIFY(r.out.contains("testdevice"));
        QVERIFY(r.out.contains("wrongapi"));
        QVERIFY(r.out.contains("built against plugin API 0"));
        QVERIFY(r.out.contains("notaplugin"));
        QVERIFY(r.out.contains("not a Qt plugin"));
    }
    // `hpt plugins --json`: one spec per file with its state: a good plugin, a wrong-API plugin, a junk file.
    void pluginsJsonStates() {
        auto r = runHpt({"plugins", "--json", "--plugin-dir", HPT_TEST_PLUGIN_DIR});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray specs = QJsonDocument::fromJson(r.out.toUtf8()).object().value("plugins").toArray();
        QJsonObject good, wrong, junk;
        for (const auto& v : specs) {
            const QJsonObject s = v.toObject();
            const QString file = s.value("file").toString();
            if (file.startsWith(HPT_TEST_PLUGIN_DIR) && file.endsWith("libtestmodel.so")) good = s;
            if (file.endsWith("libwrongapi.so")) wrong = s;
            if (file.endsWith("libnotaplugin.so")) junk = s;
        }
        QCOMPARE(good.value("state").toString(), QString("initialized"));
        QCOMPARE(good.value("name").toString(), QString("testmodel"));
        QVERIFY(!good.contains("error"));
        QCOMPARE(wrong.value("state").toString(), QString("read"));
        QCOMPARE(wrong.value("name").toString(), QString("wrongapi"));
        QCOMPARE(wrong.value("api").toInt(), 0);
        QVERIFY2(wrong.value("error").toString().contains("built against plugin API 0"), qPrintable(r.out));
        QCOMPARE(junk.value("state").toString(), QString("invalid"));
        QVERIFY(!junk.contains("name"));
        QVERIFY2(junk.value("error").toString().contains("not a Qt plugin"), qPrintable(r.out));
    }
    void batchMissingFile() {
        auto r = runHpt({"--batch", "/nonexistent/experiment.json"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("/nonexistent/experiment.json"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
