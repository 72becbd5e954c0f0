// SwitchingRule: the whole switching rule (plateau check, weight-distance check, t-test,
// phase) behind afterStep(), and its state round trip through a checkpoint.
#include "engine/SwitchingRule.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>
#include <cmath>

using namespace hpt;

namespace {
// A module with one "attention layer" l.q / l.v.
struct Probe : torch::nn::Module {
    Probe() {
        auto l = std::make_shared<torch::nn::Module>();
        q = l->register_module("q", torch::nn::Linear(4, 4));
        v = l->register_module("v", torch::nn::Linear(4, 4));
        register_module("l", l);
    }
    torch::nn::Linear q{nullptr}, v{nullptr};
};

SwitchingOptions options() {
    SwitchingOptions o;
    o.checkEvery = 2;
    o.ttestWindow = 4;
    o.tauLoss = 0.5;
    o.tauW = 0.9;
    return o;
}

// The weights after `step` steps: q[0][0] moves by 1/i at step i, so the distances between
// checks shrink and slow down.
void moveTo(Probe& p, int64_t step) {
    double pos = 0;
    for (int64_t i = 1; i <= step; ++i) pos += 1.0 / double(i);
    torch::NoGradGuard ng;
    p.q->weight[0][0] = float(pos);
}

// Losses of step `step`: a decaying FULL loss, and a LoRA loss that wobbles around it.
double lossFull(int64_t step) { return 1.0 / (1.0 + 0.1 * double(step)); }
double lossLora(int64_t step) { return lossFull(step) + (step % 2 ? 1e-3 : -1e-3); }

// What a step decided and reported, comparable between two rules.
QString outcome(const SwitchStep& s) {
    QString out = toString(s.action);
    for (const auto& [type, payload] : s.events)
        out += " " + QString::fromStdString(type) + QJsonDocument(payload).toJson(QJsonDocument::Compact);
    return out;
}

SwitchStep step(SwitchingRule& r, Probe& p, int64_t i) {
    moveTo(p, i);
    const bool full = r.phase() != Phase::Lora, lora = r.phase() != Phase::Full;
    return r.afterStep(i, full ? lossFull(i) : NAN, lora ? lossLora(i) : NAN, &p);
}

// The state as a checkpoint stores it: JSON text.
QJsonObject throughText(const QJsonObject& o) { return QJsonDocument::fromJson(QJsonDocument(o).toJson()).object(); }
}  // namespace

class TestSwitchingRule : public QObject {
    Q_OBJECT
private slots:
    // The sequence this test relies on: FULL → DUAL at the third check (step 6), LORA at the
    // first full t-test window (step 10); tau_loss and tau_w are the options'.
    void runsThroughThePhases() {
        Probe p;
        SwitchingRule r(options());
        r.start({"l"}, &p);
        int64_t dual = -1, lora = -1;
        for (int64_t i = 1; i <= 12; ++i) {
            const SwitchStep s = step(r, p, i);
            if (s.action == SwitchAction::EnterDual) dual = i;
            if (s.action == SwitchAction::EnterLora) lora = i;
            for (const auto& [type, payload] : s.events) {
                if (type == "plateau_check") QCOMPARE(payload.value("tau").toDouble(), 0.5);
                if (type == "weight_check") QCOMPARE(payload.value("tau").toDouble(), 0.9);
            }
        }
        QCOMPARE(dual, int64_t(6));
        QCOMPARE(lora, int64_t(10));
        QCOMPARE(r.phase(), Phase::Lora);
    }

    // Restored mid-FULL (an open plateau window, two distances, a snapshot) and mid-DUAL (a
    // partly filled t-test window), a rule decides and reports every later step exactly as
    // the rule it was saved from.
    void stateRoundTrip() {
        for (const int64_t at : {int64_t(3), int64_t(5), int64_t(8)}) {
            Probe p;
            SwitchingRule a(options());
            a.start({"l"}, &p);
            for (int64_t i = 1; i <= at; ++i) step(a, p, i);
            const QJsonObject saved = throughText(a.state());
            const torch::Tensor snapshot = a.weightSnapshot().clone().to(torch::kFloat32);  // as stored

            SwitchingRule b(options());
            b.start({"l"}, &p);  // setup takes a snapshot of the weights it starts from ...
            b.restore(saved, snapshot);  // ... which the checkpoint's replaces
            QCOMPARE(b.phase(), a.phase());
            QCOMPARE(QJsonDocument(b.state()).toJson(), QJsonDocument(a.state()).toJson());
            QVERIFY(torch::equal(b.weightSnapshot(), a.weightSnapshot()));
            // Without the restore, a rule starting here would decide differently.
            SwitchingRule fresh(options());
            fresh.start({"l"}, &p);
            bool freshDiffers = false;
            for (int64_t i = at + 1; i <= 12; ++i) {
                const QString x = outcome(step(a, p, i)), y = outcome(step(b, p, i)), z = outcome(step(fresh, p, i));
                QVERIFY2(x == y, qPrintable(QString("restored at %1, step %2:\n%3\n%4").arg(at).arg(i).arg(x, y)));
                freshDiffers = freshDiffers || z != x;
            }
            QVERIFY(freshDiffers);
            QCOMPARE(b.phase(), a.phase());
        }
    }

