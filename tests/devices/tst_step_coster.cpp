// The mapping and the per-step cost accumulator: where ops go per phase, when
// ReRAM cells are written (hpt: once at the switch; reram-naive: every step),
// additivity over ops, and configuration errors that name the field.
#include "DeviceTestSupport.h"

#include "cost/LoraState.h"
#include "cost/Mapping.h"
#include "cost/StepCoster.h"

#include <hpt/Error.h>
#include <hpt/Model.h>

#include <cmath>
#include <functional>

using namespace hpt;
using hpt::test::gemm;
using hpt::test::vectorOp;

namespace {

const QJsonObject kDevices{{"gpu", QJsonObject{{"plugin", "gpu"}, {"preset", "H100"}}},
                           {"systolic", QJsonObject{{"plugin", "systolic"}, {"preset", "default"}}},
                           {"reram", QJsonObject{{"plugin", "reram"}, {"preset", "isaac"}}}};

QJsonObject mappingCfg(const QString& preset, const QJsonObject& overrides = {}) {
    return {{"preset", preset}, {"overrides", overrides}};
}

// One attention layer's training step as the trace contract describes it:
// forward, backward-data and (only for trainable weights) backward-weight GEMMs,
// attention products, vector work and one optimizer update.
Trace layerTrace(bool loraState) {
    Trace t;
    const int64_t M = 4 * 57, d = 64, r = 8;
    auto weight = [&](const std::string& name, int64_t k, int64_t n, bool frozen) {
        t.ops.push_back(gemm(M, k, n, OpKind::WeightGemm, Pass::Forward, frozen, name));
        t.ops.push_back(gemm(M, n, k, OpKind::WeightGemm, Pass::BackwardData, frozen, name));
        if (!frozen) t.ops.push_back(gemm(k, M, n, OpKind::WeightGemm, Pass::BackwardWeight, false, name));
    };
    weight("embed.weight", 12, d, false);  // a module to save: trains in every phase
    for (const char* p : {"q", "k", "v", "out"}) weight(std::string("layers.0.attn.") + p + ".weight", d, d, loraState);
    if (loraState)
        for (const char* p : {"q", "v"})
            for (const char* ab : {"lora_A", "lora_B"}) {
                const std::string name = std::string("layers.0.attn.") + p + "." + ab;
                const bool isA = ab[5] == 'A';
                const int64_t k = isA ? d : r, n = isA ? r : d;
                t.ops.push_back(gemm(M, k, n, OpKind::AdapterGemm, Pass::Forward, false, name));
                t.ops.push_back(gemm(M, n, k, OpKind::AdapterGemm, Pass::BackwardData, false, name));
                t.ops.push_back(gemm(k, M, n, OpKind::AdapterGemm, Pass::BackwardWeight, false, name));
            }
    t.ops.push_back(gemm(57, d, 57, OpKind::AttentionScore, Pass::Forward, false, {}, 4));
    t.ops.push_back(gemm(57, 57, d, OpKind::AttentionValue, Pass::Forward, false, {}, 4));
    t.ops.push_back(vectorOp(OpKind::Softmax, 57 * 57, 4));
    t.ops.push_back(vectorOp(OpKind::Normalization, M * d));
    t.ops.push_back(vectorOp(OpKind::Elementwise, M * d));
    t.ops.push_back(vectorOp(OpKind::OptimizerUpdate, loraState ? 12 * d + 2 * 2 * r * d : 12 * d + 4 * d * d));
    return t;
}

// Cells of every trainable weight whose forward GEMM runs on ReRAM (16-bit on 2-bit cells).
double trainableCells(const Trace& t) {
    double cells = 0;
    for (const auto& op : t.ops)
        if (op.pass == Pass::Forward && op.isGemm() && !op.weightFrozen &&
            (op.kind == OpKind::WeightGemm || op.kind == OpKind::AdapterGemm))
            cells += double(op.k) * double(op.n) * 8;
    return cells;
}

void expectConfigError(const std::function<void()>& f, const QString& field, const QString& alsoContains = {}) {
    try {
        f();
        QFAIL(qPrintable("expected an error naming " + field));
    } catch (const Error& e) {
        QCOMPARE(int(e.kind()), int(ErrorKind::Config));
        QVERIFY2(QString::fromStdString(e.where()) == field, e.what());
        if (!alsoContains.isEmpty()) QVERIFY2(QString(e.what()).contains(alsoContains), e.what());
    }
}

}  // namespace

