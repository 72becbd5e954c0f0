// The real files in ../shared/datasets (skipped when absent): wind split facts
// and window contents, COVID county/date counts and the last-week baseline,
// the 323 SNOTEL stations and their southness, and the checksums.
#include "DatasetTestSupport.h"
#include "TestSupport.h"

#include "Zip.h"

#include <hpt/SampleTimes.h>

#include <hpt/Error.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>
#include <map>

using hpt::test::loadDataset;
using hpt::test::sharedDatasets;


namespace {
const char* const kNoShared = "../shared/datasets is absent (set HPT_SHARED_DATASETS); real-data tests skipped";

// MS_winds.dat parsed independently of the plugin (rows × 57).
std::vector<std::vector<double>> readWindByHand() {
    QFile f(sharedDatasets() + "/wind/MS_winds.dat");
    f.open(QIODevice::ReadOnly);
    std::vector<std::vector<double>> rows;
    while (!f.atEnd()) {
        const auto parts = f.readLine().trimmed().split(',');
        if (parts.size() < 2) continue;
        std::vector<double> r;
        for (const auto& p : parts) r.push_back(p.toDouble());
        rows.push_back(r);
    }
    return rows;
}

// (county GISJOIN, date) -> (confirmed_cases, deaths), parsed from the zip's rows
// (GISJOIN,index,Date,confirmed_cases,deaths,...) independently of the plugin's reader.
std::map<std::pair<QByteArray, int>, std::pair<double, double>> covidCells() {
    hpt::data::ZipArchive zip(sharedDatasets() + "/covid/Covid19_01262020_09262020.zip");
    const QByteArray csv = zip.read("Covid19_01262020_09262020.csv");
    std::map<std::pair<QByteArray, int>, std::pair<double, double>> cell;
    for (const auto& line : csv.split('\n').mid(1)) {
        const auto p = line.trimmed().split(',');
        if (p.size() < 5) continue;
        cell[{p[0], p[2].toInt()}] = {p[3].toDouble(), p[4].toDouble()};
    }
    return cell;
}
}  // namespace

