#pragma once
// The run browser's table model, built for stores of 10 000 runs and more: one
// compact row per run (the summary plus the four numbers the table sorts by),
// cells made on demand in data() rather than an item per cell up front, and a
// run's configuration read only when a query names a config key (then once, for
// every run). RunsFilter applies the run query language (store/Query.h) to it.
#include "store/Query.h"
#include "store/Store.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <functional>
#include <map>
#include <vector>

namespace hpt::gui {

class RunsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Id, Name, Model, Dataset, Mapping, Status, Rmse, Nse, Skill, Energy, Duration, Tags, Created, Notes, ColumnCount };
    // Qt::UserRole holds the value sorted by (numbers as numbers, text lower-cased).
    static constexpr int SortRole = Qt::UserRole;

    explicit RunsModel(QObject* parent = nullptr);
    // Replaces every row. `configs` reads every run's configuration (Store::configs); it is
    // called at most once per setRuns, the first time a query needs a config key.
    void setRuns(std::vector<RunSummary> runs, std::function<std::map<int64_t, QJsonObject>()> configs = {});
    const RunSummary& run(int row) const { return rows_[size_t(row)].summary; }
    int64_t runId(int row) const { return rows_[size_t(row)].summary.id; }
    bool matches(int row, const Query& q) const;
    bool configsLoaded() const { return configsLoaded_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;

private:
    struct Row {
        RunSummary summary;
        double rmse, nse, skill, energy;  // from summary.final, computed once: the sort keys
    };
    std::vector<Row> rows_;
    std::function<std::map<int64_t, QJsonObject>()> readConfigs_;
    mutable std::map<int64_t, QJsonObject> configs_;
    mutable bool configsLoaded_ = false;
};

// Filters a RunsModel by a parsed query (an empty query keeps every row).
class RunsFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setQuery(Query q);
    const Query& query() const { return query_; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    Query query_;
};

}  // namespace hpt::gui
