// The operation trace of the model plugins against an independent count made
// from the parameter tensors alone (2·M·in·out per Linear and pass, adapters
// likewise, 2·B·H·S²·dh per attention product), in every phase the engine
// produces: all trainable (FULL), some weights frozen, frozen base with
// adapters (LORA). Frozen weights must have no backward-weight work.
#include "ModelTestSupport.h"

#include <hpt/Error.h>

#include <QtTest>

#include <map>
#include <set>

using namespace hpt::test;

namespace {

struct Expected {
    double gemmFlops = 0;
    int64_t trainableValues = 0;
    std::set<std::string> trainedMatrices;  // 2-D parameters that must get a backward-weight op
    std::set<std::string> frozenMatrices;
};

// Rows of a Linear: per station unless it is a decoder layer (one row per sample).
int64_t rowsOf(const std::string& module, int64_t B, int64_t S) {
    return module.rfind("decoder.", 0) == 0 ? B : B * S;
}

Expected independentCount(hpt::Model& m, const QJsonObject& p, const hpt::ModelShape& s, int64_t B) {
    std::map<std::string, torch::Tensor> byName;
    for (const auto& kv : m.module().named_parameters()) byName[kv.key()] = kv.value();
    Expected e;
    const std::string suffix = ".weight";
    for (const auto& [name, w] : byName) {
        if (w.requires_grad()) e.trainableValues += w.numel();
        if (w.dim() == 2) (w.requires_grad() ? e.trainedMatrices : e.frozenMatrices).insert(name);
        if (w.dim() != 2 || name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix))
            continue;
        const std::string module = name.substr(0, name.size() - suffix.size());
        const double M = double(rowsOf(module, B, s.stations)), in = double(w.size(1)), out = double(w.size(0));
        const bool inputNeedsGrad = module != "embed.0";  // x itself needs no gradient
        e.gemmFlops += 2 * M * in * out;                               // forward
        if (inputNeedsGrad) e.gemmFlops += 2 * M * in * out;           // backward-data
        if (w.requires_grad()) e.gemmFlops += 2 * M * in * out;        // backward-weight
        const auto a = byName.find(module + ".lora_A");
        if (a == byName.end()) continue;
        const auto& A = a->second;
        const auto& Bm = byName.at(module + ".lora_B");
        const double r = double(A.size(0));
        e.gemmFlops += 2 * M * in * r + 2 * M * r * out;               // forward x·Aᵀ, ·Bᵀ
        if (A.requires_grad() || inputNeedsGrad) e.gemmFlops += 2 * M * out * r;
        if (Bm.requires_grad()) e.gemmFlops += 2 * M * r * out;
        if (inputNeedsGrad) e.gemmFlops += 2 * M * r * in;
        if (A.requires_grad()) e.gemmFlops += 2 * M * in * r;
    }
    const double S = double(s.stations), H = double(p.value("heads").toInteger());
    const double dh = double(p.value("d_model").toInteger()) / H;
    // q·kᵀ and P·v forward, two backward products each.
    e.gemmFlops += double(p.value("layers").toInteger()) * 6 * 2 * double(B) * H * S * S * dh;
    return e;
}

double traceGemmFlops(const hpt::Trace& t) {
    double f = 0;
    for (const auto& op : t.ops)
        if (op.isGemm()) f += op.flops();
    return f;
}

