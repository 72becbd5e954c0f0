// wind: MS_winds.dat, 8387 hourly rows x 57 stations (m/s, comma-separated, no
// header). Each station's `window` past hours are its features; the target is
// every station's speed `horizon` hours after the last input hour. Test = rows
// [test_start, test_end), train = the rest; unlike the reference (which
// concatenates the two training pieces and windows across the seam) no window
// straddles a cut.
#include "Baselines.h"
#include "Csv.h"
#include "DataFiles.h"
#include "MissingValues.h"
#include "PreparedDataset.h"

#include <hpt/Error.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QObject>

#include <cmath>

using namespace hpt;
using namespace hpt::data;

namespace {

constexpr int64_t kStations = 57;
// Plausible wind speed: the highest measured surface gust is 113 m/s (WMO, Barrow Island 1996).
constexpr double kMaxSpeed = 150.0;
const char* kManifestSha = "2fd6e533687689ee1dd2aff4506cbf662900dfb312a522619bad1ce62aaf42a3";

std::unique_ptr<Dataset> loadWind(const QJsonObject& params, const QString& dataDir) {
    QElapsedTimer timer;
    timer.start();
    const int64_t W = params.value("window").toInt(12), H = params.value("horizon").toInt(1);
    const int64_t testStart = params.value("test_start").toInt(480), testEnd = params.value("test_end").toInt(2120);
    const MissingPolicy policy = parseMissingPolicy(params.value("missing").toString("error").toStdString());
    // Calendar input known at the forecast origin: the hour of day of the forecast hour (sin, cos).
    const bool hourOfDay = params.value("hour_of_day").toBool(false);

    const QStringList dirs = searchDirs(dataDir, params, "wind");
    const QString path = findFile(dirs, "MS_winds.dat");
    if (path.isEmpty()) throwMissing("wind", "MS_winds.dat", dirs);
    const QByteArray bytes = readAll(path);

    std::vector<double> vals;
    vals.reserve(8400 * kStations);
    CsvCursor c(bytes, path.toStdString());
    int64_t rows = 0, missing = 0;
    while (c.next()) {
        c.expectColumns(kStations, "one wind speed in m/s per station, no header");
        for (int col = 0; col < kStations; ++col) {
            const auto v = parseNumber(c, col, "wind speed in m/s", 0.0, kMaxSpeed);
            if (!v) {
                if (policy == MissingPolicy::Error) throwMissingCell(c.where(col + 1), "wind speed in m/s");
                ++missing;
            }
            vals.push_back(v ? *v : std::nan(""));
        }
        ++rows;
    }
    if (testStart >= testEnd || testEnd > rows)
        throw configError("dataset.params.test_end", "test rows [" + std::to_string(testStart) + ", " + std::to_string(testEnd) +
                                                         ") must lie inside the file's " + std::to_string(rows) + " rows");
    if (rows < W + H) throw dataError(path.toStdString(), "only " + std::to_string(rows) + " rows; need at least window + horizon");
    int64_t filled = 0;
    if (policy == MissingPolicy::Fill && missing) filled = fillForward(vals, rows, kStations, path.toStdString());

    auto raw = torch::from_blob(vals.data(), {rows, kStations}, torch::kFloat64).clone();
    // Rows touching a gap (only left under policy drop): a prefix count finds windows containing one.
    auto rowGap = torch::isnan(raw).any(1).to(torch::kInt64);
    auto gapPrefix = torch::cat({torch::zeros({1}, torch::kInt64), rowGap.cumsum(0)});
    auto gp = gapPrefix.accessor<int64_t, 1>();

    // Window starts t: inputs rows [t, t+W), target row t+W+H-1, all inside one segment.
    int64_t droppedWindows = 0;
    auto starts = [&](std::vector<std::pair<int64_t, int64_t>> segs) {
        std::vector<int64_t> out;
        for (auto [a, b] : segs)
            for (int64_t t = a; t + W + H - 1 < b; ++t) {
                const int64_t tgt = t + W + H - 1;
                if (gp[t + W] - gp[t] + (gp[tgt + 1] - gp[tgt]) > 0) { ++droppedWindows; continue; }
                out.push_back(t);
            }
        return out;
    };
    const auto trainStarts = starts({{0, testStart}, {testEnd, rows}});
    const auto testStarts = starts({{testStart, testEnd}});
    if (trainStarts.empty() || testStarts.empty())
        throw configError("dataset.params", "the split leaves no training or no test window; widen the segments or shrink window/horizon");

    // Per-station statistics from training rows only.
    auto trainRows = torch::cat({raw.slice(0, 0, testStart), raw.slice(0, testEnd, rows)});
    auto stz = Standardizer::fit(trainRows);
    auto norm = stz.apply(raw);                    // [rows, S] float32
    auto windows = norm.unfold(0, W, 1);           // [rows-W+1, S, W]
    auto mk = [&](const std::vector<int64_t>& st) {
        auto idx = torch::tensor(st, torch::kInt64);
        auto x = windows.index_select(0, idx);
        if (hourOfDay) {
            // The file has no timestamps but its rows are consecutive hours, so (row mod 24) is the hour of
            // day up to a constant offset, which the model absorbs. Appended after the speeds, so the
            // persistence channel stays W-1; the same two values at every station.
            constexpr double kPi = 3.14159265358979323846;
            auto phase = (idx + (W + H - 1)).remainder(24).to(torch::kFloat64) * (2 * kPi / 24.0);
            auto cal = torch::stack({phase.sin(), phase.cos()}, 1).to(x.scalar_type());  // [n, 2]
            x = torch::cat({x, cal.unsqueeze(1).expand({x.size(0), x.size(1), 2})}, 2);
        }
        return Split{x.contiguous(), norm.index_select(0, idx + (W + H - 1)).contiguous()};
    };

    auto ds = std::make_unique<PreparedDataset>();
    ds->trainSplit = mk(trainStarts);
    ds->testSplit = mk(testStarts);
    ds->target = stz;
    // Forecast origin: the last input hour (row index).
    ds->trainTime = torch::tensor(trainStarts, torch::kInt64) + (W - 1);
    ds->testTime = torch::tensor(testStarts, torch::kInt64) + (W - 1);
    ds->timeUnitName = "hour";

    // Baselines on the test windows in m/s.
    auto ti = torch::tensor(testStarts, torch::kInt64);
    auto truth = raw.index_select(0, ti + (W + H - 1));
    auto persistence = raw.index_select(0, ti + (W - 1));
    auto climatology = stz.mean.unsqueeze(0).expand_as(truth);
    ds->baselineErrors = {{"persistence", forecastError(persistence, truth)},
                          {"climatology", forecastError(climatology, truth)},
                          {"unit", "m/s"}};

    auto& i = ds->meta;
    i.name = "wind";
    i.synthetic = false;
    i.source = "Deep-Forecast MS_winds.dat (Ghaderi et al., ICML 2017 TS workshop), hourly wind speed, 57 stations";
    i.path = path.toStdString();
    i.sha256 = sha256Hex(bytes).toStdString();
    for (int64_t h = 0; h < W; ++h) i.features.push_back("speed t-" + std::to_string(W - 1 - h) + "h");
    if (hourOfDay) i.features.insert(i.features.end(), {"sin hour of day (+" + std::to_string(H) + "h)", "cos hour of day (+" + std::to_string(H) + "h)"});
    for (int64_t s = 0; s < kStations; ++s) i.stations.push_back("station " + std::to_string(s + 1));
    i.target = "wind speed +" + std::to_string(H) + "h";
    i.targetUnit = "m/s";
    i.missingPolicy = toString(policy);
    std::vector<std::string> names, units(size_t(kStations), "m/s");
    for (const auto& s : i.stations) names.push_back(s);
    i.normalization = stz.toJson(names, units);
    i.normalization.insert("scope", "per station, shared by its input hours and its target");
    i.notes = {{"rows", double(rows)},
               {"test_rows", QJsonArray{double(testStart), double(testEnd - 1)}},
               {"train_windows", double(trainStarts.size())},
               {"test_windows", double(testStarts.size())},
               {"window_h", double(W)},
               {"horizon_h", double(H)},
               {"hour_of_day", hourOfDay},
               {"windows_straddle_cut", false},
               // The input channel holding each station's speed at the forecast origin, normalised as the
               // target: what persistence forecasts and what training.target = residual adds back.
               {"persistence_feature", double(W - 1)},
               {"missing_cells", double(missing)},
               {"filled_cells", double(filled)},
               {"dropped_windows", double(droppedWindows)},
               {"sha256_matches_manifest", i.sha256 == kManifestSha},
               {"reference_difference",
                "the reference windows over the concatenated training rows, so window+horizon-1 windows cross the 479|2120 seam; here none do"},
               {"load_ms", double(timer.nsecsElapsed()) / 1e6}};
    return ds;
}

}  // namespace

class WindDatasetPlugin : public QObject, public hpt::DatasetPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DATASET_IID FILE "wind.json")
    Q_INTERFACES(hpt::DatasetPlugin)
public:
    std::unique_ptr<hpt::Dataset> load(const QJsonObject& params, const QString& dataDir) const override {
        return loadWind(params, dataDir);
    }
};

#include "WindDataset.moc"
