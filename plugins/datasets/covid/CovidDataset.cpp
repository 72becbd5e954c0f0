// covid: the Deep-MTS-LSTM county table, read straight from its zip. 3142
// counties (GISJOIN) x 35 weekly dates (day of year 2020). A sample is one week
// and `counties` consecutive counties of the chosen order; each county carries
// the reference's 19 features of that week, and the target is its deaths
// `horizon` weeks later. The reference's targets are the same week's deaths,
// which are also one of its inputs (a leak); here the target lies ahead.
#include "Baselines.h"
#include "Csv.h"
#include "DataFiles.h"
#include "MissingValues.h"
#include "PreparedDataset.h"
#include "Zip.h"

#include <hpt/Error.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QObject>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <unordered_map>

using namespace hpt;
using namespace hpt::data;

namespace {

const char* kZip = "Covid19_01262020_09262020.zip";
const char* kManifestSha = "f68719c872a02c1e4b3cf798426d3f82f2bca908a1d2edc7fe9805ed85c87bd3";
// The reference's inputs: its column slice iloc[:, 2:] of
// [GISJOIN, confirmed_cases, foot_traffic, Date, deaths, POPDEN, ...] (model/covid/dataLoader.py).
const std::vector<std::string> kFeatures = {"foot_traffic", "Date", "deaths", "POPDEN", "Metro", "Micro", "POP2",
                                            "POP3", "POP1", "POP4", "Race1", "Race2", "MHHI", "MNR", "MGR", "MHV",
                                            "MHI", "QTPOP_percentage", "OCCU1"};
// case_trend: cases lead deaths by two to three weeks, so the growth of weekly cases over the last
// kCaseRecent weeks against the kCaseBefore weeks before them says where deaths are heading. The
// channel is that log growth times the county's mean deaths of the last kDeathsLevel weeks (deaths
// per week: the change the case trend implies). A ratio, not a case count: the deaths per case fell
// from ~6 % in the spring to ~2 % in the summer (testing grew), a growth rate does not depend on it.
constexpr int64_t kCaseRecent = 2, kCaseBefore = 3, kDeathsLevel = 3;

std::unique_ptr<Dataset> loadCovid(const QJsonObject& params, const QString& dataDir) {
    QElapsedTimer timer;
    timer.start();
    const int64_t K = params.value("counties").toInt(50), stride = params.value("county_stride").toInt(1);
    const int64_t H = params.value("horizon").toInt(1);
    // Deaths of the weeks before the feature week as extra inputs (the target's own past, known at the
    // forecast origin); 0 = the reference's 19 features only.
    const int64_t Hist = params.value("history_weeks").toInt(0);
    // "level": those weeks' deaths; "change": the weekly changes (deaths of week d-h+1 minus week d-h).
    const bool histChange = params.value("history_form").toString("level") == "change";
    const bool caseTrend = params.value("case_trend").toBool(false);
    // Reporting spikes in training targets (see below): "keep", "drop_target" or "drop_target_and_origin".
    const QString spikes = params.value("training_spikes").toString("keep");
    const double spikeFactor = params.value("spike_factor").toDouble(2.0);
    const double spikeExcess = params.value("spike_min_excess").toDouble(20.0);
    // A sample needs this many weeks before its feature week.
    const int64_t past = std::max(Hist, caseTrend ? kCaseRecent + kCaseBefore - 1 : int64_t(0));
    const int cutDate = params.value("cut_date").toInt(209);
    const QString cutGoes = params.value("cut_date_goes_to").toString("drop");
    const double fraction = params.value("county_sample").toDouble(0.1);
    const bool fileOrder = params.value("county_order").toString("random") == "file";
    const auto seed = uint64_t(params.value("seed").toInt(0));
    const MissingPolicy policy = parseMissingPolicy(params.value("missing").toString("error").toStdString());

    const QStringList dirs = searchDirs(dataDir, params, "covid");
    const QString path = findFile(dirs, kZip);
    if (path.isEmpty()) throwMissing("covid", kZip, dirs);
    ZipArchive zip(path);
    QString member;
    for (const auto& n : zip.names())
        if (n.endsWith(".csv", Qt::CaseInsensitive)) { member = n; break; }
    if (member.isEmpty()) throw dataError(path.toStdString(), "the archive holds no .csv file; expected the county table");
    const QByteArray csv = zip.read(member);
    const std::string where = path.toStdString() + "!" + member.toStdString();

    CsvCursor c(csv, where);
    if (!c.next()) throw dataError(where, "the table is empty; expected a header and rows");
    std::unordered_map<std::string, int> col;
    for (size_t k = 0; k < c.fields().size(); ++k) col[std::string(trimmed(c.fields()[k]))] = int(k);
    const size_t ncols = c.fields().size();
    auto need = [&](const std::string& n) {
        auto it = col.find(n);
        if (it == col.end()) throw dataError(c.where(1), "header has no column '" + n + "'; expected the Deep-MTS-LSTM county table");
        return it->second;
    };
    const int cId = need("GISJOIN"), cDate = need("Date"), cDeaths = need("deaths");
    const int cCases = caseTrend ? need("confirmed_cases") : -1;  // weekly new cases
    std::vector<int> fcol;
    for (const auto& f : kFeatures) fcol.push_back(need(f));
    const int64_t F = int64_t(kFeatures.size());

    // Rows → (county, date) cells; counties in order of first appearance.
    struct Row { int county; int date; int64_t line; };
    std::vector<Row> rows;
    std::vector<double> cells;  // per row: F features, deaths, cases (0 unless case_trend)
    rows.reserve(110000);
    const int64_t W = F + 2, kDeaths = F, kCases = F + 1;  // cube columns
    cells.reserve(110000 * size_t(W));
    std::unordered_map<std::string, int> countyIndex;
    std::vector<std::string> countyNames;
    int64_t missing = 0;
    while (c.next()) {
        c.expectColumns(ncols, "the header's columns");
        const std::string id(trimmed(c.fields()[size_t(cId)]));
        if (id.empty()) throw dataError(c.where(cId + 1), "empty GISJOIN; expected a county id such as G0100010");
        auto [it, fresh] = countyIndex.emplace(id, int(countyNames.size()));
        if (fresh) countyNames.push_back(id);
        const auto d = parseNumber(c, cDate, "Date as day of year 2020", 1, 366);
        if (!d) throwMissingCell(c.where(cDate + 1), "Date as day of year 2020");
        rows.push_back({it->second, int(*d), c.line()});
        auto cell = [&](int k, const std::string& what) {
            const auto v = parseNumber(c, k, what);
            if (!v) {
                if (policy == MissingPolicy::Error) throwMissingCell(c.where(k + 1), what);
                ++missing;
                return std::nan("");
            }
            return *v;
        };
        for (int64_t f = 0; f < F; ++f) cells.push_back(cell(fcol[size_t(f)], kFeatures[size_t(f)] + " (number)"));
        cells.push_back(cell(cDeaths, "deaths (count)"));
        cells.push_back(cCases >= 0 ? cell(cCases, "confirmed_cases (count)") : 0.0);
    }
    if (rows.empty()) throw dataError(where, "header only; expected one row per county and week");

    std::vector<int> dates;
    for (const auto& r : rows) dates.push_back(r.date);
    std::sort(dates.begin(), dates.end());
    dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
    const int64_t C = int64_t(countyNames.size()), D = int64_t(dates.size());
    // cube[county][date][W], NaN where a county-week is absent.
    std::vector<double> cube(size_t(C * D * W), std::nan(""));
    std::vector<int64_t> seenLine(size_t(C * D), 0);
    for (size_t r = 0; r < rows.size(); ++r) {
        const int64_t di = std::lower_bound(dates.begin(), dates.end(), rows[r].date) - dates.begin();
        const int64_t slot = rows[r].county * D + di;
        if (seenLine[size_t(slot)])
            throw dataError(where + ":" + std::to_string(rows[r].line),
                            "county " + countyNames[size_t(rows[r].county)] + " has a second row for Date " +
                                std::to_string(rows[r].date) + " (first at line " + std::to_string(seenLine[size_t(slot)]) +
                                "); keep one row per county and week");
        seenLine[size_t(slot)] = rows[r].line;
        std::copy_n(cells.begin() + int64_t(r) * W, W, cube.begin() + slot * W);
    }
    int64_t absent = 0;
    for (int64_t s = 0; s < C * D; ++s)
        if (!seenLine[size_t(s)]) {
            if (policy == MissingPolicy::Error)
                throw dataError(where, "county " + countyNames[size_t(s / D)] + " has no row for Date " +
                                           std::to_string(dates[size_t(s % D)]) +
                                           "; add it or set the dataset parameter missing to fill or drop");
            ++absent;
        }
    int64_t filled = 0;
    if (policy == MissingPolicy::Fill && (missing || absent))
        for (int64_t k = 0; k < C; ++k) {  // carry forward along weeks within each county
            std::vector<double> block(cube.begin() + k * D * W, cube.begin() + (k + 1) * D * W);
            auto names = kFeatures;
            names.insert(names.end(), {"deaths", "confirmed_cases"});
            filled += fillForward(block, D, W, where + " county " + countyNames[size_t(k)], names);
            std::copy(block.begin(), block.end(), cube.begin() + k * D * W);
        }

    // County sample (without replacement, the same for train and test) and order.
    std::vector<int64_t> order(static_cast<size_t>(C));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    const int64_t chosen = std::max<int64_t>(1, int64_t(double(C) * fraction));
    order.resize(size_t(chosen));
    if (fileOrder) std::sort(order.begin(), order.end());
    if (chosen < K)
        throw configError("dataset.params.counties", "a window of " + std::to_string(K) + " counties needs at least that many; the sample has " +
                                                         std::to_string(chosen) + " (raise county_sample)");

    // Date indices of each split; a sample's feature week and target week share a split.
    std::vector<int64_t> trainD, testD;
    for (int64_t d = 0; d < D; ++d) {
        const int v = dates[size_t(d)];
        if (v < cutDate || (v == cutDate && cutGoes == "train")) trainD.push_back(d);
        else if (v > cutDate || (v == cutDate && cutGoes == "test")) testD.push_back(d);
    }
    auto sampleDates = [&](const std::vector<int64_t>& ds) {
        std::vector<int64_t> out;
        for (int64_t d : ds)
            if (d >= past && std::find(ds.begin(), ds.end(), d + H) != ds.end()) out.push_back(d);
        return out;
    };
    const auto trainSD = sampleDates(trainD), testSD = sampleDates(testD);
    if (trainSD.empty() || testSD.empty())
        throw configError("dataset.params.horizon", "horizon " + std::to_string(H) + " weeks leaves no training or no test week; lower it or move cut_date");

    auto at = [&](int64_t k, int64_t d, int64_t col) { return cube[size_t((k * D + d) * W + col)]; };
    // Train statistics over the sampled counties' training weeks.
    auto fitOn = [&](const std::vector<int64_t>& ds, int64_t first, int64_t n) {
        std::vector<double> v;
        for (int64_t k : order)
            for (int64_t d : ds)
                for (int64_t f = first; f < first + n; ++f) v.push_back(cube[size_t((k * D + d) * W + f)]);
        return Standardizer::fit(torch::from_blob(v.data(), {int64_t(v.size()) / n, n}, torch::kFloat64).clone());
    };
    const auto featStats = fitOn(trainD, 0, F);
    const auto targetStats = fitOn(trainD, F, 1);
    std::vector<double> fm(featStats.mean.data_ptr<double>(), featStats.mean.data_ptr<double>() + F);
    std::vector<double> fs(featStats.std.data_ptr<double>(), featStats.std.data_ptr<double>() + F);
    const double tm = targetStats.mean.item<double>(), ts = targetStats.std.item<double>();

    // A reporting spike: a county-week whose deaths exceed spikeFactor times the larger of its two
    // neighbouring weeks by at least spikeExcess deaths, both neighbours being training weeks. These are
    // backlogs reported at once (New York City's probable deaths in the week of day 118, New Jersey's in
    // the week of day 153), not epidemic dynamics: nothing at the forecast origin announces one, and a
    // single such county-week is up to 40 target standard deviations, so in the squared loss it outweighs
    // everything else. Only training samples are left out (the engine carves validation from them);
    // test samples are never touched.
    std::vector<char> spike(size_t(C * D), 0);
    int64_t spikeWeeks = 0;
    if (spikes != "keep")
        for (int64_t k : order)
            for (size_t i = 1; i + 1 < trainD.size(); ++i) {
                const int64_t d = trainD[i];
                if (trainD[i - 1] != d - 1 || trainD[i + 1] != d + 1) continue;
                const double v = at(k, d, kDeaths), nb = std::max(at(k, d - 1, kDeaths), at(k, d + 1, kDeaths));
                if (v >= spikeFactor * nb && v - nb >= spikeExcess) { spike[size_t(k * D + d)] = 1; ++spikeWeeks; }
            }
    int64_t dropped = 0, spikeDropped = 0;
    std::vector<int64_t> winStarts;
    for (int64_t w = 0; w + K <= chosen; w += stride) winStarts.push_back(w);
    // Extra channels after the reference's F features, all in deaths/week and scaled by the target's
    // std: history levels also by its mean (they are deaths counts like the target), changes and the
    // case trend not (their natural zero is "no change").
    const int64_t extra = Hist + (caseTrend ? 1 : 0);
    auto weekMean = [&](int64_t k, int64_t last, int64_t n, int64_t col) {
        double s = 0;
        for (int64_t d = last - n + 1; d <= last; ++d) s += at(k, d, col);
        return s / double(n);
    };
    auto build = [&](const std::vector<int64_t>& sds, torch::Tensor* realTruth, torch::Tensor* realLast,
                     std::vector<int64_t>* countyOfOutput, torch::Tensor* origin, bool training) {
        std::vector<float> xs, ys;
        std::vector<int64_t> when;
        std::vector<double> truth, last;
        for (int64_t d : sds)
            for (int64_t w : winStarts) {
                bool gap = false;
                for (int64_t j = 0; j < K && !gap; ++j) {
                    const int64_t k = order[size_t(w + j)];
                    for (int64_t dd : {d, d + H})
                        for (int64_t f = 0; f <= F; ++f)
                            if (std::isnan(at(k, dd, f))) gap = true;
                    for (int64_t h = 1; h <= Hist; ++h)
                        if (std::isnan(at(k, d - h, kDeaths))) gap = true;
                    if (caseTrend)
                        for (int64_t h = 0; h < kCaseRecent + kCaseBefore; ++h)
                            if (std::isnan(at(k, d - h, kCases)) || (h < kDeathsLevel && std::isnan(at(k, d - h, kDeaths)))) gap = true;
                }
                if (gap) { ++dropped; continue; }
                bool spiked = false;
                for (int64_t j = 0; j < K && training && spikes != "keep"; ++j) {
                    const int64_t k = order[size_t(w + j)];
                    spiked = spiked || spike[size_t(k * D + d + H)] || (spikes == "drop_target_and_origin" && spike[size_t(k * D + d)]);
                }
                if (spiked) { ++spikeDropped; continue; }
                when.push_back(dates[size_t(d)]);
                for (int64_t j = 0; j < K; ++j) {
                    const int64_t k = order[size_t(w + j)];
                    const double* now = &cube[size_t((k * D + d) * W)];
                    const double* ahead = &cube[size_t((k * D + d + H) * W)];
                    for (int64_t f = 0; f < F; ++f) xs.push_back(float((now[f] - fm[size_t(f)]) / fs[size_t(f)]));
                    for (int64_t h = 1; h <= Hist; ++h)
                        xs.push_back(histChange ? float((at(k, d - h + 1, kDeaths) - at(k, d - h, kDeaths)) / ts)
                                                : float((at(k, d - h, kDeaths) - tm) / ts));
                    if (caseTrend) {
                        const double recent = weekMean(k, d, kCaseRecent, kCases);
                        const double before = weekMean(k, d - kCaseRecent, kCaseBefore, kCases);
                        const double growth = std::log((recent + 1) / (before + 1));
                        xs.push_back(float(weekMean(k, d, kDeathsLevel, kDeaths) * growth / ts));
                    }
                    ys.push_back(float((ahead[kDeaths] - tm) / ts));
                    truth.push_back(ahead[kDeaths]);
                    last.push_back(now[kDeaths]);
                    if (countyOfOutput) countyOfOutput->push_back(k);
                }
            }
        const int64_t n = int64_t(ys.size()) / K;
        *realTruth = torch::tensor(truth, torch::kFloat64).reshape({n, K});
        *realLast = torch::tensor(last, torch::kFloat64).reshape({n, K});
        *origin = torch::tensor(when, torch::kInt64);
        return Split{torch::tensor(xs, torch::kFloat32).reshape({n, K, F + extra}), torch::tensor(ys, torch::kFloat32).reshape({n, K})};
    };
    auto ds = std::make_unique<PreparedDataset>();
    torch::Tensor trTruth, trLast, teTruth, teLast;
    std::vector<int64_t> testCounty;
    ds->trainSplit = build(trainSD, &trTruth, &trLast, nullptr, &ds->trainTime, true);
    ds->testSplit = build(testSD, &teTruth, &teLast, &testCounty, &ds->testTime, false);
    ds->timeUnitName = "day of year 2020";
    if (ds->trainSplit.size() == 0 || ds->testSplit.size() == 0)
        throw dataError(where, "no complete training or test sample is left after dropping gaps");
    ds->target = targetStats;

    // Climatology: each county's mean weekly deaths over the training weeks.
    std::vector<double> countyMean(size_t(C), 0.0);
    for (int64_t k : order) {
        double s = 0;
        int n = 0;
        for (int64_t d : trainD)
            if (double v = at(k, d, kDeaths); !std::isnan(v)) { s += v; ++n; }
        countyMean[size_t(k)] = n ? s / n : tm;
    }
    std::vector<double> clim;
    for (int64_t k : testCounty) clim.push_back(countyMean[size_t(k)]);
    auto climT = torch::tensor(clim, torch::kFloat64).reshape(teTruth.sizes());
    ds->baselineErrors = {{"last_week", forecastError(teLast, teTruth)},
                          {"climatology", forecastError(climT, teTruth)},
                          {"unit", "deaths per week per county"}};

    auto& i = ds->meta;
    // The feature week's deaths ("deaths" input) share the target's statistics (both fitted on the same
    // county-weeks), so that channel is persistence ("last week") in target units: what
    // training.target = residual adds back.
    const int64_t deathsFeature = int64_t(std::find(kFeatures.begin(), kFeatures.end(), "deaths") - kFeatures.begin());
    const bool sameScale = std::abs(fm[size_t(deathsFeature)] - tm) <= 1e-9 * std::max(1.0, std::abs(tm)) &&
                           std::abs(fs[size_t(deathsFeature)] - ts) <= 1e-9 * std::max(1.0, ts);
    i.name = "covid";
    i.synthetic = false;
    i.source = "Deep-MTS-LSTM county table (Nikparvar et al., Sci Rep 11, 21715, 2021), weekly, Jan 26 - Sep 26 2020";
    i.path = path.toStdString();
    i.sha256 = sha256Hex(zip.raw()).toStdString();
    i.features = kFeatures;
    for (int64_t h = 1; h <= Hist; ++h)
        i.features.push_back(histChange ? "deaths change " + std::to_string(h) + " week(s) before (week -" +
                                              std::to_string(h - 1) + " minus week -" + std::to_string(h) + ")"
                                        : "deaths " + std::to_string(h) + " week(s) before");
    if (caseTrend) i.features.push_back("case trend (mean deaths of the last 3 weeks x log growth of cases, last 2 weeks vs the 3 before)");
    for (int64_t j = 0; j < K; ++j) i.stations.push_back("county slot " + std::to_string(j + 1));
    i.target = "deaths " + std::to_string(H) + " week(s) ahead";
    i.targetUnit = "deaths/week";
    i.missingPolicy = toString(policy);
    i.normalization = featStats.toJson(kFeatures, {});
    i.normalization.insert("target", targetStats.toJson({"deaths"}, {"deaths/week"}));
    auto dateList = [&](const std::vector<int64_t>& ds) {
        QJsonArray a;
        for (int64_t d : ds) a.append(dates[size_t(d)]);
        return a;
    };
    QJsonArray sampled;
    for (int64_t k : order) sampled.append(QString::fromStdString(countyNames[size_t(k)]));
    i.notes = {{"counties_in_file", double(C)},
               {"dates_in_file", double(D)},
               {"rows", double(rows.size())},
               {"train_dates", dateList(trainD)},
               {"test_dates", dateList(testD)},
               {"train_sample_dates", dateList(trainSD)},
               {"test_sample_dates", dateList(testSD)},
               {"cut_date", cutDate},
               {"cut_date_goes_to", cutGoes},
               {"counties_sampled", double(chosen)},
               {"county_order", fileOrder ? "file" : "random"},
               {"sampled_counties", sampled},
               {"windows_per_week", double(winStarts.size())},
               {"train_samples", double(ds->trainSplit.size())},
               {"test_samples", double(ds->testSplit.size())},
               {"horizon_weeks", double(H)},
               {"history_weeks", double(Hist)},
               {"history_form", histChange ? "change" : "level"},
               {"history_normalization", histChange ? "the weekly changes are divided by the target's (deaths) std, not centred"
                                                    : "the history channels use the target's (deaths) statistics"},
               {"case_trend", caseTrend},
               {"case_trend_weeks", QJsonArray{double(kCaseRecent), double(kCaseBefore), double(kDeathsLevel)}},
               {"missing_cells", double(missing)},
               {"absent_county_weeks", double(absent)},
               {"filled_cells", double(filled)},
               {"dropped_samples", double(dropped)},
               {"training_spikes", spikes},
               {"spike_county_weeks", double(spikeWeeks)},
               {"spike_dropped_samples", double(spikeDropped)},
               {"sha256_matches_manifest", i.sha256 == kManifestSha},
               {"persistence_feature", sameScale ? QJsonValue(double(deathsFeature)) : QJsonValue()},
               {"reference_difference",
                "the reference's target is the same week's deaths, which are also among its inputs (a leak); here the "
                "target is deaths `horizon` weeks after the feature week. The reference drops Date = 209 (cut_date_goes_to "
                "offers train/test), draws its training counties with replacement and its test counties separately; here "
                "one sample without replacement serves both"},
               {"load_ms", double(timer.nsecsElapsed()) / 1e6}};
    return ds;
}

}  // namespace

class CovidDatasetPlugin : public QObject, public hpt::DatasetPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DATASET_IID FILE "covid.json")
    Q_INTERFACES(hpt::DatasetPlugin)
public:
    std::unique_ptr<hpt::Dataset> load(const QJsonObject& params, const QString& dataDir) const override {
        return loadCovid(params, dataDir);
    }
};

#include "CovidDataset.moc"
