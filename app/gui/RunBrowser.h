#pragma once
// The run browser: every run of the open store in a sortable, filterable
// table; rename, tag, annotate, delete (with confirmation), open, compare and
// resume an interrupted run.
#include <QWidget>
#include <cstdint>
#include <vector>

class QLineEdit;
class QLabel;
class QSortFilterProxyModel;
class QStandardItemModel;
class QTableView;
class QPushButton;

namespace hpt {
class Store;
}

namespace hpt::gui {

class RunBrowser : public QWidget {
    Q_OBJECT
public:
    enum Column { Id, Name, Model, Dataset, Mapping, Status, Rmse, Nse, Skill, Energy, Duration, Tags, Created, Notes, ColumnCount };
    explicit RunBrowser(QWidget* parent = nullptr);
    void setStore(Store* store);  // not owned; nullptr = no store open
    QTableView* table() const { return table_; }
    QSortFilterProxyModel* proxy() const { return proxy_; }
    std::vector<int64_t> selectedRuns() const;
    void selectRuns(const std::vector<int64_t>& ids);
    void setFilter(const QString& text);

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
    QStandardItemModel* model_;
    QSortFilterProxyModel* proxy_;
    QTableView* table_;
    QLineEdit* filter_;
    QLabel* info_;
    QPushButton *open_, *compare_, *resume_, *rename_, *tag_, *notes_, *delete_;
};

}  // namespace hpt::gui
