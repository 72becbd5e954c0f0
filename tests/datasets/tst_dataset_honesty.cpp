// Honest inputs and an honest validation split, for every dataset: weather and
// SWE on their synthetic twins (SWE on the five-station fixture), wind and
// COVID-19 on the real files in ../shared/datasets (skipped when absent).
//   - No input channel of a station is (a linear copy of) that station's target
//     at the forecast time: |correlation| < 0.99999 for every feature (a copy,
//     even rescaled, correlates to float precision).
//   - The validation split carved by training.validation_fraction lies at the end
//     of the training period and is disjoint in time from the rest of training
//     and from the test period.
//   - A baseline that uses what the model does not get says "comparable": false.
#include "DatasetTestSupport.h"
#include "TestSupport.h"
#include "engine/ValidationSplit.h"

#include <hpt/SampleTimes.h>

#include <QJsonArray>

#include <cmath>

using hpt::test::loadDataset;
using hpt::test::sharedDatasets;
using namespace hpt;

namespace {
const QString kFixtures = QStringLiteral(HPT_DATASET_TEST_DIR) + "/fixtures";
const char* const kNoShared = "../shared/datasets is absent (set HPT_SHARED_DATASETS); real-data checks skipped";

struct Case {
    QString name;
    QJsonObject params;
    QString dir;
};

std::vector<Case> cases(bool* skippedReal) {
    std::vector<Case> c{{"weather", {{"source", "synthetic"}}, {}},
                        {"swe", {{"source", "synthetic"}, {"first_water_year", 2005}, {"last_water_year", 2008},
                                 {"test_years", QJsonArray{2006, 2007}}}, kFixtures}};
    *skippedReal = sharedDatasets().isEmpty();
    if (!*skippedReal) {
        c.push_back({"wind", {}, sharedDatasets()});
        c.push_back({"wind", {{"hour_of_day", true}}, sharedDatasets()});
        c.push_back({"covid", {}, sharedDatasets()});
        c.push_back({"covid", {{"history_weeks", 3}, {"history_form", "change"}, {"case_trend", true}}, sharedDatasets()});
    }
    return c;
}

// Largest |Pearson correlation| between a station's target and any of its own input channels.
double maxSelfCorrelation(const Split& s, std::string* which, const std::vector<std::string>& features) {
    const auto x = s.x.to(torch::kFloat64), y = s.y.to(torch::kFloat64);
    const int64_t S = x.size(1), F = x.size(2);
    double worst = 0;
    for (int64_t st = 0; st < S && st < y.size(1); ++st) {
        const auto t = y.select(1, st);
        const auto tc = t - t.mean();
        const double tn = tc.norm().item<double>();
        if (tn == 0) continue;
        for (int64_t f = 0; f < F; ++f) {
            const auto c = x.select(1, st).select(1, f);
            const auto cc = c - c.mean();
            const double cn = cc.norm().item<double>();
            if (cn == 0) continue;  // a constant channel carries nothing
            const double r = std::abs((cc * tc).sum().item<double>() / (cn * tn));
            if (r > worst) {
                worst = r;
                *which = "station " + std::to_string(st) + " feature " +
                         (size_t(f) < features.size() ? features[size_t(f)] : std::to_string(f));
            }
        }
    }
    return worst;
}
}  // namespace

class TestDatasetHonesty : public QObject {
    Q_OBJECT
private slots:
    void noInputEqualsTheTargetAtForecastTime() {
        bool skipped = false;
        for (const auto& c : cases(&skipped)) {
            auto ds = loadDataset(c.name, c.params, c.dir);
            std::string which;
            const double r = maxSelfCorrelation(ds->train(), &which, ds->info().features);
            QVERIFY2(r < 0.99999, qPrintable(QString("%1: %2 has |correlation| %3 with the target")
                                               .arg(c.name, QString::fromStdString(which)).arg(r)));
            // Persistence, where declared, is the origin's value: close to the target, but not it.
            const QJsonValue pf = ds->info().notes.value("persistence_feature");
            if (pf.isDouble()) {
                const auto d = ds->train().x.select(2, pf.toInt()) - ds->train().y;
                QVERIFY2(d.abs().max().item<float>() > 1e-3f, qPrintable(c.name + ": persistence equals the target"));
            }
        }
        if (skipped) qInfo("%s", kNoShared);
    }

