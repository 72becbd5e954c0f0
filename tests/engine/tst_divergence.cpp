// The divergence policy (resources/docs/engine.md, "Divergence"): an exploding
// gradient (global norm above divergence.max_grad_norm) stops the run as
// Diverged naming step and phase; with policy "rollback" the run reloads its
// last checkpoint, scales the learning rate by divergence.lr_factor and goes on,
// until divergence.max_rollbacks is used up. The spikes come from the
// faultymodel test plugin, whose n-th training forward scales its output by 1e6.
#include "config/Experiment.h"
#include "engine/Checkpoint.h"
#include "engine/Trainer.h"
#include "plugin/PluginHost.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>
#include <map>

using namespace hpt;

namespace {

struct Recorder : RunSink {
    std::map<int64_t, double> full, lr;
    std::vector<RunEvent> events;
    QJsonObject final;
    RunStatus status = RunStatus::Running;
    void metrics(const std::vector<MetricPoint>& m) override {
        for (const auto& p : m) {
            if (p.key == "loss.full") full[p.step] = p.value;
            if (p.key == "lr") lr[p.step] = p.value;
        }
    }
    void event(const RunEvent& e) override { events.push_back(e); }
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

// FULL training only (one forward per step), checkpoints every 5 steps, 20 steps.
QJsonObject experiment(const QJsonObject& modelParams, const QJsonObject& divergence) {
    return QJsonObject{{"model", QJsonObject{{"name", "faultymodel"}, {"params", modelParams}}},
                       {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 64}}}}},
                       {"devices", QJsonObject{}},
                       {"training", QJsonObject{{"epochs", 100}, {"max_steps", 20}, {"lr", 1e-2}, {"batch_size", 4}}},
                       {"switching", QJsonObject{{"mode", "full"}, {"check_every", 4}}},
                       {"checkpoint", QJsonObject{{"every", 5}}},
                       {"divergence", divergence}};
}

}  // namespace

class TestDivergence : public QObject {
    Q_OBJECT
    PluginHost host;

    QJsonObject resolve(const QJsonObject& e, const QStringList& sets = {}) { return resolveExperiment(e, host, sets); }

private slots:
    void initTestCase() {
        host.loadFrom({HPT_TEST_PLUGIN_DIR, HPT_FAULTY_PLUGIN_DIR});
        QVERIFY2(host.find(PluginKind::Model, "faultymodel"), "the faultymodel test plugin is not built");
    }

    void defaultsAndValidation() {
        const QJsonObject c = resolve(experiment({}, {}));
        QCOMPARE(valueAt(c, "divergence.policy").toString(), QString("stop"));
        QCOMPARE(valueAt(c, "divergence.max_grad_norm").toDouble(), 1e4);
        QCOMPARE(valueAt(c, "divergence.lr_factor").toDouble(), 0.5);
        QCOMPARE(valueAt(c, "divergence.max_rollbacks").toInt(), 3);
        auto expect = [&](const QString& set, const QString& where, const QString& words) {
            try {
                resolve(experiment({}, {}), {set});
                QFAIL(qPrintable("accepted " + set));
            } catch (const Error& e) {
                QCOMPARE(e.kind(), ErrorKind::Config);
                QCOMPARE(QString::fromStdString(e.where()), where);
                QVERIFY2(QString(e.what()).contains(words), e.what());
            }
        };
        expect("divergence.policy=rolback", "divergence.policy", "did you mean 'rollback'");
        expect("divergence.max_grad_norm=-1", "divergence.max_grad_norm", "out of range");
        expect("divergence.max_grad_norm=\"big\"", "divergence.max_grad_norm", "expected a number");
        expect("divergence.lr_factor=1", "divergence.lr_factor", "out of range");
        expect("divergence.lr_factor=0", "divergence.lr_factor", "out of range");
        expect("divergence.max_rollbacks=-1", "divergence.max_rollbacks", "out of range");
        expect("divergence.max_rollbacks=1.5", "divergence.max_rollbacks", "integer");
        expect("divergence.max_grad_nrom=3", "divergence.max_grad_nrom", "did you mean 'max_grad_norm'");
    }

    void explodingGradientStopsWithDiverged() {
        Recorder rec;
        QTemporaryDir dir;
        Trainer t(host, resolve(experiment({{"spike_at", 7}, {"tag", "stop"}}, {{"max_grad_norm", 1000}})), rec,
                  {dir.path(), {}, "cpu", {}});
        QCOMPARE(t.run(), RunStatus::Failed);
        QVERIFY(t.error().has_value());
        QCOMPARE(t.error()->kind(), ErrorKind::Diverged);
        const QString msg = t.error()->what();
        QVERIFY2(msg.contains("step 7") && msg.contains("FULL phase") && msg.contains("gradient norm") &&
                     msg.contains("divergence.max_grad_norm = 1000") && msg.contains(dir.path()),
                 qPrintable(msg));
        QCOMPARE(rec.status, RunStatus::Failed);
        const auto d = rec.ofType("diverged");
        QCOMPARE(d.size(), size_t(1));
        QCOMPARE(d[0].step, int64_t(7));
        QCOMPARE(d[0].payload.value("action").toString(), QString("stop"));
        QVERIFY(d[0].payload.value("grad_norm").toDouble() > 1000);
        QVERIFY(!rec.full.count(7));  // the diverged step is not recorded as a loss
        // The last good checkpoint (step 5) is kept and valid.
        QCOMPARE(Checkpoint::read(dir.path()).state.value("step").toInteger(), qint64(5));
    }

