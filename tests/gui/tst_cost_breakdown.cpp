// The run view's stacked bars of device energy: one layer per component, one
// bar per phase and device, each bar as tall as the device's total.
#include "gui/CostBreakdownView.h"

#include <QtTest>
#include <qcustomplot.h>

class TestCostBreakdown : public QObject {
    Q_OBJECT
private slots:
    void stacksComponentsPerPhaseAndDevice() {
        auto part = [](double j) { return QJsonObject{{"time_s", 0.0}, {"energy_j", j}}; };
        const QJsonObject final{
            {"devices_per_phase",
             QJsonObject{{"FULL", QJsonObject{{"gpu", QJsonObject{{"energy_j", 3.0},
                                                                  {"components", QJsonObject{{"compute", part(2)}, {"static", part(1)}}}}}}},
                         {"LORA", QJsonObject{{"reram", QJsonObject{{"energy_j", 0.6},
                                                                    {"components", QJsonObject{{"adc", part(0.1)}, {"static", part(0.5)}}}}},
                                              {"systolic", QJsonObject{{"energy_j", 0.2},
                                                                       {"components", QJsonObject{{"compute", part(0.2)}}}}}}}}}};
        hpt::gui::CostBreakdownView v;
        v.setFinal(final);
        QCOMPARE(v.barCount(), 3);  // adc, compute, static
        // Column totals: FULL gpu 3, LORA reram 0.6, LORA systolic 0.2.
        std::vector<double> totals(3, 0.0);
        for (int i = 0; i < v.plot()->plottableCount(); ++i) {
            auto* bars = qobject_cast<QCPBars*>(v.plot()->plottable(i));
            QVERIFY(bars);
            for (auto it = bars->data()->begin(); it != bars->data()->end(); ++it) totals[size_t(it->key) - 1] += it->value;
        }
        QCOMPARE(totals[0], 3.0);
        QCOMPARE(totals[1], 0.6);
        QCOMPARE(totals[2], 0.2);
        v.setFinal({});  // a run without cost data: nothing drawn
        QCOMPARE(v.barCount(), 0);
    }
};

QTEST_MAIN(TestCostBreakdown)
#include "tst_cost_breakdown.moc"
