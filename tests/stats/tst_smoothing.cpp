// Display smoothing (stats/Smoothing) and group statistics (stats/GroupStats):
// EMA equals TensorBoard's debiased EMA computed by hand, the centred methods
// keep a constant and a line, non-finite samples pass through, and the group
// mean, sd and 95 % CI match hand-computed values.
#include "stats/GroupStats.h"
#include "stats/Smoothing.h"

#include <hpt/Error.h>

#include <QtTest>
#include <cmath>

using namespace hpt;

class TestSmoothing : public QObject {
    Q_OBJECT
private slots:
    void emaMatchesTensorBoardDebiasedDefinition() {
        // w = 0.6: last_1 = 0.4·1 = 0.4, /(1−0.6) = 1; last_2 = 0.6·0.4 + 0.4·3 = 1.44, /(1−0.36) = 2.25;
        // last_3 = 0.6·1.44 + 0.4·2 = 1.664, /(1−0.216) = 2.12244…
        const auto s = emaDebiased({1, 3, 2}, 0.6);
        QCOMPARE(s.size(), size_t(3));
        QCOMPARE(s[0], 1.0);
        QVERIFY(std::abs(s[1] - 2.25) < 1e-12);
        QVERIFY(std::abs(s[2] - 1.664 / 0.784) < 1e-12);
        // A constant stays exactly constant (the debias removes the pull toward 0).
        for (double v : emaDebiased(std::vector<double>(50, 7.5), 0.95)) QVERIFY(std::abs(v - 7.5) < 1e-9);
        // Weight 0 is the raw series.
        QCOMPARE(emaDebiased({4, 1, 9}, 0.0), (std::vector<double>{4, 1, 9}));
    }
    void nonFiniteSamplesPassThroughAndAreSkipped() {
        const double nan = std::nan("");
        const auto s = emaDebiased({1, nan, 3}, 0.5);
        QVERIFY(std::isnan(s[1]));
        // The NaN does not count: the third value is the second finite sample's EMA.
        QVERIFY(std::abs(s[2] - (0.5 * 0.5 + 0.5 * 3) / 0.75) < 1e-12);
        const auto g = gaussianSmooth({1, nan, 1}, 2);
        QVERIFY(std::isnan(g[1]));
        QCOMPARE(g[0], 1.0);
    }
    void centredMethodsKeepLinesAndReduceNoise() {
        std::vector<double> line, noisy;
        for (int i = 0; i < 101; ++i) {
            line.push_back(2.0 * i + 1);
            noisy.push_back(i % 2 ? 1.0 : -1.0);
        }
        // A centred symmetric kernel reproduces a line away from the ends.
        const auto g = gaussianSmooth(line, 3);
        const auto m = runningMean(line, 5);
        for (int i = 10; i < 90; ++i) {
            QVERIFY(std::abs(g[size_t(i)] - line[size_t(i)]) < 1e-9);
            QVERIFY(std::abs(m[size_t(i)] - line[size_t(i)]) < 1e-9);
        }
        // Running mean of 5 over ±1 alternating: |mean| = 1/5 inside.
        const auto rm = runningMean(noisy, 5);
        QVERIFY(std::abs(std::abs(rm[50]) - 0.2) < 1e-12);
        // Ends average the samples that exist: the first is mean(y0, y1, y2) = (−1 + 1 − 1)/3.
        QVERIFY(std::abs(rm[0] + 1.0 / 3) < 1e-12);
        // Stronger smoothing, less variance.
        auto var = [](const std::vector<double>& v) {
            double s = 0;
            for (double x : v) s += x * x;
            return s / v.size();
        };
        Smoothing weak{SmoothingMethod::Gaussian, 0.5}, strong{SmoothingMethod::Gaussian, 0.9};
        QVERIFY(var(smoothSeries(noisy, strong)) < var(smoothSeries(noisy, weak)));
        QVERIFY(var(smoothSeries(noisy, weak)) < var(noisy));
        QCOMPARE(smoothSeries(noisy, Smoothing{}), noisy);  // none
    }
    void parsesSpecsAndRejectsBadOnes() {
        QCOMPARE(int(parseSmoothing("ema:0.9").method), int(SmoothingMethod::Ema));
        QCOMPARE(parseSmoothing("ema:0.9").strength, 0.9);
        QCOMPARE(int(parseSmoothing("mean").method), int(SmoothingMethod::RunningMean));
        QCOMPARE(parseSmoothing("gaussian").strength, 0.6);
        QCOMPARE(smoothingWindow(0.9), 1.0 / (1.0 - 0.9));
        for (const char* bad : {"median", "ema:", "ema:1.5", "ema:x"}) {
            try {
                parseSmoothing(bad);
                QFAIL(bad);
            } catch (const Error& e) {
                QVERIFY2(QString(e.what()).contains("--smooth"), e.what());
            }
        }
    }
    void groupMeanSdAndConfidenceInterval() {
        const MeanSd m = meanSd({1, 2, 3, 4, std::nan("")});
        QCOMPARE(m.n, 4);
        QCOMPARE(m.mean, 2.5);
        QVERIFY(std::abs(m.sd - std::sqrt(5.0 / 3)) < 1e-12);
        // t(0.975, 3) = 3.182446305…
        QVERIFY(std::abs(ci95HalfWidth(m) - 3.182446305284263 * m.sd / 2) < 1e-9);
        const MeanSd one = meanSd({5});
        QCOMPARE(one.mean, 5.0);
        QVERIFY(std::isnan(one.sd) && std::isnan(ci95HalfWidth(one)));
    }
    void groupBandInterpolatesAndStopsWhereRunsStop() {
        // Two members on different grids; the second stops at x = 2.
        MemberSeries a{{0, 1, 2, 3}, {0, 2, 4, 6}}, b{{0, 2}, {2, 6}};
        const auto band = groupBand({a, b}, BandKind::Sd);
        QCOMPARE(band.size(), size_t(4));
        QCOMPARE(band[1].x, 1.0);
        QCOMPARE(band[1].n, 2);
        QCOMPARE(band[1].mean, 3.0);  // a = 2, b interpolated = 4
        QVERIFY(std::abs(band[1].hi - (3 + std::sqrt(2.0))) < 1e-12);
        QCOMPARE(band[3].n, 1);  // only a reaches x = 3: no spread
        QCOMPARE(band[3].mean, 6.0);
        QCOMPARE(band[3].lo, 6.0);
        const auto ci = groupBand({a, b}, BandKind::Ci95);
        QVERIFY(ci[1].hi - ci[1].mean > band[1].hi - band[1].mean);  // t(0.975,1)/√2 = 8.98 > 1
    }
};

QTEST_GUILESS_MAIN(TestSmoothing)
#include "tst_smoothing.moc"
