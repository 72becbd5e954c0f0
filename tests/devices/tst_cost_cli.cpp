// `hpt devices` and `hpt cost` as a user meets them: parameters listed with
// unit and source, single-GEMM pricing, per-phase model pricing, bad input.
#include "TestSupport.h"

#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QTemporaryDir>
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

    void breakdownAddsUpAndCapacityIsReported() {
        // The test model's one weight GEMM runs on ReRAM in every phase with reram-naive;
        // a chip of one tile of one crossbar holds it.
        auto r = runHpt(QStringList{"cost", "--model", "testmodel", "--stations", "5", "--features", "3", "--outputs", "5",
                                    "--mapping", "reram-naive", "--breakdown", "--set", "reram.tiles=1", "--set",
                                    "reram.crossbars_per_tile=1", "--json"} + kPlugins);
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = json(r);
        int checked = 0;
        for (const char* ph : {"FULL", "DUAL", "LORA"}) {
            const QJsonObject step = o.value("phases").toObject().value(ph).toObject().value("step").toObject();
            double phaseJ = 0;
            for (auto it = step.begin(); it != step.end(); ++it) {
                if (it.key() == "total") continue;
                const QJsonObject role = it.value().toObject();
                double t = 0, e = 0;
                const QJsonObject parts = role.value("components").toObject();
                QVERIFY2(!parts.isEmpty(), qPrintable(it.key()));
                for (const auto& c : parts) {
                    t += c.toObject().value("time_s").toDouble();
                    e += c.toObject().value("energy_j").toDouble();
                }
                QVERIFY(std::abs(t - role.value("time_s").toDouble()) <= 1e-9 * role.value("time_s").toDouble());
                QVERIFY(std::abs(e - role.value("energy_j").toDouble()) <= 1e-9 * role.value("energy_j").toDouble());
                QVERIFY2(parts.contains("static"), qPrintable(it.key()));
                phaseJ += e;
                ++checked;
            }
            QVERIFY(std::abs(phaseJ - step.value("total").toObject().value("energy_j").toDouble()) <= 1e-9 * phaseJ);
        }
        QVERIFY(checked >= 3);
        const QJsonObject lora = o.value("phases").toObject().value("LORA").toObject().value("step").toObject();
        QVERIFY(lora.value("reram").toObject().value("components").toObject().contains("adc"));
        QVERIFY(lora.value("reram").toObject().value("components").toObject().contains("writes"));
        const QJsonObject cap = o.value("capacity").toObject();
        QVERIFY2(cap.value("crossbars_needed").toDouble() >= 1, qPrintable(QJsonDocument(cap).toJson()));
        QCOMPARE(cap.value("crossbars_available").toDouble(), 1.0);
        QCOMPARE(cap.value("chips").toDouble(), cap.value("crossbars_needed").toDouble());
        QCOMPARE(cap.value("policy").toString(), QString("chips"));
        QVERIFY(cap.contains("reprogram_writes_per_step"));
        QVERIFY(std::abs(o.value("reram_energies").toObject().value("adc_energy_j_per_conversion").toDouble() - 1.5625e-12) < 1e-18);
        QVERIFY(o.value("per_step_comparison").toObject().value("energy_ratio_full_over_lora").toDouble() > 0);
    }

    void sensitivityMovesTheRatios() {
        auto r = runHpt(QStringList{"cost", "--model", "testmodel", "--stations", "5", "--features", "3", "--outputs", "5",
                                    "--mapping", "hpt", "--sensitivity", "--json"} + kPlugins);
        QCOMPARE(r.exitCode, 0);
        const QJsonArray rows = json(r).value("sensitivity").toObject().value("parameters").toArray();
        QVERIFY(rows.size() > 5);
        bool launch = false;
        for (const auto& x : rows) {
            const QJsonObject row = x.toObject();
            QVERIFY(row.contains("low") && row.contains("high"));
            if (row.value("parameter").toString() == "launch_overhead_s") {
                launch = true;
                QVERIFY(row.value("assumption").toBool());
            }
        }
        QVERIFY(launch);
    }

    // The tornado chart: drawn, with the assumption rows in orange and the others in blue; an
    // existing file is kept without --force; --chart alone is refused.
    void sensitivityTornadoChart() {
        QTemporaryDir dir;
        const QString png = dir.filePath("tornado.png");
        const QStringList args = QStringList{"cost", "--model", "testmodel", "--stations", "5", "--features", "3", "--outputs",
                                             "5", "--mapping", "hpt", "--sensitivity", "--chart", png} + kPlugins;
        auto r = runHpt(args);
        QCOMPARE(r.exitCode, 0);
        QImage img(png);
        QVERIFY2(!img.isNull(), qPrintable(r.err));
        int orange = 0, blue = 0;
        for (int y = 0; y < img.height(); y += 2)
            for (int x = 0; x < img.width(); x += 2) {
                const QColor c = img.pixelColor(x, y);
                orange += c == QColor(244, 160, 0);
                blue += c == QColor(66, 133, 244);
            }
        QVERIFY2(orange > 100, "no assumption bar drawn");
        QVERIFY2(blue > 100, "no sourced-parameter bar drawn");
        const qint64 size = QFileInfo(png).size();
        auto again = runHpt(args);
        QVERIFY(again.exitCode != 0);
        QVERIFY2(again.err.contains("--force"), qPrintable(again.err));
        QCOMPARE(QFileInfo(png).size(), size);
        QCOMPARE(runHpt(args + QStringList{"--force"}).exitCode, 0);
        auto alone = runHpt(QStringList{"cost", "--model", "testmodel", "--stations", "5", "--features", "3", "--chart", png} +
                            kPlugins);
        QVERIFY(alone.exitCode != 0);
        QVERIFY2(alone.err.contains("--sensitivity"), qPrintable(alone.err));
    }
};

QTEST_GUILESS_MAIN(TestCostCli)
#include "tst_cost_cli.moc"
