#pragma once
// Compare 2+ runs: one metric overlaid on shared axes (by step or wall time),
// the configuration diff (only keys that differ) and a summary table (test
// metrics, time to switch, energy per device, ReRAM writes) — the side-by-side
// view a paper's table comes from.
#include "gui/RunData.h"

#include <QWidget>
#include <cstdint>
#include <vector>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QTableWidget;

namespace hpt {
class Store;
}

namespace hpt::gui {

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);
    void setStore(Store* store);
    // Loads the runs from the store and fills plot and tables.
    void setRuns(const std::vector<int64_t>& ids);
    // Same, from runs already in memory (tests, live + stored).
    void setRunData(std::vector<RunData> runs, const std::vector<int64_t>& ids = {});
    QTableWidget* diffTable() const { return diff_; }
    QTableWidget* summaryTable() const { return summary_; }
    QCustomPlot* plot() const { return plot_; }
    void setMetric(const QString& key);

public slots:
    void redraw();
    void exportChart();
    void exportDiffCsv();
    void exportSummaryCsv();
    void exportSeriesCsv();

private:
    void fillDiff();
    void fillSummary();
    Store* store_ = nullptr;
    std::vector<RunData> runs_;
    std::vector<int64_t> ids_;
    QComboBox* metric_;
    QComboBox* align_;
    QCheckBox* log_;
    QCustomPlot* plot_;
    QTableWidget *diff_, *summary_;
    QLabel* title_;
};

}  // namespace hpt::gui
