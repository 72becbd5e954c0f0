// `hpt models` as a user meets it: the list, --describe with parameter names,
// shapes and counts per preset, and the errors for unknown names and presets.
#include "ModelTestSupport.h"
#include "TestSupport.h"

#include <QJsonDocument>
#include <QtTest>

using namespace hpt::test;

class TestModelsCli : public QObject {
    Q_OBJECT
private slots:
    void listsTheFourModels() {
        auto r = runHpt({"models", "--json"});
        QCOMPARE(r.exitCode, 0);
        QStringList names;
        for (const auto& v : QJsonDocument::fromJson(r.out.toUtf8()).array()) names << v.toObject().value("name").toString();
        for (const auto& m : modelNames()) QVERIFY2(names.contains(m), qPrintable(r.out + r.err));
    }

    void describeCompactWind() {
        auto r = runHpt({"models", "--describe", "wind", "--preset", "compact", "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const auto presets = doc.value("presets").toArray();
        QCOMPARE(presets.size(), 1);
        const auto d = presets[0].toObject();
        const auto params = d.value("params").toObject();
        const hpt::ModelShape shape{57, 12, 57};
        QCOMPARE(d.value("total_parameters").toInteger(), closedFormParameters(params, shape));
        QCOMPARE(d.value("trainable_parameters").toInteger(), d.value("total_parameters").toInteger());
        int64_t sum = 0;
        bool foundQ = false;
        for (const auto& v : d.value("parameters").toArray()) {
            const auto p = v.toObject();
            sum += p.value("count").toInteger();
            if (p.value("name").toString() == "layers.3.attn.q.weight") {
                foundQ = true;
                const int64_t dm = params.value("d_model").toInteger();
                QCOMPARE(p.value("shape").toArray(), QJsonArray({qint64(dm), qint64(dm)}));
            }
        }
        QVERIFY(foundQ);
        QCOMPARE(sum, d.value("total_parameters").toInteger());
        QCOMPARE(d.value("lora_target_modules").toArray().size(), 2 * params.value("layers").toInt());
        QCOMPARE(d.value("switching").toObject().value("check_every").toInt(), 20);  // compact override
        QVERIFY(d.value("lora_phase_trainable_parameters").toInteger() < d.value("total_parameters").toInteger());
    }

    void describeDefaultsToEveryPresetAndTheDatasetShape() {
        auto r = runHpt({"models", "--describe", "weather"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("preset paper — 29 stations × 13 features → 29 outputs"));
        QVERIFY(r.out.contains("preset compact"));
        QVERIFY(r.out.contains("layers.11.attn.v.weight"));
        QVERIFY(r.out.contains("monitored layers: layers.11.attn"));
    }

    void customShape() {
        auto r = runHpt({"models", "--describe", "swe", "--preset", "compact", "--stations", "10", "--features", "4",
                         "--outputs", "10", "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto d = QJsonDocument::fromJson(r.out.toUtf8()).object().value("presets").toArray()[0].toObject();
        QCOMPARE(d.value("total_parameters").toInteger(), closedFormParameters(d.value("params").toObject(), {10, 4, 10}));
    }

    void unknownModelAndPreset() {
        auto r = runHpt({"models", "--describe", "snow"});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("swe"), qPrintable(r.err));
        r = runHpt({"models", "--describe", "swe", "--preset", "papr"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("did you mean 'paper'"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestModelsCli)
#include "tst_models_cli.moc"
