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
#include <array>
#include <cmath>
#include <functional>
#include <random>

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

// Plateau verdict at the last check of windows averaging a0, a1, a2 (each window: a−0.1, a+0.1,
// so its standard error is 0.1), after a first window averaging `start` (none when NaN).
ConvergenceVerdict plateauVerdict(double a0, double a1, double a2, double tau, PlateauRule rule = PlateauRule::NonNegative,
                                  double start = NAN) {
    PlateauCheck c(tau, rule);
    ConvergenceVerdict v;
    std::vector<double> windows{a0, a1, a2};
    if (!std::isnan(start)) windows.insert(windows.begin(), start);
    for (double a : windows) {
        c.addLoss(a - 0.1);
        c.addLoss(a + 0.1);
        v = c.check();
    }
    return v;
}

// A loss series as the plateau check sees it: `windows` windows of `n` batches, batch i's
// loss level(i) plus Gaussian noise of standard deviation `sd` (fixed seed). Returns every
// verdict from the third check on.
std::vector<ConvergenceVerdict> plateauSeries(PlateauRule rule, int windows, int n, double sd, uint32_t seed,
                                              const std::function<double(int)>& level, double tau = 0.1) {
    PlateauCheck c(tau, rule, 2.0);
    std::mt19937 gen(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<ConvergenceVerdict> out;
    for (int w = 0; w < windows; ++w) {
        for (int b = 0; b < n; ++b) c.addLoss(level(w * n + b) + sd * noise(gen));
        const ConvergenceVerdict v = c.check();
        if (v.ready) out.push_back(v);
    }
    return out;
}

// Fraction of verdicts that hold.
double heldFraction(const std::vector<ConvergenceVerdict>& vs) {
    double n = 0;
    for (const auto& v : vs) n += v.holds;
    return vs.empty() ? 0.0 : n / double(vs.size());
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
        const auto literal = PlateauRule::Literal;
        auto v = plateauVerdict(1.0, 0.99, 1.02, 0.1, literal);  // literal: the rise counts as small
        QVERIFY(v.firstSmall && v.latestSmall && v.slowing && v.holds);
        QVERIFY(v.rule == PlateauRule::Literal);
        v = plateauVerdict(1.0, 0.99, 1.02, 0.1);  // nonnegative: a rising loss is not convergence
        QVERIFY(v.firstSmall && !v.latestSmall && v.slowing && !v.holds);
        QCOMPARE(v.toJson().value("rule").toString(), QString("nonnegative"));
        v = plateauVerdict(1.0, 1.03, 1.07, 0.1, literal);  // a loss rising faster and faster: literal holds
        QVERIFY(v.firstSmall && v.latestSmall && v.slowing && v.holds);
        v = plateauVerdict(1.0, 1.03, 1.07, 0.1);
        QVERIFY(!v.firstSmall && !v.latestSmall && !v.holds);
        // A flat loss (zero improvement) is small and non-negative, but not slowing down.
        v = plateauVerdict(1.0, 1.0, 1.0, 0.1);
        QVERIFY(v.firstSmall && v.latestSmall && !v.slowing);
        // Decreasing, slowing losses hold under both rules.
        QVERIFY(plateauVerdict(1.0, 0.95, 0.93, 0.1).holds && plateauVerdict(1.0, 0.95, 0.93, 0.1, literal).holds);
        // The option, as the configuration spells it (the default is the next test's rule).
        QCOMPARE(SwitchingOptions::fromJson({}).plateauRule, QString("within_noise"));
        QCOMPARE(SwitchingOptions::fromJson({}).plateauSe, 2.0);
        QCOMPARE(SwitchingOptions::fromJson({{"plateau_rule", "literal"}}).plateauRule, QString("literal"));
        for (const char* name : {"within_noise", "nonnegative", "literal"}) {
            PlateauRule r;
            QVERIFY(parsePlateauRule(name, &r));
            QCOMPARE(QString(toString(r)), QString(name));
        }
        PlateauRule r;
        QVERIFY(!parsePlateauRule("non-negative", &r));
    }

    // The default rule, within_noise, on hand-made windows (each with standard error 0.1, so a
    // step-to-step difference has SE 0.141 and k = 2 tolerates 0.283).
    void plateauRuleWithinNoiseOnHandCases() {
        const auto noise = PlateauRule::WithinNoise;
        PlateauCheck c(0.1, noise, 2.0);
        for (double a : {1.0, 0.99, 1.02}) {
            c.addLoss(a - 0.1);
            c.addLoss(a + 0.1);
            c.check();
        }
        QCOMPARE(c.standardErrors().size(), size_t(3));
        for (double se : c.standardErrors()) QVERIFY(std::abs(se - 0.1) < 1e-12);
        // (Each within_noise case below starts with a window at 2.0: the loss has fallen to ~1.)
        // A latest rise of 0.03 is well inside the windows' noise: it is read as flat.
        auto v = plateauVerdict(1.0, 0.99, 1.02, 0.1, noise, 2.0);
        QVERIFY(v.firstSmall && v.latestSmall && v.slowing && v.fallen && v.holds && !v.rising);
        QCOMPARE(v.toJson().value("rule").toString(), QString("within_noise"));
        QCOMPARE(v.toJson().value("se1").toDouble(), v.se1);
        QCOMPARE(v.toJson().value("k").toDouble(), 2.0);
        QCOMPARE(v.toJson().value("first").toDouble(), 2.0);
        QVERIFY(v.toJson().value("fallen").toBool());
        // A rise the windows resolve: 0.3 > 0.283 between the last two windows ...
        v = plateauVerdict(1.0, 0.99, 1.29, 0.1, noise, 2.0);
        QVERIFY(v.rising && !v.latestSmall && !v.holds);
        // ... and a slow rise that no single step resolves but the span does (0.2 per step,
        // 0.4 > 0.283 from the first to the third window). The literal rule takes it as slowing.
        v = plateauVerdict(1.0, 1.2, 1.4, 0.1, noise, 2.0);
        QVERIFY(v.rising && !v.firstSmall && !v.latestSmall && !v.holds);
        // A loss rising faster and faster, which the literal rule accepts, is refused.
        QVERIFY(plateauVerdict(1.0, 1.05, 1.4, 0.1, PlateauRule::Literal).holds);
        QVERIFY(!plateauVerdict(1.0, 1.05, 1.4, 0.1, noise, 2.0).holds);
        // A still-falling loss (an improvement ≥ τ) is refused however noisy the windows are.
        v = plateauVerdict(1.0, 0.85, 0.80, 0.1, noise, 2.0);
        QVERIFY(!v.firstSmall && v.latestSmall && !v.holds);
        // A fall that speeds up (improvements 0.01, then 0.09: a speed-up of 0.08) is within the
        // noise of these windows (2·√(0.1² + 4·0.1² + 0.1²) = 0.49), so it does not count against
        // slowing; windows ten times tighter (se 0.01, tolerance 0.049) resolve it.
        QVERIFY(plateauVerdict(1.0, 0.99, 0.90, 0.1, noise, 2.0).slowing);
        auto tight = convergenceRuleWithinNoise(1.0, 0.99, 0.90, 0.01, 0.01, 0.01, 0.1, 2.0, 2.0, 0.01);
        QVERIFY(tight.firstSmall && tight.latestSmall && !tight.slowing && !tight.holds);
        // Without noise it is the non-negative rule (slowing read as "not speeding up").
        for (const auto& t : std::vector<std::array<double, 3>>{
                 {1.0, 0.95, 0.93}, {1.0, 0.99, 1.02}, {1.0, 1.03, 1.07}, {1.0, 0.8, 0.79}, {1.0, 0.98, 0.95}}) {
            const auto a = convergenceRuleWithinNoise(t[0], t[1], t[2], 0, 0, 0, 0.1, 2.0, 2.0, 0);
            const auto b = convergenceRule(t[0], t[1], t[2], 0.1, true);
            QCOMPARE(a.holds, b.holds);
        }
        const auto flat = convergenceRuleWithinNoise(1.0, 1.0, 1.0, 0, 0, 0, 0.1, 2.0, 2.0, 0);
        QVERIFY(flat.holds);  // a noiseless flat loss that came down from 2 has plateaued ...
        const auto never = convergenceRuleWithinNoise(1.0, 1.0, 1.0, 0, 0, 0, 0.1, 2.0, 1.0, 0);
        QVERIFY(!never.fallen && !never.holds);  // ... one that sat there from the start has not
        const auto up = convergenceRuleWithinNoise(1.0, 1.001, 1.002, 0, 0, 0, 0.1, 2.0, 2.0, 0);
        QVERIFY(up.rising && !up.holds);  // a noiseless rise, however small, is a rise
        // The fall must exceed the noise of the first and the latest window.
        QVERIFY(!convergenceRuleWithinNoise(1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 2.0, 1.2, 0.1).fallen);
        QVERIFY(convergenceRuleWithinNoise(1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 2.0, 1.3, 0.1).fallen);
        // Without the first window (the check's third), the rule needs the fall inside the three.
        QVERIFY(!plateauVerdict(1.0, 0.99, 1.02, 0.1, noise).holds);
        // Undefined relative change: no verdict, as the other rules.
        QVERIFY(!convergenceRuleWithinNoise(0.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 2.0, 2.0, 0.1).holds);
    }

    // The rules on constructed noisy series (fixed seeds): what tells them apart.
    void plateauRulesOnNoisySeries() {
        const auto noise = PlateauRule::WithinNoise, strict = PlateauRule::NonNegative, literal = PlateauRule::Literal;
        // A loss that fell (first window at 2.0) and is flat at 1.0, batch noise sd 0.15 in 20-batch
        // windows: the non-negative rule on the means alone holds at a minority of checks (both
        // steps ≥ 0 and slowing: about 1 in 6), within_noise at nearly all.
        const auto flat = [](int i) { return i < 20 ? 2.0 : 1.0; };
        double fNoise = 0, fStrict = 0;
        for (uint32_t seed = 1; seed <= 20; ++seed) {
            fNoise += heldFraction(plateauSeries(noise, 30, 20, 0.15, seed, flat)) / 20;
            fStrict += heldFraction(plateauSeries(strict, 30, 20, 0.15, seed, flat)) / 20;
        }
        QVERIFY2(fNoise > 0.8, qPrintable(QString("within_noise held at %1 of flat checks").arg(fNoise)));
        QVERIFY2(fStrict < 0.3, qPrintable(QString("nonnegative held at %1 of flat checks").arg(fStrict)));
        // A loss flat from its first batch (a model that has not started to learn) counts under
        // within_noise only when noise fakes a fall of 2 standard errors below the first window:
        // a few % of checks, against > 80 % once the loss has fallen.
        double sNoise = 0;
        for (uint32_t seed = 1; seed <= 20; ++seed)
            sNoise += heldFraction(plateauSeries(noise, 30, 20, 0.15, seed, [](int) { return 1.0; })) / 20;
        QVERIFY2(sNoise < 0.05, qPrintable(QString("within_noise held at %1 of never-fallen checks").arg(sNoise)));
        // A loss that fell, then rises by 2 % a window (batch noise sd 0.01) never counts under
        // within_noise or nonnegative ...
        const auto rising = [](int i) { return i < 20 ? 2.0 : 1.0 + 0.02 * ((i - 20) / 20.0); };
        for (uint32_t seed = 1; seed <= 20; ++seed) {
            QCOMPARE(heldFraction(plateauSeries(noise, 30, 20, 0.01, seed, rising)), 0.0);
            QCOMPARE(heldFraction(plateauSeries(strict, 30, 20, 0.01, seed, rising)), 0.0);
        }
        // ... while the literal rule takes some of its checks as convergence.
        double fLiteral = 0;
        for (uint32_t seed = 1; seed <= 20; ++seed) fLiteral += heldFraction(plateauSeries(literal, 30, 20, 0.01, seed, rising));
        QVERIFY(fLiteral > 0.1);
        // A still-falling loss: window means 0.92 → 0.21 over ten 8-batch windows (the swe-compact
        // run that rightly refused), with noise of half the level: no rule ever holds.
        const auto falling = [](int i) { return 0.92 * std::pow(0.21 / 0.92, (i / 8) / 9.0); };
        for (uint32_t seed = 1; seed <= 20; ++seed)
            for (auto rule : {noise, strict, literal})
                for (const auto& v : plateauSeries(rule, 10, 8, 0.0, seed, falling)) QVERIFY(!v.holds);
        // With batch noise the τ bound stays on the means: no check whose windows show an
        // improvement ≥ τ holds (the noise tolerance only ever applies to rises and speed-ups).
        int refusedByTau = 0;
        for (uint32_t seed = 1; seed <= 20; ++seed)
            for (const auto& v : plateauSeries(noise, 10, 8, 0.1, seed, falling))
                if ((v.v0 - v.v1) / v.v0 >= 0.1 || (v.v1 - v.v2) / v.v1 >= 0.1) {
                    QVERIFY2(!v.holds, qPrintable(QString("seed %1: %2 %3 %4").arg(seed).arg(v.v0).arg(v.v1).arg(v.v2)));
                    ++refusedByTau;
                }
        QVERIFY(refusedByTau > 100);
    }
    void plateauNeedsThreeWindows() {
        PlateauCheck c(0.1);
        QVERIFY(c.rule() == PlateauRule::WithinNoise);
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
