// The weather twin: 29 stations in eastern Washington (AgWeatherNet's area),
// daily values of the 13 AWN variables. Each piece is a textbook relation:
//   air temperature = seasonal cycle (annual mean 52 F at sea level, amplitude
//     21 F, coldest mid-January; typical of the Columbia Basin) minus the
//     standard-atmosphere lapse rate 6.5 K/km (3.57 F per 1000 ft), plus weather
//     systems: three AR(1) modes (lag-1 correlation 0.75) shared by all stations
//     with a west-east and a south-north gradient, plus a small local AR(1) term;
//   precipitation = wet-season storms (Nov-Feb) whose occurrence follows a
//     regional storminess AR(1) and rises with elevation (orographic);
//   dew point = air temperature minus a depression that is large in dry summers
//     and small on wet days; relative humidity from the Magnus formula
//     (Alduchov & Eskridge 1996);
//   solar radiation = FAO-56 extraterrestrial radiation (Allen et al. 1998,
//     eq. 21) times a clear-sky transmissivity 0.75, dimmed on stormy days;
//   soil temperature at 8 in = air temperature smoothed with an 8-day time
//     constant (damped, lagged heat diffusion), kept above 30 F under snow;
//   wind = south-westerly prevailing direction, faster in storms; the direction
//     carries temperature advection: half the variance of tomorrow's change of
//     the domain-wide weather system (kAdvectiveShare, an assumption) is air
//     that today's wind is already bringing in: southerly (toward 180 deg) ahead
//     of warming, westerly/north-westerly (toward 270-315 deg) ahead of cooling,
//     read with 20 deg of gustiness. The rest develops in place (unforecastable).
// The target (next-day air temperature) is therefore predictable from today's
// fields (persistence of the weather systems, advection read from the wind),
// but not trivially. A pure AR(1) twin would leave at most ~7 % over
// persistence by construction; real station weather carries advection.
#include "WeatherTable.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

