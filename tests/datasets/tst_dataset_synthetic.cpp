// The synthetic twins, which need no shared data: weather (no files at all) and
// SWE on a made-up five-station metadata fixture. Shapes, determinism with a
// seed, train-only normalisation, the next-day target, hand-computed
// persistence and southness.
#include "DatasetTestSupport.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

#include <cmath>

using hpt::test::loadDataset;

namespace {
const QString kFixtures = QStringLiteral(HPT_DATASET_TEST_DIR) + "/fixtures";
const QJsonObject kSmallSwe{{"first_water_year", 2005}, {"last_water_year", 2008}, {"test_years", QJsonArray{2006, 2007}}};
}  // namespace

class TestDatasetSynthetic : public QObject {
    Q_OBJECT
private slots:
    void weatherShapesAndLabels() {
        QTemporaryDir empty;  // nothing there: the twin needs no files
        auto ds = loadDataset("weather", {}, empty.path());
        const auto& tr = ds->train();
        QCOMPARE(int(tr.x.dim()), 3);
        QCOMPARE(int(tr.x.size(1)), 29);
        QCOMPARE(int(tr.x.size(2)), 13);
        QCOMPARE(int(tr.y.size(1)), 29);
        QVERIFY(tr.x.scalar_type() == torch::kFloat32);
        QVERIFY(ds->info().synthetic);
        QCOMPARE(QString::fromStdString(ds->info().targetUnit), QString("degF"));
        QCOMPARE(QString::fromStdString(ds->info().missingPolicy), QString("fill"));
        // 2015-2021 with 2018 and 2020 testing: 5 training years and 2 test years of consecutive-day pairs.
        QCOMPARE(ds->test().size(), int64_t(364 + 365));
        QCOMPARE(tr.size(), int64_t(1095 + 364 + 364));  // 2015-2017 run on (1096 days), 2019 and 2021 alone
    }
    void weatherDeterministicWithSeed() {
        auto a = loadDataset("weather", {{"seed", 5}}, {});
        auto b = loadDataset("weather", {{"seed", 5}}, {});
        auto c = loadDataset("weather", {{"seed", 6}}, {});
        QVERIFY(torch::equal(a->train().x, b->train().x));
        QVERIFY(torch::equal(a->test().y, b->test().y));
        QVERIFY(!torch::equal(a->train().x, c->train().x));
    }
    void weatherNormalisedWithTrainStatisticsOnly() {
        auto ds = loadDataset("weather", {}, {});
        const auto trMean = ds->train().x.mean(torch::IntArrayRef{0, 1});
        const auto trStd = (ds->train().x - trMean).pow(2).mean(torch::IntArrayRef{0, 1}).sqrt();
        QVERIFY2(trMean.abs().max().item<float>() < 0.02f, "training inputs should be centred");
        QVERIFY2((trStd - 1).abs().max().item<float>() < 0.05f, "training inputs should have unit spread");
        // The test years are not centred by construction: their own statistics differ.
        QVERIFY(ds->test().x.mean(torch::IntArrayRef{0, 1}).abs().max().item<float>() > 1e-3f);
    }
    void weatherTargetIsNextDayNotAnInput() {
        auto ds = loadDataset("weather", {}, {});
        const auto& te = ds->test();
        constexpr int air = 3;
        // Consecutive samples: today's target is tomorrow's AIR_TEMP_F input (same normalisation).
        QVERIFY(torch::allclose(te.y.slice(0, 0, 100), te.x.slice(0, 1, 101).select(2, air), 1e-5, 1e-5));
        for (int f = 0; f < 13; ++f)
            QVERIFY2((te.x.select(2, f) - te.y).abs().max().item<float>() > 0.1f, "an input channel equals the target");
    }
    void weatherPersistenceByHand() {
        auto ds = loadDataset("weather", {}, {});
        const auto& te = ds->test();
        const auto today = ds->toRealUnits(te.x.select(2, 3));
        const auto tomorrow = ds->toRealUnits(te.y);
        const double rmse = std::sqrt((today - tomorrow).to(torch::kFloat64).pow(2).mean().item<double>());
        const double mae = (today - tomorrow).to(torch::kFloat64).abs().mean().item<double>();
        const auto b = ds->baselines().value("persistence").toObject();
        QVERIFY2(std::abs(b.value("rmse").toDouble() - rmse) < 1e-3, qPrintable(QString::number(rmse)));
        QVERIFY(std::abs(b.value("mae").toDouble() - mae) < 1e-3);
        // Physically plausible: day-to-day change of a few degF, climatology worse than persistence.
        QVERIFY(rmse > 1.5 && rmse < 12);
        QVERIFY(ds->baselines().value("climatology").toObject().value("rmse").toDouble() > rmse);
        const double meanF = ds->toRealUnits(ds->train().y).mean().item<double>();
        QVERIFY2(meanF > 35 && meanF < 65, qPrintable(QString::number(meanF)));
    }
    void sweTwinOnFixtureStations() {
        auto ds = loadDataset("swe", kSmallSwe, kFixtures);
        const auto& tr = ds->train();
        QCOMPARE(int(tr.x.size(1)), 5);
        QCOMPARE(int(tr.x.size(2)), 19);
        QCOMPARE(int(tr.y.size(1)), 5);
        QCOMPARE(tr.size(), int64_t(2 * 270));
        QCOMPARE(ds->test().size(), int64_t(2 * 270));
        QVERIFY(ds->info().synthetic);
        QCOMPARE(QString::fromStdString(ds->info().targetUnit), QString("mm"));
        // Snow accumulates in winter at these elevations and SWE is never negative.
        const auto swe = ds->toRealUnits(tr.y);
        QVERIFY(swe.min().item<float>() > -1e-3f);
        QVERIFY(swe.max().item<float>() > 100.0f);
        // Deterministic with a seed.
        auto again = loadDataset("swe", kSmallSwe, kFixtures);
        QVERIFY(torch::equal(tr.x, again->train().x));
    }
    void sweSouthnessFromSlopeAndAspect() {
        auto ds = loadDataset("swe", kSmallSwe, kFixtures);
        // Fixture stations (slope, aspect) in degrees, in file order.
        const double slope[5] = {12, 20, 4, 30, 8}, aspect[5] = {180, 15, 270, 90, 330};
        std::vector<double> s(5);
        double mean = 0, var = 0;
        for (int k = 0; k < 5; ++k) {
            s[size_t(k)] = std::sin(slope[k] * M_PI / 180) * std::cos(aspect[k] * M_PI / 180);
            mean += s[size_t(k)] / 5;
        }
        for (double v : s) var += (v - mean) * (v - mean) / 4;
        const auto x = ds->train().x;
        for (int k = 0; k < 5; ++k) {
            const double want = (s[size_t(k)] - mean) / std::sqrt(var);
            QVERIFY2(std::abs(x[0][k][3].item<float>() - want) < 1e-4, qPrintable(QString::number(want)));
            QVERIFY(std::abs(x[100][k][3].item<float>() - want) < 1e-4);  // static: the same every day
        }
    }
};

QTEST_GUILESS_MAIN(TestDatasetSynthetic)
#include "tst_dataset_synthetic.moc"