void checkAgainstIndependentCount(hpt::Model& m, const QJsonObject& p, const hpt::ModelShape& s, int64_t B) {
    const auto t = m.trace(B);
    const auto e = independentCount(m, p, s, B);
    const double got = traceGemmFlops(t);
    QVERIFY2(std::abs(got - e.gemmFlops) <= 0.01 * e.gemmFlops,
             qPrintable(QString("trace %1 GFLOP vs independent %2 GFLOP").arg(got / 1e9).arg(e.gemmFlops / 1e9)));

    std::set<std::string> backwardWeight;
    int updates = 0;
    for (const auto& op : t.ops) {
        if (op.pass == hpt::Pass::BackwardWeight) {
            QVERIFY2(!e.frozenMatrices.count(op.param), qPrintable(QString::fromStdString("frozen " + op.param + " has a backward-weight op")));
            QVERIFY2(!op.weightFrozen, op.param.c_str());
            QVERIFY2(backwardWeight.insert(op.param).second, qPrintable(QString::fromStdString("two backward-weight ops for " + op.param)));
        }
        if (op.kind == hpt::OpKind::WeightGemm || op.kind == hpt::OpKind::AdapterGemm) {
            // Every weight operand is a real parameter, flagged frozen exactly when it does not train.
            QVERIFY2(e.frozenMatrices.count(op.param) || e.trainedMatrices.count(op.param), op.param.c_str());
            if (op.pass == hpt::Pass::Forward) QCOMPARE(op.weightFrozen, e.frozenMatrices.count(op.param) == 1);
        }
        if (op.kind == hpt::OpKind::OptimizerUpdate) {
            ++updates;
            QCOMPARE(op.pass, hpt::Pass::Update);
            QCOMPARE(op.elements, e.trainableValues);
        }
        QVERIFY(op.repeat >= 1);
        QVERIFY(op.isGemm() ? (op.m > 0 && op.k > 0 && op.n > 0) : op.elements >= 0);
    }
    QCOMPARE(updates, 1);
    // Every trainable matrix gets exactly one backward-weight op.
    QStringList missing;
    for (const auto& n : e.trainedMatrices)
        if (!backwardWeight.count(n)) missing << QString::fromStdString(n);
    QVERIFY2(missing.isEmpty(), qPrintable("no backward-weight op for " + missing.join(", ")));
    QCOMPARE(backwardWeight.size(), e.trainedMatrices.size());
}

}  // namespace

class TestModelTrace : public QObject {
    Q_OBJECT

    void perModel() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("preset");
        QTest::addColumn<int>("stations");
        for (const auto& m : modelNames()) {
            QTest::newRow(qPrintable(m + "/compact")) << m << QString("compact") << int(defaultShape(m).stations);
            QTest::newRow(qPrintable(m + "/paper")) << m << QString("paper") << int(defaultShape(m).stations);
        }
    }

    static hpt::ModelShape shapeFor(const QString& model, int stations) {
        const auto d = defaultShape(model);
        return {stations, d.features, d.outputs};
    }

