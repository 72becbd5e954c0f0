// weather: today's 13 AWN variables at every station → tomorrow's daily mean
// air temperature at every station. The reference's target is the same day's
// AIR_TEMP_F, which is also one of its inputs (a leak); here the target is the
// next day, which no input contains. Test = days of `test_years`; a sample's
// two days always share a split.
#include "Baselines.h"
#include "DataFiles.h"
#include "MissingValues.h"
#include "PreparedDataset.h"
#include "WeatherTable.h"

#include <hpt/Error.h>

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QObject>

#include <cmath>
#include <set>

using namespace hpt;
using namespace hpt::data;

namespace {

std::unique_ptr<Dataset> loadWeather(const QJsonObject& params, const QString& dataDir) {
    QElapsedTimer timer;
    timer.start();
    const QString source = params.value("source").toString("auto");
    const std::string policyText = params.value("missing").toString("fill").toStdString();
    const MissingPolicy policy = parseMissingPolicy(policyText);
    std::set<int> testYears;
    for (const auto& v : params.value("test_years").toArray(QJsonArray{2018, 2020})) {
        if (!v.isDouble()) throw configError("dataset.params.test_years", "expected a list of years such as [2018, 2020]");
        testYears.insert(v.toInt());
    }

    // AWN exports: every *.csv in the first search folder that has any.
    std::vector<std::string> files;
    const QStringList dirs = searchDirs(dataDir, params, "weather");
    if (source != "synthetic")
        for (const auto& d : dirs) {
            const auto list = QDir(d).entryList({"*.csv", "*.CSV"}, QDir::Files, QDir::Name);
            for (const auto& f : list) files.push_back((d + "/" + f).toStdString());
            if (!files.empty()) break;
        }
    if (source == "files" && files.empty()) throwMissing("weather", "<station>.csv (AWN hourly exports)", dirs);
    const bool synthetic = files.empty();
    const int firstYear = params.value("first_year").toInt(2015), lastYear = params.value("last_year").toInt(2021);
    if (synthetic && firstYear > lastYear)
        throw configError("dataset.params.last_year", "last_year must not be before first_year");
    WeatherTable t = synthetic ? synthesizeWeather(firstYear, lastYear, params.value("stations").toInt(29),
                                                   uint64_t(params.value("seed").toInt(42)))
                               : readAwnFiles(files, policyText);
    const size_t D = t.days.size(), S = t.stations.size();
    constexpr size_t V = 13;

    auto isTest = [&](size_t d) { return testYears.count(t.days[d].year()) > 0; };
    auto dayComplete = [&](size_t d) {
        for (size_t k = 0; k < S * V; ++k)
            if (std::isnan(t.values[d * S * V + k])) return false;
        return true;
    };
    std::vector<int64_t> trainDays, testDays;  // samples: feature day d, target day d+1
    int64_t dropped = 0;
    for (size_t d = 0; d + 1 < D; ++d) {
        if (t.days[d].daysTo(t.days[d + 1]) != 1 || isTest(d) != isTest(d + 1)) continue;
        if (!dayComplete(d) || !dayComplete(d + 1)) { ++dropped; continue; }
        (isTest(d) ? testDays : trainDays).push_back(int64_t(d));
    }
    if (trainDays.empty() || testDays.empty())
        throw configError("dataset.params.test_years", "the split leaves no training or no test day; the data covers " +
                                                           t.days.front().toString(Qt::ISODate).toStdString() + " to " +
                                                           t.days.back().toString(Qt::ISODate).toStdString());

    auto all = torch::from_blob(t.values.data(), {int64_t(D), int64_t(S), int64_t(V)}, torch::kFloat64).clone();
    std::vector<int64_t> trainDayRows;
    for (size_t d = 0; d < D; ++d)
        if (!isTest(d)) trainDayRows.push_back(int64_t(d));
    auto featStats = Standardizer::fit(all.index_select(0, torch::tensor(trainDayRows)));
    Standardizer targetStats{featStats.mean.slice(0, kAirTemp, kAirTemp + 1).clone(),
                             featStats.std.slice(0, kAirTemp, kAirTemp + 1).clone()};
    auto norm = featStats.apply(all);  // [D, S, V]
    auto mk = [&](const std::vector<int64_t>& ds) {
        auto idx = torch::tensor(ds);
        return Split{norm.index_select(0, idx).contiguous(),
                     norm.index_select(0, idx + 1).select(2, kAirTemp).contiguous()};
    };

    auto ds = std::make_unique<PreparedDataset>();
    ds->trainSplit = mk(trainDays);
    ds->testSplit = mk(testDays);
    ds->target = targetStats;
    // Forecast origin: the feature day (Julian day number).
    auto julian = [&](const std::vector<int64_t>& days) {
        std::vector<int64_t> out;
        for (int64_t d : days) out.push_back(t.days[size_t(d)].toJulianDay());
        return torch::tensor(out, torch::kInt64);
    };
    ds->trainTime = julian(trainDays);
    ds->testTime = julian(testDays);
    ds->timeUnitName = "day";

    // Baselines in degF: persistence (today's temperature) and climatology (each station's training-year mean for
    // the calendar day, +-7 days).
    auto ti = torch::tensor(testDays);
    auto truth = all.index_select(0, ti + 1).select(2, kAirTemp);
    auto persistence = all.index_select(0, ti).select(2, kAirTemp);
    // Per station and calendar day: sum and count over training days, then a +-7-day circular window.
    std::vector<double> daySum(S * 367, 0.0), dayCount(S * 367, 0.0);
    for (int64_t r : trainDayRows)
        for (size_t s = 0; s < S; ++s)
            if (const double v = t.at(size_t(r), s, kAirTemp); !std::isnan(v)) {
                daySum[s * 367 + size_t(t.days[size_t(r)].dayOfYear())] += v;
                dayCount[s * 367 + size_t(t.days[size_t(r)].dayOfYear())] += 1;
            }
    std::vector<double> clim;
    for (int64_t d : testDays) {
        const int doy = t.days[size_t(d + 1)].dayOfYear();
        for (size_t s = 0; s < S; ++s) {
            double sum = 0, n = 0;
            for (int k = -7; k <= 7; ++k) {
                const int dd = (doy - 1 + k + 366) % 366 + 1;
                sum += daySum[s * 367 + size_t(dd)];
                n += dayCount[s * 367 + size_t(dd)];
            }
            clim.push_back(n > 0 ? sum / n : targetStats.mean.item<double>());
        }
    }
    ds->baselineErrors = {{"persistence", forecastError(persistence, truth)},
                          {"climatology", forecastError(torch::tensor(clim).reshape(truth.sizes()), truth)},
                          {"unit", "degF"}};

    auto& i = ds->meta;
    i.name = "weather";
    i.synthetic = synthetic;
    i.source = synthetic ? "synthetic twin of WSU AgWeatherNet daily station weather (no files; generator documented in "
                           "resources/docs/datasets.md)"
                         : "WSU AgWeatherNet hourly exports aggregated to days";
    i.path = t.path;
    i.sha256 = t.sha256;
    i.features = awnVariables();
    i.stations = t.stations;
    i.target = "AIR_TEMP_F next day (daily mean)";
    i.targetUnit = "degF";
    i.missingPolicy = toString(policy);
    i.normalization = featStats.toJson(awnVariables(), awnUnits());
    i.normalization.insert("target", targetStats.toJson({"AIR_TEMP_F"}, {"degF"}));
    QJsonArray ty;
    for (int y : testYears) ty.append(y);
    i.notes = t.notes;
    i.notes.insert("days", double(D));
    i.notes.insert("first_day", t.days.front().toString(Qt::ISODate));
    i.notes.insert("last_day", t.days.back().toString(Qt::ISODate));
    i.notes.insert("test_years", ty);
    i.notes.insert("train_samples", double(trainDays.size()));
    i.notes.insert("test_samples", double(testDays.size()));
    i.notes.insert("dropped_samples", double(dropped));
    // Today's AIR_TEMP_F, normalised with the target's statistics: persistence, and what
    // training.target = residual adds back.
    i.notes.insert("persistence_feature", double(kAirTemp));
    i.notes.insert("reference_difference",
                   "the reference's target is the same day's AIR_TEMP_F, also one of its inputs (a leak); here the target "
                   "is the next day's. The reference fills gaps with 0; here missing=fill carries the previous day forward");
    i.notes.insert("load_ms", double(timer.nsecsElapsed()) / 1e6);
    return ds;
}

}  // namespace

class WeatherDatasetPlugin : public QObject, public hpt::DatasetPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DATASET_IID FILE "weather.json")
    Q_INTERFACES(hpt::DatasetPlugin)
public:
    std::unique_ptr<hpt::Dataset> load(const QJsonObject& params, const QString& dataDir) const override {
        return loadWeather(params, dataDir);
    }
};

#include "WeatherDataset.moc"
