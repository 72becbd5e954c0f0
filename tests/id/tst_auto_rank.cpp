// Update-spectrum ID on low-rank matrices, the auto-rank rule on a constructed ΔW
// set, the ID worker (off-thread, drops instead of blocking) and the config blocks.
#include "id/AutoRank.h"
#include "id/IdWorker.h"
#include "id/UpdateSpectrum.h"

#include "SyntheticClouds.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QtTest>

using namespace hpt;

namespace {

// out × in matrix with the given singular values and random orthonormal singular vectors.
torch::Tensor withSpectrum(int64_t out, int64_t in, const std::vector<double>& sv, uint64_t seed) {
    auto g = at::detail::createCPUGenerator(seed);
    const auto r = int64_t(sv.size());
    const auto u = std::get<0>(torch::linalg::qr(torch::randn({out, r}, g, torch::kDouble)));
    const auto v = std::get<0>(torch::linalg::qr(torch::randn({in, r}, g, torch::kDouble)));
    return u.matmul(torch::diag(torch::tensor(sv, torch::kDouble))).matmul(v.t());
}

// Rank-r matrix with r equal singular values: its ID at energy e is ⌈e·r⌉.
torch::Tensor flat(int64_t r, uint64_t seed) { return withSpectrum(64, 48, std::vector<double>(size_t(r), 1.0), seed); }

QString errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const hpt::Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

}  // namespace

class TestAutoRank : public QObject {
    Q_OBJECT
private slots:
    void randomLowRankPlusNoise_data() {
        QTest::addColumn<int>("r");
        for (int r : {1, 3, 8, 16}) QTest::newRow(qPrintable(QString("r=%1").arg(r))) << r;
    }
    void randomLowRankPlusNoise() {
        QFETCH(int, r);
        auto g = at::detail::createCPUGenerator(uint64_t(100 + r));
        // Gaussian factors: the r singular values spread (σ_r ≈ 0.5 σ_1 here), so the
        // last direction holds ≥ 1 % of the energy and energy 0.99 must count all r.
        const auto m = torch::randn({256, r}, g, torch::kDouble).matmul(torch::randn({r, 192}, g, torch::kDouble)) +
                       1e-3 * torch::randn({256, 192}, g, torch::kDouble);
        const auto s = spectrumId(m, 0.99);
        QCOMPARE(s.id, int64_t(r));
        QCOMPARE(int(s.singularValues.size()), 192);
        QVERIFY(std::is_sorted(s.singularValues.rbegin(), s.singularValues.rend()));
        QVERIFY(s.stableRank >= 1 && s.stableRank <= r + 1e-6);
        // float32 ΔW (what training hands over) gives the same ID.
        QCOMPARE(spectrumId(m.to(torch::kFloat), 0.99).id, int64_t(r));
    }
    void energyIsTheSigmaSquaredShare() {
        // σ = (3, 2, 1, 1): σ² = (9, 4, 1, 1), cumulative share 0.6, 0.8667, 0.9333, 1.
        // (A σ share would be 3/7, 5/7, 6/7 → ID 4 at 0.9.)
        const auto m = withSpectrum(10, 8, {3, 2, 1, 1}, 5);
        QCOMPARE(spectrumId(m, 0.6).id, int64_t(1));
        QCOMPARE(spectrumId(m, 0.85).id, int64_t(2));
        QCOMPARE(spectrumId(m, 0.9).id, int64_t(3));
        QCOMPARE(spectrumId(m, 0.95).id, int64_t(4));
        QCOMPARE(spectrumId(m, 1.0).id, int64_t(4));
        QVERIFY(std::fabs(spectrumId(m).stableRank - 15.0 / 9.0) < 1e-9);
        // Equal singular values: stable rank = rank.
        QVERIFY(std::fabs(spectrumId(flat(7, 1)).stableRank - 7) < 1e-9);
    }
    void zeroUpdate() {
        const auto s = spectrumId(torch::zeros({6, 4}));
        QCOMPARE(s.id, int64_t(0));
        QCOMPARE(s.stableRank, 0.0);
    }
    void spectrumRejectsBadInput() {
        QString m = errorOf([] { spectrumId(torch::zeros({3})); });
        QVERIFY2(m.contains("2-D matrix"), qPrintable(m));
        auto nan = torch::ones({3, 3});
        nan[1][1] = NAN;
        m = errorOf([&] { spectrumId(nan); });
        QVERIFY2(m.contains("NaN"), qPrintable(m));
        m = errorOf([] { spectrumId(torch::ones({3, 3}), 0); });
        QVERIFY2(m.contains("id.energy") && m.contains("(0, 1]"), qPrintable(m));
    }