class TestStepCoster : public QObject {
    Q_OBJECT
private slots:
    void presetsPlaceOpsAsThePaperSays() {
        const Mapping hpt = Mapping::preset("hpt");
        const Op frozenFwd = gemm(8, 64, 64, OpKind::WeightGemm, Pass::Forward, true);
        const Op trainFwd = gemm(8, 64, 64, OpKind::WeightGemm, Pass::Forward, false);
        const Op grad = gemm(64, 8, 64, OpKind::WeightGemm, Pass::BackwardWeight, false);
        const Op adapter = gemm(8, 64, 8, OpKind::AdapterGemm);
        const Op score = gemm(57, 64, 57, OpKind::AttentionScore);
        const Op soft = vectorOp(OpKind::Softmax, 100);
        for (Phase ph : {Phase::Full, Phase::Dual})
            for (const Op& op : {frozenFwd, trainFwd, grad, adapter, score, soft}) QCOMPARE(hpt.deviceFor(op, ph), QString("gpu"));
        QCOMPARE(hpt.deviceFor(frozenFwd, Phase::Lora), QString("reram"));
        for (const Op& op : {trainFwd, grad, adapter, score, soft}) QCOMPARE(hpt.deviceFor(op, Phase::Lora), QString("systolic"));

        const Mapping naive = Mapping::preset("reram-naive");
        for (Phase ph : {Phase::Full, Phase::Dual, Phase::Lora}) {
            QCOMPARE(naive.deviceFor(trainFwd, ph), QString("reram"));
            QCOMPARE(naive.deviceFor(adapter, ph), QString("reram"));
            QCOMPARE(naive.deviceFor(grad, ph), QString("gpu"));  // two dynamic operands: not a crossbar op
            QCOMPARE(naive.deviceFor(score, ph), QString("gpu"));
        }
        const Mapping gpu = Mapping::preset("gpu-only");
        for (const Op& op : {frozenFwd, trainFwd, grad, adapter, score, soft}) QCOMPARE(gpu.deviceFor(op, Phase::Lora), QString("gpu"));
    }

    void noBackwardWeightOfAFrozenWeightAnywhere() {
        const Op bad = gemm(64, 8, 64, OpKind::WeightGemm, Pass::BackwardWeight, true, "w");
        for (const QString& preset : Mapping::presetNames())
            for (Phase ph : {Phase::Full, Phase::Dual, Phase::Lora}) QVERIFY(Mapping::preset(preset).deviceFor(bad, ph).isEmpty());
        StepCoster coster(hpt::test::deviceHost(), mappingCfg("hpt"), kDevices);
        Trace t;
        t.ops.push_back(bad);
        QVERIFY(coster.stepCost(t, Phase::Lora).empty());
        // The hpt LORA step prices the rest on ReRAM and the systolic tier only.
        const Trace lora = layerTrace(true);
        const auto costs = coster.stepCost(lora, Phase::Lora);
        QVERIFY(costs.count("reram") && costs.count("systolic") && !costs.count("gpu"));
    }

