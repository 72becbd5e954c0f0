// The device plugins as analytical models: SCALE-Sim closed-form cycles,
// ReRAM crossbar counts and cell writes worked by hand, the GPU roofline, and
// metadata that documents every parameter.
#include "DeviceTestSupport.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <cmath>

using namespace hpt;
using hpt::test::gemm;
using hpt::test::makeDevice;

namespace {
int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// SCALE-Sim (arXiv:1811.02883): folds · (2R + C + T − 2).
double closedForm(const QString& df, int64_t R, int64_t C, int64_t M, int64_t K, int64_t N) {
    int64_t SR = M, SC = N, T = K;
    if (df == "ws") { SR = K; SC = N; T = M; }
    if (df == "is") { SR = K; SC = M; T = N; }
    return double(cdiv(SR, R) * cdiv(SC, C) * (2 * R + C + T - 2));
}
}  // namespace

class TestDeviceModels : public QObject {
    Q_OBJECT
private slots:
    void systolicCyclesMatchClosedForm_data() {
        QTest::addColumn<QString>("dataflow");
        QTest::addColumn<int>("R");
        QTest::addColumn<int>("C");
        const int arrays[][2] = {{128, 128}, {32, 32}, {16, 40}};
        for (const char* df : {"os", "ws", "is"})
            for (const auto& a : arrays)
                QTest::newRow(qPrintable(QString("%1 %2x%3").arg(df).arg(a[0]).arg(a[1]))) << QString(df) << a[0] << a[1];
    }
    void systolicCyclesMatchClosedForm() {
        QFETCH(QString, dataflow);
        QFETCH(int, R);
        QFETCH(int, C);
        auto dev = makeDevice("systolic", {}, {{"rows", R}, {"cols", C}, {"dataflow", dataflow}, {"clock_hz", 5e8}});
        // Smaller than the array, exact multiples, non-multiples, skinny and wide.
        const int64_t shapes[][3] = {{1, 1, 1},     {5, 7, 3},       {16, 16, 16},   {32, 32, 32},  {128, 128, 128},
                                     {129, 127, 130}, {300, 19, 64}, {1000, 64, 8},  {64, 1000, 33}, {323, 64, 323},
                                     {256, 512, 256}, {7, 4096, 9}};
        for (const auto& s : shapes) {
            const Cost c = dev->compute(gemm(s[0], s[1], s[2]));
            const double want = closedForm(dataflow, R, C, s[0], s[1], s[2]);
            QVERIFY2(c.cycles == want, qPrintable(QString("%1x%2x%3: got %4, closed form %5")
                                                      .arg(s[0]).arg(s[1]).arg(s[2]).arg(c.cycles).arg(want)));
            QCOMPARE(c.seconds, want / 5e8);
        }
    }

    void systolicArraysShareFolds() {
        // 300×64·64×300 on 128×128 OS: 3·3 = 9 folds; repeat 2 → 18 folds over 4 arrays = 5 rounds.
        auto one = makeDevice("systolic", {}, {{"dataflow", "os"}});
        auto four = makeDevice("systolic", {}, {{"dataflow", "os"}, {"arrays", 4}});
        const Op op = gemm(300, 64, 300, OpKind::AttentionScore, Pass::Forward, false, {}, 2);
        const double fold = 2 * 128 + 128 + 64 - 2;
        QCOMPARE(one->compute(op).cycles, 18 * fold);
        QCOMPARE(four->compute(op).cycles, 5 * fold);
        // Same work, same MAC energy: parallel arrays change time, not joules.
        QCOMPARE(four->compute(op).joules, one->compute(op).joules);
    }

    void systolicVectorUnits() {
        auto dev = makeDevice("systolic", {}, {{"vector_lanes", 64}, {"clock_hz", 1e9}});
        const Cost soft = dev->compute(hpt::test::vectorOp(OpKind::Softmax, 1000, 3));
        QCOMPARE(soft.cycles, std::ceil(3000.0 * 4 / 64));  // softmax: 4 operations per element
        const Cost ew = dev->compute(hpt::test::vectorOp(OpKind::Elementwise, 640));
        QCOMPARE(ew.cycles, 10.0);
        QVERIFY(soft.joules > 0 && ew.joules > 0);
    }

    void reramHandWorked512() {
        // 512×512 16-bit weight on 128×128 crossbars of 2-bit cells: 8 cells per
        // weight, ceil(512/128)·ceil(512·8/128) = 4·32 = 128 crossbars, 512·512·8 cells.
        auto dev = makeDevice("reram", "isaac");
        const Cost w = dev->programWeights(512, 512);
        QCOMPARE(w.cellWrites, 512.0 * 512 * 8);
        QCOMPARE(w.joules, 512.0 * 512 * 8 * 8e-12);
        const QJsonObject d = dev->describe();
        QCOMPARE(d.value("cells_per_weight").toDouble(), 8.0);
        QCOMPARE(d.value("crossbars_available").toDouble(), 168.0 * 96);
        // Rows written one pulse at a time; 128 crossbars ≤ 168 parallel writers → one round of 128 rows.
        QCOMPARE(w.seconds, 128 * 5e-8);
        QCOMPARE(dev->endurance(), 1e6);
    }

