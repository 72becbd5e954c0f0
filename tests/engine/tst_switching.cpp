// The switching rule on constructed sequences, the t-test wiring, the one-pass
// optimizer against torch::optim::AdamW, checkpoint files and evaluation metrics.
#include "engine/Checkpoint.h"
#include "engine/ConvergenceRule.h"
#include "engine/Evaluation.h"
#include "engine/Optimizer.h"
#include "engine/PhaseController.h"
#include "engine/PlateauCheck.h"
#include "engine/WeightDistanceCheck.h"
#include "stats/TTest.h"

#include <hpt/Error.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

using namespace hpt;

namespace {
// A module with one "attention layer" l.q / l.v whose q weight we move by hand.
struct Probe : torch::nn::Module {
    Probe() {
        auto l = std::make_shared<torch::nn::Module>();
        q = l->register_module("q", torch::nn::Linear(4, 4));
        v = l->register_module("v", torch::nn::Linear(4, 4));
        register_module("l", l);
    }
    torch::nn::Linear q{nullptr}, v{nullptr};
};

// Weight-distance verdict at the third check for distances d0, d1, d2.
ConvergenceVerdict weightVerdict(double d0, double d1, double d2, double tau) {
    Probe p;
    WeightDistanceCheck w(tau, {"l"});
    torch::NoGradGuard ng;
    p.q->weight[0][0] = 0.0f;
    w.start(p);
    double pos = 0;
    ConvergenceVerdict v;
    for (double d : {d0, d1, d2}) {
        pos += d;
        p.q->weight[0][0] = float(pos);  // S moves by exactly d in Frobenius norm
        v = w.check(p);
    }
    return v;
}

ConvergenceVerdict plateauVerdict(double a0, double a1, double a2, double tau, bool nonNegative = true) {
    PlateauCheck c(tau, nonNegative);
    ConvergenceVerdict v;
    for (double a : {a0, a1, a2}) {
        // A window whose average is a: a−0.1, a+0.1.
        c.addLoss(a - 0.1);
        c.addLoss(a + 0.1);
        v = c.check();
    }
    return v;
}
}  // namespace

