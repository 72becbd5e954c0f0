#pragma once
// Daily station weather in AgWeatherNet units, before splitting: what both the
// synthetic twin and the AWN file reader produce.
#include <QDate>
#include <QJsonObject>

#include <cstdint>
#include <string>
#include <vector>

namespace hpt::data {

// The 13 AWN variables the reference feeds its model, in its order.
inline const std::vector<std::string>& awnVariables() {
    static const std::vector<std::string> v = {
        "LATITUDE", "LONGITUDE", "ELEVATION_FEET", "AIR_TEMP_F", "SECOND_AIR_TEMP_F", "RELATIVE_HUMIDITY_%",
        "DEWPOINT_F", "LEAF_WETNESS", "PRECIP_INCHES", "WIND_DIRECTION_DEG", "WIND_SPEED_MPH", "SOLAR_RAD_WM2",
        "SOIL_TEMP_8_IN_DEGREES_F"};
    return v;
}
inline const std::vector<std::string>& awnUnits() {
    static const std::vector<std::string> u = {"deg", "deg", "ft", "degF", "degF", "%", "degF", "", "in", "deg", "mph",
                                               "W/m2", "degF"};
    return u;
}
constexpr int kAirTemp = 3;  // index of AIR_TEMP_F

struct WeatherTable {
    std::vector<QDate> days;
    std::vector<std::string> stations;
    std::vector<double> values;  // [days, stations, 13], NaN = missing
    std::string path, sha256;    // empty for the synthetic twin
    QJsonObject notes;
    double at(size_t d, size_t s, size_t v) const { return values[(d * stations.size() + s) * 13 + v]; }
};

// The synthetic twin: no files needed, deterministic for a seed.
WeatherTable synthesizeWeather(int firstYear, int lastYear, int stations, uint64_t seed);
// AWN hourly exports (one CSV per station) → daily values on the dates all
// stations share. Missing cells follow `policy` ("error", "fill", "drop").
WeatherTable readAwnFiles(const std::vector<std::string>& files, const std::string& policy);

}  // namespace hpt::data
