#pragma once
// The Parallel tab: parallel coordinates (ParallelCoords.h) over a sweep, a
// study or the runs selected in the browser. Drag along an axis to brush an
// interval (click the axis to clear it); the runs inside every brush are
// highlighted and selected in the Runs tab (runsBrushed).
#include "gui/ParallelCoords.h"

#include <QWidget>

class QComboBox;
class QLabel;

namespace hpt::gui {

// The drawing and the mouse brushing.
class ParallelPlot : public QWidget {
    Q_OBJECT
public:
    explicit ParallelPlot(QWidget* parent = nullptr);
    void setData(ParallelData data);
    const ParallelData& data() const { return data_; }
    const std::vector<AxisBrush>& brushes() const { return brushes_; }
    // Replaces the brush of `axis` (lo/hi in the axis's units).
    void setBrush(int axis, double lo, double hi);
    void clearBrush(int axis);
    void clearBrushes();
    std::vector<int64_t> selectedRuns() const { return brushedRuns(data_, brushes_); }
    // Geometry, for hit tests and tests: the x of axis i, and the y of value v on it.
    double axisX(int axis) const;
    double valueToY(int axis, double v) const;
    double yToValue(int axis, double y) const;
    QSize sizeHint() const override { return {900, 420}; }

signals:
    void brushesChanged();

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;

private:
    int axisAt(double x) const;
    ParallelData data_;
    std::vector<AxisBrush> brushes_;
    int dragAxis_ = -1;
    double dragY0_ = 0, dragY1_ = 0;
};

class ParallelView : public QWidget {
    Q_OBJECT
public:
    explicit ParallelView(QWidget* parent = nullptr);
    void setStore(const Store* store);  // not owned; lists its sweeps and studies
    const Store* store() const { return store_; }
    // Shows these runs (a sweep, a study, a browser selection).
    void setRuns(const std::vector<int64_t>& ids);
    ParallelPlot* plot() const { return plot_; }
    QComboBox* source() const { return source_; }
    // Writes the chart as shown to a .svg (vector) or .png file; false when it cannot.
    bool exportTo(const QString& path) const;

public slots:
    void refresh();  // re-reads the list of sweeps and studies

signals:
    // The runs inside every brush (all shown runs when nothing is brushed).
    void runsBrushed(const std::vector<int64_t>& ids);
    // "From selection" pressed: the window answers with setRuns(browser selection).
    void selectionWanted();

private:
    void updateInfo();
    const Store* store_ = nullptr;
    QComboBox* source_;
    QLabel* info_;
    ParallelPlot* plot_;
};

}  // namespace hpt::gui