private slots:
    void initTestCase() {
        for (const auto& m : modelNames()) QVERIFY(modelHost().find(hpt::PluginKind::Model, m));
    }

    void fullPhase_data() { perModel(); }
    void fullPhase() {
        QFETCH(QString, model);
        QFETCH(QString, preset);
        QFETCH(int, stations);
        const auto s = shapeFor(model, stations);
        auto m = makeModel(model, preset, s);
        for (int64_t B : {1, 3}) checkAgainstIndependentCount(*m, resolvedParams(model, preset), s, B);
        // Everything trains: no op is marked frozen.
        for (const auto& op : m->trace(1).ops) QVERIFY2(!op.weightFrozen, op.param.c_str());
    }

    void someWeightsFrozen_data() { perModel(); }
    void someWeightsFrozen() {
        QFETCH(QString, model);
        QFETCH(QString, preset);
        QFETCH(int, stations);
        const auto s = shapeFor(model, stations);
        auto m = makeModel(model, preset, s);
        int frozen = 0;
        for (auto& kv : m->module().named_parameters()) {
            const QString n = QString::fromStdString(kv.key());
            if (n.startsWith("layers.1.") || n.endsWith("attn.k.weight") || n == "embed.0.weight" || n == "decoder.0.weight") {
                kv.value().set_requires_grad(false);
                ++frozen;
            }
        }
        QVERIFY(frozen > 4);
        checkAgainstIndependentCount(*m, resolvedParams(model, preset), s, 2);
    }

    void loraPhase_data() { perModel(); }
    void loraPhase() {
        // The LORA phase as the engine sets it up: base weights frozen except the
        // modules to save, rank-8 adapters on every q and v.
        QFETCH(QString, model);
        QFETCH(QString, preset);
        QFETCH(int, stations);
        const auto s = shapeFor(model, stations);
        auto m = makeModel(model, preset, s);
        for (auto& kv : m->module().named_parameters()) {
            const QString n = QString::fromStdString(kv.key());
            const bool save = n.startsWith("embed.") || n.startsWith("reduce.") || n.startsWith("decoder.");
            kv.value().set_requires_grad(save);
        }
        int adapters = 0;
        for (const auto& kv : m->module().named_modules("", false)) {
            const QString n = QString::fromStdString(kv.key());
            if (!n.endsWith(".attn.q") && !n.endsWith(".attn.v")) continue;
            auto* lin = kv.value()->as<hpt::AdaptableLinearImpl>();
            QVERIFY(lin);
            lin->attachAdapter(8, 64, 0.1);
            ++adapters;
        }
        const auto p = resolvedParams(model, preset);
        QCOMPARE(int64_t(adapters), 2 * p.value("layers").toInteger());
        checkAgainstIndependentCount(*m, p, s, 2);

        const auto t = m->trace(2);
        int adapterForward = 0, frozenForward = 0;
        for (const auto& op : t.ops) {
            if (op.kind == hpt::OpKind::AdapterGemm && op.pass == hpt::Pass::Forward) {
                ++adapterForward;
                QVERIFY(op.n == 8 || op.k == 8);
                QVERIFY(!op.weightFrozen);
            }
            if (op.kind == hpt::OpKind::WeightGemm && op.pass == hpt::Pass::Forward && op.param.find(".attn.") != std::string::npos) {
                QVERIFY2(op.weightFrozen, op.param.c_str());
                ++frozenForward;
            }
        }
        QCOMPARE(adapterForward, 2 * adapters);
        QCOMPARE(int64_t(frozenForward), 4 * p.value("layers").toInteger());
        // Fewer FLOPs than the FULL step: frozen weights skip backward-weight.
        auto full = makeModel(model, preset, s);
        QVERIFY(traceGemmFlops(t) < traceGemmFlops(full->trace(2)));
    }

    void traceScalesWithBatch() {
        auto m = makeModel("swe", "compact", defaultShape("swe"));
        const double one = m->trace(1).totalFlops(), four = m->trace(4).totalFlops();
        const double update = double(countParameters(m->module()));  // the optimizer update does not scale
        QVERIFY(std::abs((four - update) - 4 * (one - update)) < 1e-9 * four);
    }

    void attentionAndSoftmaxShapes() {
        const auto s = defaultShape("wind");
        auto m = makeModel("wind", "compact", s);
        const auto p = resolvedParams("wind", "compact");
        const int64_t H = p.value("heads").toInteger(), dh = p.value("d_model").toInteger() / H, B = 2;
        int scores = 0, softmax = 0;
        for (const auto& op : m->trace(B).ops) {
            if (op.kind == hpt::OpKind::AttentionScore && op.pass == hpt::Pass::Forward) {
                ++scores;
                QCOMPARE(op.repeat, B * H);
                QCOMPARE(op.m, s.stations);
                QCOMPARE(op.k, dh);
                QCOMPARE(op.n, s.stations);
            }
            if (op.kind == hpt::OpKind::Softmax && op.pass == hpt::Pass::Forward) {
                ++softmax;
                QCOMPARE(op.elements * op.repeat, B * H * s.stations * s.stations);
            }
        }
        QCOMPARE(int64_t(scores), p.value("layers").toInteger());
        QCOMPARE(int64_t(softmax), p.value("layers").toInteger());
    }

    void badBatchIsAnError() {
        auto m = makeModel("covid", "compact", defaultShape("covid"));
        bool threw = false;
        try {
            m->trace(0);
        } catch (const hpt::Error& e) {
            threw = QString(e.what()).contains("batch");
        }
        QVERIFY(threw);
    }
};

QTEST_GUILESS_MAIN(TestModelTrace)
#include "tst_model_trace.moc"
