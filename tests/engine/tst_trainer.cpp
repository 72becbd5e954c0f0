// The engine against the test plugins: configuration errors, adapter
// injection, a hybrid run through FULL → DUAL → LORA, bit-identical resume,
// the NaN guard and stop.
#include "config/Experiment.h"
#include "engine/Checkpoint.h"
#include "engine/Trainer.h"
#include "lora/AdapterInjector.h"
#include "plugin/PluginHost.h"

#include <hpt/Dataset.h>
#include <hpt/Error.h>
#include <hpt/Model.h>

#include <QJsonArray>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>
#include <functional>
#include <map>

using namespace hpt;

namespace {

struct Recorder : RunSink {
    std::map<int64_t, double> full, lora;
    std::map<std::string, std::vector<std::pair<int64_t, double>>> other;  // every other metric by key
    std::vector<RunEvent> events;
    QJsonObject final;
    RunStatus status = RunStatus::Running;
    std::function<void(int64_t)> onStep;
    void metrics(const std::vector<MetricPoint>& m) override {
        for (const auto& p : m) {
            if (p.key == "loss.full") full[p.step] = p.value;
            if (p.key == "loss.lora") lora[p.step] = p.value;
            if (p.key.rfind("id.", 0) == 0 || p.key == "val_loss" || p.key == "lr") other[p.key].push_back({p.step, p.value});
        }
    }
    void event(const RunEvent& e) override {
        events.push_back(e);
        if (onStep && e.type == "plateau_check") onStep(e.step);  // events arrive at once, metrics batched
    }
    void runFinished(RunStatus s, const QJsonObject& f) override {
        status = s;
        final = f;
    }
    std::vector<RunEvent> ofType(const std::string& t) const {
        std::vector<RunEvent> out;
        for (const auto& e : events)
            if (e.type == t) out.push_back(e);
        return out;
    }
};

QJsonObject experiment(const QJsonObject& extra = {}) {
    QJsonObject e{{"model", QJsonObject{{"name", "testmodel"}}},
                  {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 64}}}}},
                  {"devices", QJsonObject{}},
                  {"lora", QJsonObject{{"rank", 2}, {"alpha", 4}, {"dropout", 0.1}, {"modules_to_save", QJsonArray{"embed", "decoder"}}}},
                  {"training", QJsonObject{{"epochs", 4}, {"lr", 1e-2}, {"batch_size", 4}, {"lr_step_epochs", 2}}},
                  {"switching", QJsonObject{{"check_every", 4}, {"ttest_window", 8}, {"tau_loss", 0.5}, {"tau_w", 0.5}}}};
    for (auto it = extra.begin(); it != extra.end(); ++it) e.insert(it.key(), it.value());
    return e;
}

}  // namespace

class TestTrainer : public QObject {
    Q_OBJECT
    PluginHost host;

    QJsonObject resolve(const QJsonObject& e, const QStringList& sets = {}) { return resolveExperiment(e, host, sets); }

    void expectConfigError(const QJsonObject& e, const QStringList& sets, const QString& where, const QString& words) {
        try {
            resolve(e, sets);
            QFAIL(qPrintable("expected an error at " + where));
        } catch (const Error& err) {
            QCOMPARE(err.kind(), ErrorKind::Config);
            QCOMPARE(QString::fromStdString(err.where()), where);
            QVERIFY2(QString(err.what()).contains(words), err.what());
        }
    }

private slots:
    void initTestCase() { host.loadFrom({HPT_TEST_PLUGIN_DIR}); }

    void resolvesEveryKey() {
        const QJsonObject c = resolve(experiment(), {"lora.rank=4", "switching.welch=true", "name=my run"});
        QCOMPARE(valueAt(c, "lora.rank").toInt(), 4);
        QCOMPARE(valueAt(c, "switching.welch").toBool(), true);
        QCOMPARE(valueAt(c, "name").toString(), QString("my run"));
        QCOMPARE(valueAt(c, "model.params.d_model").toInt(), 8);   // plugin default filled in
        QCOMPARE(valueAt(c, "switching.alpha").toDouble(), 0.01);  // built-in default
        const QJsonObject defaults = builtinExperimentDefaults();
        for (const QString& section : {"training", "switching", "lora", "id", "checkpoint"})
            for (const QString& k : defaults.value(section).toObject().keys())
                QVERIFY2(!valueAt(c, section + "." + k).isUndefined(), qPrintable(section + "." + k));
    }

