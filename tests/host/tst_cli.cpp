// The hpt executable as a user meets it: --version, --help, unknown options,
// `hpt plugins`, and --batch on a missing file.
#include "TestSupport.h"

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
    void pluginsListsLoadedAndRejected() {
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
    void batchMissingFile() {
        auto r = runHpt({"--batch", "/nonexistent/experiment.json"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("/nonexistent/experiment.json"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
