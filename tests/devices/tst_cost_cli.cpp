// `hpt devices` and `hpt cost` as a user meets them: parameters listed with
// unit and source, single-GEMM pricing, per-phase model pricing, bad input.
#include "TestSupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using hpt::test::runHpt;

namespace {
const QStringList kPlugins{"--plugin-dir", QStringLiteral(HPT_TEST_PLUGIN_DIR)};

QJsonObject json(const hpt::test::ProcResult& r) {
    QJsonParseError err;
    const auto doc = QJsonDocument::fromJson(r.out.toUtf8(), &err);
    if (err.error != QJsonParseError::NoError) qWarning("not JSON: %s\n%s", qPrintable(r.out), qPrintable(r.err));
    return doc.object();
}
}  // namespace

class TestCostCli : public QObject {
    Q_OBJECT
private slots:
    void describeListsUnitsDefaultsSources() {
        auto r = runHpt({"devices", "--describe", "reram"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("crossbar_rows") && r.out.contains("ISAAC"), qPrintable(r.out));
        QVERIFY(r.out.contains("source:"));
        QVERIFY(r.out.contains("pipelayer") && r.out.contains("neurosim"));
        auto j = runHpt({"devices", "--describe", "--json"});
        QCOMPARE(j.exitCode, 0);
        const QJsonArray devs = json(j).value("devices").toArray();
        QStringList names;
        for (const auto& d : devs) {
            names << d.toObject().value("name").toString();
            for (const auto& p : d.toObject().value("parameters").toArray())
                QVERIFY(!p.toObject().value("source").toString().isEmpty());
        }
        QVERIFY2(names.contains("gpu") && names.contains("systolic") && names.contains("reram"), qPrintable(names.join(",")));
        auto bad = runHpt({"devices", "--describe", "reramm"});
        QCOMPARE(bad.exitCode, 4);
        QVERIFY2(bad.err.contains("did you mean 'reram'"), qPrintable(bad.err));
    }

    void gemmOnEachDevice() {
        // 128×128 OS, 100×64·64×50: 1·1 folds of 2·128 + 128 + 64 − 2 = 446 cycles.
        auto s = runHpt({"cost", "--device", "systolic", "--gemm", "100,64,50", "--dataflow", "os", "--json"});
        QCOMPARE(s.exitCode, 0);
        QCOMPARE(json(s).value("cycles").toDouble(), 446.0);
        QCOMPARE(json(s).value("time_s").toDouble(), 446e-9);
        auto ws = runHpt({"cost", "--device", "systolic", "--gemm", "100,64,50", "--dataflow", "ws", "--set", "rows=32", "--json"});
        QCOMPARE(json(ws).value("cycles").toDouble(), 2.0 * (2 * 32 + 128 + 100 - 2));
        auto r = runHpt({"cost", "--device", "reram", "--gemm", "1,512,512", "--preset", "isaac", "--json"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(json(r).value("writes").toDouble(), 512.0 * 512 * 8);
        auto g = runHpt({"cost", "--device", "gpu", "--gemm", "64,64,64", "--preset", "V100", "--json"});
        QCOMPARE(g.exitCode, 0);
        QVERIFY(json(g).value("energy_j").toDouble() > 0);
        auto bad = runHpt({"cost", "--device", "systolic", "--gemm", "100,64", "--json"});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("--gemm"), qPrintable(bad.err));
        auto badSet = runHpt({"cost", "--device", "systolic", "--gemm", "1,1,1", "--set", "rows=-3"});
        QCOMPARE(badSet.exitCode, 2);
        QVERIFY2(badSet.err.contains("systolic.rows") && badSet.err.contains("out of range"), qPrintable(badSet.err));
    }

    void modelStepPerPhase() {
        // The test model's trace has one q projection (5×8·8×8) that trains.
        auto r = runHpt(QStringList{"cost", "--model", "testmodel", "--stations", "5", "--features", "3", "--outputs", "5",
                                    "--mapping", "reram-naive", "--json"} + kPlugins);
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = json(r);
        const QJsonObject phases = o.value("phases").toObject();
        QVERIFY(phases.contains("FULL") && phases.contains("DUAL") && phases.contains("LORA"));
        const QJsonObject fullReram = phases.value("FULL").toObject().value("step").toObject().value("reram").toObject();
        QCOMPARE(fullReram.value("cell_writes").toDouble(), 8.0 * 8 * 8);
        QVERIFY(fullReram.value("energy_j").toDouble() > 0);
        auto g = runHpt(QStringList{"cost", "--model", "testmodel", "--stations", "5", "--features", "3", "--mapping", "gpu-only",
                                    "--gpu-preset", "A100", "--json"} + kPlugins);
        QCOMPARE(g.exitCode, 0);
        const QJsonObject gs = json(g).value("phases").toObject().value("FULL").toObject().value("step").toObject();
        QVERIFY(gs.contains("gpu") && !gs.contains("reram"));
        auto bad = runHpt(QStringList{"cost", "--model", "testmodel", "--stations", "5", "--features", "3", "--mapping", "hpt-naive"} + kPlugins);
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("mapping.preset"), qPrintable(bad.err));
    }
};

QTEST_GUILESS_MAIN(TestCostCli)
#include "tst_cost_cli.moc"