    void validationIsTheEndOfTrainingAndDisjointInTime() {
        bool skipped = false;
        for (const auto& c : cases(&skipped)) {
            auto ds = loadDataset(c.name, c.params, c.dir);
            const auto* st = dynamic_cast<const SampleTimes*>(ds.get());
            QVERIFY2(st, qPrintable(c.name + " gives no sample times"));
            const auto tr = st->trainTimes(), te = st->testTimes();
            QCOMPARE(tr.numel(), ds->train().size());
            QCOMPARE(te.numel(), ds->test().size());
            for (int64_t gap : {int64_t(0), int64_t(3)}) {
                const auto carve = carveValidation(tr.numel(), tr, 0.1, gap);
                QVERIFY(carve.byTime);
                const auto vt = tr.index_select(0, carve.valIndex), tt = tr.index_select(0, carve.trainIndex);
                QVERIFY2(vt.numel() >= int64_t(0.1 * double(tr.numel())), qPrintable(c.name));
                // Every validation time lies after every remaining training time, by more than the gap.
                QVERIFY2(vt.min().item<int64_t>() > tt.max().item<int64_t>() + gap, qPrintable(c.name));
                // ... and outside the test period.
                const int64_t t0 = te.min().item<int64_t>(), t1 = te.max().item<int64_t>();
                QVERIFY2(((vt >= t0) & (vt <= t1)).sum().item<int64_t>() == 0,
                         qPrintable(QString("%1: validation overlaps the test period").arg(c.name)));
                QCOMPARE(carve.valIndex.numel() + carve.trainIndex.numel() + carve.dropped, tr.numel());
            }
        }
        if (skipped) qInfo("%s", kNoShared);
    }

    // wind hour_of_day: two calendar channels after the speeds, the forecast hour's (sin, cos) of
    // (row mod 24), the same at every station; the speeds and the persistence channel unchanged.
    void windHourOfDayIsTheForecastHour() {
        if (sharedDatasets().isEmpty()) QSKIP(kNoShared);
        auto plain = loadDataset("wind", {}, sharedDatasets());
        auto cal = loadDataset("wind", {{"hour_of_day", true}}, sharedDatasets());
        const auto& a = plain->train();
        const auto& b = cal->train();
        const int64_t W = a.x.size(2);
        QCOMPARE(b.x.size(2), W + 2);
        QVERIFY(torch::equal(b.x.slice(2, 0, W), a.x));
        QVERIFY(torch::equal(b.y, a.y));
        QCOMPARE(cal->info().notes.value("persistence_feature").toInt(), int(W - 1));
        const auto* st = dynamic_cast<const SampleTimes*>(cal.get());
        QVERIFY(st);
        // Sample time = last input row; the forecast row is one hour later (horizon 1).
        const auto hour = (st->trainTimes() + 1).remainder(24).to(torch::kFloat64) * (2 * 3.14159265358979323846 / 24);
        QVERIFY(torch::allclose(b.x.select(2, W).select(1, 0).to(torch::kFloat64), hour.sin(), 1e-5, 1e-5));
        QVERIFY(torch::allclose(b.x.select(2, W + 1).select(1, 0).to(torch::kFloat64), hour.cos(), 1e-5, 1e-5));
        QVERIFY(torch::equal(b.x.select(2, W).select(1, 0), b.x.select(2, W).select(1, 56)));
    }

    void baselinesSayWhetherTheyAreComparable() {
        auto swe = loadDataset("swe", {{"source", "synthetic"}, {"first_water_year", 2005}, {"last_water_year", 2008},
                                       {"test_years", QJsonArray{2006, 2007}}},
                               kFixtures);
        const QJsonObject b = swe->baselines();
        QCOMPARE(b.value("persistence").toObject().value("comparable").toBool(true), false);
        QCOMPARE(b.value("climatology").toObject().value("comparable").toBool(true), true);
        auto weather = loadDataset("weather", {{"source", "synthetic"}}, {});
        QCOMPARE(weather->baselines().value("persistence").toObject().value("comparable").toBool(true), true);
    }
};

QTEST_GUILESS_MAIN(TestDatasetHonesty)
#include "tst_dataset_honesty.moc"
