// The mapping and the per-step cost accumulator: where ops go per phase, when
// ReRAM cells are written (hpt: once at the switch; reram-naive: every step),
// additivity over ops, and configuration errors that name the field.
#include "DeviceTestSupport.h"

#include "cost/Mapping.h"
#include "cost/StepCoster.h"
#include "lora/AdapterInjector.h"

#include <QJsonArray>

#include <hpt/Error.h>
#include <hpt/Model.h>

#include <cmath>
#include <functional>

using namespace hpt;
using hpt::test::gemm;
using hpt::test::vectorOp;
using hpt::Component;

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
        QCOMPARE(w.value("crossbars_used").toDouble(), 4.0 * coster.device("reram")->storageUnits(64, 64));
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
        const Cost step = coster.stepCost(lora, Phase::Lora).at("reram");
        const double dynamicJ = step.joules - step.energy[size_t(Component::Static)];
        QVERIFY(std::abs(dynamicJ - (readJ + writeJ)) < 1e-9 * (readJ + writeJ));
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
        // Dynamic energy and (serial) time add over ops; static energy is power × step time.
        QJsonObject devices = kDevices;
        devices.insert("reram", QJsonObject{{"plugin", "reram"}, {"preset", "isaac"}, {"params", QJsonObject{{"pipeline", "serial"}}}});
        for (const QString& preset : Mapping::presetNames()) {
            const Trace t = layerTrace(true);
            Trace a, b;
            for (size_t i = 0; i < t.ops.size(); ++i) (i % 3 ? a : b).ops.push_back(t.ops[i]);
            StepCoster whole(hpt::test::deviceHost(), mappingCfg(preset), devices);
            StepCoster parts(hpt::test::deviceHost(), mappingCfg(preset), devices);
            for (Phase ph : {Phase::Full, Phase::Lora}) {
                auto sum = parts.stepCost(a, ph);
                for (const auto& [k, v] : parts.stepCost(b, ph)) sum[k] += v;
                const auto all = whole.stepCost(t, ph);
                QCOMPARE(all.size(), sum.size());
                for (const auto& [k, v] : all) {
                    // Static energy and tier crossings depend on how the trace is cut; the rest adds up.
                    auto dyn = [](const Cost& c) {
                        return c.joules - c.energy[size_t(Component::Static)] - c.energy[size_t(Component::Interconnect)];
                    };
                    auto busy = [](const Cost& c) { return c.seconds - c.time[size_t(Component::Interconnect)]; };
                    QVERIFY2(std::abs(dyn(v) - dyn(sum[k])) <= 1e-12 * v.joules, qPrintable(preset + " " + QString::fromStdString(k)));
                    QVERIFY(std::abs(busy(v) - busy(sum[k])) <= 1e-12 * v.seconds);
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
        QCOMPARE(w.value("chips").toDouble(), 16.0);
        QVERIFY(!w.value("fits").toBool());
        QVERIFY(coster.describe().value("devices").toObject().contains("reram"));
    }

    void poweredOffDeviceCostsNothing() {
        const Trace lora = layerTrace(true);
        // hpt LORA: the GPU runs nothing and is off by default: no entry, no joule.
        StepCoster off(hpt::test::deviceHost(), mappingCfg("hpt"), kDevices);
        const StepPrice p = off.stepPrice(lora, Phase::Lora);
        QVERIFY(!p.perRole.count("gpu"));
        // Powered but idle, it pays its static power for the whole step and nothing else.
        QJsonObject idleCfg = mappingCfg("hpt");
        idleCfg.insert("power", QJsonObject{{"LORA.gpu", "idle"}});
        StepCoster idle(hpt::test::deviceHost(), idleCfg, kDevices);
        const StepPrice q = idle.stepPrice(lora, Phase::Lora);
        const Cost g = q.perRole.at("gpu");
        QCOMPARE(g.energy[size_t(Component::Static)], g.joules);
        QVERIFY(std::abs(g.joules - 80.0 * q.seconds) < 1e-12 * g.joules);
        QVERIFY(std::abs(q.joules - p.joules - g.joules) < 1e-9 * q.joules);
        // Every role that runs pays static power × the step time.
        const Cost r = p.perRole.at("reram");
        QVERIFY(std::abs(r.energy[size_t(Component::Static)] - 20.64968 * p.seconds) < 1e-9 * r.joules);
        // Sending ops to a device that is off is an error naming the setting.
        QJsonObject bad = mappingCfg("hpt");
        bad.insert("power", QJsonObject{{"*.systolic", "off"}});
        StepCoster b(hpt::test::deviceHost(), bad, kDevices);
        expectConfigError([&] { b.stepPrice(lora, Phase::Lora); }, "mapping.power.LORA.systolic");
        expectConfigError([] { QJsonObject c = mappingCfg("hpt"); c.insert("power", QJsonObject{{"LORA.gpu", "sleep"}}); Mapping::fromJson(c); },
                          "mapping.power.LORA.gpu");
    }

    void overlapGivesTheCriticalPath() {
        const Trace lora = layerTrace(true);
        QJsonObject cfg = mappingCfg("hpt");
        StepCoster serial(hpt::test::deviceHost(), cfg, kDevices);
        cfg.insert("overlap", true);
        StepCoster overlap(hpt::test::deviceHost(), cfg, kDevices);
        const StepPrice s = serial.stepPrice(lora, Phase::Lora), o = overlap.stepPrice(lora, Phase::Lora);
        const double r = s.perRole.at("reram").seconds, y = s.perRole.at("systolic").seconds;
        QVERIFY(r > 0 && y > 0);
        QVERIFY(std::abs(s.seconds - (r + y)) < 1e-15 + 1e-12 * s.seconds);
        QVERIFY(std::abs(o.seconds - std::max(r, y)) < 1e-15 + 1e-12 * o.seconds);
        // Dynamic energy is the same; static energy follows the shorter step.
        const auto dyn = [](const StepPrice& x) {
            double j = 0;
            for (const auto& [k, c] : x.perRole) j += c.joules - c.energy[size_t(Component::Static)];
            return j;
        };
        QVERIFY(std::abs(dyn(s) - dyn(o)) < 1e-12 * dyn(s));
        QVERIFY(o.joules < s.joules);
    }

    void capacityPolicies() {
        // Two tiles of 4 crossbars hold 8; a frozen 512×512 weight needs 128.
        QJsonObject devices = kDevices;
        devices.insert("reram", QJsonObject{{"plugin", "reram"}, {"params", QJsonObject{{"tiles", 2}, {"crossbars_per_tile", 4}}}});
        Trace t;
        t.ops.push_back(gemm(10, 512, 512, OpKind::WeightGemm, Pass::Forward, true, "big.weight"));
        t.ops.push_back(gemm(10, 512, 512, OpKind::WeightGemm, Pass::BackwardData, true, "big.weight"));
        // "chips": 16 chips, each with its static power; no writes per step.
        StepCoster chips(hpt::test::deviceHost(), mappingCfg("hpt"), devices);
        const QJsonObject c = chips.capacity(t, Phase::Lora);
        QCOMPARE(c.value("crossbars_needed").toDouble(), 128.0);
        QCOMPARE(c.value("crossbars_available").toDouble(), 8.0);
        QCOMPARE(c.value("chips").toDouble(), 16.0);
        QCOMPARE(c.value("policy").toString(), QString("chips"));
        QCOMPARE(c.value("reprogram_writes_per_step").toDouble(), 0.0);
        const StepPrice pc = chips.stepPrice(t, Phase::Lora);
        QVERIFY(std::abs(pc.perRole.at("reram").energy[size_t(Component::Static)] - 16 * 20.64968 * pc.seconds) <
                1e-9 * pc.joules);
        QCOMPARE(pc.perRole.at("reram").cellWrites, 0.0);
        // "reprogram": one chip; each of the two passes rewrites the 120/128 that do not fit.
        QJsonObject cfg = mappingCfg("hpt");
        cfg.insert("capacity_policy", "reprogram");
        StepCoster rep(hpt::test::deviceHost(), cfg, devices);
        const double cells = 512.0 * 512 * 8;
        QCOMPARE(rep.capacity(t, Phase::Lora).value("chips").toDouble(), 1.0);
        QCOMPARE(rep.capacity(t, Phase::Lora).value("reprogram_writes_per_step").toDouble(), 2 * cells * 120 / 128);
        rep.enterPhase(Phase::Lora, t);
        const StepPrice pr = rep.stepPrice(t, Phase::Lora);
        QCOMPARE(pr.perRole.at("reram").cellWrites, 2 * cells * 120 / 128);
        QVERIFY(pr.perRole.at("reram").energy[size_t(Component::Writes)] > 0);
        QVERIFY(rep.wear().value("max_writes_per_cell").toDouble() > 1.0);  // the rotated crossbars wear
        expectConfigError([] { QJsonObject x = mappingCfg("hpt"); x.insert("capacity_policy", "swap"); Mapping::fromJson(x); },
                          "mapping.capacity_policy");
    }

    void dataMovementFromAHandCountedTrace() {
        // hpt LORA: reram, systolic, reram, systolic. Crossings: the softmax reads 2·100
        // values, the second frozen GEMM 10·64, the attention product 2·(5·8 + 8·5).
        Trace t;
        t.ops.push_back(gemm(10, 64, 64, OpKind::WeightGemm, Pass::Forward, true, "a"));
        t.ops.push_back(vectorOp(OpKind::Softmax, 100, 2));
        t.ops.push_back(gemm(10, 64, 32, OpKind::WeightGemm, Pass::Forward, true, "b"));
        t.ops.push_back(gemm(5, 8, 5, OpKind::AttentionScore, Pass::Forward, false, {}, 2));
        StepCoster coster(hpt::test::deviceHost(), mappingCfg("hpt"), kDevices);
        const StepPrice p = coster.stepPrice(t, Phase::Lora);
        QCOMPARE(p.valuesMoved, 200.0 + 640.0 + 160.0);
        // Systolic receives 360 values of 2 B over a 63 GB/s link at 5 pJ/bit; ReRAM 640
        // 16-bit inputs over ISAAC's 25.6 GB/s HyperTransport (its energy is in static power).
        const Cost sys = p.perRole.at("systolic"), rr = p.perRole.at("reram");
        QVERIFY(std::abs(sys.energy[size_t(Component::Interconnect)] - 360 * 2 * 8 * 5e-12) < 1e-20);
        QVERIFY(std::abs(sys.time[size_t(Component::Interconnect)] - 360 * 2 / 6.3015e10) < 1e-20);
        QCOMPARE(rr.energy[size_t(Component::Interconnect)], 0.0);
        QVERIFY(std::abs(rr.time[size_t(Component::Interconnect)] - 640 * 2 / 2.56e10) < 1e-20);
        // Everything on one tier moves nothing.
        StepCoster gpu(hpt::test::deviceHost(), mappingCfg("gpu-only"), kDevices);
        QCOMPARE(gpu.stepPrice(t, Phase::Lora).valuesMoved, 0.0);
    }

    void costUsesTheTrainingLoraOptions() {
        // One parser for training and pricing: rank "auto" leaves the choice to the caller (0).
        const LoraSpec s = loraSpecFromJson({{"rank", 4}, {"alpha", 16}, {"targets", QJsonArray{"*.attn.k"}},
                                             {"modules_to_save", QJsonArray{"decoder"}}});
        QCOMPARE(s.rank, int64_t(4));
        QCOMPARE(s.alpha, 16.0);
        QCOMPARE(s.targets, QStringList{"*.attn.k"});
        QCOMPARE(s.modulesToSave, QStringList{"decoder"});
        QCOMPARE(loraSpecFromJson({{"rank", "auto"}}).rank, int64_t(0));
        QCOMPARE(loraSpecFromJson({}).targets, (QStringList{"*.attn.q", "*.attn.v"}));
    }

    void priceStepsCountsPhases() {
        // The counterfactual helper: n steps of a phase cost n single steps (plus entering it once).
        const Trace full = layerTrace(false), lora = layerTrace(true);
        const StepPrice three = priceSteps(hpt::test::deviceHost(), mappingCfg("gpu-only"), kDevices, full, lora, {3, 0, 0});
        StepCoster one(hpt::test::deviceHost(), mappingCfg("gpu-only"), kDevices);
        const StepPrice s = one.stepPrice(full, Phase::Full);
        QVERIFY(std::abs(three.seconds - 3 * s.seconds) < 1e-12 * three.seconds);
        QVERIFY(std::abs(three.joules - 3 * s.joules) < 1e-12 * three.joules);
    }
};

QTEST_GUILESS_MAIN(TestStepCoster)
#include "tst_step_coster.moc"
