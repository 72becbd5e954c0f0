// Supplied SWE forcing: the reference's wide CSVs, one per variable, each with
// a Date column (YYYY-MM-DD) and one column per station name. Only dates every
// file has are kept. The reference also reads precomputed 3-day averages
// (*_H_3.csv); here the 3-day history is computed from the daily files.
#include "Csv.h"
#include "DataFiles.h"
#include "MissingValues.h"
#include "SweTable.h"

#include <hpt/Error.h>

#include <QFileInfo>

#include <map>
#include <set>
#include <unordered_map>

namespace hpt::data {

const std::vector<std::string>& sweForcingFiles() {
    static const std::vector<std::string> f = {"VE_37_Collection.csv", "VE_19_Collection.csv", "TB_Diff_Collection.csv",
                                               "Precipitation_Collection.csv", "Max_Temp_Collection.csv",
                                               "Min_Temp_Collection.csv", "Obs_Temp_Collection.csv", "SWE_Collection.csv"};
    return f;
}

namespace {
struct Wide {
    std::map<QDate, std::vector<double>> rows;  // date → value per metadata station
};

Wide readWide(const QString& path, const SnotelStations& st, bool extraAreErrors, const std::string& what, int64_t& missing) {
    const QByteArray bytes = readAll(path);
    const std::string file = path.toStdString();
    CsvCursor c(bytes, file);
    if (!c.next()) throw dataError(file, "empty file; expected a header 'Date,<station>,...'");
    std::unordered_map<std::string, size_t> stationIndex;
    for (size_t s = 0; s < st.stations.size(); ++s) stationIndex[st.stations[s].name] = s;
    int dateCol = -1;
    std::vector<int> colOf(st.stations.size(), -1);
    const size_t ncols = c.fields().size();
    for (size_t k = 0; k < ncols; ++k) {
        const std::string name(trimmed(c.fields()[k]));
        if (name == "Date") { dateCol = int(k); continue; }
        if (name.empty() || name.rfind("Unnamed", 0) == 0) continue;  // pandas index column
        auto it = stationIndex.find(name);
        if (it == stationIndex.end()) {
            if (extraAreErrors)
                throw dataError(c.where(int(k) + 1), "station '" + name + "' is not in the station metadata (" + st.path +
                                                         "); add it there, fix the name, or set extra_stations to ignore");
            continue;
        }
        colOf[it->second] = int(k);
    }
    if (dateCol < 0) throw dataError(c.where(1), "header has no 'Date' column");
    for (size_t s = 0; s < colOf.size(); ++s)
        if (colOf[s] < 0)
            throw dataError(file + ":1", "no column for station '" + st.stations[s].name + "' (" + st.path + " line " +
                                             std::to_string(st.stations[s].line) + "); every metadata station needs one");
    Wide w;
    while (c.next()) {
        c.expectColumns(ncols, "Date and one value per station, as the header");
        const std::string_view ds = trimmed(c.fields()[size_t(dateCol)]);
        const QDate d = QDate::fromString(QString::fromUtf8(ds.data(), int(std::min<size_t>(ds.size(), 10))), "yyyy-MM-dd");
        if (!d.isValid()) throw dataError(c.where(dateCol + 1), "expected a date YYYY-MM-DD, found '" + std::string(ds) + "'");
        std::vector<double> v(colOf.size());
        for (size_t s = 0; s < colOf.size(); ++s) {
            const auto x = parseNumber(c, colOf[s], what);
            if (!x) ++missing;
            v[s] = x ? *x : std::nan("");
        }
        if (!w.rows.emplace(d, std::move(v)).second)
            throw dataError(c.where(dateCol + 1), "date " + std::string(ds) + " appears twice; keep one row per date");
    }
    if (w.rows.empty()) throw dataError(file, "header only; expected one row per date");
    return w;
}
}  // namespace

SweTable readSweForcing(const QString& dir, const SnotelStations& st, const std::string& policy,
                        bool extraStationsAreErrors, const std::string& sweUnit) {
    const auto& names = sweForcingFiles();
    const std::vector<std::string> what = {"37 GHz brightness temperature in K", "19 GHz brightness temperature in K",
                                           "19-37 GHz difference in K", "precipitation in mm", "maximum temperature in degC",
                                           "minimum temperature in degC", "observed temperature in degC", "SWE in " + sweUnit};
    std::vector<Wide> w;
    int64_t missing = 0;
    QByteArray all;
    for (size_t f = 0; f < names.size(); ++f) {
        const QString p = dir + "/" + QString::fromStdString(names[f]);
        w.push_back(readWide(p, st, extraStationsAreErrors, what[f], missing));
        all += readAll(p);
    }
    if (missing && policy == "error")
        throw dataError(dir.toStdString(), std::to_string(missing) + " missing cells in the forcing files; set the dataset "
                                           "parameter missing to fill or drop (or fix the files)");
    std::set<QDate> common;
    for (const auto& [d, v] : w[0].rows) common.insert(d);
    for (size_t f = 1; f < w.size(); ++f) {
        std::set<QDate> keep;
        for (const auto& d : common)
            if (w[f].rows.count(d)) keep.insert(d);
        common.swap(keep);
    }
    if (common.empty()) throw dataError(dir.toStdString(), "the forcing files share no date");
    SweTable t;
    t.days.assign(common.begin(), common.end());
    const size_t S = st.stations.size(), D = t.days.size();
    t.forcing.resize(D * S * 7);
    t.swe.resize(D * S);
    for (size_t d = 0; d < D; ++d)
        for (size_t s = 0; s < S; ++s) {
            for (size_t f = 0; f < 7; ++f) t.forcing[(d * S + s) * 7 + f] = w[f].rows.at(t.days[d])[s];
            t.swe[d * S + s] = w[7].rows.at(t.days[d])[s];
        }
    int64_t filled = 0;
    if (policy == "fill" && missing) {
        filled += fillForward(t.forcing, int64_t(D), int64_t(S * 7), dir.toStdString());
        filled += fillForward(t.swe, int64_t(D), int64_t(S), dir.toStdString());
    }
    t.units = {"K", "K", "K", "mm", "degC", "degC", "degC"};
    t.sweUnit = sweUnit;
    t.path = dir.toStdString();
    t.sha256 = sha256Hex(all).toStdString();
    t.notes = QJsonObject{{"missing_cells", double(missing)}, {"filled_cells", double(filled)},
                          {"sha256_of", "concatenation of the 8 forcing/SWE files in the listed order"}};
    return t;
}

}  // namespace hpt::data
