#include "Csv.h"
#include "DataFiles.h"
#include "SweTable.h"

#include <hpt/Error.h>

#include <cmath>
#include <unordered_map>

namespace hpt::data {

SnotelStations readSnotelStations(const QString& path, bool degrees) {
    const QByteArray bytes = readAll(path);
    CsvCursor c(bytes, path.toStdString());
    if (!c.next()) throw dataError(path.toStdString(), "empty file; expected the SNOTEL station table");
    std::unordered_map<std::string, int> col;
    for (size_t k = 0; k < c.fields().size(); ++k) col[std::string(trimmed(c.fields()[k]))] = int(k);
    const size_t ncols = c.fields().size();
    auto need = [&](const std::string& n) {
        auto it = col.find(n);
        if (it == col.end()) throw dataError(c.where(1), "header has no column '" + n + "'; expected Snotel_Locations_Filtered_v3.csv");
        return it->second;
    };
    const int cName = need("Station Name"), cElev = need("Elevation_x"), cLat = need("Latitude_x"),
              cLon = need("Longitude_x"), cAsp = need("Aspect_tif_x"), cSlope = need("Slope_tif1_x"), cLc = need("LandCover");
    SnotelStations out;
    out.path = path.toStdString();
    out.sha256 = sha256Hex(bytes).toStdString();
    std::unordered_map<std::string, int64_t> seen;
    auto num = [&](int k, const std::string& what, double lo, double hi) {
        const auto v = parseNumber(c, k, what, lo, hi);
        if (!v) throw dataError(c.where(k + 1), "missing value; expected " + what + " (station metadata has no gaps to fill)");
        return *v;
    };
    while (c.next()) {
        c.expectColumns(ncols, "the header's columns");
        SnotelStation s;
        s.name = std::string(trimmed(c.fields()[size_t(cName)]));
        if (s.name.empty()) throw dataError(c.where(cName + 1), "empty Station Name");
        if (auto [it, fresh] = seen.emplace(s.name, c.line()); !fresh)
            throw dataError(c.where(cName + 1), "station '" + s.name + "' is listed twice (first at line " +
                                                    std::to_string(it->second) + "); keep one row per station");
        s.elevationFt = num(cElev, "elevation in ft", -1000, 20000);
        s.lat = num(cLat, "latitude in degrees", -90, 90);
        s.lon = num(cLon, "longitude in degrees", -180, 180);
        s.aspectDeg = num(cAsp, "aspect in degrees", -1, 360);
        s.slopeDeg = num(cSlope, "slope in degrees", 0, 90);
        s.landCover = num(cLc, "NLCD land cover class", 0, 100);
        const double k = degrees ? M_PI / 180.0 : 1.0;
        s.southness = std::sin(s.slopeDeg * k) * std::cos(s.aspectDeg * k);
        s.line = c.line();
        out.stations.push_back(s);
    }
    if (out.stations.empty()) throw dataError(path.toStdString(), "header only; expected one row per station");
    return out;
}

}  // namespace hpt::data
