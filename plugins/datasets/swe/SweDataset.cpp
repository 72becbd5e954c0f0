// swe: x = [days, 323 stations, 19]: 5 static features (elevation, latitude,
// longitude, southness, land cover; standardised over stations), the 7 daily
// forcing variables and their 3-day history (mean of the previous 3 days);
// y = that day's SWE at every station. Samples are the first `days_per_year`
// days of each water year from Oct 1; whole water years form the test split.
// The station metadata is required (the synthetic forcing is driven by the real
// stations' elevation, position and southness): without it loading fails.
#include "Baselines.h"
#include "DataFiles.h"
#include "MissingValues.h"
#include "PreparedDataset.h"
#include "SweTable.h"

#include <hpt/Error.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QObject>

#include <cmath>
#include <set>

using namespace hpt;
using namespace hpt::data;

namespace {

const char* kMetadata = "Snotel_Locations_Filtered_v3.csv";
const char* kManifestSha = "6b42dd4155e6ffad575c2029c7b30e7ecd5108f83d70badc46deedbe0981f838";
const std::vector<std::string> kStatic = {"elevation", "latitude", "longitude", "southness", "land_cover"};

std::unique_ptr<Dataset> loadSwe(const QJsonObject& params, const QString& dataDir) {
    QElapsedTimer timer;
    timer.start();
    const QString source = params.value("source").toString("auto");
    const std::string policyText = params.value("missing").toString("error").toStdString();
    const MissingPolicy policy = parseMissingPolicy(policyText);
    const int firstWy = params.value("first_water_year").toInt(2001), lastWy = params.value("last_water_year").toInt(2018);
    const int perYear = params.value("days_per_year").toInt(270);
    if (firstWy > lastWy) throw configError("dataset.params.last_water_year", "must not be before first_water_year");
    std::set<int> testYears;
    for (const auto& v : params.value("test_years").toArray(QJsonArray{2014, 2006, 2017, 2016, 2007})) {
        if (!v.isDouble()) throw configError("dataset.params.test_years", "expected a list of water years such as [2014, 2006]");
        testYears.insert(v.toInt());
    }

    const QStringList dirs = searchDirs(dataDir, params, "swe");
    const QString metaPath = findFile(dirs, kMetadata);
    if (metaPath.isEmpty()) throwMissing("swe", kMetadata, dirs);
    const bool degrees = params.value("southness_angles").toString("degrees") == "degrees";
    const SnotelStations st = readSnotelStations(metaPath, degrees);
    const size_t S = st.stations.size();

    QString forcingDir;
    if (source != "synthetic") {
        for (const auto& d : dirs) {
            bool all = true;
            for (const auto& f : sweForcingFiles()) all = all && !findFile({d}, QString::fromStdString(f)).isEmpty();
            if (all) { forcingDir = d; break; }
        }
        if (source == "files" && forcingDir.isEmpty()) {
            QStringList want;
            for (const auto& f : sweForcingFiles()) want << QString::fromStdString(f);
            throwMissing("swe", want.join(", "), dirs);
        }
    }
    const bool synthetic = forcingDir.isEmpty();
    SweTable t = synthetic ? synthesizeSwe(st, firstWy, lastWy, uint64_t(params.value("seed").toInt(7)))
                           : readSweForcing(forcingDir, st, policyText,
                                            params.value("extra_stations").toString("error") == "error",
                                            params.value("swe_unit").toString("in").toStdString());
    const size_t D = t.days.size();

    // 3-day history: mean of the 3 previous rows when they are the 3 previous calendar days.
    std::vector<double> hist(D * S * 7, std::nan(""));
    for (size_t r = 3; r < D; ++r) {
        if (t.days[r - 3].daysTo(t.days[r]) != 3) continue;
        for (size_t k = 0; k < S * 7; ++k)
            hist[r * S * 7 + k] = (t.forcing[(r - 1) * S * 7 + k] + t.forcing[(r - 2) * S * 7 + k] + t.forcing[(r - 3) * S * 7 + k]) / 3.0;
    }
    // Samples: the first `perYear` rows of each water year from Oct 1 (as the reference's indices[:270]).
    std::vector<int64_t> trainRows, testRows;
    std::vector<int> rowDayOfWy(D, -1);
    int64_t dropped = 0;
    for (int wy = firstWy; wy <= lastWy; ++wy) {
        const QDate from(wy, 10, 1), to(wy + 1, 7, 1);
        int taken = 0;
        for (size_t r = 0; r < D && taken < perYear; ++r) {
            if (t.days[r] < from || t.days[r] > to) continue;
            rowDayOfWy[r] = int(from.daysTo(t.days[r]));
            ++taken;
            bool gap = false;
            for (size_t k = 0; k < S * 7 && !gap; ++k) gap = std::isnan(hist[r * S * 7 + k]) || std::isnan(t.forcing[r * S * 7 + k]);
            for (size_t s = 0; s < S && !gap; ++s) gap = std::isnan(t.swe[r * S + s]);
            if (gap) { ++dropped; continue; }
            (testYears.count(wy) ? testRows : trainRows).push_back(int64_t(r));
        }
    }
    if (trainRows.empty() || testRows.empty())
        throw configError("dataset.params.test_years", "the split leaves no training or no test day; check the water years");

    // Static features: z-scores over stations (sample std, as pandas).
    std::vector<double> stat(S * 5);
    for (size_t s = 0; s < S; ++s) {
        const auto& p = st.stations[s];
        const double v[5] = {p.elevationFt, p.lat, p.lon, p.southness, p.landCover};
        std::copy(v, v + 5, stat.begin() + long(s * 5));
    }
    auto statT = torch::from_blob(stat.data(), {int64_t(S), 5}, torch::kFloat64).clone();
    auto statMean = statT.mean(0), statStd = statT.std(0, /*unbiased=*/true).clamp_min(1e-12);
    auto statZ = ((statT - statMean) / statStd).to(torch::kFloat32);  // [S, 5]

    auto forc = torch::from_blob(t.forcing.data(), {int64_t(D), int64_t(S), 7}, torch::kFloat64);
    auto histT = torch::from_blob(hist.data(), {int64_t(D), int64_t(S), 7}, torch::kFloat64);
    auto dyn = torch::cat({forc, histT}, 2);  // [D, S, 14]
    auto sweT = torch::from_blob(t.swe.data(), {int64_t(D), int64_t(S)}, torch::kFloat64).clone();
    auto tr = torch::tensor(trainRows), te = torch::tensor(testRows);
    auto dynStats = Standardizer::fit(dyn.index_select(0, tr));
    auto targetStats = Standardizer::fit(sweT.index_select(0, tr).reshape({-1, 1}));
    auto mk = [&](const torch::Tensor& idx) {
        auto d = dynStats.apply(dyn.index_select(0, idx));
        auto s = statZ.unsqueeze(0).expand({idx.size(0), int64_t(S), 5});
        return Split{torch::cat({s, d}, 2).contiguous(), targetStats.apply(sweT.index_select(0, idx).unsqueeze(-1)).squeeze(-1).contiguous()};
    };
    auto ds = std::make_unique<PreparedDataset>();
    ds->trainSplit = mk(tr);
    ds->testSplit = mk(te);
    ds->target = targetStats;
    // Forecast origin: the day itself (Julian day number); its forcing is the latest input.
    auto julian = [&](const std::vector<int64_t>& rows) {
        std::vector<int64_t> out;
        for (int64_t r : rows) out.push_back(t.days[size_t(r)].toJulianDay());
        return torch::tensor(out, torch::kInt64);
    };
    ds->trainTime = julian(trainRows);
    ds->testTime = julian(testRows);
    ds->timeUnitName = "day";

    // Baselines: climatology (station mean for the same day of the water year over training years) and persistence
    // (yesterday's observed SWE, which the model is not given: an upper bar, not a fair rival).
    std::vector<double> climSum(S * 275, 0.0), climN(S * 275, 0.0);
    for (int64_t r : trainRows)
        for (size_t s = 0; s < S; ++s) {
            climSum[s * 275 + size_t(rowDayOfWy[size_t(r)])] += t.swe[size_t(r) * S + s];
            climN[s * 275 + size_t(rowDayOfWy[size_t(r)])] += 1;
        }
    const double meanSwe = targetStats.mean.item<double>();
    std::vector<double> clim, prev;
    for (int64_t r : testRows)
        for (size_t s = 0; s < S; ++s) {
            const size_t k = s * 275 + size_t(rowDayOfWy[size_t(r)]);
            clim.push_back(climN[k] > 0 ? climSum[k] / climN[k] : meanSwe);
            const bool yesterday = r > 0 && t.days[size_t(r - 1)].daysTo(t.days[size_t(r)]) == 1;
            prev.push_back(yesterday ? t.swe[size_t(r - 1) * S + s] : std::nan(""));
        }
    auto truth = sweT.index_select(0, te);
    // Persistence knows yesterday's observed SWE, which the model is not given by design: not comparable,
    // so skill against it is shown but never counted as the model's bar.
    QJsonObject persistence = forecastError(torch::tensor(prev).reshape(truth.sizes()), truth);
    persistence.insert("comparable", false);
    persistence.insert("note", "yesterday's observed SWE, which is not among the model's inputs");
    ds->baselineErrors = {{"climatology", forecastError(torch::tensor(clim).reshape(truth.sizes()), truth)},
                          {"persistence", persistence},
                          {"unit", QString::fromStdString(t.sweUnit)}};

    auto& i = ds->meta;
    i.name = "swe";
    i.synthetic = synthetic;
    i.source = synthetic ? "real SNOTEL station metadata; synthetic degree-day forcing and SWE (see resources/docs/datasets.md)"
                         : "real SNOTEL station metadata; supplied forcing/SWE CSVs";
    i.path = synthetic ? st.path : t.path;
    i.sha256 = synthetic ? st.sha256 : t.sha256;
    i.features = kStatic;
    for (const auto& f : sweForcingNames()) i.features.push_back(f);
    for (const auto& f : sweForcingNames()) i.features.push_back(f + "_hist3");
    for (const auto& s : st.stations) i.stations.push_back(s.name);
    i.target = "SWE";
    i.targetUnit = t.sweUnit;
    i.missingPolicy = toString(policy);
    std::vector<std::string> dynNames, dynUnits;
    for (const auto& f : sweForcingNames()) dynNames.push_back(f);
    for (const auto& f : sweForcingNames()) dynNames.push_back(f + "_hist3");
    for (int k = 0; k < 2; ++k) dynUnits.insert(dynUnits.end(), t.units.begin(), t.units.end());
    i.normalization = dynStats.toJson(dynNames, dynUnits);
    QJsonArray statJ;
    for (int k = 0; k < 5; ++k)
        statJ.append(QJsonObject{{"name", QString::fromStdString(kStatic[size_t(k)])},
                                 {"mean", statMean[k].item<double>()},
                                 {"std", statStd[k].item<double>()}});
    i.normalization.insert("static", QJsonObject{{"method", "zscore over stations (sample std)"}, {"channels", statJ}});
    i.normalization.insert("target", targetStats.toJson({"SWE"}, {t.sweUnit}));
    QJsonArray ty;
    for (int y : testYears) ty.append(y);
    i.notes = t.notes;
    i.notes.insert("metadata", QString::fromStdString(st.path));
    i.notes.insert("metadata_sha256", QString::fromStdString(st.sha256));
    i.notes.insert("metadata_sha256_matches_manifest", st.sha256 == kManifestSha);
    i.notes.insert("stations", double(S));
    i.notes.insert("test_water_years", ty);
    i.notes.insert("train_days", double(trainRows.size()));
    i.notes.insert("test_days", double(testRows.size()));
    i.notes.insert("dropped_days", double(dropped));
    i.notes.insert("southness", degrees ? "sin(slope) * cos(aspect), angles in degrees"
                                        : "sin(slope) * cos(aspect) with degree values read as radians (reference)");
    i.notes.insert("reference_difference",
                   "the reference overwrites longitude with land cover (landCover = long = ...) and min-max scales forcing over "
                   "all years including the test years; here all 5 static features are kept and dynamic features use "
                   "training-year z-scores");
    i.notes.insert("load_ms", double(timer.nsecsElapsed()) / 1e6);
    return ds;
}

}  // namespace

class SweDatasetPlugin : public QObject, public hpt::DatasetPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DATASET_IID FILE "swe.json")
    Q_INTERFACES(hpt::DatasetPlugin)
public:
    std::unique_ptr<hpt::Dataset> load(const QJsonObject& params, const QString& dataDir) const override {
        return loadSwe(params, dataDir);
    }
};

#include "SweDataset.moc"
