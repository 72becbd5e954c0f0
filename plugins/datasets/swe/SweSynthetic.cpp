// The SWE twin: a degree-day snow model at every real SNOTEL station.
//   daily mean air temperature (C) = 21 - 6.5 K/km * elevation - 0.6 K/deg *
//     (latitude - 40) - 11 cos(2 pi (doy - 15) / 365.25) + weather anomaly
//     (shared AR(1) modes, lag-1 correlation 0.8, plus a local AR(1) term);
//   precipitation (mm): storms with a regional AR(1) storminess, more in winter,
//     at higher elevation (orographic) and further west (maritime);
//   snow: all precipitation on days below 1 C accumulates as SWE;
//   melt = DDF * max(T, 0) with DDF = 3.5 mm/(C day) (within the 2-6 mm/(C day)
//     range of Hock 2003, J. Hydrology 282:104), 30% faster on sun-facing slopes;
//   brightness temperatures: Tb19 ~ 0.95 * T(K); the 19-37 GHz difference grows
//     with SWE as Chang et al. 1987 (Ann. Glaciol. 9:39) SWE(mm) ~ 4.8 * dTb,
//     saturating at 500 mm, and collapses on melting days (wet snow emits).
// Every water year starts snow-free on Oct 1 (SNOTEL sites melt out by August).
#include "SweTable.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace hpt::data {

SweTable synthesizeSwe(const SnotelStations& st, int firstWaterYear, int lastWaterYear, uint64_t seed) {
    SweTable t;
    const size_t S = st.stations.size();
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> N(0.0, 1.0);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    constexpr double kPi = 3.14159265358979323846;
    constexpr int kSpinUp = 3;  // days before Oct 1 (in the table, not samples) so day one has its 3-day history
    double lonMean = 0;
    for (const auto& s : st.stations) lonMean += s.lon / double(S);

    for (int wy = firstWaterYear; wy <= lastWaterYear; ++wy) {
        const QDate start(wy, 10, 1);
        std::vector<double> swe(S, 0.0), local(S, 0.0);
        double z0 = 0, z1 = 0, storm = 0;
        for (int k = -kSpinUp; k < 270; ++k) {
            const QDate day = start.addDays(k);
            const int doy = day.dayOfYear();
            const double season = std::cos(2 * kPi * (doy - 15) / 365.25);
            z0 = 0.8 * z0 + 0.6 * 4.0 * N(rng);
            z1 = 0.8 * z1 + 0.6 * 2.0 * N(rng);
            storm = 0.6 * storm + 0.8 * N(rng);
            t.days.push_back(day);
            for (size_t s = 0; s < S; ++s) {
                const SnotelStation& p = st.stations[s];
                const double elevKm = p.elevationFt * 0.3048 / 1000.0;
                local[s] = 0.5 * local[s] + 1.3 * N(rng);
                const double tMean = 21.0 - 6.5 * elevKm - 0.6 * (p.lat - 40.0) - 11.0 * season + z0 +
                                     z1 * (p.lon - lonMean) / 8.0 + local[s];
                const double tMax = tMean + 7.0 + 1.0 * N(rng), tMin = tMean - 7.0 + 1.0 * N(rng);
                const double maritime = std::max(0.0, (lonMean - p.lon) / 5.0);
                const double pWet = 1.0 / (1.0 + std::exp(-(-1.3 + 1.1 * storm + 0.8 * std::max(0.0, season) +
                                                           0.4 * (elevKm - 2.0) + 0.3 * maritime)));
                const double precip = U(rng) < pWet ? -std::log(1 - U(rng)) * 8.0 * (1 + 0.3 * (elevKm - 2.0)) * (1 + 0.4 * maritime)
                                                    : 0.0;
                if (tMean < 1.0) swe[s] += std::max(0.0, precip);
                const double ddf = 3.5 * (1.0 + 0.3 * std::clamp(p.southness, -1.0, 1.0));
                const bool melting = tMean > 0.0 && swe[s] > 0.0;
                swe[s] = std::max(0.0, swe[s] - ddf * std::max(0.0, tMean));
                double dTb = std::min(swe[s], 500.0) / 4.8;
                if (melting) dTb *= 0.3;
                const double tb19 = 0.95 * (tMean + 273.15) + 1.5 * N(rng);
                const double tbDiff = dTb + 2.0 * N(rng);
                const double row[7] = {tb19 - tbDiff, tb19, tbDiff, precip, tMax, tMin, tMean};
                t.forcing.insert(t.forcing.end(), row, row + 7);
                t.swe.push_back(swe[s]);
            }
        }
    }
    t.units = {"K", "K", "K", "mm", "degC", "degC", "degC"};
    t.sweUnit = "mm";
    t.notes = QJsonObject{{"generator", "degree-day snow model at the real SNOTEL stations; see plugins/datasets/swe/SweSynthetic.cpp "
                                        "and resources/docs/datasets.md"},
                          {"first_water_year", firstWaterYear},
                          {"last_water_year", lastWaterYear},
                          {"seed", double(seed)}};
    return t;
}

}  // namespace hpt::data