class TestDatasetReal : public QObject {
    Q_OBJECT
private slots:
    void windSplitFacts() {
        if (sharedDatasets().isEmpty()) QSKIP(kNoShared);
        auto ds = loadDataset("wind", {}, sharedDatasets());
        const auto raw = readWindByHand();
        QCOMPARE(int(raw.size()), 8387);
        const auto& tr = ds->train();
        const auto& te = ds->test();
        QVERIFY((tr.x.sizes().vec() == std::vector<int64_t>{6723, 57, 12}));  // (480-12) + (8387-2120-12)
        QVERIFY((te.x.sizes().vec() == std::vector<int64_t>{1628, 57, 12}));  // 1640 test rows - 12
        QVERIFY((te.y.sizes().vec() == std::vector<int64_t>{1628, 57}));
        QVERIFY(!ds->info().synthetic);
        QVERIFY((ds->info().notes.value("test_rows").toArray() == QJsonArray{480, 2119}));
        // Test window n holds rows 480+n .. 480+n+11 and targets row 480+n+12 (checked in m/s).
        for (int n : {0, 777, 1627}) {
            for (int h : {0, 11}) {
                const auto hour = ds->toRealUnits(te.x[n].select(1, h).unsqueeze(0))[0];
                for (int s : {0, 24, 56}) QVERIFY(std::abs(hour[s].item<float>() - raw[size_t(480 + n + h)][size_t(s)]) < 1e-3);
            }
            const auto y = ds->toRealUnits(te.y[n].unsqueeze(0))[0];
            QVERIFY(std::abs(y[24].item<float>() - raw[size_t(480 + n + 12)][24]) < 1e-3);
        }
        // No window straddles a cut: the last window before the test rows targets row 479, the next starts at 2120.
        const auto lastBefore = ds->toRealUnits(tr.y[467].unsqueeze(0))[0];
        const auto firstAfter = ds->toRealUnits(tr.x[468].select(1, 0).unsqueeze(0))[0];
        for (int s : {0, 30, 56}) {
            QVERIFY(std::abs(lastBefore[s].item<float>() - raw[479][size_t(s)]) < 1e-3);
            QVERIFY(std::abs(firstAfter[s].item<float>() - raw[2120][size_t(s)]) < 1e-3);
        }
    }
    void windNormalisationAndPersistence() {
        if (sharedDatasets().isEmpty()) QSKIP(kNoShared);
        auto ds = loadDataset("wind", {}, sharedDatasets());
        QVERIFY(ds->train().y.mean(0).abs().max().item<float>() < 0.05f);   // train centred per station
        QVERIFY(ds->test().y.mean(0).abs().max().item<float>() > 0.05f);    // test is not
        const auto raw = readWindByHand();
        double se = 0, ae = 0;
        for (int n = 0; n < 1628; ++n)
            for (int s = 0; s < 57; ++s) {
                const double e = raw[size_t(480 + n + 11)][size_t(s)] - raw[size_t(480 + n + 12)][size_t(s)];
                se += e * e;
                ae += std::abs(e);
            }
        const auto b = ds->baselines().value("persistence").toObject();
        QVERIFY(std::abs(b.value("rmse").toDouble() - std::sqrt(se / (1628 * 57))) < 1e-6);
        QVERIFY(std::abs(b.value("mae").toDouble() - ae / (1628 * 57)) < 1e-6);
        QVERIFY(ds->info().notes.value("sha256_matches_manifest").toBool());
    }
    void covidCountsAndSplit() {
        if (sharedDatasets().isEmpty()) QSKIP(kNoShared);
        auto ds = loadDataset("covid", {}, sharedDatasets());
        const auto n = ds->info().notes;
        QCOMPARE(n.value("counties_in_file").toInt(), 3142);
        QCOMPARE(n.value("dates_in_file").toInt(), 35);
        QCOMPARE(n.value("rows").toInt(), 109970);
        const auto trainDates = n.value("train_dates").toArray(), testDates = n.value("test_dates").toArray();
        QCOMPARE(int(trainDates.size()), 29);
        QCOMPARE(int(testDates.size()), 5);
        for (const auto& d : trainDates) QVERIFY(d.toInt() < 209);
        for (const auto& d : testDates) QVERIFY(d.toInt() > 209);
        QCOMPARE(n.value("counties_sampled").toInt(), 314);
        // Horizon 1: 28 training weeks and 4 test weeks have a next week in their split; 314-50+1 windows each.
        QVERIFY((ds->train().x.sizes().vec() == std::vector<int64_t>{28 * 265, 50, 19}));
        QVERIFY((ds->test().y.sizes().vec() == std::vector<int64_t>{4 * 265, 50}));
        QVERIFY(n.value("sha256_matches_manifest").toBool());
        auto withCut = loadDataset("covid", {{"cut_date_goes_to", "test"}}, sharedDatasets());
        QCOMPARE(withCut->info().notes.value("test_dates").toArray().first().toInt(), 209);
    }
    void covidLastWeekBaselineAndNoLeak() {
        if (sharedDatasets().isEmpty()) QSKIP(kNoShared);
        auto ds = loadDataset("covid", {}, sharedDatasets());
        const auto ch = ds->info().normalization.value("channels").toArray();
        QCOMPARE(ch.at(2).toObject().value("name").toString(), QString("deaths"));
        const double m = ch.at(2).toObject().value("mean").toDouble(), s = ch.at(2).toObject().value("std").toDouble();
        const auto& te = ds->test();
        const auto thisWeek = te.x.select(2, 2).to(torch::kFloat64) * s + m;
        const auto nextWeek = ds->toRealUnits(te.y).to(torch::kFloat64);
        const double rmse = std::sqrt((thisWeek - nextWeek).pow(2).mean().item<double>());
        const auto b = ds->baselines().value("last_week").toObject();
        QVERIFY2(std::abs(b.value("rmse").toDouble() - rmse) < 1e-3 * std::max(1.0, rmse), qPrintable(QString::number(rmse)));
        // The target is not this week's deaths (the reference's leak).
        QVERIFY((thisWeek - nextWeek).abs().max().item<double>() > 1.0);
        // Train statistics only: normalised training deaths are centred, test ones are not exactly.
        QVERIFY(std::abs(ds->train().y.mean().item<float>()) < 0.05f);
    }
    // history_form = change and case_trend: the channels after the reference's 19, checked against the
    // level history (same samples: both need 4 weeks before the feature week) and against the zip's
    // rows parsed here, independently of the plugin's reader.
    void covidChangeHistoryAndCaseTrend() {
        if (sharedDatasets().isEmpty()) QSKIP(kNoShared);
        auto lvl = loadDataset("covid", {{"history_weeks", 4}}, sharedDatasets());
        auto chg = loadDataset("covid", {{"history_weeks", 3}, {"history_form", "change"}, {"case_trend", true}},
                               sharedDatasets());
        const auto& a = lvl->train();
        const auto& b = chg->train();
        QVERIFY((b.x.sizes().vec() == std::vector<int64_t>{24 * 265, 50, 23}));
        QVERIFY((a.x.sizes().vec() == b.x.sizes().vec()));
        QVERIFY(torch::equal(a.y, b.y));
        QVERIFY(torch::equal(a.x.slice(2, 0, 19), b.x.slice(2, 0, 19)));
        QCOMPARE(chg->info().features.size(), size_t(23));
        // Deaths of week -h (h = 0: the reference's "deaths" channel, which shares the target's statistics).
        auto deaths = [&](int h) {
            return lvl->toRealUnits(a.x.select(2, h == 0 ? 2 : 18 + h).contiguous()).to(torch::kFloat64);
        };
        const double ts = (chg->toRealUnits(torch::ones({1, 50})) - chg->toRealUnits(torch::zeros({1, 50})))[0][0].item<double>();
        for (int h = 1; h <= 3; ++h) {
            const auto got = b.x.select(2, 18 + h).to(torch::kFloat64) * ts;
            QVERIFY2(torch::allclose(got, deaths(h - 1) - deaths(h), 0, 1e-2), qPrintable(QString("change channel %1").arg(h)));
        }
        // Case trend from the raw rows.
        const auto cell = covidCells();
        const auto counties = chg->info().notes.value("sampled_counties").toArray();
        const int windows = chg->info().notes.value("windows_per_week").toInt();
        const auto* st = dynamic_cast<const hpt::SampleTimes*>(chg.get());
        QVERIFY(st);
        const auto times = st->trainTimes();
        int checked = 0;
        for (int64_t i = 0; i < b.size(); i += 397)
            for (int j : {0, 17, 49}) {
                const QByteArray id = counties.at(int(i % windows) + j).toString().toUtf8();
                const int day = int(times[i].item<int64_t>());
                auto at = [&](int weeksBack) { return cell.at({id, day - 7 * weeksBack}); };
                const double recent = (at(0).first + at(1).first) / 2, before = (at(2).first + at(3).first + at(4).first) / 3;
                const double level = (at(0).second + at(1).second + at(2).second) / 3;
                const double want = level * std::log((recent + 1) / (before + 1));
                const double got = b.x[i][j][22].item<double>() * ts;
                QVERIFY2(std::abs(got - want) <= 1e-4 * std::max(1.0, std::abs(want)),
                         qPrintable(QString("%1 day %2: case trend %3, expected %4").arg(QString(id)).arg(day).arg(got).arg(want)));
                ++checked;
            }
        QVERIFY(checked >= 30);
    }
    // training_spikes = drop_target leaves out exactly the training samples whose target week is a
    // reporting spike (deaths >= 2 x the larger neighbouring week and >= 20 above it) in one of their
    // counties; the test split is untouched.
    void covidTrainingSpikesLeaveOutOnlyThoseSamples() {
        if (sharedDatasets().isEmpty()) QSKIP(kNoShared);
        auto keep = loadDataset("covid", {}, sharedDatasets());
        auto drop = loadDataset("covid", {{"training_spikes", "drop_target"}}, sharedDatasets());
        QVERIFY(torch::equal(keep->test().x, drop->test().x));
        QVERIFY(torch::equal(keep->test().y, drop->test().y));
        const auto cell = covidCells();
        const auto counties = keep->info().notes.value("sampled_counties").toArray();
        const int windows = keep->info().notes.value("windows_per_week").toInt();
        auto spikeAt = [&](const QByteArray& id, int day) {
            if (day + 7 >= 209 || day - 7 < 6) return false;  // both neighbours must be training weeks
            const double v = cell.at({id, day}).second;
            const double nb = std::max(cell.at({id, day - 7}).second, cell.at({id, day + 7}).second);
            return v >= 2 * nb && v - nb >= 20;
        };
        const auto tk = dynamic_cast<const hpt::SampleTimes*>(keep.get())->trainTimes();
        int64_t kept = 0, left = 0;
        for (int64_t i = 0; i < keep->train().size(); ++i) {
            const int day = int(tk[i].item<int64_t>());
            bool spiked = false;
            for (int j = 0; j < 50 && !spiked; ++j)
                spiked = spikeAt(counties.at(int(i % windows) + j).toString().toUtf8(), day + 7);
            (spiked ? left : kept) += 1;
        }
        QVERIFY2(left > 0, "the default county sample holds no training spike; the check would prove nothing");
        QCOMPARE(drop->train().size(), kept);
        QCOMPARE(drop->info().notes.value("spike_dropped_samples").toInt(), int(left));
        QVERIFY(drop->info().notes.value("spike_county_weeks").toInt() > 0);
    }
    void swe323StationsWithSouthness() {
        if (sharedDatasets().isEmpty()) QSKIP(kNoShared);
        auto ds = loadDataset("swe", {{"first_water_year", 2005}, {"last_water_year", 2007}, {"test_years", QJsonArray{2006}}},
                              sharedDatasets());
        QCOMPARE(int(ds->train().x.size(1)), 323);
        QCOMPARE(int(ds->train().x.size(2)), 19);
        QCOMPARE(int(ds->info().stations.size()), 323);
        QVERIFY(ds->info().notes.value("metadata_sha256_matches_manifest").toBool());
        // southness = sin(slope) cos(aspect) from the raw CSV, standardised over the 323 stations.
        QFile f(sharedDatasets() + "/swe/Snotel_Locations_Filtered_v3.csv");
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto header = f.readLine().trimmed().split(',');
        const int cA = int(header.indexOf("Aspect_tif_x")), cS = int(header.indexOf("Slope_tif1_x"));
        std::vector<double> south;
        while (!f.atEnd()) {
            const auto p = f.readLine().trimmed().split(',');
            if (p.size() < 10) continue;
            south.push_back(std::sin(p[cS].toDouble() * M_PI / 180) * std::cos(p[cA].toDouble() * M_PI / 180));
        }
        QCOMPARE(int(south.size()), 323);
        double mean = 0, var = 0;
        for (double v : south) mean += v / 323;
        for (double v : south) var += (v - mean) * (v - mean) / 322;
        const auto x = ds->train().x;
        for (int s : {0, 100, 322})
            QVERIFY(std::abs(x[0][s][3].item<float>() - (south[size_t(s)] - mean) / std::sqrt(var)) < 1e-4);
    }
};

QTEST_GUILESS_MAIN(TestDatasetReal)
#include "tst_dataset_real.moc"
