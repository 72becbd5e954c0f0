#pragma once
// SNOTEL stations and their daily forcing before splitting: what the synthetic
// twin and the wide-CSV reader both produce.
#include <QDate>
#include <QJsonObject>

#include <string>
#include <vector>

namespace hpt::data {

struct SnotelStation {
    std::string name;
    double elevationFt = 0, lat = 0, lon = 0, aspectDeg = 0, slopeDeg = 0, landCover = 0;
    double southness = 0;  // sin(slope) * cos(aspect)
    int64_t line = 0;      // in the metadata file
};

struct SnotelStations {
    std::vector<SnotelStation> stations;
    std::string path, sha256;
};

// Reads Snotel_Locations_Filtered_v3.csv. `degrees`: slope and aspect are degrees
// (converted to radians for the sine/cosine); false reproduces the reference,
// which passes the degree values to sin/cos as radians.
SnotelStations readSnotelStations(const QString& path, bool degrees);

// The 7 daily forcing variables, in the reference's order.
inline const std::vector<std::string>& sweForcingNames() {
    static const std::vector<std::string> v = {"VE_37", "VE_19", "TB_diff", "precip", "max_temp", "min_temp", "obs_temp"};
    return v;
}

struct SweTable {
    std::vector<QDate> days;     // consecutive or not; history uses the previous 3 rows
    std::vector<double> forcing; // [days, stations, 7]
    std::vector<double> swe;     // [days, stations]
    std::vector<std::string> units;  // of the 7 forcing variables
    std::string sweUnit;
    std::string path, sha256;
    QJsonObject notes;
};

// Synthetic twin: degree-day snow model driven by the stations' real elevation,
// latitude, longitude and southness. Water years first..last (Oct 1 → Jul 1).
SweTable synthesizeSwe(const SnotelStations& st, int firstWaterYear, int lastWaterYear, uint64_t seed);
// Wide CSVs (Date + one column per station name) in `dir`; see SweForcingFiles.cpp.
SweTable readSweForcing(const QString& dir, const SnotelStations& st, const std::string& policy,
                        bool extraStationsAreErrors, const std::string& sweUnit);
// File names the reader expects, forcing order then SWE.
const std::vector<std::string>& sweForcingFiles();

}  // namespace hpt::data