class TestSwitching : public QObject {
    Q_OBJECT
private slots:
    void plateauHoldsWhenAllThreeConditionsHold() {
        const auto v = plateauVerdict(1.0, 0.95, 0.93, 0.1);
        QVERIFY(v.ready);
        QVERIFY(v.firstSmall && v.latestSmall && v.slowing && v.holds);
        QCOMPARE(v.v0, 1.0);
    }
    void plateauFailsOnEachCondition() {
        auto v = plateauVerdict(1.0, 0.8, 0.79, 0.1);  // first improvement 20 % ≥ τ
        QVERIFY(!v.firstSmall && v.latestSmall && v.slowing && !v.holds);
        v = plateauVerdict(1.0, 0.902, 0.807, 0.1);  // latest 10.5 % ≥ τ, though slowing
        QVERIFY(v.firstSmall && !v.latestSmall && v.slowing && !v.holds);
        v = plateauVerdict(1.0, 0.98, 0.95, 0.1);  // improvement speeds up
        QVERIFY(v.firstSmall && v.latestSmall && !v.slowing && !v.holds);
    }
    // switching.plateau_rule: a loss that rises in the latest window is a "small improvement" to the
    // reference's literal rule (a negative change is < τ), but not to the default rule.
    void plateauRuleNonNegativeAndLiteral() {
        auto v = plateauVerdict(1.0, 0.99, 1.02, 0.1, /*nonNegative=*/false);  // literal: the rise counts as small
        QVERIFY(v.firstSmall && v.latestSmall && v.slowing && v.holds);
        QVERIFY(!v.nonNegative);
        v = plateauVerdict(1.0, 0.99, 1.02, 0.1);  // default: a rising loss is not convergence
        QVERIFY(v.firstSmall && !v.latestSmall && v.slowing && !v.holds);
        QCOMPARE(v.toJson().value("rule").toString(), QString("nonnegative"));
        v = plateauVerdict(1.0, 1.03, 1.07, 0.1, false);  // a loss rising faster and faster: literal holds
        QVERIFY(v.firstSmall && v.latestSmall && v.slowing && v.holds);
        v = plateauVerdict(1.0, 1.03, 1.07, 0.1);
        QVERIFY(!v.firstSmall && !v.latestSmall && !v.holds);
        // A flat loss (zero improvement) is small and non-negative, but not slowing down.
        v = plateauVerdict(1.0, 1.0, 1.0, 0.1);
        QVERIFY(v.firstSmall && v.latestSmall && !v.slowing);
        // Decreasing, slowing losses hold under both rules.
        QVERIFY(plateauVerdict(1.0, 0.95, 0.93, 0.1).holds && plateauVerdict(1.0, 0.95, 0.93, 0.1, false).holds);
        // The option, as the configuration spells it.
        QCOMPARE(SwitchingOptions::fromJson({}).plateauRule, QString("nonnegative"));
        QCOMPARE(SwitchingOptions::fromJson({{"plateau_rule", "literal"}}).plateauRule, QString("literal"));
    }
    void plateauNeedsThreeWindows() {
        PlateauCheck c(0.1);
        c.addLoss(1);
        QVERIFY(!c.check().ready);
        c.addLoss(1);
        QVERIFY(!c.check().ready);
        c.addLoss(1);
        QVERIFY(c.check().ready);
    }
    void weightHoldsAndFailsOnEachCondition() {
        auto v = weightVerdict(1.0, 0.995, 0.994, 0.01);
        QVERIFY2(v.holds, qPrintable(QString("%1 %2 %3").arg(v.v0).arg(v.v1).arg(v.v2)));
        QVERIFY(std::abs(v.v1 - 0.995) < 1e-6);
        v = weightVerdict(1.0, 0.98, 0.979, 0.01);
        QVERIFY(!v.firstSmall && v.latestSmall && v.slowing && !v.holds);
        v = weightVerdict(1.0, 0.99005, 0.98012, 0.01);
        QVERIFY(v.firstSmall && !v.latestSmall && v.slowing && !v.holds);
        v = weightVerdict(1.0, 0.995, 0.989, 0.01);
        QVERIFY(v.firstSmall && v.latestSmall && !v.slowing && !v.holds);
    }
    void weightCheckNamesMissingLayer() {
        Probe p;
        WeightDistanceCheck w(0.01, {"nope"});
        try {
            w.start(p);
            QFAIL("expected an error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.where()), QString("switching.monitored_layers"));
        }
    }

    void controllerSchedulesChecksAndEntersDual() {
        SwitchingOptions o;
        o.checkEvery = 10;
        o.minSteps = 25;
        PhaseController c(o);
        QVERIFY(!c.checkDue(10) && !c.checkDue(20) && !c.checkDue(29));
        QVERIFY(c.checkDue(30));
        ConvergenceVerdict yes, no;
        yes.ready = yes.holds = true;
        no.ready = true;
        QCOMPARE(c.onCheck(yes, no), SwitchAction::None);
        QCOMPARE(c.onCheck(no, yes), SwitchAction::None);
        QCOMPARE(c.phase(), Phase::Full);
        QCOMPARE(c.onCheck(yes, yes), SwitchAction::EnterDual);
        QCOMPARE(c.phase(), Phase::Dual);
        QVERIFY(!c.checkDue(40));
    }
    void baselinesNeverSwitch() {
        SwitchingOptions o;
        o.mode = "full";
        PhaseController f(o);
        ConvergenceVerdict yes;
        yes.ready = yes.holds = true;
        QCOMPARE(f.onCheck(yes, yes), SwitchAction::None);
        o.mode = "lora";
        QCOMPARE(PhaseController(o).phase(), Phase::Lora);
    }
    void tTestDecisionWiring() {
        SwitchingOptions o;
        o.ttestWindow = 5;
        o.maxDualAttempts = 2;
        PhaseController c(o);
        ConvergenceVerdict yes;
        yes.ready = yes.holds = true;
        c.onCheck(yes, yes);
        // Window of 5 pairs; far apart means → significant → rebuild Θ′.
        const std::vector<double> a{1, 2, 3, 4, 5}, far{11, 12, 13, 14, 15}, near{1.5, 2.5, 3.5, 4.5, 5.5};
        for (int i = 0; i < 4; ++i) QVERIFY(!c.addDualLosses(a[i], far[i]));
        QVERIFY(c.addDualLosses(a[4], far[4]));
        auto r = tTest(c.windowFull(), c.windowLora(), o.alpha, o.welch);
        QCOMPARE(r.t, -10.0);  // mean diff −10, pooled s² = 2.5, se = √(2·2.5/5) = 1
        QCOMPARE(c.onTTest(r), SwitchAction::RebuildAdapters);
        QCOMPARE(c.phase(), Phase::Dual);
        QVERIFY(c.windowFull().empty());
        // t = −0.5 with df = 8: no significant difference → LORA.
        for (int i = 0; i < 5; ++i) c.addDualLosses(a[i], near[i]);
        r = tTest(c.windowFull(), c.windowLora(), o.alpha, o.welch);
        QCOMPARE(r.t, -0.5);
        QCOMPARE(r.df, 8.0);
        QCOMPARE(c.onTTest(r), SwitchAction::EnterLora);
        QCOMPARE(c.phase(), Phase::Lora);
    }
    void maxDualAttemptsGivesUp() {
        SwitchingOptions o;
        o.ttestWindow = 5;
        o.maxDualAttempts = 1;
        PhaseController c(o);
        ConvergenceVerdict yes;
        yes.ready = yes.holds = true;
        c.onCheck(yes, yes);
        for (double x : {1, 2, 3, 4, 5}) c.addDualLosses(x, x + 10);
        QCOMPARE(c.onTTest(tTest(c.windowFull(), c.windowLora(), 0.01, false)), SwitchAction::GiveUpDual);
        QCOMPARE(c.phase(), Phase::Full);
        QVERIFY(!c.checkDue(365));
        // Controller state survives a checkpoint round trip.
        PhaseController d(o);
        d.restore(c.state());
        QCOMPARE(d.phase(), Phase::Full);
        QVERIFY(d.gaveUp());
        QCOMPARE(d.dualAttempts(), 1);
    }

    void flatAdamMatchesTorchAdamW() {
        for (bool decoupled : {true, false}) {
            torch::manual_seed(3);
            torch::nn::Linear a(6, 5), b(6, 5);
            {
                torch::NoGradGuard ng;
                b->weight.copy_(a->weight);
                b->bias.copy_(a->bias);
            }
            b->bias.set_requires_grad(false);  // frozen: no state, untouched
            a->bias.set_requires_grad(false);
            const torch::Tensor biasBefore = b->bias.clone(), w0 = b->weight.detach().clone();
            AdamOptions o;
            o.lr = 1e-2;
            o.weightDecay = 0.1;
            o.decoupled = decoupled;
            FlatAdam mine(*b, o);
            QCOMPARE(mine.numel(), int64_t(30));
            std::unique_ptr<torch::optim::Optimizer> ref;
            if (decoupled)
                ref = std::make_unique<torch::optim::AdamW>(std::vector<torch::Tensor>{a->weight},
                                                            torch::optim::AdamWOptions(1e-2).weight_decay(0.1));
            else
                ref = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{a->weight},
                                                           torch::optim::AdamOptions(1e-2).weight_decay(0.1));
            for (int s = 0; s < 20; ++s) {
                const auto x = torch::randn({8, 6}), y = torch::randn({8, 5});
                ref->zero_grad();
                torch::mse_loss(a(x), y).backward();
                ref->step();
                torch::mse_loss(b(x), y).backward();
                mine.step(1e-2);
            }
            const double diff = (a->weight - b->weight).abs().max().item<double>();
            QVERIFY2(diff < 1e-5, qPrintable(QString("max |Δw| = %1 (decoupled %2)").arg(diff).arg(decoupled)));
            QVERIFY((b->weight - w0).abs().max().item<double>() > 1e-3);  // it did train
            QVERIFY(torch::equal(b->bias, biasBefore));
        }
    }

