#pragma once
// Compare 2+ runs: one or more metrics as small multiples sharing the x axis
// (by step or wall time), smoothed on request, the runs either overlaid or
// grouped (by a config key, all-but-a-key, or study arm) into mean ± sd / 95 % CI
// bands; the configuration diff (only keys that differ) and a summary table (test
// metrics, time to switch, energy per device, ReRAM writes; mean ± sd per group
// when grouped) — the side-by-side view a paper's table comes from. Smoothing,
// metrics, grouping and band are saved in QSettings ("compare/…").
#include "gui/Charts.h"
#include "gui/RunData.h"

#include <QWidget>
#include <cstdint>
#include <vector>

class QCheckBox;
class QComboBox;
class QToolButton;
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
    // Same, from runs already in memory (tests, live + stored); `tags` (one list per run,
    // "arm:…" for study arms) may be empty.
    void setRunData(std::vector<RunData> runs, const std::vector<int64_t>& ids = {},
                    std::vector<QStringList> tags = {});
    QTableWidget* diffTable() const { return diff_; }
    QTableWidget* summaryTable() const { return summary_; }
    QCustomPlot* plot() const { return plot_; }
    void setMetric(const QString& key);
    // Extra metrics drawn below the first (small multiples); unknown keys are ignored.
    void setExtraMetrics(const QStringList& keys);
    QStringList metrics() const;  // the drawn keys, first one first
    void setGrouping(const GroupBy& by);
    GroupBy grouping() const;
    void setBand(BandKind band);
    void setSmoothing(const Smoothing& s);
    class SmoothingControl* smoothingControl() const { return smoothing_; }
    const std::vector<RunGroup>& groups() const { return groups_; }
    const std::vector<RunData>& runs() const { return runs_; }
    // groups-series.csv: per group, metric and x the mean and band as drawn. Throws hpt::Error.
    void writeGroupCsv(const QString& path) const;

public slots:
    void redraw();
    void exportChart();
    void exportDiffCsv();
    void exportSummaryCsv();
    void exportSeriesCsv();

private:
    void fillDiff();
    void fillSummary();
    void fillGroupChoices();
    void regroup();  // recomputes groups_ from the choice, then summary and chart
    void saveChoices() const;

    Store* store_ = nullptr;
    std::vector<RunData> runs_;
    std::vector<int64_t> ids_;
    std::vector<QStringList> tags_;
    std::vector<RunGroup> groups_;  // empty: no grouping
    QStringList extra_;             // extra metrics (small multiples)
    QComboBox* metric_;
    QToolButton* more_;
    QComboBox* group_;
    QComboBox* band_;
    class SmoothingControl* smoothing_;
    QComboBox* align_;
    QCheckBox* log_;
    QCustomPlot* plot_;
    QTableWidget *diff_, *summary_;
    QLabel* title_;
};

}  // namespace hpt::gui