    void maxRuleRoundsUpToPowerOfTwo() {
        // IDs 3, 5, 12 at energy 0.99 (flat spectra, ⌈0.99 r⌉ = r): max 12 → 16.
        const std::map<std::string, torch::Tensor> dw{
            {"layers.0.attn.q", flat(3, 1)}, {"layers.0.attn.v", flat(5, 2)}, {"layers.1.attn.q", flat(12, 3)}};
        AutoRankRule rule;
        rule.energy = 0.99;
        auto r = chooseRank(dw, rule);
        QCOMPARE(r.perTarget.at("layers.0.attn.q"), int64_t(3));
        QCOMPARE(r.perTarget.at("layers.0.attn.v"), int64_t(5));
        QCOMPARE(r.perTarget.at("layers.1.attn.q"), int64_t(12));
        QCOMPARE(r.reducedId, 12.0);
        QCOMPARE(r.rank, int64_t(16));
        // At the default energy 0.9 the 12-direction target needs ⌈10.8⌉ = 11: still 16.
        r = chooseRank(dw, AutoRankRule{});
        QCOMPARE(r.perTarget.at("layers.1.attn.q"), int64_t(11));
        QCOMPARE(r.rank, int64_t(16));

        rule.powerOfTwo = false;
        QCOMPARE(chooseRank(dw, rule).rank, int64_t(12));
        rule.rMax = 8;
        QCOMPARE(chooseRank(dw, rule).rank, int64_t(8));  // clamped from above
        rule.powerOfTwo = true;
        rule.rMax = 64;
        rule.reduce = "percentile";
        rule.percentile = 50;  // median of 3, 5, 12 = 5 → 8
        r = chooseRank(dw, rule);
        QCOMPARE(r.reducedId, 5.0);
        QCOMPARE(r.rank, int64_t(8));
        rule.percentile = 75;  // 5 + 0.5 · (12 − 5) = 8.5 → 9 → 16
        r = chooseRank(dw, rule);
        QCOMPARE(r.reducedId, 8.5);
        QCOMPARE(r.rank, int64_t(16));

        const auto json = r.toJson();
        QCOMPARE(json.value("rank").toInt(), 16);
        QCOMPARE(json.value("per_target").toObject().value("layers.0.attn.v").toInt(), 5);
    }
    void clampedFromBelow() {
        AutoRankRule rule;
        rule.rMin = 4;
        const auto r = chooseRank({{"q", flat(1, 4)}, {"v", torch::zeros({8, 8})}}, rule);
        QCOMPARE(r.perTarget.at("v"), int64_t(0));
        QCOMPARE(r.rank, int64_t(4));
    }
    void ruleFromJson() {
        const auto r = AutoRankRule::fromJson({{"energy", 0.95}, {"reduce", "percentile"}, {"percentile", 80},
                                               {"r_min", 1}, {"r_max", 32}, {"power_of_two", false}});
        QCOMPARE(r.energy, 0.95);
        QCOMPARE(r.reduce, QString("percentile"));
        QCOMPARE(r.percentile, 80.0);
        QCOMPARE(r.rMin, int64_t(1));
        QCOMPARE(r.rMax, int64_t(32));
        QVERIFY(!r.powerOfTwo);
        const auto d = AutoRankRule::fromJson({});
        QCOMPARE(d.reduce, QString("max"));
        QCOMPARE(d.rMax, int64_t(64));

        QString m = errorOf([] { AutoRankRule::fromJson({{"reduce", "mean"}}); });
        QVERIFY2(m.contains("lora.auto.reduce") && m.contains("\"max\" or \"percentile\""), qPrintable(m));
        m = errorOf([] { AutoRankRule::fromJson({{"r_min", 8}, {"r_max", 4}}); });
        QVERIFY2(m.contains("lora.auto.r_max") && m.contains("≥ r_min"), qPrintable(m));
        m = errorOf([] { AutoRankRule::fromJson({{"R_max", 4}}); });
        QVERIFY2(m.contains("lora.auto.R_max") && m.contains("did you mean 'r_max'"), qPrintable(m));
        m = errorOf([] { AutoRankRule::fromJson({{"percentile", 101}}); });
        QVERIFY2(m.contains("lora.auto.percentile"), qPrintable(m));
        m = errorOf([] { chooseRank({}, AutoRankRule{}); });
        QVERIFY2(m.contains("lora.targets"), qPrintable(m));
    }

