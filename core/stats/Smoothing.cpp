#include "stats/Smoothing.h"

#include <hpt/Error.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace hpt {

bool parseSmoothingMethod(const std::string& s, SmoothingMethod* out) {
    if (s == "none" || s.empty()) *out = SmoothingMethod::None;
    else if (s == "ema") *out = SmoothingMethod::Ema;
    else if (s == "gaussian") *out = SmoothingMethod::Gaussian;
    else if (s == "mean" || s == "running-mean") *out = SmoothingMethod::RunningMean;
    else return false;
    return true;
}

const char* toString(SmoothingMethod m) {
    switch (m) {
    case SmoothingMethod::None: return "none";
    case SmoothingMethod::Ema: return "ema";
    case SmoothingMethod::Gaussian: return "gaussian";
    case SmoothingMethod::RunningMean: return "mean";
    }
    return "none";
}

double clampStrength(double s) { return std::isfinite(s) ? std::clamp(s, 0.0, 0.99) : 0.0; }

double smoothingWindow(double strength) { return 1.0 / (1.0 - clampStrength(strength)); }

Smoothing parseSmoothing(const std::string& spec, const std::string& where) {
    Smoothing s;
    const auto colon = spec.find(':');
    const std::string method = spec.substr(0, colon);
    if (!parseSmoothingMethod(method, &s.method))
        throw configError(where, "unknown smoothing '" + method + "'; use none, ema, gaussian or mean, optionally with "
                                 ":STRENGTH (0…0.99), e.g. ema:0.9");
    if (colon != std::string::npos) {
        const std::string num = spec.substr(colon + 1);
        char* end = nullptr;
        const double v = std::strtod(num.c_str(), &end);
        if (num.empty() || end != num.c_str() + num.size() || !(v >= 0 && v <= 0.99))
            throw configError(where, "smoothing strength '" + num + "' is not a number in 0…0.99; e.g. ema:0.9");
        s.strength = v;
    }
    return s;
}

std::vector<double> emaDebiased(const std::vector<double>& y, double weight) {
    // TensorBoard's scalar dashboard (tf-smoothing / vz_line_chart): a zero-initialised EMA
    // divided by 1 − w^k, k = the number of finite samples so far.
    const double w = clampStrength(weight);
    std::vector<double> out(y.size());
    double last = 0;
    int k = 0;
    for (size_t i = 0; i < y.size(); ++i) {
        if (!std::isfinite(y[i])) { out[i] = y[i]; continue; }
        last = last * w + (1 - w) * y[i];
        ++k;
        const double debias = w == 1 ? 1 : 1 - std::pow(w, k);
        out[i] = last / debias;
    }
    return out;
}

namespace {
// A centred weighted mean with weights kernel[|j − i|], over finite samples only.
std::vector<double> centred(const std::vector<double>& y, const std::vector<double>& kernel) {
    const long n = long(y.size()), h = long(kernel.size()) - 1;
    std::vector<double> out(y.size());
    for (long i = 0; i < n; ++i) {
        if (!std::isfinite(y[i])) { out[i] = y[i]; continue; }
        double sum = 0, wsum = 0;
        for (long j = std::max(0L, i - h); j <= std::min(n - 1, i + h); ++j) {
            if (!std::isfinite(y[j])) continue;
            const double w = kernel[size_t(std::labs(j - i))];
            sum += w * y[j];
            wsum += w;
        }
        out[i] = sum / wsum;
    }
    return out;
}
}  // namespace

std::vector<double> gaussianSmooth(const std::vector<double>& y, double sigma) {
    if (!(sigma > 0)) return y;
    const int h = std::max(1, int(std::ceil(3 * sigma)));
    std::vector<double> k(size_t(h) + 1);
    for (int d = 0; d <= h; ++d) k[size_t(d)] = std::exp(-0.5 * (d / sigma) * (d / sigma));
    return centred(y, k);
}

std::vector<double> runningMean(const std::vector<double>& y, int window) {
    if (window <= 1) return y;
    // Prefix sums over the finite samples: O(n) whatever the window, for live redraws of long runs.
    const size_t n = y.size(), h = size_t(window / 2);
    std::vector<double> sum(n + 1, 0.0);
    std::vector<size_t> count(n + 1, 0);
    for (size_t i = 0; i < n; ++i) {
        const bool f = std::isfinite(y[i]);
        sum[i + 1] = sum[i] + (f ? y[i] : 0.0);
        count[i + 1] = count[i] + (f ? 1 : 0);
    }
    std::vector<double> out(n);
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(y[i])) { out[i] = y[i]; continue; }
        const size_t lo = i > h ? i - h : 0, hi = std::min(n - 1, i + h);
        out[i] = (sum[hi + 1] - sum[lo]) / double(count[hi + 1] - count[lo]);
    }
    return out;
}

std::vector<double> smoothSeries(const std::vector<double>& y, const Smoothing& s) {
    if (!s.active()) return y;
    const double n = smoothingWindow(s.strength);
    switch (s.method) {
    case SmoothingMethod::None: return y;
    case SmoothingMethod::Ema: return emaDebiased(y, s.strength);
    case SmoothingMethod::Gaussian: return gaussianSmooth(y, n / 2);
    case SmoothingMethod::RunningMean: return runningMean(y, int(std::lround(n)));
    }
    return y;
}

}  // namespace hpt
