#pragma once
// Downsampling for plots: the x range is cut into buckets (about one per
// pixel column) and each bucket keeps its minimum and maximum point in their
// original order, so spikes and divergences stay visible at any zoom.
#include <vector>

namespace hpt {

// x must be non-decreasing. Keeps the first and last point. Output has at most
// maxPoints points (maxPoints <= 0 or >= x.size() copies everything).
void minMaxDownsample(const std::vector<double>& x, const std::vector<double>& y, int maxPoints,
                      std::vector<double>& outX, std::vector<double>& outY);

}  // namespace hpt
