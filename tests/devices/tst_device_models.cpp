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

// A formula of a derivation: + − × ÷, parentheses, numbers and input names.
struct Formula {
    const QString& s;
    const QJsonObject& in;
    int i = 0;
    void ws() { while (i < s.size() && s[i] == ' ') ++i; }
    double atom() {
        ws();
        if (s[i] == '(') { ++i; const double v = sum(); ws(); ++i; return v; }
        int j = i;
        while (j < s.size() && (s[j].isLetterOrNumber() || s[j] == '_' || s[j] == '.')) ++j;
        const QString tok = s.mid(i, j - i);
        i = j;
        bool ok = false;
        const double v = tok.toDouble(&ok);
        if (ok) return v;
        if (!in.contains(tok)) qFatal("derivation input '%s' missing", qPrintable(tok));
        return in.value(tok).toDouble();
    }
    double product() {
        double v = atom();
        for (ws(); i < s.size() && (s[i] == '*' || s[i] == '/'); ws()) { const QChar op = s[i++]; const double r = atom(); v = op == '*' ? v * r : v / r; }
        return v;
    }
    double sum() {
        double v = product();
        for (ws(); i < s.size() && (s[i] == '+' || s[i] == '-'); ws()) { const QChar op = s[i++]; const double r = product(); v = op == '+' ? v + r : v - r; }
        return v;
    }
};
double evalFormula(const QString& f, const QJsonObject& inputs) {
    Formula p{f, inputs};
    return p.sum();
}

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
        // ISAAC Table 1: 16 mW / 8 ADCs / 1.28 GS/s = 1.5625 pJ per conversion;
        // 4 mW × 100 ns / 1024 DACs = 0.39 pJ per DAC cycle; 0.3 mW × 100 ns = 30 pJ per crossbar.
        const double perSlice = 8 * 3e-11 + 64.0 * 8 * 2 * 1.5625e-12 + 256.0 * 4 * 3.90625e-13;
        QVERIFY(std::abs(c.joules - slices * perSlice) < 1e-9 * c.joules);
        QCOMPARE(c.cellWrites, 0.0);
        QVERIFY(std::abs(c.energy[size_t(Component::Adc)] - slices * 64.0 * 8 * 2 * 1.5625e-12) < 1e-9 * c.joules);
        QVERIFY(std::abs(c.energy[size_t(Component::Dac)] - slices * 256.0 * 4 * 3.90625e-13) < 1e-9 * c.joules);
    }

    void reramPipelineAndReplication() {
        // Two layers of a forward pass, 10 input vectors each, 1.6 µs per vector per layer
        // (16 slices × 100 ns): serial 2·10·1.6 µs; pipelined (2 − 1 + 10)·1.6 µs;
        // with 2 copies of each weight the stage halves: 2·1.6 + 9·0.8 µs.
        const Op a = gemm(10, 128, 16, OpKind::WeightGemm, Pass::Forward, true, "a");
        const Op b = gemm(10, 128, 16, OpKind::WeightGemm, Pass::Forward, true, "b");
        const std::vector<const Op*> ops{&a, &b};
        auto serial = makeDevice("reram", "isaac", {{"pipeline", "serial"}});
        auto piped = makeDevice("reram", "isaac");
        const std::vector<Cost> costs{piped->compute(a), piped->compute(b)};
        QVERIFY(std::abs(costs[0].seconds - 10 * 1.6e-6) < 1e-15);
        QVERIFY(std::abs(serial->stepSeconds(ops, costs, 1) - 20 * 1.6e-6) < 1e-15);
        QVERIFY(std::abs(piped->stepSeconds(ops, costs, 1) - 11 * 1.6e-6) < 1e-15);
        QVERIFY(std::abs(piped->stepSeconds(ops, costs, 2.7) - (2 * 1.6e-6 + 9 * 0.8e-6)) < 1e-15);
        auto noCopies = makeDevice("reram", "isaac", {{"replicate", false}});
        QVERIFY(std::abs(noCopies->stepSeconds(ops, costs, 4) - 11 * 1.6e-6) < 1e-15);
        // The forward and backward-data passes are separate pipelines.
        const Op bd = gemm(10, 16, 128, OpKind::WeightGemm, Pass::BackwardData, true, "a");
        const std::vector<const Op*> three{&a, &b, &bd};
        const std::vector<Cost> c3{costs[0], costs[1], piped->compute(bd)};
        QVERIFY(std::abs(piped->stepSeconds(three, c3, 1) - (11 * 1.6e-6 + c3[2].seconds)) < 1e-15);
    }

    void componentsAddUpToTotals() {
        const std::vector<Op> ops{gemm(64, 256, 64), gemm(57, 64, 57, OpKind::AttentionScore, Pass::Forward, false, {}, 4),
                                  gemm(3, 16, 300, OpKind::WeightGemm, Pass::BackwardData, true),
                                  hpt::test::vectorOp(OpKind::Softmax, 1000, 3), hpt::test::vectorOp(OpKind::OptimizerUpdate, 5000)};
        for (const char* name : {"gpu", "systolic", "reram"}) {
            auto dev = makeDevice(name);
            for (const Op& op : ops) {
                if (QString(name) == "reram" && !op.isGemm()) continue;
                for (const Cost& c : {dev->compute(op), dev->programWeights(op.k + 1, op.n + 1)}) {
                    double t = 0, e = 0;
                    for (int i = 0; i < kComponents; ++i) { t += c.time[size_t(i)]; e += c.energy[size_t(i)]; }
                    QVERIFY2(std::abs(t - c.seconds) <= 1e-12 * std::max(1e-30, c.seconds), name);
                    QVERIFY2(std::abs(e - c.joules) <= 1e-12 * std::max(1e-30, c.joules), name);
                }
            }
        }
    }

    void derivationsRecomputeEveryDerivedParameter() {
        // Every "derivations" entry recomputes its parameter (or preset:parameter)
        // from the published figures stored next to it, and names its source.
        int checked = 0;
        for (const char* name : {"gpu", "systolic", "reram"}) {
            const auto& rec = hpt::test::deviceHost().require(PluginKind::Device, name);
            const QJsonObject der = rec.meta.value("derivations").toObject();
            QVERIFY2(!der.isEmpty(), name);
            for (auto it = der.begin(); it != der.end(); ++it) {
                const QJsonObject d = it.value().toObject();
                QVERIFY2(!d.value("source").toString().isEmpty(), qPrintable(it.key()));
                const QStringList key = it.key().split(':');
                const QString preset = key.size() == 2 ? key[0] : QString(), param = key.last();
                const QJsonObject params = resolveParams(rec.params, rec.meta.value("presets").toObject(), preset, {}, name);
                QVERIFY2(params.contains(param), qPrintable(it.key()));
                const double want = evalFormula(d.value("formula").toString(), d.value("inputs").toObject());
                const double have = params.value(param).toDouble();
                QVERIFY2(std::abs(have - want) <= 1e-4 * std::abs(want),  // datasheets round
                         qPrintable(QString("%1.%2: parameter %3, derivation %4").arg(name, it.key()).arg(have).arg(want)));
                // The parameter's own source points at its derivation.
                ++checked;
            }
        }
        // The two ISAAC unit errors of the old plugin stay fixed.
        const auto& reram = hpt::test::deviceHost().require(PluginKind::Device, "reram");
        const QJsonObject d = resolveParams(reram.params, reram.meta.value("presets").toObject(), "isaac", {}, "reram");
        QVERIFY(std::abs(d.value("adc_energy_j").toDouble() - 1.5625e-12) < 1e-18);
        QVERIFY(std::abs(d.value("dac_energy_j").toDouble() - 3.90625e-13) < 1e-19);
        QVERIFY(checked >= 20);
    }

    void gpuLaunchAndCudaGraphs() {
        // A tiny GEMM is launch bound: it takes the launch overhead, not launch + roofline.
        auto h100 = makeDevice("gpu", "H100");
        const Op tiny = gemm(8, 8, 8);
        const Cost c = h100->compute(tiny);
        QVERIFY(std::abs(c.seconds - 5e-6) < 1e-15);
        QVERIFY(c.time[size_t(Component::Launch)] > 0);
        auto graphs = makeDevice("gpu", "H100", {{"cuda_graphs", true}});
        const Cost g = graphs->compute(tiny);
        QVERIFY(g.seconds < 1e-8);
        QCOMPARE(g.time[size_t(Component::Launch)], 0.0);
        QCOMPARE(g.joules, c.joules);  // dynamic energy is the work's, not the wait's
        QCOMPARE(h100->staticPowerW(), 80.0);
    }

    void systolicBufferEnergyScalesWithSize() {
        // Horowitz (ISSCC 2014): 64-bit access 10 pJ at 8 KB, 20 pJ at 32 KB, 100 pJ at 1 MB.
        auto small = makeDevice("systolic", {}, {{"ifmap_sram_kb", 32}});
        auto big = makeDevice("systolic", {}, {{"ifmap_sram_kb", 1024}});
        QVERIFY(std::abs(small->describe().value("sram_energy_per_value_j").toDouble() - 20e-12 * 2 / 8) < 1e-18);
        QVERIFY(std::abs(big->describe().value("sram_energy_per_value_j").toDouble() - 100e-12 * 2 / 8) < 1e-18);
        auto fixed = makeDevice("systolic", {}, {{"sram_energy_model", "fixed"}});
        QCOMPARE(fixed->describe().value("sram_energy_per_value_j").toDouble(), 5e-12);
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
        QVERIFY(std::abs(c.seconds - flops / 67e12) < 1e-12);
        // Dynamic energy: FLOPs at (TDP − static) / peak plus HBM bytes at 31.2 pJ/B.
        const double bytes = 4.0 * 3 * 4096 * 4096;
        QVERIFY(std::abs(c.joules - (flops * (700.0 - 80) / 67e12 + bytes * 3.12e-11)) < 1e-9 * c.joules);
        // Memory bound: an elementwise op reads and writes 4 B per element.
        const Cost e = h100->compute(hpt::test::vectorOp(OpKind::Elementwise, 1 << 24));
        QVERIFY(std::abs(e.seconds - 8.0 * (1 << 24) / 3.35e12) < 1e-12);
        // H200 has more bandwidth, same compute.
        auto h200 = makeDevice("gpu", "H200");
        QVERIFY(h200->compute(hpt::test::vectorOp(OpKind::Elementwise, 1 << 24)).seconds < e.seconds);
        QCOMPARE(h200->compute(big).seconds, c.seconds);
        // fp16 tensor cores: higher peak for the compute-bound GEMM.
        auto half = makeDevice("gpu", "A100", {{"precision", "fp16"}});
        QVERIFY(std::abs(half->compute(big).seconds - flops / 312e12) < 1e-12);
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