    void configErrors() {
        QJsonObject e = experiment();
        QJsonObject l = e.value("lora").toObject();
        l.insert("rnak", 4);
        e.insert("lora", l);
        expectConfigError(e, {}, "lora.rnak", "did you mean 'rank'");
        expectConfigError(experiment(), {"switching.alpha=1.5"}, "switching.alpha", "out of range");
        expectConfigError(experiment(), {"switching.alpha=0"}, "switching.alpha", "out of range");
        expectConfigError(experiment(), {"lora.rank=0"}, "lora.rank", "out of range");
        expectConfigError(experiment(), {"lora.rank=-3"}, "lora.rank", "out of range");
        expectConfigError(experiment(), {"lora.rank=9"}, "lora.rank", "d_model");
        expectConfigError(experiment(), {"lora.rank=\"big\""}, "lora.rank", "auto");
        expectConfigError(experiment(), {"switching.mode=hybird"}, "switching.mode", "did you mean 'hybrid'");
        expectConfigError(experiment(), {"switching.check_every=0"}, "switching.check_every", "out of range");
        expectConfigError(experiment(), {"swiching.tau_w=1"}, "swiching", "did you mean 'switching'");
        expectConfigError(experiment(), {"model.params.d_modle=4"}, "model.params.d_modle", "did you mean 'd_model'");
        expectConfigError(experiment(), {"justakey"}, "--set", "key=value");
        QVERIFY(resolve(experiment(), {"lora.rank=\"auto\""}).value("lora").toObject().value("rank").toString() == "auto");
    }