    void hptWritesReramOnlyAtTheSwitch() {
        StepCoster coster(hpt::test::deviceHost(), mappingCfg("hpt"), kDevices);
        const Trace full = layerTrace(false), lora = layerTrace(true);
        for (int i = 0; i < 5; ++i) QCOMPARE(coster.stepCost(full, Phase::Full).count("reram"), size_t(0));
        QVERIFY(coster.enterPhase(Phase::Dual, lora).empty());
        for (int i = 0; i < 5; ++i) {
            auto c = coster.stepCost(full, Phase::Dual);
            for (const auto& [k, v] : coster.stepCost(lora, Phase::Dual)) c[k] += v;
            QCOMPARE(c.count("reram"), size_t(0));
        }
        QCOMPARE(coster.wear().value("cell_writes_total").toDouble(), 0.0);
        // The switch programs the four frozen 64×64 attention weights once: 4·64·64·8 cells.
        const auto enter = coster.enterPhase(Phase::Lora, lora);
        QCOMPARE(enter.at("reram").cellWrites, 4.0 * 64 * 64 * 8);
        for (int i = 0; i < 10; ++i) QCOMPARE(coster.stepCost(lora, Phase::Lora).at("reram").cellWrites, 0.0);
        // A second call (e.g. the engine re-entering LORA) writes nothing more.
        QVERIFY(coster.enterPhase(Phase::Lora, lora).empty());
        const QJsonObject w = coster.wear();
        QCOMPARE(w.value("max_writes_per_cell").toDouble(), 1.0);
        QCOMPARE(w.value("cell_writes_total").toDouble(), 4.0 * 64 * 64 * 8);
        QCOMPARE(w.value("crossbars_used").toDouble(), 4.0 * coster.crossbarsFor(64, 64));
        QCOMPARE(w.value("projected_lifetime_runs").toDouble(), 1e6);
        QVERIFY(w.value("fits").toBool());
    }

    void reramNaiveRewritesEveryTrainableWeightEveryStep() {
        StepCoster coster(hpt::test::deviceHost(), mappingCfg("reram-naive"), kDevices);
        const Trace full = layerTrace(false);
        const double cells = trainableCells(full);
        QCOMPARE(cells, (12.0 * 64 + 4 * 64 * 64) * 8);
        for (int step = 1; step <= 7; ++step) {
            // Each weight is written once per step although two GEMM passes use it.
            QCOMPARE(coster.stepCost(full, Phase::Full).at("reram").cellWrites, cells);
            QCOMPARE(coster.wear().value("max_writes_per_cell").toDouble(), double(step));
        }
        QCOMPARE(coster.wear().value("cell_writes_total").toDouble(), 7 * cells);
        QCOMPARE(coster.wear().value("projected_lifetime_runs").toDouble(), 1e6 / 7);
        // LORA: adapters and the module to save train, so they are rewritten; frozen weights are not.
        const Trace lora = layerTrace(true);
        const auto enter = coster.enterPhase(Phase::Lora, lora);
        QCOMPARE(enter.at("reram").cellWrites, 4.0 * 64 * 64 * 8);
        QCOMPARE(coster.stepCost(lora, Phase::Lora).at("reram").cellWrites, trainableCells(lora));
        // The rewrites are priced: the step's ReRAM energy includes their write energy.
        const Device* reram = coster.device("reram");
        const double writeJ = trainableCells(lora) * 8e-12;
        double readJ = 0;
        for (const auto& op : lora.ops)
            if (Mapping::preset("reram-naive").deviceFor(op, Phase::Lora) == "reram") readJ += reram->compute(op).joules;
        QVERIFY(std::abs(coster.stepCost(lora, Phase::Lora).at("reram").joules - (readJ + writeJ)) < 1e-9 * (readJ + writeJ));
    }

    void dualKeepsThetaAndItsLoraCopyApart() {
        // In DUAL Θ and Θ′ both train "embed.weight": two copies, each rewritten once per step.
        StepCoster coster(hpt::test::deviceHost(), mappingCfg("reram-naive"), kDevices);
        const Trace full = layerTrace(false), lora = layerTrace(true);
        coster.enterPhase(Phase::Dual, lora);
        const double frozen = coster.wear().value("cell_writes_total").toDouble();
        QCOMPARE(frozen, 4.0 * 64 * 64 * 8);
        for (int i = 0; i < 3; ++i) {
            coster.stepCost(full, Phase::Dual);
            coster.stepCost(lora, Phase::Dual);
        }
        QCOMPARE(coster.wear().value("max_writes_per_cell").toDouble(), 3.0);
        QCOMPARE(coster.wear().value("cell_writes_total").toDouble(), frozen + 3 * (trainableCells(full) + trainableCells(lora)));
        // Entering LORA finds Θ′'s frozen weights already programmed.
        QVERIFY(coster.enterPhase(Phase::Lora, lora).empty());
    }

