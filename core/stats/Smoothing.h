#pragma once
// Smoothing of noisy training curves for display (batch size 1 makes every loss
// sample noisy). Three methods, as users know them from TensorBoard and W&B:
//  ema      — TensorBoard's debiased exponential moving average: with weight w,
//             last ← w·last + (1−w)·y_i, shown value = last / (1 − w^k) after k
//             finite samples (the debias keeps the first points from being pulled
//             toward 0);
//  gaussian — a centred Gaussian-weighted mean over samples, σ = N/2 samples,
//             truncated at 3σ;
//  mean     — a centred running mean of N samples (fewer at the ends).
// One strength s ∈ [0, 0.99] drives all three: EMA weight w = s, and
// N = 1/(1−s) samples (the EMA's effective window), so s = 0.9 means "about 10
// samples" for every method. Smoothing works on sample index, not step, like
// TensorBoard; non-finite samples pass through unchanged and take no part.
// Only what is drawn is smoothed: stored series never change.
#include <string>
#include <vector>

namespace hpt {

enum class SmoothingMethod { None, Ema, Gaussian, RunningMean };

struct Smoothing {
    SmoothingMethod method = SmoothingMethod::None;
    double strength = 0.6;  // TensorBoard's default weight
    bool active() const { return method != SmoothingMethod::None && strength > 0; }
};

// "none", "ema", "gaussian", "mean" (also "running-mean").
bool parseSmoothingMethod(const std::string& s, SmoothingMethod* out);
const char* toString(SmoothingMethod m);
// "ema", "ema:0.9", "gaussian:0.8", "none". Throws hpt::Error (Config, field `where`)
// naming the accepted forms.
Smoothing parseSmoothing(const std::string& spec, const std::string& where = "--smooth");
// The strength clamped to [0, 0.99].
double clampStrength(double s);
// N = 1/(1−s): the number of samples each method averages over.
double smoothingWindow(double strength);

std::vector<double> emaDebiased(const std::vector<double>& y, double weight);
std::vector<double> gaussianSmooth(const std::vector<double>& y, double sigmaSamples);
std::vector<double> runningMean(const std::vector<double>& y, int window);
// Dispatch on s.method; None (or strength 0) returns y unchanged.
std::vector<double> smoothSeries(const std::vector<double>& y, const Smoothing& s);

}  // namespace hpt
