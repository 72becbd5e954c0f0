#pragma once
// Parallel coordinates over a sweep or study (the hparams view of TensorBoard,
// W&B and Optuna): one vertical axis per swept config key (the keys whose values
// differ between the runs), then the outcomes — test RMSE, skill per baseline,
// modeled energy, modeled time and the switch step. A run is a polyline.
// Brushing an axis keeps the runs inside the brushed interval; several brushes
// intersect. Pure data and selection here; the widget is ParallelView.
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <vector>

namespace hpt {
class Store;
}

namespace hpt::gui {

struct ParallelAxis {
    QString name;                // "lora.rank", "test RMSE"
    bool outcome = false;        // a result, not a swept key
    std::vector<double> values;  // one per run; NaN where the run has none
    QStringList categories;      // non-empty: a text/bool key, values index into it
    double lo = 0, hi = 1;       // the axis range (finite values' min…max, widened if equal)
};

struct ParallelData {
    std::vector<int64_t> runs;
    QStringList names;
    std::vector<ParallelAxis> axes;
};

struct AxisBrush {
    int axis = 0;
    double lo = 0, hi = 0;  // in the axis's units (category index for categories)
};

// From the runs' configs and final reports (same order as `ids`).
ParallelData parallelData(const std::vector<int64_t>& ids, const QStringList& names,
                          const std::vector<QJsonObject>& configs, const std::vector<QJsonObject>& finals);
// Reads the runs from the store; runs it does not hold are skipped.
ParallelData parallelDataFromStore(const Store& store, const std::vector<int64_t>& ids);
// Runs inside every brush, in data order; a run without a value on a brushed axis is out.
// No brushes: every run.
std::vector<int64_t> brushedRuns(const ParallelData& data, const std::vector<AxisBrush>& brushes);

// The sweeps and studies of a store, for the view's source list: studies by their
// "study:" tag, sweeps by run names "<sweep>-NNN" (two or more runs). Label → run ids.
std::vector<std::pair<QString, std::vector<int64_t>>> sweepsAndStudies(const Store& store);

}  // namespace hpt::gui