    void energyIsAdditiveOverOps() {
        for (const QString& preset : Mapping::presetNames()) {
            const Trace t = layerTrace(true);
            Trace a, b;
            for (size_t i = 0; i < t.ops.size(); ++i) (i % 3 ? a : b).ops.push_back(t.ops[i]);
            StepCoster whole(hpt::test::deviceHost(), mappingCfg(preset), kDevices);
            StepCoster parts(hpt::test::deviceHost(), mappingCfg(preset), kDevices);
            for (Phase ph : {Phase::Full, Phase::Lora}) {
                auto sum = parts.stepCost(a, ph);
                for (const auto& [k, v] : parts.stepCost(b, ph)) sum[k] += v;
                const auto all = whole.stepCost(t, ph);
                QCOMPARE(all.size(), sum.size());
                for (const auto& [k, v] : all) {
                    QVERIFY2(std::abs(v.joules - sum[k].joules) <= 1e-12 * v.joules, qPrintable(preset + " " + QString::fromStdString(k)));
                    QVERIFY(std::abs(v.seconds - sum[k].seconds) <= 1e-12 * v.seconds);
                    QCOMPARE(v.cellWrites, sum[k].cellWrites);
                }
            }
        }
    }

    void cachedStepsCostTheSame() {
        StepCoster coster(hpt::test::deviceHost(), mappingCfg("hpt"), kDevices);
        const Trace t = layerTrace(false);
        const auto first = coster.stepCost(t, Phase::Full);
        const auto again = coster.stepCost(t, Phase::Full);
        QCOMPARE(first.at("gpu").joules, again.at("gpu").joules);
        // A different shape is a different signature.
        Trace bigger = t;
        bigger.ops[0].m *= 2;
        QVERIFY(traceSignature(bigger) != traceSignature(t));
        QVERIFY(coster.stepCost(bigger, Phase::Full).at("gpu").joules > first.at("gpu").joules);
    }

    void overridesAndErrorsNameTheField() {
        const Mapping m = Mapping::fromJson(
            mappingCfg("hpt", {{"LORA.attention_score", "gpu"}, {"*.softmax", "systolic"}, {"LORA.weight_gemm.trainable", "gpu"}}));
        QCOMPARE(m.deviceFor(gemm(5, 5, 5, OpKind::AttentionScore), Phase::Lora), QString("gpu"));
        QCOMPARE(m.deviceFor(vectorOp(OpKind::Softmax, 5), Phase::Full), QString("systolic"));
        QCOMPARE(m.deviceFor(gemm(5, 5, 5), Phase::Lora), QString("gpu"));
        QCOMPARE(m.deviceFor(gemm(5, 5, 5, OpKind::WeightGemm, Pass::Forward, true), Phase::Lora), QString("reram"));
        QCOMPARE(m.toJson().value("table").toObject().value("LORA").toObject().value("attention_score").toString(), QString("gpu"));
        // The specific rule wins over the general one whatever the key order.
        const Mapping s = Mapping::fromJson(mappingCfg("gpu-only", {{"LORA.weight_gemm.frozen", "reram"}, {"*.weight_gemm", "systolic"}}));
        QCOMPARE(s.deviceFor(gemm(5, 5, 5, OpKind::WeightGemm, Pass::Forward, true), Phase::Lora), QString("reram"));
        QCOMPARE(s.deviceFor(gemm(5, 5, 5, OpKind::WeightGemm, Pass::Forward, true), Phase::Full), QString("systolic"));

        expectConfigError([] { Mapping::fromJson(mappingCfg("hpt-naive")); }, "mapping.preset");
        expectConfigError([] { Mapping::fromJson(mappingCfg("hpt", {{"LORA.softmax", "reram"}})); },
                          "mapping.overrides.LORA.softmax", "cannot run on ReRAM");
        expectConfigError([] { Mapping::fromJson(mappingCfg("hpt", {{"LORA.weight_gemm", "tpu"}})); },
                          "mapping.overrides.LORA.weight_gemm", "gpu, systolic, reram");
        expectConfigError([] { Mapping::fromJson(mappingCfg("hpt", {{"LORA.wieght_gemm", "gpu"}})); },
                          "mapping.overrides.LORA.wieght_gemm", "did you mean 'weight_gemm'");
        expectConfigError([] { Mapping::fromJson(mappingCfg("hpt", {{"PRETRAIN.softmax", "gpu"}})); },
                          "mapping.overrides.PRETRAIN.softmax");
        expectConfigError([] { Mapping::fromJson({{"preset", "hpt"}, {"overides", QJsonObject{}}}); }, "mapping.overides",
                          "did you mean 'overrides'");

        auto& host = hpt::test::deviceHost();
        expectConfigError([&] { StepCoster c(host, mappingCfg("hpt"), {{"systolic", QJsonObject{{"params", QJsonObject{{"rows", 0}}}}}}); },
                          "devices.systolic.params.rows", "out of range");
        expectConfigError([&] { StepCoster c(host, mappingCfg("hpt"), {{"reram", QJsonObject{{"preset", "isac"}}}}); },
                          "devices.reram.preset", "did you mean 'isaac'");
        expectConfigError([&] { StepCoster c(host, mappingCfg("hpt"), {{"gpu", QJsonObject{{"params", QJsonObject{{"tdp", 300}}}}}}); },
                          "devices.gpu.params.tdp", "did you mean 'tdp_w'");
        expectConfigError([&] { StepCoster c(host, mappingCfg("hpt"), {{"gpu", QJsonObject{{"params", QJsonObject{{"precision", "fp8"}}}}}}); },
                          "devices.gpu.params.precision", "fp32, tf32, fp16");
        expectConfigError([&] { StepCoster c(host, mappingCfg("hpt"), {{"tpu", QJsonObject{}}}); }, "devices.tpu");
        QVERIFY_THROWS_EXCEPTION(Error, StepCoster(host, mappingCfg("hpt"), {{"gpu", QJsonObject{{"plugin", "nosuch"}}}}));
    }

