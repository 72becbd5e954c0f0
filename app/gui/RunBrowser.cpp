#include "gui/RunBrowser.h"

#include "gui/CsvExport.h"
#include "gui/StoreRunData.h"
#include "stats/Skill.h"
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
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace hpt::gui {

namespace {
QStandardItem* numberItem(double v, int prec = 4, const QString& suffix = {}) {
    auto* it = new QStandardItem(std::isnan(v) ? QString("—") : QString::number(v, 'g', prec) + suffix);
    it->setData(std::isnan(v) ? QVariant() : QVariant(v), Qt::UserRole);  // sort by value, not text
    return it;
}
QString duration(double s) {
    if (!(s >= 0)) return "—";
    const qint64 t = qint64(s + 0.5);
    return QString("%1:%2:%3").arg(t / 3600).arg(t / 60 % 60, 2, 10, QChar('0')).arg(t % 60, 2, 10, QChar('0'));
}
}  // namespace

RunBrowser::RunBrowser(QWidget* parent) : QWidget(parent) {
    model_ = new QStandardItemModel(0, ColumnCount, this);
    model_->setHorizontalHeaderLabels({"id", "name", "model", "dataset", "mapping", "status", "test RMSE", "test NSE",
                                       "skill", "energy [J]", "duration", "tags", "created (UTC)", "notes"});
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(Qt::UserRole);
    proxy_->setFilterKeyColumn(-1);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    table_ = new QTableView;
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(Id, Qt::DescendingOrder);
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
    filter_->setPlaceholderText("Filter runs (name, model, dataset, status, tags, notes…)");
    filter_->setClearButtonEnabled(true);
    connect(filter_, &QLineEdit::textChanged, this, &RunBrowser::setFilter);
    info_ = new QLabel;

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
    proxy_->setFilterFixedString(text);
    info_->setText(QString("%1 of %2 runs").arg(proxy_->rowCount()).arg(model_->rowCount()));
}

void RunBrowser::reload() {
    const auto keep = selectedRuns();
    model_->removeRows(0, model_->rowCount());
    if (!store_) {
        info_->setText("No store open — File ▸ Open store… or drop a .sqlite file here");
        updateButtons();
        return;
    }
    std::vector<RunSummary> runs;
    try {
        runs = store_->runs();
    } catch (const std::exception& e) {
        info_->setText(QString("Cannot read the store: %1").arg(e.what()));
        return;
    }
    int damaged = 0;
    for (const auto& r : runs) {
        damaged += r.damaged.isEmpty() ? 0 : 1;
        QList<QStandardItem*> row;
        auto* id = new QStandardItem(QString::number(r.id));
        id->setData(qlonglong(r.id), Qt::UserRole);
        row << id;
        auto text = [](const QString& s) {
            auto* it = new QStandardItem(s);
            it->setData(s.toLower(), Qt::UserRole);
            return it;
        };
        row << text(r.name) << text(r.model);
        auto* ds = text(r.dataset + (r.synthetic ? "  [synthetic]" : ""));
        if (r.synthetic) ds->setForeground(QColor(239, 108, 0));
        ds->setToolTip(r.synthetic ? "trained on a synthetic twin of the dataset" : "real data");
        row << ds << text(r.mapping);
        auto* st = text(r.status);
        if (r.status == "failed") st->setForeground(QColor(198, 40, 40));
        if (r.status == "interrupted") st->setForeground(QColor(239, 108, 0));
        if (r.status == "running") st->setForeground(QColor(21, 101, 192));
        if (!r.damaged.isEmpty()) {  // listed with what could be read, and said so
            st->setText(r.status + " (damaged)");
            st->setForeground(QColor(198, 40, 40));
            st->setToolTip(QString("damaged: field %1 of run %2 is not valid JSON").arg(r.damaged.join(", ")).arg(r.id));
        }
        row << st;
        row << numberItem(finalRmse(r.final)) << numberItem(finalNse(r.final));
        // Skill against the hardest comparable baseline (the one a result must beat); all of them in the tooltip.
        const QJsonObject skill = r.final.value("test").toObject().value("skill").toObject();
        auto* sk = numberItem(worstComparableSkill(skill));
        sk->setToolTip(skillText(skill));
        row << sk << numberItem(finalEnergy(r.final));
        auto* dur = new QStandardItem(duration(r.durationS));
        dur->setData(r.durationS, Qt::UserRole);
        row << dur << text(r.tags.join(", ")) << text(r.createdAt) << text(r.notes);
        model_->appendRow(row);
    }
    setFilter(filter_->text());
    if (damaged > 0) info_->setText(info_->text() + QString(" — %1 damaged (see the status column)").arg(damaged));
    selectRuns(keep);
    updateButtons();
}

std::vector<int64_t> RunBrowser::selectedRuns() const {
    std::vector<int64_t> ids;
    for (const auto& idx : table_->selectionModel()->selectedRows(Id))
        ids.push_back(proxy_->data(idx, Qt::UserRole).toLongLong());
    std::sort(ids.begin(), ids.end());
    return ids;
}

void RunBrowser::selectRuns(const std::vector<int64_t>& ids) {
    table_->clearSelection();
    for (int r = 0; r < proxy_->rowCount(); ++r) {
        const qint64 id = proxy_->data(proxy_->index(r, Id), Qt::UserRole).toLongLong();
        if (std::find(ids.begin(), ids.end(), id) != ids.end())
            table_->selectionModel()->select(proxy_->index(r, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
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
        for (int r = 0; r < proxy_->rowCount(); ++r)
            if (proxy_->data(proxy_->index(r, Id), Qt::UserRole).toLongLong() == ids.front())
                interrupted = proxy_->data(proxy_->index(r, Status)).toString() == "interrupted";
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
