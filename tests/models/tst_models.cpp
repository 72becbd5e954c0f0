// The four model plugins (swe, covid, wind, weather) through the SDK, as the
// engine uses them: metadata and presets, output shapes, parameter counts
// against a closed form, a few optimizer steps, positional encoding over
// stations, LoRA target names, and errors for shapes a preset cannot serve.
#include "ModelTestSupport.h"

#include <hpt/Error.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QtTest>

using namespace hpt::test;

namespace {

torch::Tensor fixedInput(int64_t batch, const hpt::ModelShape& s, int64_t seed) {
    torch::manual_seed(seed);
    return torch::randn({batch, s.stations, s.features});
}

// Small enough that the paper presets run quickly, large enough that every
// part (per-station decoder widths, several heads) is exercised.
hpt::ModelShape smallShape(const QString& model) {
    const auto s = defaultShape(model);
    return {6, s.features, 6};
}

bool wildcardMatch(const QString& pattern, const QString& name) {
    // fnmatch-style: '*' matches any run of characters, dots included.
    QStringList parts = pattern.split('*');
    for (auto& part : parts) part = QRegularExpression::escape(part);
    const QRegularExpression re(QRegularExpression::anchoredPattern(parts.join(".*")));
    return re.match(name).hasMatch();
}

}  // namespace

class TestModels : public QObject {
    Q_OBJECT

    void perModel() {
        QTest::addColumn<QString>("model");
        for (const auto& m : modelNames()) QTest::newRow(qPrintable(m)) << m;
    }
    void perModelAndPreset() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("preset");
        for (const auto& m : modelNames())
            for (const char* p : {"paper", "compact"}) QTest::newRow(qPrintable(m + "/" + p)) << m << QString(p);
    }