namespace hpt::data {

namespace {
constexpr double kPi = 3.14159265358979323846;

// FAO-56 eq. 21 daily extraterrestrial radiation, as a daily mean in W/m2.
double extraterrestrialWm2(double latDeg, int doy) {
    const double phi = latDeg * kPi / 180.0;
    const double dr = 1 + 0.033 * std::cos(2 * kPi * doy / 365.0);
    const double delta = 0.409 * std::sin(2 * kPi * doy / 365.0 - 1.39);
    const double ws = std::acos(std::clamp(-std::tan(phi) * std::tan(delta), -1.0, 1.0));
    const double gsc = 1367.0;  // W/m2, solar constant
    return gsc / kPi * dr * (ws * std::sin(phi) * std::sin(delta) + std::cos(phi) * std::cos(delta) * std::sin(ws));
}

double magnusEs(double tC) { return 6.112 * std::exp(17.62 * tC / (243.12 + tC)); }
double fToC(double f) { return (f - 32.0) * 5.0 / 9.0; }
}  // namespace

WeatherTable synthesizeWeather(int firstYear, int lastYear, int nStations, uint64_t seed) {
    WeatherTable t;
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> N(0.0, 1.0);
    std::uniform_real_distribution<double> U(0.0, 1.0);

    struct Site { double lat, lon, elev; };
    std::vector<Site> sites;
    for (int s = 0; s < nStations; ++s) {
        const double lat = 45.9 + 2.9 * U(rng), lon = -120.6 + 3.5 * U(rng);
        // Terrain rises toward the Blue Mountains (south-east) and the Cascade foothills (west).
        const double elev = 350 + 900 * U(rng) + 900 * std::max(0.0, (lon + 118.0)) * std::max(0.0, 46.6 - lat) +
                            600 * std::max(0.0, -(lon + 120.0));
        sites.push_back({lat, lon, std::min(elev, 3000.0)});
        char name[32];
        std::snprintf(name, sizeof name, "SYN-%02d", s + 1);
        t.stations.push_back(name);
    }
    for (QDate d(firstYear, 1, 1); d <= QDate(lastYear, 12, 31); d = d.addDays(1)) t.days.push_back(d);
    const size_t D = t.days.size(), S = size_t(nStations);
    t.values.assign(D * S * 13, 0.0);

    // Share of the variance of the domain-wide mode's daily innovation that today's wind already carries
    // (warm or cold advection); assumption, see the header and resources/docs/datasets.md.
    constexpr double kAdvectiveShare = 0.5;
    double z[3] = {0, 0, 0}, storm = 0, incoming = N(rng);
    std::vector<double> local(S, 0.0), soil(S, 0.0);
    const double phi = 0.75, innov = std::sqrt(1 - phi * phi);
    const double sigma[3] = {7.0, 3.0, 2.0};  // F: domain-wide, west-east, south-north modes
    for (size_t di = 0; di < D; ++di) {
        const int doy = t.days[di].dayOfYear();
        const double season = std::cos(2 * kPi * (doy - 15) / 365.25);  // +1 mid-January
        const double summer = (1 - season) / 2;
        // Yesterday's wind brought `incoming`; a new air mass is on its way for tomorrow.
        z[0] = phi * z[0] + innov * sigma[0] * (std::sqrt(kAdvectiveShare) * incoming + std::sqrt(1 - kAdvectiveShare) * N(rng));
        for (int k = 1; k < 3; ++k) z[k] = phi * z[k] + innov * sigma[k] * N(rng);
        incoming = N(rng);
        storm = 0.6 * storm + 0.8 * N(rng);
        const double wetSeason = std::max(0.0, season);  // Nov-Feb storms
        for (size_t s = 0; s < S; ++s) {
            const Site& st = sites[s];
            local[s] = 0.5 * local[s] + 1.5 * std::sqrt(1 - 0.25) * N(rng);
            const double anomaly = z[0] + z[1] * (st.lon + 118.85) / 1.75 + z[2] * (st.lat - 47.35) / 1.45 + local[s];
            const double air = 52.0 - 21.0 * season - 3.57 * st.elev / 1000.0 + anomaly;
            const double pWet = 1.0 / (1.0 + std::exp(-(-2.6 + 2.2 * wetSeason + 1.3 * storm + 0.0004 * st.elev)));
            const bool wet = U(rng) < pWet;
            const double precip = wet ? -std::log(1 - U(rng)) * 0.12 * (1 + st.elev / 5000.0) : 0.0;
            const double depression = std::max(1.0, (wet ? 3.0 : 6.0 + 20.0 * summer) + 2.0 * N(rng));
            const double dew = air - depression;
            const double rh = std::clamp(100.0 * magnusEs(fToC(dew)) / magnusEs(fToC(air)), 5.0, 100.0);
            const double leaf = std::clamp(0.05 + 0.55 * (wet ? 1.0 : 0.0) + 0.4 * std::max(0.0, (rh - 70) / 30), 0.0, 1.0);
            const double tau = std::clamp(0.75 - 0.12 * std::max(0.0, storm) - (wet ? 0.3 : 0.0) + 0.03 * N(rng), 0.1, 0.8);
            const double solar = extraterrestrialWm2(st.lat, doy) * tau;
            const double wind = std::max(0.3, 4.5 + 2.5 * std::abs(storm) + 1.5 * N(rng));
            const double dir = std::fmod(225.0 - 45.0 * incoming + 20.0 * N(rng) + 720.0, 360.0);
            if (di == 0) soil[s] = air;
            soil[s] += (air - soil[s]) / 8.0;
            const double soil8 = std::max(30.0, soil[s] + 1.5);
            const double row[13] = {st.lat, st.lon, std::round(st.elev), air, air + 0.4 * N(rng), rh, dew, leaf,
                                    precip, dir, wind, solar, soil8};
            std::copy(row, row + 13, t.values.begin() + long((di * S + s) * 13));
        }
    }
    t.notes = QJsonObject{{"generator", "seasonal cycle + lapse rate + shared AR(1) weather systems with advection read from the wind + storms; see "
                                        "plugins/datasets/weather/WeatherSynthetic.cpp and resources/docs/datasets.md"},
                          {"first_year", firstYear},
                          {"last_year", lastYear},
                          {"seed", double(seed)}};
    return t;
}

}  // namespace hpt::data