    void offMeansNoGradientCheck() {
        Recorder rec;
        QTemporaryDir dir;
        // The same spike with the check off: the loss is huge but finite, so the run finishes.
        Trainer t(host, resolve(experiment({{"spike_at", 7}, {"tag", "off"}}, {{"max_grad_norm", 0}})), rec,
                  {dir.path(), {}, "cpu", {}});
        QCOMPARE(t.run(), RunStatus::Finished);
        QVERIFY(rec.ofType("diverged").empty());
        QVERIFY(rec.full.at(7) > 1e6);
    }

    void rollbackRestoresCheckpointAndFinishes() {
        // Reference: the same run without a spike.
        Recorder ref;
        QTemporaryDir d0;
        Trainer t0(host, resolve(experiment({{"tag", "ref"}}, {})), ref, {d0.path(), {}, "cpu", {}});
        QCOMPARE(t0.run(), RunStatus::Finished);

        Recorder rec;
        QTemporaryDir dir;
        Trainer t(host, resolve(experiment({{"spike_at", 7}, {"tag", "rollback"}},
                                           {{"policy", "rollback"}, {"max_grad_norm", 1000}, {"lr_factor", 0.25}})),
                  rec, {dir.path(), {}, "cpu", {}});
        QCOMPARE(t.run(), RunStatus::Finished);
        QCOMPARE(rec.final.value("steps").toInteger(), qint64(20));
        const auto d = rec.ofType("diverged");
        QCOMPARE(d.size(), size_t(1));
        QCOMPARE(d[0].payload.value("action").toString(), QString("rollback"));
        const auto rb = rec.ofType("rollback");
        QCOMPARE(rb.size(), size_t(1));
        QCOMPARE(rb[0].payload.value("from_step").toInteger(), qint64(7));
        QCOMPARE(rb[0].payload.value("to_step").toInteger(), qint64(5));
        QCOMPARE(rb[0].payload.value("lr_from").toDouble(), 1e-2);
        QCOMPARE(rb[0].payload.value("lr_to").toDouble(), 1e-2 * 0.25);
        QCOMPARE(rb[0].payload.value("rollback").toInt(), 1);
        // Steps 1..5 are the reference's; step 6 is computed on the checkpoint's weights (the loss
        // comes before the update, so the new rate does not show yet); from step 7 the smaller rate does.
        for (int64_t s = 1; s <= 6; ++s)
            QVERIFY2(rec.full.at(s) == ref.full.at(s), qPrintable(QString("step %1: %2 vs %3").arg(s).arg(rec.full.at(s)).arg(ref.full.at(s))));
        QVERIFY(rec.full.at(8) != ref.full.at(8));
        QVERIFY(rec.full.at(20) < 1e3);  // trained on normally
        QCOMPARE(rec.lr.rbegin()->second, 1e-2 * 0.25);
        // The scale and the count are part of the checkpoint, so a resumed run keeps them.
        const QJsonObject st = Checkpoint::read(dir.path()).state;
        QCOMPARE(st.value("lr_scale").toDouble(), 0.25);
        QCOMPARE(st.value("rollbacks").toInt(), 1);
        QCOMPARE(st.value("lr").toDouble(), 1e-2 * 0.25);
    }

    void rollbackBeforeFirstCheckpointUsesTheStart() {
        Recorder rec;
        QTemporaryDir dir;
        Trainer t(host, resolve(experiment({{"spike_at", 2}, {"tag", "early"}},
                                           {{"policy", "rollback"}, {"max_grad_norm", 1000}})),
                  rec, {dir.path(), {}, "cpu", {}});
        QCOMPARE(t.run(), RunStatus::Finished);
        const auto rb = rec.ofType("rollback");
        QCOMPARE(rb.size(), size_t(1));
        QCOMPARE(rb[0].payload.value("to_step").toInteger(), qint64(0));
    }

    void tooManyRollbacksStop() {
        Recorder rec;
        QTemporaryDir dir;
        // From the 7th training forward on, every forward spikes: two rollbacks, then stop.
        Trainer t(host, resolve(experiment({{"spike_at", 7}, {"spike_count", 1000000}, {"tag", "many"}},
                                           {{"policy", "rollback"}, {"max_grad_norm", 1000}, {"max_rollbacks", 2}})),
                  rec, {dir.path(), {}, "cpu", {}});
        QCOMPARE(t.run(), RunStatus::Failed);
        QCOMPARE(t.error()->kind(), ErrorKind::Diverged);
        const QString msg = t.error()->what();
        QVERIFY2(msg.contains("after 2 rollback(s)") && msg.contains("divergence.max_rollbacks = 2") &&
                     msg.contains("FULL phase"),
                 qPrintable(msg));
        QCOMPARE(rec.ofType("rollback").size(), size_t(2));
        const auto d = rec.ofType("diverged");
        QCOMPARE(d.size(), size_t(3));
        QCOMPARE(d.back().payload.value("action").toString(), QString("stop"));
        QCOMPARE(rec.status, RunStatus::Failed);
        QVERIFY(Checkpoint::verify(dir.filePath(Checkpoint::kFile)).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDivergence)
#include "tst_divergence.moc"
