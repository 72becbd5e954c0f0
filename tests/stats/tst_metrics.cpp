// Evaluation metrics on hand-computed cases (see the comments for the arithmetic).
#include "stats/Metrics.h"

#include <hpt/Error.h>

#include <QtTest>
#include <cmath>

using namespace hpt;

namespace {
// pred = [1, 2, 3, 4], truth = [1, 2, 2, 5]
//   error = [0, 0, 1, −1]: MSE = 2/4 = 0.5, MAE = 0.5, RMSE = √0.5
//   mean(truth) = 2.5, SS_tot = 2.25 + 0.25 + 0.25 + 6.25 = 9, SS_res = 2 → NSE = 7/9
//   centred pred [−1.5, −.5, .5, 1.5], centred truth [−1.5, −.5, −.5, 2.5]:
//   cov = 6, SS_pred = 5 → R² = 36 / (9 · 5) = 0.8
const std::vector<double> kPred{1, 2, 3, 4}, kTruth{1, 2, 2, 5};

torch::Tensor vec(const std::vector<double>& v) { return torch::tensor(v, torch::kDouble); }

void checkHandCase(const RegressionMetrics& m) {
    QCOMPARE(m.n, int64_t(4));
    QVERIFY(std::fabs(m.mse - 0.5) < 1e-15);
    QVERIFY(std::fabs(m.rmse - std::sqrt(0.5)) < 1e-15);
    QVERIFY(std::fabs(m.mae - 0.5) < 1e-15);
    QVERIFY(std::fabs(m.nse - 7.0 / 9.0) < 1e-15);
    QVERIFY(std::fabs(m.r2 - 0.8) < 1e-15);
}

QString errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const hpt::Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}
}  // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void handCase() { checkHandCase(regressionMetrics(vec(kPred), vec(kTruth))); }
    void shapeIsFlattened() {
        checkHandCase(regressionMetrics(vec(kPred).reshape({2, 2}), vec(kTruth).reshape({2, 2})));
    }
    void float32InputIsEvaluatedInDouble() {
        const auto m = regressionMetrics(vec(kPred).to(torch::kFloat), vec(kTruth).to(torch::kFloat));
        QVERIFY(std::fabs(m.nse - 7.0 / 9.0) < 1e-12);
    }
    void biasLowersNseNotR2() {
        // A constant offset of 1 keeps the correlation (R² = 1) but costs NSE: SS_res = 4·1, SS_tot = 9.
        const auto m = regressionMetrics(vec(kTruth) + 1, vec(kTruth));
        QVERIFY(std::fabs(m.r2 - 1.0) < 1e-12);
        QVERIFY(std::fabs(m.nse - (1 - 4.0 / 9.0)) < 1e-12);
        QVERIFY(std::fabs(m.mae - 1.0) < 1e-15);
    }
    void perColumn() {
        // column 0: the hand case; column 1: constant truth 3 with exact prediction; column 2:
        // constant truth with a wrong prediction.
        auto pred = torch::stack({vec(kPred), vec({3, 3, 3, 3}), vec({3, 3, 3, 4})}, 1);
        auto truth = torch::stack({vec(kTruth), vec({3, 3, 3, 3}), vec({3, 3, 3, 3})}, 1);
        const auto m = perColumnMetrics(pred, truth);
        QCOMPARE(m.size(), size_t(3));
        checkHandCase(m[0]);
        QCOMPARE(m[1].mse, 0.0);
        QCOMPARE(m[1].nse, 1.0);
        QVERIFY(std::isnan(m[1].r2));
        QVERIFY(std::isinf(m[2].nse) && m[2].nse < 0);
        QVERIFY(std::fabs(m[2].mse - 0.25) < 1e-15);
        // The pooled metrics differ from the per-column mean: pooling is over all elements.
        const auto all = regressionMetrics(pred, truth);
        QCOMPARE(all.n, int64_t(12));
        QVERIFY(std::fabs(all.mse - (2.0 + 0 + 1) / 12) < 1e-15);
    }
    void rejectsBadInput() {
        QString m = errorOf([] { regressionMetrics(vec({1, 2}), vec({1, 2, 3})); });
        QVERIFY2(m.contains("[2]") && m.contains("[3]"), qPrintable(m));
        m = errorOf([] { regressionMetrics(vec({1, NAN}), vec({1, 2})); });
        QVERIFY2(m.contains("prediction contains NaN"), qPrintable(m));
        m = errorOf([] { regressionMetrics(vec({1, 2}), vec({INFINITY, 2})); });
        QVERIFY2(m.contains("truth contains NaN or Inf"), qPrintable(m));
        m = errorOf([] { regressionMetrics(torch::empty({0}), torch::empty({0})); });
        QVERIFY2(m.contains("no elements"), qPrintable(m));
        m = errorOf([] { perColumnMetrics(vec({1, 2}), vec({1, 2})); });
        QVERIFY2(m.contains("[N, C]"), qPrintable(m));
    }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
