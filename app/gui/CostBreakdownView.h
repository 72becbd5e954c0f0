#pragma once
// A run's device energy as stacked bars: one bar per phase and device, one
// layer per component (adc, dac, crossbar, static, launch, ...), from the
// final report's devices_per_phase (docs/devices.md "Breakdown").
#include <QJsonObject>
#include <QWidget>

class QCustomPlot;

namespace hpt::gui {

class CostBreakdownView : public QWidget {
    Q_OBJECT
public:
    explicit CostBreakdownView(QWidget* parent = nullptr);
    // `final`: a run's final report; a run without component data shows nothing.
    void setFinal(const QJsonObject& final);
    QCustomPlot* plot() const { return plot_; }
    int barCount() const { return bars_; }

private:
    QCustomPlot* plot_;
    int bars_ = 0;
};

}  // namespace hpt::gui
