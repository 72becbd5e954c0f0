#pragma once
// The run browser: every run of the open store in a sortable table filtered
// by the run query language (resources/docs/query.md); rename, tag, annotate,
// delete (with confirmation), open, compare and resume an interrupted run.
// The table is a RunsModel (gui/RunsModel.h): no per-cell items, configurations
// read only when a query needs them, so 10 000 runs stay responsive.
#include <QWidget>
#include <cstdint>
#include <vector>

class QLineEdit;
class QLabel;
class QSortFilterProxyModel;
class QTableView;
class QPushButton;

namespace hpt {
class Store;
}

namespace hpt::gui {

class RunsModel;
class RunsFilter;

class RunBrowser : public QWidget {
    Q_OBJECT
public:
    explicit RunBrowser(QWidget* parent = nullptr);
    void setStore(Store* store);  // not owned; nullptr = no store open
    QTableView* table() const { return table_; }
    QSortFilterProxyModel* proxy() const;
    std::vector<int64_t> selectedRuns() const;
    void selectRuns(const std::vector<int64_t>& ids);
    // A query or free text (resources/docs/query.md). A query that does not parse keeps the
    // last valid filter and shows the error, with its position, under the box.
    void setFilter(const QString& text);
    // The error of the current filter text ("" when it parses): "at character N: …".
    QString filterError() const;
    RunsModel* runsModel() const { return model_; }

public slots:
    void reload();
    void renameSelected();
    void tagSelected();
    void annotateSelected();
    // Asks for confirmation unless `confirm` is false (tests).
    void deleteSelected(bool confirm = true);
    void exportCsv();

signals:
    void openRun(int64_t run);
    void compareRuns(const std::vector<int64_t>& runs);
    void resumeRun(int64_t run);
    void storeChanged();

private:
    void updateButtons();
    Store* store_ = nullptr;
    void updateInfo();
    RunsModel* model_;
    RunsFilter* proxy_;
    QTableView* table_;
    QLineEdit* filter_;
    QLabel* info_;
    QLabel* filterError_;
    QPushButton *open_, *compare_, *resume_, *rename_, *tag_, *notes_, *delete_;
};

}  // namespace hpt::gui