    void idSettingsFromJson() {
        const auto s = IdSettings::fromJson({{"every", 50}, {"methods", QJsonArray{"twonn", "mle"}}, {"k", 5},
                                             {"probe_samples", 32}});
        QCOMPARE(s.every, int64_t(50));
        QVERIFY(!s.spectrum && s.twonn && s.mle);
        QCOMPARE(s.k, 5);
        QString m = errorOf([] { IdSettings::fromJson({{"methods", QJsonArray{"pca"}}}); });
        QVERIFY2(m.contains("id.methods") && m.contains("pca"), qPrintable(m));
        m = errorOf([] { IdSettings::fromJson({{"methods", QJsonArray{"mle"}}, {"k", 10}, {"probe_samples", 8}}); });
        QVERIFY2(m.contains("id.probe_samples"), qPrintable(m));
        m = errorOf([] { IdSettings::fromJson({{"evry", 3}}); });
        QVERIFY2(m.contains("id.evry"), qPrintable(m));
    }

    void workerComputesOffThreadAndDropsWhenBusy() {
        IdSettings s;
        s.every = 10;
        s.twonn = s.mle = true;
        QVERIFY(!IdWorker(s).due(0));
        IdWorker w(s);
        QVERIFY(w.due(20) && !w.due(25));
        auto q = flat(6, 9);
        IdSnapshot snap{20, {{"layers.0.attn.q", q}}, test::linearSubspace(600, 3, 1e-5, 1)};
        QVERIFY(w.submit(snap));
        // The snapshot is a copy: changing the live weights now must not change the estimate.
        q.zero_();
        // A second snapshot while the first is queued or running is dropped, not waited for.
        QVERIFY(!w.submit(IdSnapshot{30, {{"layers.0.attn.q", q}}, {}}));
        QCOMPARE(w.dropped(), int64_t(1));
        w.waitIdle();
        auto done = w.poll();
        QCOMPARE(int(done.size()), 1);
        QVERIFY(w.poll().empty());
        const auto& r = done.front();
        QCOMPARE(r.step, int64_t(20));
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.spectrum.at("layers.0.attn.q").id, int64_t(6));  // ⌈0.9 · 6⌉
        QVERIFY(std::fabs(r.twonn - 3) < 0.5 && std::fabs(r.mle - 3) < 0.5);
        const auto list = r.metrics();
        const std::map<std::string, double> metrics(list.begin(), list.end());
        QCOMPARE(metrics.at("id.spectrum.layers.0.attn.q"), 6.0);
        QCOMPARE(metrics.at("id.spectrum.max"), 6.0);
        QVERIFY(metrics.count("id.stable_rank.layers.0.attn.q") && metrics.count("id.twonn") && metrics.count("id.mle"));
        // Once idle it accepts again; a bad snapshot reports an error instead of throwing.
        auto bad = torch::ones({5, 3});
        QVERIFY(w.submit(IdSnapshot{40, {}, bad}));
        w.waitIdle();
        done = w.poll();
        QCOMPARE(int(done.size()), 1);
        QVERIFY2(done.front().error.find("duplicate") != std::string::npos, done.front().error.c_str());
        QVERIFY(std::isnan(done.front().twonn));
    }
};

QTEST_GUILESS_MAIN(TestAutoRank)
#include "tst_auto_rank.moc"