    void reportsWhenAModelDoesNotFit() {
        // Two tiles of 4 crossbars: a 512×512 weight needs 128 crossbars = 32 tiles.
        QJsonObject devices = kDevices;
        devices.insert("reram", QJsonObject{{"plugin", "reram"}, {"params", QJsonObject{{"tiles", 2}, {"crossbars_per_tile", 4}}}});
        StepCoster coster(hpt::test::deviceHost(), mappingCfg("hpt"), devices);
        Trace t;
        t.ops.push_back(gemm(10, 512, 512, OpKind::WeightGemm, Pass::Forward, true, "big.weight"));
        coster.enterPhase(Phase::Lora, t);
        const QJsonObject w = coster.wear();
        QCOMPARE(w.value("crossbars_used").toDouble(), 128.0);
        QCOMPARE(w.value("crossbars_available").toDouble(), 8.0);
        QCOMPARE(w.value("tiles_needed").toDouble(), 32.0);
        QVERIFY(!w.value("fits").toBool());
        QVERIFY(coster.describe().value("devices").toObject().contains("reram"));
    }

    void loraStateFreezesAllButAdaptersAndModulesToSave() {
        auto* plugin = hpt::test::deviceHost().model("testmodel");
        auto model = plugin->create({5, 3, 5}, {{"d_model", 8}});
        const auto adapted = cost::applyLoraState(model->module(), cost::LoraStateSpec{});
        QVERIFY(adapted == (std::vector<std::string>{"layers.0.attn.q", "layers.0.attn.v"}));
        for (const auto& item : model->module().named_parameters()) {
            const QString name = QString::fromStdString(item.key());
            const bool shouldTrain = name.contains("lora_") || name.startsWith("embed.") || name.startsWith("decoder.");
            QVERIFY2(item.value().requires_grad() == shouldTrain, qPrintable(name));
        }
        cost::LoraStateSpec none;
        none.targets = {"*.attn.nothing"};
        auto other = plugin->create({5, 3, 5}, {{"d_model", 8}});
        expectConfigError([&] { cost::applyLoraState(other->module(), none); }, "lora.targets", "layers.0.attn.q");
        QVERIFY(cost::globMatch("layers.11.attn.q", "*.attn.q"));
        QVERIFY(!cost::globMatch("layers.11.attn.qk", "*.attn.q"));
    }
};

QTEST_GUILESS_MAIN(TestStepCoster)
#include "tst_step_coster.moc"
