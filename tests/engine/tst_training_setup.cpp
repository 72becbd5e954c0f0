// What a run is set up with before its first step: the learning-rate schedule
// (step, warm-up + cosine, constant), the validation carve (end of the training
// period, whole time steps, a gap, never test), gradient clipping by scale.
#include "engine/LrSchedule.h"
#include "engine/Optimizer.h"
#include "engine/ValidationSplit.h"

#include <hpt/Error.h>

#include <QtTest>
#include <cmath>

using namespace hpt;

class TestTrainingSetup : public QObject {
    Q_OBJECT
private slots:
    void stepScheduleIsTheReferenceStepLr() {
        const auto s = LrSchedule::fromJson({{"lr", 1e-3}, {"lr_gamma", 0.5}, {"lr_step_epochs", 2}}, 100);
        QVERIFY(!s.perStep());
        QCOMPARE(s.at(1, 0), 1e-3);
        QCOMPARE(s.at(50, 1), 1e-3);
        QCOMPARE(s.at(51, 2), 5e-4);
        QCOMPARE(s.at(99, 5), 2.5e-4);
    }
    void cosineWarmsUpThenDecaysToLrMin() {
        const auto s = LrSchedule::fromJson(
            {{"lr_schedule", "cosine"}, {"lr", 1e-3}, {"lr_min", 1e-5}, {"warmup_steps", 10}}, 110);
        QVERIFY(s.perStep());
        QCOMPARE(s.at(1, 0), 1e-4);   // 1/10 of lr
        QCOMPARE(s.at(10, 0), 1e-3);  // end of the warm-up
        QCOMPARE(s.at(11, 0), 1e-3);  // first cosine step: the peak
        QVERIFY(std::abs(s.at(61, 0) - (1e-5 + 0.5 * (1e-3 - 1e-5))) < 1e-12);  // half way
        QVERIFY(std::abs(s.at(111, 0) - 1e-5) < 1e-12);                           // the end
        for (int64_t k = 12; k <= 110; ++k) QVERIFY(s.at(k, 0) <= s.at(k - 1, 0));
        QCOMPARE(LrSchedule::fromJson({{"lr_schedule", "constant"}, {"lr", 2e-3}}, 10).at(7, 3), 2e-3);
    }
    void validationByTimeTakesWholeTimeStepsAtTheEnd() {
        // Times 0..9, three samples each, shuffled order (as several windows per week).
        std::vector<int64_t> t;
        for (int k = 0; k < 3; ++k)
            for (int64_t d : {4, 0, 9, 2, 7, 1, 8, 3, 6, 5}) t.push_back(d);
        const auto times = torch::tensor(t);
        const auto c = carveValidation(30, times, 0.15, 2);  // ≥ 5 samples → times 8 and 9 (6 samples)
        QVERIFY(c.byTime);
        QCOMPARE(c.valIndex.numel(), int64_t(6));
        QCOMPARE(c.firstValTime, int64_t(8));
        QCOMPARE(c.lastTrainTime, int64_t(5));  // times 6 and 7 are the gap
        QCOMPARE(c.dropped, int64_t(6));
        QVERIFY((times.index_select(0, c.valIndex) >= 8).all().item<bool>());
        QVERIFY((times.index_select(0, c.trainIndex) <= 5).all().item<bool>());
        // Training keeps its order.
        const auto ti = c.trainIndex;
        QVERIFY((ti.slice(0, 1) > ti.slice(0, 0, -1)).all().item<bool>());
    }
    void validationWithoutTimesIsTheSplitsTail() {
        const auto c = carveValidation(20, torch::Tensor(), 0.25, 1);
        QVERIFY(!c.byTime);
        QCOMPARE(c.valIndex.numel(), int64_t(5));
        QCOMPARE(c.valIndex[0].item<int64_t>(), int64_t(15));
        QCOMPARE(c.trainIndex.numel(), int64_t(14));  // sample 14 is the gap
        const auto none = carveValidation(20, torch::Tensor(), 0, 0);
        QCOMPARE(none.valIndex.numel(), int64_t(0));
        QCOMPARE(none.trainIndex.numel(), int64_t(20));
        try {
            carveValidation(4, torch::Tensor(), 0.5, 5);
            QFAIL("expected an error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.where()), QString("training.validation_fraction"));
        }
    }
    void gradientClipScalesToTheMaxNorm() {
        torch::nn::Linear l(3, 2);
        FlatAdam opt(*l, AdamOptions{});
        (l->forward(torch::ones({4, 3})).sum() * 100).backward();
        const double n = opt.gradNorm();
        QVERIFY(n > 1);
        opt.scaleGrad(1.0 / n);
        QVERIFY(std::abs(opt.gradNorm() - 1.0) < 1e-5);
    }
};

QTEST_GUILESS_MAIN(TestTrainingSetup)
#include "tst_training_setup.moc"