    void reramReadCost() {
        // One 16-bit input vector through a 256×64 weight: 16 slices, 2·4 = 8 crossbars,
        // each slice converts 64·8 columns in each of 2 row blocks.
        auto dev = makeDevice("reram", "isaac");
        const Cost c = dev->compute(gemm(3, 256, 64));
        const double slices = 3 * 16;
        QCOMPARE(c.cycles, slices);
        QCOMPARE(c.seconds, slices * 1e-7);  // 128 conversions × 0.78 ns = 100 ns = read latency
        const double perSlice = 8 * 3e-11 + 64.0 * 8 * 2 * 1.25e-11 + 256.0 * 4 * 3.9e-16;
        QVERIFY(std::abs(c.joules - slices * perSlice) < 1e-9 * c.joules);
        QCOMPARE(c.cellWrites, 0.0);
    }

    void reramPresetsChangeGeometry() {
        auto ns = makeDevice("reram", "neurosim");  // 8-bit weights on 5-bit cells: 2 cells per weight
        QCOMPARE(ns->programWeights(300, 19).cellWrites, 300.0 * 19 * 2);
        auto pl = makeDevice("reram", "pipelayer");  // 16-bit weights on 4-bit cells: 4 cells per weight
        QCOMPARE(pl->programWeights(64, 64).cellWrites, 64.0 * 64 * 4);
    }

    void reramRejectsVectorOps() {
        auto dev = makeDevice("reram");
        QVERIFY_THROWS_EXCEPTION(hpt::Error, dev->compute(hpt::test::vectorOp(OpKind::Softmax, 10)));
    }

    void gpuRoofline() {
        auto h100 = makeDevice("gpu", "H100");
        // Compute bound: 4096³ GEMM in fp32.
        const Op big = gemm(4096, 4096, 4096);
        const double flops = 2.0 * 4096 * 4096 * 4096;
        const Cost c = h100->compute(big);
        QVERIFY(std::abs(c.seconds - (flops / 67e12 + 5e-6)) < 1e-12);
        QCOMPARE(c.joules, 700 * c.seconds);
        // Memory bound: an elementwise op reads and writes 4 B per element.
        const Cost e = h100->compute(hpt::test::vectorOp(OpKind::Elementwise, 1 << 24));
        QVERIFY(std::abs(e.seconds - (8.0 * (1 << 24) / 3.35e12 + 5e-6)) < 1e-12);
        // H200 has more bandwidth, same compute.
        auto h200 = makeDevice("gpu", "H200");
        QVERIFY(h200->compute(hpt::test::vectorOp(OpKind::Elementwise, 1 << 24)).seconds < e.seconds);
        QCOMPARE(h200->compute(big).seconds, c.seconds);
        // fp16 tensor cores: higher peak for the compute-bound GEMM.
        auto half = makeDevice("gpu", "A100", {{"precision", "fp16"}});
        QVERIFY(std::abs(half->compute(big).seconds - (flops / 312e12 + 5e-6)) < 1e-12);
    }

    void metadataDocumentsEveryParameter() {
        for (const char* name : {"gpu", "systolic", "reram"}) {
            const auto& rec = hpt::test::deviceHost().require(PluginKind::Device, name);
            QVERIFY(!rec.params.empty());
            for (const auto& p : rec.params) {
                QVERIFY2(!p.source.isEmpty(), qPrintable(QString("%1.%2 has no source").arg(name, p.name)));
                QVERIFY2(!p.description.isEmpty(), qPrintable(QString("%1.%2 has no description").arg(name, p.name)));
                QVERIFY2(!p.defaultValue.isUndefined(), qPrintable(QString("%1.%2 has no default").arg(name, p.name)));
                if (p.type == "double" || p.type == "int")
                    QVERIFY2(!p.unit.isEmpty(), qPrintable(QString("%1.%2 has no unit").arg(name, p.name)));
            }
            const QJsonObject presets = rec.meta.value("presets").toObject();
            const QJsonObject sources = rec.meta.value("preset_sources").toObject();
            for (const auto& k : presets.keys()) {
                QVERIFY2(sources.contains(k), qPrintable(QString("%1 preset %2 has no source").arg(name, k)));
                // Every preset resolves against the schema.
                resolveParams(rec.params, presets, k, {}, name);
            }
        }
        const auto& gpu = hpt::test::deviceHost().require(PluginKind::Device, "gpu");
        for (const char* p : {"V100", "A100", "H100", "H200"}) QVERIFY(gpu.meta.value("presets").toObject().contains(p));
        const auto& reram = hpt::test::deviceHost().require(PluginKind::Device, "reram");
        for (const char* p : {"isaac", "pipelayer", "neurosim"}) QVERIFY(reram.meta.value("presets").toObject().contains(p));
    }
};

QTEST_GUILESS_MAIN(TestDeviceModels)
#include "tst_device_models.moc"
