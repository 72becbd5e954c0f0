#include "gui/CompareView.h"

#include "gui/Charts.h"
#include "gui/ConfigDiff.h"
#include "gui/CsvExport.h"
#include "gui/ExportDialog.h"
#include "gui/StoreRunData.h"
#include "store/Store.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>
#include <qcustomplot.h>
#include <set>

namespace hpt::gui {

namespace {
QTableWidget* makeTable() {
    auto* t = new QTableWidget;
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setAlternatingRowColors(true);
    t->verticalHeader()->setVisible(false);
    return t;
}
QString num(double v, int prec = 4) { return std::isnan(v) ? QString("—") : QString::number(v, 'g', prec); }

QString csvPath(QWidget* parent, const QString& name) {
    QSettings s;
    return QFileDialog::getSaveFileName(parent, "Export CSV", QDir(s.value("export/dir").toString()).filePath(name), "CSV (*.csv)");
}
}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    title_ = new QLabel("Select two or more runs in the Runs tab and press Compare.");
    metric_ = new QComboBox;
    metric_->setMinimumContentsLength(22);
    metric_->setToolTip("The metric overlaid for every run");
    align_ = new QComboBox;
    align_->addItems({"by step", "by wall time"});
    log_ = new QCheckBox("log scale");
    connect(metric_, &QComboBox::currentTextChanged, this, &CompareView::redraw);
    connect(align_, &QComboBox::currentIndexChanged, this, &CompareView::redraw);
    connect(log_, &QCheckBox::toggled, this, &CompareView::redraw);
    auto* exp = new QPushButton("Export chart…");
    connect(exp, &QPushButton::clicked, this, &CompareView::exportChart);
    auto* series = new QPushButton("Series CSV…");
    series->setToolTip("Raw series of the compared runs (one file per run)");
    connect(series, &QPushButton::clicked, this, &CompareView::exportSeriesCsv);
    auto* top = new QHBoxLayout;
    top->addWidget(title_, 1);
    top->addWidget(new QLabel("metric:"));
    top->addWidget(metric_);
    top->addWidget(align_);
    top->addWidget(log_);
    top->addWidget(exp);
    top->addWidget(series);

    plot_ = new QCustomPlot;
    plot_->setObjectName("Compare");
    plot_->setMinimumHeight(250);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);

    diff_ = makeTable();
    summary_ = makeTable();
    auto wrap = [](QTableWidget* t, QPushButton* b) {
        auto* w = new QWidget;
        auto* l = new QVBoxLayout(w);
        l->setContentsMargins(0, 0, 0, 0);
        l->addWidget(t, 1);
        auto* h = new QHBoxLayout;
        h->addStretch();
        h->addWidget(b);
        l->addLayout(h);
        return w;
    };
    auto* diffCsv = new QPushButton("Export CSV…");
    connect(diffCsv, &QPushButton::clicked, this, &CompareView::exportDiffCsv);
    auto* sumCsv = new QPushButton("Export CSV…");
    connect(sumCsv, &QPushButton::clicked, this, &CompareView::exportSummaryCsv);
    auto* tabs = new QTabWidget;
    tabs->addTab(wrap(summary_, sumCsv), "Summary");
    tabs->addTab(wrap(diff_, diffCsv), "Configuration diff");

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(plot_);
    split->addWidget(tabs);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* lay = new QVBoxLayout(this);
    lay->addLayout(top);
    lay->addWidget(split, 1);
    applyTheme(*plot_, palette());
}

void CompareView::setStore(Store* store) {
    store_ = store;
    runs_.clear();
    ids_.clear();
    setRunData({});
}

void CompareView::setRuns(const std::vector<int64_t>& ids) {
    if (!store_) return;
    std::vector<RunData> runs;
    for (auto id : ids) {
        runs.push_back(loadRunData(*store_, id));
        if (runs.back().name == QString("run %1").arg(id)) continue;
        runs.back().name = QString("#%1 %2").arg(id).arg(runs.back().name);
    }
    setRunData(std::move(runs), ids);
}

void CompareView::setRunData(std::vector<RunData> runs, const std::vector<int64_t>& ids) {
    runs_ = std::move(runs);
    ids_ = ids;
    const QString keep = metric_->currentText();
    std::set<QString> keys;
    for (const auto& r : runs_)
        for (const auto& kv : r.series()) keys.insert(QString::fromStdString(kv.first));
    metric_->blockSignals(true);
    metric_->clear();
    for (const auto& k : keys) metric_->addItem(k);
    const int i = metric_->findText(keep.isEmpty() ? "loss.full" : keep);
    metric_->setCurrentIndex(i >= 0 ? i : 0);
    metric_->blockSignals(false);
    title_->setText(runs_.empty() ? "Select two or more runs in the Runs tab and press Compare."
                                  : QString("Comparing %1 runs").arg(runs_.size()));
    fillDiff();
    fillSummary();
    redraw();
}

void CompareView::setMetric(const QString& key) { metric_->setCurrentText(key); redraw(); }

void CompareView::redraw() {
    std::vector<const RunData*> ptrs;
    for (const auto& r : runs_) ptrs.push_back(&r);
    ChartOptions o;
    o.byWallTime = align_->currentIndex() == 1;
    o.logScale = log_->isChecked();
    drawOverlay(*plot_, metric_->currentText().toStdString(), ptrs, o);
    applyTheme(*plot_, palette());
    plot_->replot();
}