    void loraCopyMatchesAndFreezes() {
        auto plugin = host.model("testmodel");
        torch::manual_seed(1);
        auto theta = plugin->create({5, 3, 5}, {{"d_model", 8}});
        auto thetaP = plugin->create({5, 3, 5}, {{"d_model", 8}});
        copyByName(theta->module(), thetaP->module());
        LoraSpec spec;
        spec.rank = 2;
        spec.alpha = 4;
        spec.dropout = 0.1;
        spec.modulesToSave = {"embed", "decoder"};
        const auto targets = injectAdapters(thetaP->module(), spec);
        QCOMPARE(targets, (std::vector<std::string>{"layers.0.attn.q", "layers.0.attn.v"}));
        const auto x = torch::randn({4, 5, 3});
        theta->module().eval();
        thetaP->module().eval();
        QVERIFY(torch::equal(theta->forward(x), thetaP->forward(x)));  // B = 0: Θ′ ≡ Θ at creation
        thetaP->module().train();  // adapter dropout acts on B·A·x = 0: still equal
        QVERIFY(torch::allclose(theta->forward(x), thetaP->forward(x)));
        for (const auto& p : thetaP->module().named_parameters(true)) {
            const QString n = QString::fromStdString(p.key());
            const bool want = n.endsWith(".lora_A") || n.endsWith(".lora_B") || n.startsWith("embed.") || n.startsWith("decoder.");
            QVERIFY2(p.value().requires_grad() == want, qPrintable(n));
        }
        // Closed form: r·(in + out) per target + embed (3·8 + 8) + decoder (8 + 1).
        const int64_t closed = 2 * 2 * (8 + 8) + (3 * 8 + 8) + (8 + 1);
        QCOMPARE(countTrainableParameters(thetaP->module()), closed);
        QCOMPARE(expectedTrainableParameters(thetaP->module(), spec), closed);
        spec.targets = {"*.attn.z"};
        try {
            injectAdapters(theta->module(), spec);
            QFAIL("expected an error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.where()), QString("lora.targets"));
            QVERIFY2(QString(e.what()).contains("layers.0.attn.k"), e.what());
        }
    }

    void hybridRunPassesAllPhases() {
        Recorder rec;
        QTemporaryDir dir;
        Trainer t(host, resolve(experiment()), rec, {dir.path(), {}, "cpu", "t"});
        QCOMPARE(t.run(), RunStatus::Finished);
        const auto phases = rec.ofType("phase");
        QVERIFY2(phases.size() >= 2, "expected FULL → DUAL → LORA");
        QCOMPARE(phases[0].payload.value("to").toString(), QString("DUAL"));
        QCOMPARE(phases.back().payload.value("to").toString(), QString("LORA"));
        // DUAL starts at a check where both checks hold, and only then.
        const int64_t dualAt = phases[0].step;
        QCOMPARE(dualAt % 4, int64_t(0));
        for (const auto& e : rec.ofType("plateau_check")) {
            bool weightHolds = false;
            for (const auto& w : rec.ofType("weight_check"))
                if (w.step == e.step) weightHolds = w.payload.value("holds").toBool();
            const bool both = e.payload.value("holds").toBool() && weightHolds;
            QCOMPARE(both, e.step == dualAt);
        }
        // In DUAL both streams exist on the same steps; t-tests every 8 DUAL batches.
        const auto tt = rec.ofType("ttest");
        QVERIFY(!tt.empty());
        QCOMPARE(tt.front().step, dualAt + 8);
        QCOMPARE(tt.back().payload.value("decision").toString(), QString("enter_lora"));
        QVERIFY(!tt.back().payload.value("significant").toBool());
        const int64_t loraAt = phases.back().step;
        QVERIFY(rec.full.count(dualAt + 1) && rec.lora.count(dualAt + 1));
        QVERIFY(!rec.full.count(loraAt + 1) && rec.lora.count(loraAt + 1));
        QVERIFY(!rec.lora.count(1));
        QCOMPARE(rec.final.value("switch_step").toInteger(), qint64(loraAt));
        QCOMPARE(rec.final.value("evaluated").toString(), QString("theta_prime"));
        const QJsonObject test = rec.final.value("test").toObject();
        QVERIFY(test.value("rmse").toDouble() > 0);
        QCOMPARE(test.value("per_station").toObject().size(), qsizetype(5));
        QCOMPARE(rec.ofType("lr").size(), size_t(1));  // ×0.6 after epoch 2 of 4
        QCOMPARE(rec.final.value("trainable_parameters").toInteger(), qint64(2 * 2 * 16 + 32 + 9));
    }

    void intrinsicDimensionEstimatesBecomeMetrics() {
        // id.every = 8: the probe hands ΔW of every LoRA target (q, v) and the
        // encoder output of a probe batch to the worker; estimates come back as
        // metrics at the steps they describe, and training is unchanged.
        Recorder withId, without;
        QTemporaryDir d1, d2;
        const QJsonObject id{{"every", 8}, {"methods", QJsonArray{"spectrum", "twonn", "mle"}}, {"probe_samples", 40}, {"k", 5}};
        Trainer a(host, resolve(experiment({{"id", id}})), withId, {d1.path(), {}, "cpu", "a"});
        QCOMPARE(a.run(), RunStatus::Finished);
        Trainer b(host, resolve(experiment()), without, {d2.path(), {}, "cpu", "b"});
        QCOMPARE(b.run(), RunStatus::Finished);
        QCOMPARE(withId.full, without.full);  // the probe consumes no random numbers
        QCOMPARE(withId.lora, without.lora);
        QVERIFY2(withId.other.count("id.spectrum.max"), "no update-spectrum estimate was recorded");
        QVERIFY(withId.other.count("id.spectrum.layers.0.attn.q.weight"));
        QVERIFY(withId.other.count("id.spectrum.layers.0.attn.v.weight"));
        for (const auto& [step, v] : withId.other["id.spectrum.max"]) {
            QCOMPARE(step % 8, int64_t(0));
            QVERIFY(v >= 1 && v <= 8);  // a rank of an 8×8 update
        }
        QVERIFY(withId.other.count("id.twonn") || withId.other.count("id.mle"));
        for (const auto& [key, v] : without.other) QVERIFY2(key.rfind("id.", 0) != 0, key.c_str());
    }

    void resumeIsBitIdentical() {
        QJsonObject e = experiment();
        QTemporaryDir a, b;
        const int n = 20;  // the phase change happens before step 20, LORA after
        Recorder whole;
        Trainer t1(host, resolve(e, {QString("training.max_steps=%1").arg(2 * n)}), whole, {a.path(), {}, "cpu", {}});
        QCOMPARE(t1.run(), RunStatus::Finished);
        Recorder first, second;
        Trainer t2(host, resolve(e, {QString("training.max_steps=%1").arg(n)}), first, {b.path(), {}, "cpu", {}});
        QCOMPARE(t2.run(), RunStatus::Finished);
        Trainer t3(host, resolve(e, {QString("training.max_steps=%1").arg(2 * n)}), second, {{}, b.path(), "cpu", {}});
        QCOMPARE(t3.run(), RunStatus::Finished);
        QVERIFY(!whole.ofType("phase").empty());
        QCOMPARE(second.full.size() + first.full.size(), whole.full.size());
        QCOMPARE(second.lora.size() + first.lora.size(), whole.lora.size());
        for (const auto& [step, v] : whole.full) {
            const auto& src = step <= n ? first.full : second.full;
            QVERIFY2(src.count(step) && src.at(step) == v, qPrintable(QString("loss.full at step %1").arg(step)));
        }
        for (const auto& [step, v] : whole.lora) {
            const auto& src = step <= n ? first.lora : second.lora;
            QVERIFY2(src.count(step) && src.at(step) == v, qPrintable(QString("loss.lora at step %1").arg(step)));
        }
        QCOMPARE(second.final.value("test").toObject().value("mse").toDouble(),
                 whole.final.value("test").toObject().value("mse").toDouble());
    }

    // Device totals live in the checkpoint: a resumed run's modeled cost covers the whole run,
    // equal to the uninterrupted run's (it used to restart from zero). Without mapping.overlap the
    // modeled time is the sum of the roles' times (the per-step critical path is StepCoster's, tested
    // in tst_step_coster; the test model's steps run on one role per phase).
    void resumedRunKeepsItsModeledCost() {
        const QJsonObject flat{{"plugin", "testdevice"}};
        QJsonObject e = experiment({{"devices", QJsonObject{{"gpu", flat}, {"systolic", flat}, {"reram", flat}}},
                                    {"mapping", QJsonObject{{"preset", "hpt"}}}});
        QTemporaryDir a, b;
        const int n = 20;
        Recorder whole, first, second;
        Trainer t1(host, resolve(e, {QString("training.max_steps=%1").arg(2 * n)}), whole, {a.path(), {}, "cpu", {}});
        QCOMPARE(t1.run(), RunStatus::Finished);
        Trainer t2(host, resolve(e, {QString("training.max_steps=%1").arg(n)}), first, {b.path(), {}, "cpu", {}});
        QCOMPARE(t2.run(), RunStatus::Finished);
        Trainer t3(host, resolve(e, {QString("training.max_steps=%1").arg(2 * n)}), second, {{}, b.path(), "cpu", {}});
        QCOMPARE(t3.run(), RunStatus::Finished);
        QVERIFY(!whole.ofType("phase").empty());
        auto near = [](double x, double y) { return std::abs(x - y) <= 1e-12 * std::max(1.0, std::abs(y)); };
        const QJsonObject dw = whole.final.value("devices").toObject(), dr = second.final.value("devices").toObject();
        QCOMPARE(dr.keys(), dw.keys());
        double sumRoles = 0;
        for (const auto& role : dw.keys()) {
            const double ew = dw.value(role).toObject().value("energy_j").toDouble();
            QVERIFY2(near(dr.value(role).toObject().value("energy_j").toDouble(), ew), qPrintable(role));
            sumRoles += dw.value(role).toObject().value("time_s").toDouble();
        }
        const double tw = whole.final.value("modeled_time_s").toDouble();
        QVERIFY(tw > 0);
        QVERIFY(near(second.final.value("modeled_time_s").toDouble(), tw));
        QVERIFY(std::abs(tw - sumRoles) <= 1e-9 * sumRoles);  // no overlap: the sum of the roles
    }

    // A checkpoint written by the trainer before it was split into RunOptions / SwitchingRule /
    // RunCosts (data/checkpoint-format1: step 20 of 30, in DUAL, with device totals; written by
    // `hpt --batch data/checkpoint-format1/experiment.json --set training.max_steps=20`) still
    // resumes, and continues exactly as an uninterrupted run of today's trainer.
    void checkpointOfTheFirstFormatStillResumes() {
        const QString data = QStringLiteral(HPT_ENGINE_TEST_DATA) + "/checkpoint-format1";
        const QJsonObject e = loadExperimentFile(data + "/experiment.json");
        QTemporaryDir a, b;
        QVERIFY(QFile::copy(data + "/checkpoint.hpt", b.filePath("checkpoint.hpt")));
        Recorder whole, resumed;
        Trainer t1(host, resolve(e, {"training.max_steps=30"}), whole, {a.path(), {}, "cpu", {}});
        QCOMPARE(t1.run(), RunStatus::Finished);
        Trainer t2(host, resolve(e, {"training.max_steps=30"}), resumed, {{}, b.path(), "cpu", {}});
        QCOMPARE(t2.run(), RunStatus::Finished);
        QCOMPARE(resumed.ofType("resume").front().payload.value("phase").toString(), QString("DUAL"));
        QCOMPARE(resumed.final.value("steps").toInteger(), qint64(30));
        QCOMPARE(resumed.final.value("phase").toString(), whole.final.value("phase").toString());
        QCOMPARE(resumed.final.value("switch_step").toInteger(), whole.final.value("switch_step").toInteger());
        QVERIFY(!resumed.full.empty() && !resumed.lora.empty());
        for (const auto& [step, v] : resumed.full)
            QVERIFY2(step > 20 && whole.full.count(step) && whole.full.at(step) == v, qPrintable(QString("loss.full at step %1").arg(step)));
        for (const auto& [step, v] : resumed.lora)
            QVERIFY2(step > 20 && whole.lora.count(step) && whole.lora.at(step) == v, qPrintable(QString("loss.lora at step %1").arg(step)));
        QCOMPARE(resumed.final.value("test").toObject().value("mse").toDouble(),
                 whole.final.value("test").toObject().value("mse").toDouble());
        auto near = [](double x, double y) { return std::abs(x - y) <= 1e-12 * std::max(1.0, std::abs(y)); };
        const QJsonObject dw = whole.final.value("devices").toObject(), dr = resumed.final.value("devices").toObject();
        QVERIFY(!dw.isEmpty());
        QCOMPARE(dr.keys(), dw.keys());
        for (const auto& role : dw.keys())
            QVERIFY2(near(dr.value(role).toObject().value("energy_j").toDouble(), dw.value(role).toObject().value("energy_j").toDouble()),
                     qPrintable(role));
        QVERIFY(near(resumed.final.value("modeled_time_s").toDouble(), whole.final.value("modeled_time_s").toDouble()));
    }

    // Resume continues with the checkpoint's τ_loss (and plateau rule and its k), not the configuration passed in.
    void resumeKeepsTheCheckpointsTauLoss() {
        const QJsonObject e = experiment();
        QTemporaryDir dir;
        Recorder first, second;
        Trainer t1(host, resolve(e, {"training.max_steps=4", "switching.tau_loss=0.5", "switching.plateau_se=3"}), first,
                   {dir.path(), {}, "cpu", {}});
        QCOMPARE(t1.run(), RunStatus::Finished);
        Trainer t2(host,
                   resolve(e, {"training.max_steps=12", "switching.tau_loss=0.05", "switching.plateau_rule=\"literal\"",
                               "switching.plateau_se=1"}),
                   second, {{}, dir.path(), "cpu", {}});
        QCOMPARE(t2.run(), RunStatus::Finished);
        const auto checks = second.ofType("plateau_check");
        QVERIFY(!checks.empty());
        for (const auto& c : checks) {
            QCOMPARE(c.payload.value("tau").toDouble(), 0.5);
            QCOMPARE(c.payload.value("rule").toString(), QString("within_noise"));
            QCOMPARE(c.payload.value("k").toDouble(), 3.0);
        }
    }

    // keep_best survives a resume: the best validation weights travel in the checkpoint, so a run
    // stopped after its best epoch and resumed tests the same weights as the uninterrupted run
    // (before, the resumed run forgot them and tested the best of the epochs after the resume).
    // lr 0.5 makes the validation loss rise after the first epoch (8.1, 19.6, 21.5, 12.4), so the
    // best epoch lies before the resume point.
    void keepBestSurvivesResume() {
        const QStringList sets{"training.validation_fraction=0.25", "training.keep_best=true", "training.lr=0.5"};
        QTemporaryDir a, b;
        Recorder whole;
        Trainer t1(host, resolve(experiment(), sets + QStringList{"training.max_steps=48"}), whole, {a.path(), {}, "cpu", {}});
        QCOMPARE(t1.run(), RunStatus::Finished);
        const QJsonObject v = whole.final.value("validation").toObject();
        const int64_t bestStep = v.value("best_step").toInteger();
        QVERIFY2(bestStep < 48, "the test needs a best epoch before the last one; change training.lr");
        Recorder first, second;
        // Stopped half an epoch after the best one: the weights at the resume point are not the best.
        Trainer t2(host, resolve(experiment(), sets + QStringList{QString("training.max_steps=%1").arg(bestStep + 6)}), first,
                   {b.path(), {}, "cpu", {}});
        QCOMPARE(t2.run(), RunStatus::Finished);
        Trainer t3(host, resolve(experiment(), sets + QStringList{"training.max_steps=48"}), second, {{}, b.path(), "cpu", {}});
        QCOMPARE(t3.run(), RunStatus::Finished);
        const QJsonObject v2 = second.final.value("validation").toObject();
        QCOMPARE(v2.value("best_step").toInteger(), bestStep);
        QCOMPARE(v2.value("best_loss").toDouble(), v.value("best_loss").toDouble());
        QCOMPARE(second.final.value("test").toObject().value("mse").toDouble(),
                 whole.final.value("test").toObject().value("mse").toDouble());
    }

    // training.validation_fraction: the split's tail (the test dataset gives no times) is held out,
    // its loss is a per-epoch metric, and keep_best tests the best of those weights.
    void validationLossPerEpochAndKeepBest() {
        Recorder rec;
        QTemporaryDir dir;
        Trainer t(host, resolve(experiment(), {"training.validation_fraction=0.25", "training.keep_best=true"}), rec,
                  {dir.path(), {}, "cpu", {}});
        QCOMPARE(t.run(), RunStatus::Finished);
        const auto start = rec.ofType("start").front().payload;
        QCOMPARE(start.value("train_samples").toInteger(), qint64(48));
        QCOMPARE(start.value("steps_per_epoch").toInteger(), qint64(12));
        const auto& val = rec.other["val_loss"];
        QCOMPARE(val.size(), size_t(4));  // one per epoch
        double best = INFINITY;
        int64_t bestStep = -1;
        for (size_t k = 0; k < val.size(); ++k) {
            QCOMPARE(val[k].first, int64_t(12 * (k + 1)));
            if (val[k].second < best) { best = val[k].second; bestStep = val[k].first; }
        }
        const QJsonObject v = rec.final.value("validation").toObject();
        QCOMPARE(v.value("samples").toInteger(), qint64(16));
        QCOMPARE(v.value("by_time").toBool(), false);
        QCOMPARE(v.value("best_loss").toDouble(), best);
        QCOMPARE(v.value("best_step").toInteger(), qint64(bestStep));
        QVERIFY(rec.final.value("evaluated_weights").toString().contains(QString::number(bestStep)));
        QVERIFY(rec.final.value("test").toObject().value("rmse").toDouble() > 0);
        // keep_best without a validation split is a configuration error.
        expectConfigError(experiment(), {"training.keep_best=true"}, "training.keep_best", "validation_fraction");
    }

    // Warm-up + cosine: the rate is a metric that rises, then falls to lr_min; grad_clip trains normally.
    void cosineScheduleAndClipping() {
        Recorder rec;
        QTemporaryDir dir;
        Trainer t(host, resolve(experiment(), {"training.lr_schedule=\"cosine\"", "training.warmup_steps=8",
                                               "training.lr_min=0.001", "training.grad_clip=0.5", "training.max_steps=40"}),
                  rec, {dir.path(), {}, "cpu", {}});
        QCOMPARE(t.run(), RunStatus::Finished);
        const auto& lr = rec.other["lr"];
        QVERIFY(lr.size() > 10);
        QVERIFY(std::abs(lr.front().second - 1e-2 / 8) < 1e-9);
        double peak = 0;
        for (const auto& [step, v] : lr) peak = std::max(peak, v);
        QVERIFY(std::abs(peak - 1e-2) < 1e-9);
        QVERIFY(lr.back().second < 0.0015);
        QVERIFY(rec.ofType("lr").empty());  // per-step rates are metrics, not events
    }

    void residualTargetNeedsAPersistenceChannel() {
        Recorder rec;
        QTemporaryDir dir;
        Trainer t(host, resolve(experiment(), {"training.target=\"residual\""}), rec, {dir.path(), {}, "cpu", {}});
        QCOMPARE(t.run(), RunStatus::Failed);
        QCOMPARE(QString::fromStdString(t.error()->where()), QString("training.target"));
        QVERIFY2(QString(t.error()->what()).contains("persistence_feature"), t.error()->what());
    }

    void nanGuardStopsWithDiverged() {
        Recorder rec;
        QTemporaryDir dir;
        Trainer t(host, resolve(experiment(), {"training.lr=1e30", "training.optimizer=\"adam\"", "checkpoint.every=1"}), rec,
                  {dir.path(), {}, "cpu", {}});
        QCOMPARE(t.run(), RunStatus::Failed);
        QVERIFY(t.error().has_value());
        QCOMPARE(t.error()->kind(), ErrorKind::Diverged);
        const QString msg = t.error()->what();
        QVERIFY2(msg.contains("step") && msg.contains("FULL"), qPrintable(msg));
        QCOMPARE(rec.status, RunStatus::Failed);
        QCOMPARE(rec.ofType("diverged").size(), size_t(1));
        QVERIFY(Checkpoint::verify(dir.filePath(Checkpoint::kFile)).isEmpty());  // last good one kept
    }

    void stopFinishesStepAndCheckpoints() {
        Recorder rec;
        QTemporaryDir dir;
        Trainer t(host, resolve(experiment()), rec, {dir.path(), {}, "cpu", {}});
        rec.onStep = [&](int64_t s) { if (s >= 4) t.stop(); };
        QCOMPARE(t.run(), RunStatus::Stopped);
        QVERIFY(Checkpoint::verify(dir.filePath(Checkpoint::kFile)).isEmpty());
        const QJsonObject cfg = Trainer::checkpointConfig(dir.path());
        QCOMPARE(valueAt(cfg, "model.name").toString(), QString("testmodel"));
        QCOMPARE(rec.final.value("steps").toInteger(), qint64(4));  // the step in flight finished, no more
    }

    // A stop requested during setup (here: before it) is honoured there (issue 23): no step, no
    // checkpoint, nothing reported as a run; it used to train a step and write a checkpoint first.
    void stopDuringSetupEndsBeforeTheRun() {
        Recorder rec;
        QTemporaryDir dir;
        Trainer t(host, resolve(experiment()), rec, {dir.path(), {}, "cpu", {}});
        t.stop();
        QCOMPARE(t.run(), RunStatus::Interrupted);
        QVERIFY(rec.events.empty() && rec.full.empty());
        QVERIFY(!QFileInfo::exists(dir.filePath(Checkpoint::kFile)));
        QVERIFY2(!QFileInfo::exists(dir.filePath("writer.lock")), "the writer lock is released when run() ends");
        QCOMPARE(t.finalResult().value("stopped_during").toString(), QString("setup"));
    }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer.moc"
