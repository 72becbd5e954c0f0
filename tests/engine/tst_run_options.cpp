// RunOptions: the run's options parsed once from the resolved experiment, with the
// built-in defaults filling keys an older configuration lacks.
#include "config/Experiment.h"
#include "engine/RunOptions.h"

#include <QJsonArray>
#include <QtTest>

using namespace hpt;

class TestRunOptions : public QObject {
    Q_OBJECT
private slots:
    // Hand-built SwitchingOptions{} (tests, tools) must mean what an empty block means.
    void switchingMemberDefaultsEqualTheBuiltinOnes() {
        const SwitchingOptions a, b = SwitchingOptions::fromJson({});
        QCOMPARE(a.mode, b.mode);
        QCOMPARE(a.checkEvery, b.checkEvery);
        QCOMPARE(a.ttestWindow, b.ttestWindow);
        QCOMPARE(a.minSteps, b.minSteps);
        QCOMPARE(a.maxDualAttempts, b.maxDualAttempts);
        QCOMPARE(a.tauLoss, b.tauLoss);
        QCOMPARE(a.tauW, b.tauW);
        QCOMPARE(a.alpha, b.alpha);
        QCOMPARE(a.welch, b.welch);
        QCOMPARE(a.plateauRule, b.plateauRule);
        QCOMPARE(a.plateauSe, b.plateauSe);
        QCOMPARE(a.monitoredLayers, b.monitoredLayers);
    }

    void divergenceMemberDefaultsEqualTheBuiltinOnes() {
        const DivergenceOptions a, b = RunOptions::fromResolved({}).divergence;
        QCOMPARE(a.policy, b.policy);
        QCOMPARE(a.maxGradNorm, b.maxGradNorm);
        QCOMPARE(a.lrFactor, b.lrFactor);
        QCOMPARE(a.maxRollbacks, b.maxRollbacks);
    }

    // An empty configuration (e.g. a checkpoint's from before a section existed) reads as the built-in defaults.
    void missingKeysTakeTheBuiltinDefaults() {
        const QJsonObject d = builtinExperimentDefaults();
        const RunOptions o = RunOptions::fromResolved({});
        QCOMPARE(o.training.batchSize, d["training"]["batch_size"].toInteger());
        QCOMPARE(o.training.epochs, d["training"]["epochs"].toInt());
        QCOMPARE(o.training.seed, d["training"]["seed"].toInteger());
        QCOMPARE(o.training.adam.lr, d["training"]["lr"].toDouble());
        QCOMPARE(o.training.adam.weightDecay, d["training"]["weight_decay"].toDouble());
        QCOMPARE(o.training.adam.decoupled, true);
        QCOMPARE(o.training.schedule.kind, d["training"]["lr_schedule"].toString());
        QCOMPARE(o.switching.tauLoss, d["switching"]["tau_loss"].toDouble());
        QCOMPARE(o.lora.spec.rank, d["lora"]["rank"].toInteger());
        QCOMPARE(o.lora.spec.alpha, d["lora"]["alpha"].toDouble());
        QVERIFY(!o.lora.autoRank);
        QCOMPARE(o.divergence.policy, d["divergence"]["policy"].toString());
        QCOMPARE(o.divergence.maxGradNorm, d["divergence"]["max_grad_norm"].toDouble());
        QCOMPARE(o.divergence.maxRollbacks, d["divergence"]["max_rollbacks"].toInt());
        QCOMPARE(o.checkpoint.every, d["checkpoint"]["every"].toInteger());
        QCOMPARE(o.id.every, d["id"]["every"].toInteger());
    }

    void givenValuesWin() {
        const QJsonObject c{
            {"training", QJsonObject{{"batch_size", 16}, {"lr", 0.5}, {"optimizer", "adam"}, {"keep_best", true}}},
            {"switching", QJsonObject{{"tau_loss", 0.25}, {"tau_w", 0.125}, {"plateau_rule", "literal"},
                                      {"monitored_layers", QJsonArray{"all"}}}},
            {"lora", QJsonObject{{"rank", "auto"}, {"targets", QJsonArray{"*.q"}}}},
            {"divergence", QJsonObject{{"policy", "rollback"}, {"lr_factor", 0.25}}},
            {"checkpoint", QJsonObject{{"every", 7}, {"dir", "/tmp/x"}}}};
        const RunOptions o = RunOptions::fromResolved(c);
        QCOMPARE(o.training.batchSize, int64_t(16));
        QCOMPARE(o.training.adam.lr, 0.5);
        QCOMPARE(o.training.schedule.lr, 0.5);
        QVERIFY(!o.training.adam.decoupled);
        QVERIFY(o.training.keepBest);
        QCOMPARE(o.switching.tauLoss, 0.25);
        QCOMPARE(o.switching.tauW, 0.125);
        QCOMPARE(o.switching.plateauRule, QString("literal"));
        QCOMPARE(o.switching.monitoredLayers, QStringList{"all"});
        QVERIFY(o.lora.autoRank);
        QCOMPARE(o.lora.spec.rank, int64_t(0));
        QCOMPARE(o.lora.spec.targets, QStringList{"*.q"});
        QCOMPARE(o.lora.autoRule.value("r_max").toInt(), 64);  // lora.auto filled from the defaults
        QCOMPARE(o.divergence.policy, QString("rollback"));
        QCOMPARE(o.divergence.lrFactor, 0.25);
        QCOMPARE(o.checkpoint.every, int64_t(7));
        QCOMPARE(o.checkpoint.dir, QString("/tmp/x"));
    }
};

QTEST_GUILESS_MAIN(TestRunOptions)
#include "tst_run_options.moc"
