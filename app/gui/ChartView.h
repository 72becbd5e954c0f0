#pragma once
// One chart with its controls: log-scale toggle (loss, LR), step / wall-time
// alignment, export, and tooltips over event markers (t-tests show t, p, df).
#include "gui/Charts.h"

#include <QWidget>

class QCustomPlot;
class QCheckBox;
class QLabel;

namespace hpt::gui {

class ChartView : public QWidget {
    Q_OBJECT
public:
    ChartView(ChartKind kind, QWidget* parent = nullptr);
    ChartKind kind() const { return kind_; }
    QCustomPlot* plot() const { return plot_; }
    void setRun(const RunData* run);
    ChartOptions options() const { return opt_; }
    void setLogScale(bool on);
    void setByWallTime(bool on);
    // Smoothing of the noisy series (the raw ones stay, faint); exports draw what is shown.
    void setSmoothing(const Smoothing& s);
    // Redraws from the run (the live view calls it at most ~10×/s).
    void refresh();
    // The text a hover at widget pixel `pixel` shows: every marker within 8 px, nearest first; "" when none.
    QString markerTextAt(const QPointF& pixel) const;
    const std::vector<Marker>& markers() const { return markers_; }

public slots:
    void exportChart();

protected:
    void changeEvent(QEvent* e) override;

private:
    ChartKind kind_;
    QCustomPlot* plot_;
    QCheckBox* log_ = nullptr;
    const RunData* run_ = nullptr;
    ChartOptions opt_;
    std::vector<Marker> markers_;
};

}  // namespace hpt::gui