    void checkpointRoundTripAndCorruption() {
        QTemporaryDir dir;
        const auto t1 = torch::arange(5, torch::kFloat32), t2 = torch::ones({2, 2});
        Checkpoint::write(dir.path(), {{"step", 1}}, [&](torch::serialize::OutputArchive& a) { a.write("x", t1); });
        Checkpoint::write(dir.path(), {{"step", 2}}, [&](torch::serialize::OutputArchive& a) { a.write("x", t2); });
        auto d = Checkpoint::read(dir.path());
        QCOMPARE(d.state.value("step").toInt(), 2);
        QVERIFY(d.rejected.isEmpty());
        torch::Tensor x;
        d.tensors.read("x", x);
        QVERIFY(torch::equal(x, t2));
        // Flip one byte of the newest file: reported, and the previous one is used.
        const QString f = dir.filePath(Checkpoint::kFile);
        QFile file(f);
        QVERIFY(file.open(QIODevice::ReadWrite));
        file.seek(20);
        char c;
        file.getChar(&c);
        file.seek(20);
        file.putChar(char(c ^ 0x5a));
        file.close();
        QVERIFY(Checkpoint::verify(f).contains("checksum"));
        d = Checkpoint::read(dir.path());
        QCOMPARE(d.state.value("step").toInt(), 1);
        QVERIFY(d.rejected.contains("checksum"));
        d.tensors.read("x", x);
        QVERIFY(torch::equal(x, t1));
        QFile::remove(dir.filePath(Checkpoint::kPrevious));
        try {
            Checkpoint::read(dir.path());
            QFAIL("expected an error");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Data);
        }
    }

    void evaluationMetricsOnHandCase() {
        const auto pred = torch::tensor({1.0, 2.0, 3.0, 4.0}).view({2, 2});
        const auto truth = torch::tensor({1.0, 3.0, 2.0, 4.0}).view({2, 2});
        const QJsonObject r = regressionReport(pred, truth, {"A", "B"});
        // errors 0, −1, 1, 0; truth mean 2.5, SS_tot = 5, SS_res = 2.
        QCOMPARE(r.value("mse").toDouble(), 0.5);
        QCOMPARE(r.value("mae").toDouble(), 0.5);
        QVERIFY(std::abs(r.value("rmse").toDouble() - std::sqrt(0.5)) < 1e-12);
        QVERIFY(r.contains("r2"));  // its definition belongs to core/stats (statistics.md)
        QVERIFY(std::abs(r.value("nse").toDouble() - 0.6) < 1e-12);
        // Station A: pred (1, 3), truth (1, 2): SS_res 1, SS_tot 0.5 → NSE −1.
        const QJsonObject a = r.value("per_station").toObject().value("A").toObject();
        QCOMPARE(a.value("mse").toDouble(), 0.5);
        QVERIFY(std::abs(a.value("nse").toDouble() + 1.0) < 1e-12);
    }
};

QTEST_GUILESS_MAIN(TestSwitching)
#include "tst_switching.moc"