void CompareView::fillDiff() {
    std::vector<QJsonObject> configs;
    for (const auto& r : runs_) configs.push_back(r.config);
    const auto rows = configDiff(configs);
    diff_->clear();
    diff_->setColumnCount(int(runs_.size()) + 1);
    QStringList header{"setting"};
    for (const auto& r : runs_) header << r.name;
    diff_->setHorizontalHeaderLabels(header);
    diff_->setRowCount(int(rows.size()));
    for (int i = 0; i < int(rows.size()); ++i) {
        diff_->setItem(i, 0, new QTableWidgetItem(rows[i].key));
        for (int j = 0; j < int(rows[i].values.size()); ++j)
            diff_->setItem(i, j + 1, new QTableWidgetItem(displayValue(rows[i].values[j])));
    }
    diff_->resizeColumnsToContents();
}

void CompareView::fillSummary() {
    // Rows are quantities, columns runs: the layout a paper's comparison table uses.
    std::set<std::string> roles;
    for (const auto& r : runs_) for (const auto& d : r.devices()) roles.insert(d);
    QStringList rowNames{"status / final phase", "test RMSE", "test NSE", "steps", "step of switch to DUAL",
                         "step of switch to LORA", "wall time [s]"};
    // Skill against each baseline any of the runs was tested against (final.test.skill).
    std::vector<QJsonObject> finals(runs_.size());
    QStringList statuses;
    QStringList baselines;
    for (size_t c = 0; c < runs_.size(); ++c) {
        QString status;
        if (store_ && c < ids_.size()) {
            try {
                const auto s = store_->summary(ids_[c]);
                finals[c] = s.final;
                status = s.status;
            } catch (const std::exception&) {
            }
        }
        statuses << status;
        for (const auto& b : finals[c].value("test").toObject().value("skill").toObject().keys())
            if (!baselines.contains(b)) baselines << b;
    }
    for (const auto& b : baselines) rowNames << QString("skill vs %1").arg(b);
    for (const auto& role : roles) rowNames << QString("energy %1 [J]").arg(QString::fromStdString(role));
    for (const auto& role : roles) rowNames << QString("time %1 [s]").arg(QString::fromStdString(role));
    rowNames << "energy total [J]" << "ReRAM cell writes";
    summary_->clear();
    summary_->setColumnCount(int(runs_.size()) + 1);
    QStringList header{"quantity"};
    for (const auto& r : runs_) header << r.name;
    summary_->setHorizontalHeaderLabels(header);
    summary_->setRowCount(rowNames.size());
    for (int i = 0; i < rowNames.size(); ++i) summary_->setItem(i, 0, new QTableWidgetItem(rowNames[i]));
    for (int c = 0; c < int(runs_.size()); ++c) {
        const auto& r = runs_[c];
        const QJsonObject& final = finals[c];
        const QString status = statuses[c];
        const auto spans = r.phases();
        auto switchStep = [&](const char* phase) {
            for (const auto& s : spans) if (s.phase == phase) return s.startStep;
            return std::nan("");
        };
        QStringList vals;
        vals << (status.isEmpty() ? "" : status + " / ") + (spans.empty() ? "" : spans.back().phase);
        vals << num(finalRmse(final)) << num(finalNse(final)) << num(r.lastStep(), 10) << num(switchStep("DUAL"), 10)
             << num(switchStep("LORA"), 10) << num(r.lastWall());
        const QJsonObject skill = final.value("test").toObject().value("skill").toObject();
        for (const auto& b : baselines) {
            const QJsonObject o = skill.value(b).toObject();
            vals << (o.isEmpty() ? QString("—") : !o.value("comparable").toBool(true) ? QString("not comparable") : num(o.value("skill").toDouble()));
        }
        double total = 0;
        bool any = false;
        for (const auto& role : roles) {
            const auto* s = r.find("device." + role + ".energy_j");
            vals << (s ? num(s->last()) : "—");
            if (s) { total += s->last(); any = true; }
        }
        for (const auto& role : roles) {
            const auto* s = r.find("device." + role + ".time_s");
            vals << (s ? num(s->last()) : "—");
        }
        vals << (any ? num(total) : num(finalEnergy(final)));
        const auto* w = r.find("device.reram.writes");
        vals << (w ? num(w->last(), 6) : "—");
        for (int i = 0; i < vals.size(); ++i) summary_->setItem(i, c + 1, new QTableWidgetItem(vals[i]));
    }
    summary_->resizeColumnsToContents();
}

void CompareView::exportChart() {
    ExportDialog dlg(plot_, "Compare " + metric_->currentText(), this);
    dlg.exec();
}

void CompareView::exportDiffCsv() {
    const QString p = csvPath(this, "config-diff.csv");
    if (p.isEmpty()) return;
    try { writeTableCsv(*diff_->model(), p); } catch (const std::exception& e) { QMessageBox::warning(this, "Export failed", e.what()); }
}

void CompareView::exportSummaryCsv() {
    const QString p = csvPath(this, "compare-summary.csv");
    if (p.isEmpty()) return;
    try { writeTableCsv(*summary_->model(), p); } catch (const std::exception& e) { QMessageBox::warning(this, "Export failed", e.what()); }
}

void CompareView::exportSeriesCsv() {
    if (runs_.empty()) return;
    QSettings s;
    const QString dir = QFileDialog::getExistingDirectory(this, "Folder for the series CSV files", s.value("export/dir").toString());
    if (dir.isEmpty()) return;
    try {
        for (size_t i = 0; i < runs_.size(); ++i) {
            const QString base = i < ids_.size() ? QString("run-%1-series.csv").arg(ids_[i]) : QString("run-%1-series.csv").arg(i + 1);
            writeSeriesCsv(runs_[i], QDir(dir).filePath(base));
        }
    } catch (const std::exception& e) {
        QMessageBox::warning(this, "Export failed", e.what());
    }
}

}  // namespace hpt::gui