private slots:
    void initTestCase() {
        // One thread per test: ctest runs two tests at once on the 2 cores.
        torch::set_num_threads(1);
        for (const auto& m : modelNames())
            QVERIFY2(modelHost().find(hpt::PluginKind::Model, m),
                     qPrintable("model plugin '" + m + "' did not load from " HPT_BUILD_PLUGIN_DIR "/models"));
    }

    void metadataDeclaresDefaults_data() { perModel(); }
    void metadataDeclaresDefaults() {
        QFETCH(QString, model);
        const auto& meta = modelHost().require(hpt::PluginKind::Model, model).meta;
        QCOMPARE(meta.value("dataset").toString(), model);
        for (const auto& spec : modelHost().require(hpt::PluginKind::Model, model).params) {
            QVERIFY2(!spec.source.isEmpty(), qPrintable(spec.name + " has no source"));
            QVERIFY2(!spec.description.isEmpty(), qPrintable(spec.name + " has no description"));
        }
        const auto training = meta.value("training").toObject();
        QVERIFY(QStringList({"adam", "adamw"}).contains(training.value("optimizer").toString()));
        QVERIFY(training.value("lr").toDouble() > 0);
        QVERIFY(training.value("epochs").toInt() > 0);
        const auto lora = meta.value("lora").toObject();
        QCOMPARE(lora.value("rank").toInt(), 8);
        QCOMPARE(lora.value("alpha").toInt(), 64);
        QCOMPARE(lora.value("modules_to_save").toArray(), QJsonArray({"embed", "reduce", "decoder"}));
        QVERIFY(meta.value("switching").toObject().value("check_every").toInt() > 0);
        const auto compact = meta.value("preset_defaults").toObject().value("compact").toObject();
        // The compact defaults agree with the shipped compact experiment (issue 16: they said batch 1).
        QFile f(QStringLiteral(HPT_SOURCE_DIR "/resources/experiments/") + model + "-compact.json");
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        const auto experiment = QJsonDocument::fromJson(f.readAll()).object();
        for (const char* part : {"training", "switching"}) {
            const auto want = experiment.value(part).toObject(), have = compact.value(part).toObject();
            for (const char* key : {"batch_size", "epochs", "max_steps", "lr", "lr_schedule", "lr_gamma", "grad_clip", "target",
                                    "check_every", "ttest_window", "tau_w"})
                if (want.contains(key))
                    QVERIFY2(have.value(key) == want.value(key),
                             qPrintable(model + ": preset_defaults.compact." + part + "." + key + " differs from " + f.fileName()));
        }
        QVERIFY(compact.value("training").toObject().value("batch_size").toInt() > 1);
        // Both presets resolve against the schema (unknown keys would throw).
        for (const char* p : {"paper", "compact"}) resolvedParams(model, p);
    }

    void outputShapes_data() { perModelAndPreset(); }
    void outputShapes() {
        QFETCH(QString, model);
        QFETCH(QString, preset);
        const auto shape = preset == "compact" ? defaultShape(model) : smallShape(model);
        auto m = makeModel(model, preset, shape);
        m->module().eval();
        torch::NoGradGuard ng;
        const auto x = fixedInput(3, shape, 1);
        const auto y = m->forward(x);
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{3, shape.outputs}));
        QVERIFY(torch::isfinite(y).all().item<bool>());
        const auto h = m->hidden(x);
        const int64_t d = resolvedParams(model, preset).value("d_model").toInteger();
        QCOMPARE(h.sizes().vec(), (std::vector<int64_t>{3, shape.stations, d}));
    }

    void windPredictsAllStations() {
        // Wind: one sample → the next hour at all 57 stations.
        auto m = makeModel("wind", "compact", {57, 12, 57});
        torch::NoGradGuard ng;
        QCOMPARE(m->forward(fixedInput(1, {57, 12, 57}, 2)).size(1), 57);
    }

    void parameterCountMatchesClosedForm_data() { perModelAndPreset(); }
    void parameterCountMatchesClosedForm() {
        QFETCH(QString, model);
        QFETCH(QString, preset);
        const auto shape = defaultShape(model);
        auto m = makeModel(model, preset, shape);
        const auto p = resolvedParams(model, preset);
        QCOMPARE(countParameters(m->module()), closedFormParameters(p, shape));
        // Different shapes change the count the way the closed form says.
        const hpt::ModelShape other{shape.stations + 3, shape.features + 1, shape.outputs + 2};
        QCOMPARE(countParameters(makeModel(model, preset, other)->module()), closedFormParameters(p, other));
    }

    void paperSweMatchesReferenceSize() {
        // The reference SWETransformer (d=512, 16 heads, 12 layers, 323 stations,
        // 19 inputs) has 45,424,451 parameters (≈45.4 M).
        auto m = makeModel("swe", "paper", {323, 19, 323});
        const int64_t n = countParameters(m->module());
        QCOMPARE(n, closedFormParameters(resolvedParams("swe", "paper"), {323, 19, 323}));
        QCOMPARE(n, int64_t(45424451));
    }

    void fewStepsReduceLoss_data() { perModel(); }
    void fewStepsReduceLoss() {
        QFETCH(QString, model);
        // Few stations keep this cheap; the property does not depend on the count.
        const hpt::ModelShape shape{12, defaultShape(model).features, 12};
        torch::manual_seed(7);
        auto m = makeModel(model, "compact", shape);
        const auto x = fixedInput(2, shape, 3);
        const auto y = torch::randn({2, shape.outputs});
        auto evalLoss = [&] {
            torch::NoGradGuard ng;
            m->module().eval();
            return torch::mse_loss(m->forward(x), y).item<double>();
        };
        const double before = evalLoss();
        torch::optim::Adam opt(m->module().parameters(), torch::optim::AdamOptions(1e-3));
        m->module().train();
        for (int i = 0; i < 40; ++i) {
            opt.zero_grad();
            torch::mse_loss(m->forward(x), y).backward();
            opt.step();
        }
        const double after = evalLoss();
        QVERIFY2(after < 0.8 * before, qPrintable(QString("loss %1 → %2").arg(before).arg(after)));
    }

    void positionalEncodingSeparatesStations_data() { perModel(); }
    void positionalEncodingSeparatesStations() {
        // Every station gets the same features: without a per-station position
        // (the reference's batch-indexed table) self-attention is permutation
        // equivariant and all stations would get the same encoder output.
        QFETCH(QString, model);
        const auto shape = defaultShape(model);
        auto m = makeModel(model, "compact", shape);
        m->module().eval();
        torch::NoGradGuard ng;
        torch::manual_seed(5);
        const auto x = torch::randn({1, 1, shape.features}).expand({1, shape.stations, shape.features}).contiguous();
        const auto h = m->hidden(x)[0];  // [S, d]
        for (int64_t s : {int64_t(1), shape.stations / 2, shape.stations - 1}) {
            const double diff = (h[0] - h[s]).abs().max().item<double>();
            QVERIFY2(diff > 1e-3, qPrintable(QString("stations 0 and %1 differ by only %2").arg(s).arg(diff)));
        }
        // The positional table is a buffer indexed by station: row s ≠ row s'.
        torch::Tensor pe;
        for (const auto& b : m->module().named_buffers())
            if (b.key() == "pos_encoding") pe = b.value();
        QVERIFY(pe.defined());
        QCOMPARE(pe.size(0), shape.stations);
        QVERIFY((pe[0] - pe[1]).abs().max().item<double>() > 0.1);
    }

    void loraTargetsResolve_data() { perModelAndPreset(); }
    void loraTargetsResolve() {
        QFETCH(QString, model);
        QFETCH(QString, preset);
        const auto& meta = modelHost().require(hpt::PluginKind::Model, model).meta;
        auto m = makeModel(model, preset, smallShape(model));
        const int64_t layers = resolvedParams(model, preset).value("layers").toInteger();
        const auto modules = m->module().named_modules("", false);
        for (const auto& pattern : meta.value("lora").toObject().value("targets").toArray()) {
            int matches = 0;
            for (const auto& item : modules) {
                if (!wildcardMatch(pattern.toString(), QString::fromStdString(item.key()))) continue;
                ++matches;
                QVERIFY2(item.value()->as<hpt::AdaptableLinearImpl>(),
                         qPrintable(QString::fromStdString(item.key()) + " is not an AdaptableLinear"));
            }
            QCOMPARE(int64_t(matches), layers);
        }
        QStringList paramNames;
        for (const auto& p : m->module().named_parameters()) paramNames << QString::fromStdString(p.key());
        for (const auto& save : meta.value("lora").toObject().value("modules_to_save").toArray()) {
            const QString prefix = save.toString() + ".";
            QVERIFY2(std::any_of(paramNames.begin(), paramNames.end(), [&](const QString& n) { return n.startsWith(prefix); }),
                     qPrintable(save.toString() + " names no parameter"));
        }
        // Monitored layers exist in the preset they belong to, with q and v weights.
        auto monitored = meta.value("switching").toObject().value("monitored_layers").toArray();
        const auto pd = meta.value("preset_defaults").toObject().value(preset).toObject().value("switching").toObject();
        if (pd.contains("monitored_layers")) monitored = pd.value("monitored_layers").toArray();
        const auto attn = m->attentionLayers();
        QCOMPARE(int64_t(attn.size()), layers);
        for (const auto& layer : monitored) {
            const std::string l = layer.toString().toStdString();
            QVERIFY2(std::find(attn.begin(), attn.end(), l) != attn.end(), l.c_str());
            QVERIFY(paramNames.contains(QString::fromStdString(l + ".q.weight")));
            QVERIFY(paramNames.contains(QString::fromStdString(l + ".v.weight")));
        }
    }

    void presetRejectsIncompatibleShape() {
        try {
            makeModel("swe", "compact", defaultShape("swe"), QJsonObject{{"d_model", 100}, {"heads", 8}});
            QFAIL("d_model 100 with 8 heads was accepted");
        } catch (const hpt::Error& e) {
            QCOMPARE(e.kind(), hpt::ErrorKind::Config);
            QCOMPARE(QString::fromStdString(e.where()), QString("model.params.heads"));
            QVERIFY2(QString(e.what()).contains("divisible"), e.what());
        }
        try {
            makeModel("wind", "compact", {0, 12, 57});
            QFAIL("zero stations accepted");
        } catch (const hpt::Error& e) {
            QCOMPARE(e.kind(), hpt::ErrorKind::Data);
        }
    }

    // covid hidden_inputs: the network is built over the other channels and its output does not move
    // when a hidden channel does (the engine still reads it: the residual target's persistence).
    void covidHiddenInputsAreNotSeen() {
        const auto shape = defaultShape("covid");
        auto m = makeModel("covid", "compact", shape, QJsonObject{{"hidden_inputs", QJsonArray{2}}});
        QCOMPARE(countParameters(m->module()),
                 closedFormParameters(resolvedParams("covid", "compact"), {shape.stations, shape.features - 1, shape.outputs}));
        m->module().eval();
        torch::NoGradGuard ng;
        const auto x = fixedInput(2, shape, 3);
        const auto y = m->forward(x);
        auto moved = [&](int64_t channel) {
            auto z = x.clone();
            z.select(2, channel).add_(5.0);
            return z;
        };
        QVERIFY(torch::equal(m->forward(moved(2)), y));
        QVERIFY(!torch::allclose(m->forward(moved(3)), y));
        QVERIFY(torch::equal(m->hidden(moved(2)), m->hidden(x)));
        try {
            m->forward(torch::zeros({1, shape.stations, shape.features - 1}));
            QFAIL("an input without the hidden channel was accepted");
        } catch (const hpt::Error& e) {
            QCOMPARE(e.kind(), hpt::ErrorKind::Data);
        }
        for (const QJsonArray& bad : {QJsonArray{int(shape.features)}, QJsonArray{-1}, QJsonArray{"deaths"}}) {
            try {
                makeModel("covid", "compact", shape, QJsonObject{{"hidden_inputs", bad}});
                QFAIL("a bad hidden_inputs entry was accepted");
            } catch (const hpt::Error& e) {
                QCOMPARE(e.kind(), hpt::ErrorKind::Config);
                QCOMPARE(QString::fromStdString(e.where()), QString("model.params.hidden_inputs"));
            }
        }
    }

    // shared_decoder: one decoder, applied to each county's reduced features; its size does not grow
    // with the stations, and each station's output depends on the others only through attention.
    void sharedDecoderIsPerStation() {
        const hpt::ModelShape shape{50, 19, 50};
        const QJsonObject on{{"shared_decoder", true}};
        auto m = makeModel("covid", "compact", shape, on);
        const auto p = resolvedParams("covid", "compact", on);
        QCOMPARE(countParameters(m->module()), closedFormParameters(p, shape));
        QCOMPARE(countParameters(makeModel("covid", "compact", {80, 19, 80}, on)->module()), closedFormParameters(p, {80, 19, 80}));
        m->module().eval();
        torch::NoGradGuard ng;
        const auto y = m->forward(fixedInput(2, shape, 4));
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{2, 50}));
        QVERIFY(m->trace(4).ops.size() > 0);
        try {
            makeModel("covid", "compact", {50, 19, 49}, on);
            QFAIL("shared_decoder with 49 outputs for 50 stations was accepted");
        } catch (const hpt::Error& e) {
            QCOMPARE(e.kind(), hpt::ErrorKind::Config);
            QCOMPARE(QString::fromStdString(e.where()), QString("model.params.shared_decoder"));
        }
    }

    void wrongInputShapeIsADataError() {
        auto m = makeModel("weather", "compact", defaultShape("weather"));
        try {
            m->forward(torch::zeros({1, 29, 12}));
            QFAIL("a [1, 29, 12] input was accepted by a 29×13 model");
        } catch (const hpt::Error& e) {
            QCOMPARE(e.kind(), hpt::ErrorKind::Data);
            QVERIFY2(QString(e.what()).contains("[batch, 29, 13]"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
