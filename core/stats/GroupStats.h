#pragma once
// Statistics over a group of runs (e.g. the seeds of one configuration): the
// mean ± sd of a number, and a mean curve with a ±sd or 95 % confidence band.
// sd is the sample standard deviation (n − 1); the 95 % CI of the mean is
// mean ± t(0.975, n − 1)·sd/√n (Student's t, as in statistics.md). A group of
// one has no spread: sd and the CI are NaN and the band collapses to its mean.
#include <vector>

namespace hpt {

struct MeanSd {
    double mean = 0, sd = 0;
    int n = 0;  // finite values used; NaN/Inf are skipped
};
MeanSd meanSd(const std::vector<double>& values);
// t(0.975, n−1)·sd/√n; NaN when n < 2.
double ci95HalfWidth(const MeanSd& m);

enum class BandKind { Sd, Ci95 };

struct BandPoint {
    double x = 0, mean = 0, lo = 0, hi = 0;
    int n = 0;  // members with a value at x
};

struct MemberSeries {
    std::vector<double> x, y;  // x ascending
};

// The group's mean curve on the union of the members' x values; a member
// counts at x where x lies within its own first…last sample (linear
// interpolation between samples, no extrapolation), so a run that stopped early
// leaves the mean where it stops. At most `maxPoints` grid points (evenly thinned).
std::vector<BandPoint> groupBand(const std::vector<MemberSeries>& members, BandKind kind, int maxPoints = 4000);

}  // namespace hpt