    // The plateau check's standard errors travel in the state; a state written before they were
    // kept (no "plateau_standard_errors" / "plateau_sum_sq") restores with noiseless windows, and a
    // rule restored from it judges as the non-negative rule on the same means would.
    void stateCarriesThePlateauNoise() {
        Probe p;
        SwitchingRule a(options());
        a.start({"l"}, &p);
        for (int64_t i = 1; i <= 5; ++i) step(a, p, i);
        const QJsonObject s = throughText(a.state());
        const QJsonArray errors = s.value("plateau_standard_errors").toArray();
        QCOMPARE(errors.size(), s.value("plateau_averages").toArray().size());
        QVERIFY(errors.size() == 2 && errors[0].toDouble() > 0);  // two losses per window, different
        QVERIFY(s.value("plateau_sum_sq").toDouble() > 0);        // step 5 opened the third window

        QJsonObject old = s;
        old.remove("plateau_standard_errors");
        old.remove("plateau_sum_sq");
        SwitchingRule b(options());
        b.start({"l"}, &p);
        b.restore(old, a.weightSnapshot());
        const QJsonObject restored = b.state();
        for (const auto& e : restored.value("plateau_standard_errors").toArray()) QCOMPARE(e.toDouble(), 0.0);
        QCOMPARE(restored.value("plateau_averages"), s.value("plateau_averages"));
        const SwitchStep at6 = step(b, p, 6);
        QCOMPARE(at6.events.front().first, std::string("plateau_check"));
        const QJsonObject pv = at6.events.front().second;
        QCOMPARE(pv.value("se0").toDouble(), 0.0);
        QCOMPARE(pv.value("se1").toDouble(), 0.0);
        QVERIFY(pv.value("se2").toDouble() > 0);  // the window closed after the restore has its own
    }

    // A plateau rule the options misspell is a configuration error naming the key.
    void unknownPlateauRuleIsAConfigError() {
        SwitchingOptions o = options();
        o.plateauRule = "nonneg";
        try {
            SwitchingRule r(o);
            QFAIL("expected an error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.where()), QString("switching.plateau_rule"));
        }
    }

    // A checkpoint without a weight snapshot (the "lora" baseline never takes one) restores too.
    void restoreWithoutSnapshot() {
        SwitchingOptions o = options();
        o.mode = "lora";
        SwitchingRule a(o);
        a.start({"l"}, nullptr);
        QCOMPARE(a.phase(), Phase::Lora);
        QVERIFY(!a.weightSnapshot().defined());
        SwitchingRule b(o);
        b.restore(throughText(a.state()), torch::Tensor());
        QCOMPARE(b.phase(), Phase::Lora);
        QVERIFY(!b.weightSnapshot().defined());
    }

    void monitoredLayersDefaultToTheLast() {
        SwitchingOptions o;
        QCOMPARE(SwitchingRule::monitoredLayers(o, {"a", "b"}, "m"), (std::vector<std::string>{"b"}));
        o.monitoredLayers = {"all"};
        QCOMPARE(SwitchingRule::monitoredLayers(o, {"a", "b"}, "m"), (std::vector<std::string>{"a", "b"}));
        o.monitoredLayers = {"a"};
        QCOMPARE(SwitchingRule::monitoredLayers(o, {"a", "b"}, "m"), (std::vector<std::string>{"a"}));
        try {
            SwitchingRule::monitoredLayers(SwitchingOptions{}, {}, "m");
            QFAIL("expected an error");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Plugin);
        }
    }
};

QTEST_GUILESS_MAIN(TestSwitchingRule)
#include "tst_switching_rule.moc"
