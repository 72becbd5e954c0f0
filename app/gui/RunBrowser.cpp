#include "gui/RunBrowser.h"

#include "gui/CsvExport.h"
#include "gui/RunsModel.h"
#include "store/Store.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <set>

namespace hpt::gui {


RunBrowser::RunBrowser(QWidget* parent) : QWidget(parent) {
    model_ = new RunsModel(this);
    proxy_ = new RunsFilter(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(RunsModel::SortRole);
    table_ = new QTableView;
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(RunsModel::Id, Qt::DescendingOrder);
    // Fixed row heights: the view never measures 10 000 rows' contents.
    table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->setVisible(false);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setAlternatingRowColors(true);
    connect(table_, &QTableView::doubleClicked, this, [this] {
        const auto ids = selectedRuns();
        if (ids.size() == 1) emit openRun(ids.front());
    });
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunBrowser::updateButtons);

    filter_ = new QLineEdit;
    filter_->setPlaceholderText("Filter: words, or a query such as config.lora.rank = 8 and final.test.rmse < 1");
    filter_->setToolTip("Words match name, model, dataset, status, tags and notes.\n"
                        "Queries compare config.<key>, final.<key>, status, tags, name …:\n"
                        "  = != < <= > >=, ~ (regular expression), and, or, not, ( )\n"
                        "e.g. (status = finished or status = interrupted) and final.test.skill.persistence.skill > 0\n"
                        "Grammar: resources/docs/query.md");
    filter_->setClearButtonEnabled(true);
    connect(filter_, &QLineEdit::textChanged, this, &RunBrowser::setFilter);
    info_ = new QLabel;
    filterError_ = new QLabel;
    filterError_->setStyleSheet("color: #c62828");
    filterError_->setVisible(false);

    auto button = [this](const QString& text, const QString& tip) {
        auto* b = new QPushButton(text);
        b->setToolTip(tip);
        return b;
    };
    open_ = button("Open", "Show the selected run's charts");
    compare_ = button("Compare", "Overlay the selected runs (select two or more)");
    resume_ = button("Resume", "Continue an interrupted run from its last checkpoint");
    rename_ = button("Rename…", "Rename the selected run");
    tag_ = button("Tags…", "Set tags (comma-separated)");
    notes_ = button("Notes…", "Annotate the selected run");
    delete_ = button("Delete…", "Delete the selected runs from the store");
    auto* csv = button("Export CSV…", "Save this table as CSV");
    connect(open_, &QPushButton::clicked, this, [this] { if (selectedRuns().size() == 1) emit openRun(selectedRuns().front()); });
    connect(compare_, &QPushButton::clicked, this, [this] { if (selectedRuns().size() >= 2) emit compareRuns(selectedRuns()); });
    connect(resume_, &QPushButton::clicked, this, [this] { if (selectedRuns().size() == 1) emit resumeRun(selectedRuns().front()); });
    connect(rename_, &QPushButton::clicked, this, &RunBrowser::renameSelected);
    connect(tag_, &QPushButton::clicked, this, &RunBrowser::tagSelected);
    connect(notes_, &QPushButton::clicked, this, &RunBrowser::annotateSelected);
    connect(delete_, &QPushButton::clicked, this, [this] { deleteSelected(true); });
    connect(csv, &QPushButton::clicked, this, &RunBrowser::exportCsv);

    auto* top = new QHBoxLayout;
    top->addWidget(filter_, 1);
    top->addWidget(info_);
    auto* buttons = new QHBoxLayout;
    for (auto* b : {open_, compare_, resume_, rename_, tag_, notes_, delete_}) buttons->addWidget(b);
    buttons->addStretch();
    buttons->addWidget(csv);
    auto* lay = new QVBoxLayout(this);
    lay->addLayout(top);
    lay->addWidget(filterError_);
    lay->addWidget(table_, 1);
    lay->addLayout(buttons);
    updateButtons();
}

void RunBrowser::setStore(Store* store) {
    store_ = store;
    reload();
}

void RunBrowser::setFilter(const QString& text) {
    if (filter_->text() != text) filter_->setText(text);
    try {
        proxy_->setQuery(Query::parse(text));
        filterError_->clear();
        filterError_->setVisible(false);
        filter_->setStyleSheet({});
    } catch (const QueryError& e) {
        // The list keeps the last valid filter; the box says what is wrong and where.
        filterError_->setText(QString("Query error at character %1: %2").arg(e.position() + 1).arg(e.detail()));
        filterError_->setVisible(true);
        filter_->setStyleSheet("QLineEdit { border: 1px solid #c62828; }");
        filter_->setCursorPosition(e.position());
    }
    updateInfo();
}

QString RunBrowser::filterError() const { return filterError_->text(); }
QSortFilterProxyModel* RunBrowser::proxy() const { return proxy_; }

void RunBrowser::updateInfo() {
    QString info = QString("%1 of %2 runs").arg(proxy_->rowCount()).arg(model_->rowCount());
    int damaged = 0;
    for (int r = 0; r < model_->rowCount(); ++r) damaged += model_->run(r).damaged.isEmpty() ? 0 : 1;
    if (damaged > 0) info += QString(" — %1 damaged (see the status column)").arg(damaged);
    info_->setText(info);
}

void RunBrowser::reload() {
    const auto keep = selectedRuns();
    if (!store_) {
        model_->setRuns({});
        info_->setText("No store open — File ▸ Open store… or drop a .sqlite file here");
        updateButtons();
        return;
    }
    std::vector<RunSummary> runs;
    try {
        runs = store_->runs();
    } catch (const std::exception& e) {
        model_->setRuns({});
        info_->setText(QString("Cannot read the store: %1").arg(e.what()));
        return;
    }
    Store* store = store_;
    // Configurations are read only if a query names a config key (RunsModel::matches).
    model_->setRuns(std::move(runs), [store] { return store->configs(); });
    updateInfo();
    selectRuns(keep);
    updateButtons();
}

std::vector<int64_t> RunBrowser::selectedRuns() const {
    std::vector<int64_t> ids;
    for (const auto& idx : table_->selectionModel()->selectedRows(RunsModel::Id))
        ids.push_back(proxy_->data(idx, Qt::UserRole).toLongLong());
    std::sort(ids.begin(), ids.end());
    return ids;
}

void RunBrowser::selectRuns(const std::vector<int64_t>& ids) {
    table_->clearSelection();
    const std::set<int64_t> wanted(ids.begin(), ids.end());
    QItemSelection sel;  // one selection change, not one per run
    for (int r = 0; r < proxy_->rowCount() && !wanted.empty(); ++r)
        if (wanted.count(proxy_->data(proxy_->index(r, RunsModel::Id), RunsModel::SortRole).toLongLong()))
            sel.select(proxy_->index(r, 0), proxy_->index(r, RunsModel::ColumnCount - 1));
    table_->selectionModel()->select(sel, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    updateButtons();
}

void RunBrowser::updateButtons() {
    const auto ids = selectedRuns();
    const bool one = ids.size() == 1, writable = store_ && !store_->readOnly();
    open_->setEnabled(one);
    compare_->setEnabled(ids.size() >= 2);
    rename_->setEnabled(one && writable);
    tag_->setEnabled(!ids.empty() && writable);
    notes_->setEnabled(one && writable);
    delete_->setEnabled(!ids.empty() && writable);
    bool interrupted = false;
    if (one) {
        const auto rows = table_->selectionModel()->selectedRows(RunsModel::Status);
        interrupted = rows.size() == 1 && proxy_->data(rows.front()).toString() == "interrupted";
    }
    resume_->setEnabled(one && interrupted && writable);
}

void RunBrowser::renameSelected() {
    const auto ids = selectedRuns();
    if (ids.size() != 1 || !store_) return;
    bool ok = false;
    const QString name = QInputDialog::getText(this, "Rename run", "Name:", QLineEdit::Normal, store_->summary(ids[0]).name, &ok);
    if (!ok) return;
    store_->setName(ids[0], name.trimmed());
    reload();
    emit storeChanged();
}

void RunBrowser::tagSelected() {
    const auto ids = selectedRuns();
    if (ids.empty() || !store_) return;
    bool ok = false;
    const QString tags = QInputDialog::getText(this, "Tags", "Tags (comma-separated):", QLineEdit::Normal,
                                               store_->summary(ids[0]).tags.join(", "), &ok);
    if (!ok) return;
    QStringList list;
    for (const auto& t : tags.split(',', Qt::SkipEmptyParts)) if (!t.trimmed().isEmpty()) list << t.trimmed();
    for (auto id : ids) store_->setTags(id, list);
    reload();
    emit storeChanged();
}

void RunBrowser::annotateSelected() {
    const auto ids = selectedRuns();
    if (ids.size() != 1 || !store_) return;
    bool ok = false;
    const QString notes = QInputDialog::getMultiLineText(this, "Notes", "Notes for this run:", store_->summary(ids[0]).notes, &ok);
    if (!ok) return;
    store_->setNotes(ids[0], notes);
    reload();
    emit storeChanged();
}

void RunBrowser::deleteSelected(bool confirm) {
    const auto ids = selectedRuns();
    if (ids.empty() || !store_) return;
    if (confirm) {
        QStringList names;
        for (auto id : ids) names << QString("#%1 %2").arg(id).arg(store_->summary(id).name);
        if (QMessageBox::warning(this, "Delete runs",
                                 QString("Delete %1 run%2 with all their metrics and events?\n\n%3\n\nThis cannot be undone.")
                                     .arg(ids.size()).arg(ids.size() > 1 ? "s" : "", names.join("\n")),
                                 QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) != QMessageBox::Yes)
            return;
    }
    for (auto id : ids) store_->deleteRun(id);
    reload();
    emit storeChanged();
}

void RunBrowser::exportCsv() {
    QSettings s;
    const QString path = QFileDialog::getSaveFileName(this, "Export runs as CSV", QDir(s.value("export/dir").toString()).filePath("runs.csv"),
                                                      "CSV (*.csv)");
    if (path.isEmpty()) return;
    try {
        writeTableCsv(*proxy_, path);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, "Export failed", e.what());
    }
}

}  // namespace hpt::gui
