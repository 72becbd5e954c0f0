#include "gui/CompareView.h"

#include "gui/Charts.h"
#include "gui/ConfigDiff.h"
#include "gui/CsvExport.h"
#include "gui/ExportDialog.h"
#include "gui/SmoothingControl.h"
#include "gui/StoreRunData.h"
#include "store/Store.h"

#include <hpt/Error.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QToolButton>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QTextStream>
#include <QSaveFile>
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

// "mean ± sd (n)" of the members' values; one value shows as itself.
QString meanSdText(const std::vector<double>& v) {
    const MeanSd m = meanSd(v);
    if (m.n == 0) return "—";
    if (m.n == 1) return num(m.mean);
    return QString("%1 ± %2 (n=%3)").arg(num(m.mean), num(m.sd, 3)).arg(m.n);
}

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
    QSettings st;
    more_ = new QToolButton;
    more_->setText("+ metrics");
    more_->setToolTip("More metrics below the first, as small multiples sharing the x axis");
    more_->setPopupMode(QToolButton::InstantPopup);
    more_->setMenu(new QMenu(more_));
    extra_ = st.value("compare/metrics").toStringList();
    group_ = new QComboBox;
    group_->setToolTip("Group the runs: each group is drawn as its mean with a band, and the summary gives mean ± sd.\n"
                       "\"all but training.seed\" puts the seeds of each configuration together.");
    group_->setMinimumContentsLength(16);
    band_ = new QComboBox;
    band_->addItem("± sd", int(BandKind::Sd));
    band_->addItem("95% CI", int(BandKind::Ci95));
    band_->setToolTip("Band around each group's mean: ± sample standard deviation, or the 95% confidence interval of the mean (Student's t)");
    band_->setCurrentIndex(st.value("compare/band").toString() == "ci95" ? 1 : 0);
    connect(group_, &QComboBox::currentIndexChanged, this, [this] { regroup(); saveChoices(); });
    connect(band_, &QComboBox::currentIndexChanged, this, [this] { saveChoices(); redraw(); });
    smoothing_ = new SmoothingControl("compare/smoothing");
    connect(smoothing_, &SmoothingControl::changed, this, &CompareView::redraw);
    auto* exp = new QPushButton("Export chart…");
    connect(exp, &QPushButton::clicked, this, &CompareView::exportChart);
    auto* series = new QPushButton("Series CSV…");
    series->setToolTip("Raw series of the compared runs (one file per run); with groups also groups-series.csv (mean and band per group)");
    connect(series, &QPushButton::clicked, this, &CompareView::exportSeriesCsv);
    auto* top = new QHBoxLayout;
    top->addWidget(title_, 1);
    top->addWidget(new QLabel("metric:"));
    top->addWidget(metric_);
    top->addWidget(more_);
    top->addWidget(align_);
    top->addWidget(log_);
    auto* groupRow = new QHBoxLayout;
    groupRow->addStretch(1);
    groupRow->addWidget(smoothing_);
    groupRow->addSpacing(12);
    groupRow->addWidget(new QLabel("group:"));
    groupRow->addWidget(group_);
    groupRow->addWidget(band_);
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
    lay->addLayout(groupRow);
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
    std::vector<QStringList> tags;
    for (auto id : ids) {
        try {
            tags.push_back(store_->summary(id).tags);
        } catch (const std::exception&) {
            tags.emplace_back();
        }
        runs.push_back(loadRunData(*store_, id));
        if (runs.back().name == QString("run %1").arg(id)) continue;
        runs.back().name = QString("#%1 %2").arg(id).arg(runs.back().name);
    }
    setRunData(std::move(runs), ids, std::move(tags));
}

void CompareView::setRunData(std::vector<RunData> runs, const std::vector<int64_t>& ids, std::vector<QStringList> tags) {
    runs_ = std::move(runs);
    ids_ = ids;
    tags_ = std::move(tags);
    tags_.resize(runs_.size());
    const QString keep = metric_->currentText().isEmpty() ? QSettings().value("compare/metric").toString() : metric_->currentText();
    std::set<QString> keys;
    for (const auto& r : runs_)
        for (const auto& kv : r.series()) keys.insert(QString::fromStdString(kv.first));
    metric_->blockSignals(true);
    metric_->clear();
    for (const auto& k : keys) metric_->addItem(k);
    const int i = metric_->findText(keep.isEmpty() ? "loss.full" : keep);
    metric_->setCurrentIndex(i >= 0 ? i : 0);
    metric_->blockSignals(false);
    more_->menu()->clear();
    for (const auto& k : keys) {
        auto* a = more_->menu()->addAction(k);
        a->setCheckable(true);
        a->setChecked(extra_.contains(k));
        connect(a, &QAction::toggled, this, [this, k](bool on) {
            if (on && !extra_.contains(k)) extra_ << k;
            if (!on) extra_.removeAll(k);
            saveChoices();
            redraw();
        });
    }
    fillGroupChoices();
    title_->setText(runs_.empty() ? "Select two or more runs in the Runs tab and press Compare."
                                  : QString("Comparing %1 runs").arg(runs_.size()));
    fillDiff();
    regroup();
}

void CompareView::setMetric(const QString& key) { metric_->setCurrentText(key); redraw(); }

void CompareView::setExtraMetrics(const QStringList& keys) {
    extra_ = keys;
    for (auto* a : more_->menu()->actions()) {
        const QSignalBlocker b(a);
        a->setChecked(extra_.contains(a->text()));
    }
    saveChoices();
    redraw();
}

QStringList CompareView::metrics() const {
    QStringList keys{metric_->currentText()};
    for (int i = 0; i < metric_->count(); ++i) {  // in the combo's (sorted) order, only keys the runs have
        const QString k = metric_->itemText(i);
        if (extra_.contains(k) && !keys.contains(k)) keys << k;
    }
    return keys;
}

void CompareView::fillGroupChoices() {
    // Keys worth grouping by are those that differ between the compared runs.
    const QString keep = group_->currentData().isValid() ? group_->currentData().toString()
                                                         : QSettings().value("compare/group", "none").toString();
    std::vector<QJsonObject> configs;
    for (const auto& r : runs_) configs.push_back(r.config);
    const QSignalBlocker b(group_);
    group_->clear();
    group_->addItem("none", "none");
    group_->addItem("by study arm", "arm");
    for (const auto& row : configDiff(configs)) {
        if (identityKeys().contains(row.key)) continue;
        group_->addItem("all but " + row.key, "but:" + row.key);
        group_->addItem("by " + row.key, "by:" + row.key);
    }
    const int i = group_->findData(keep);
    group_->setCurrentIndex(i >= 0 ? i : 0);
}

void CompareView::setGrouping(const GroupBy& by) {
    int i = group_->findData(by.toString());
    if (i < 0) {  // a key the runs agree on: still a valid grouping (one group)
        group_->addItem(by.describe(), by.toString());
        i = group_->count() - 1;
    }
    group_->setCurrentIndex(i);
    regroup();
}

GroupBy CompareView::grouping() const { return GroupBy::parse(group_->currentData().toString()); }

void CompareView::setBand(BandKind band) { band_->setCurrentIndex(band == BandKind::Ci95 ? 1 : 0); }

void CompareView::setSmoothing(const Smoothing& s) { smoothing_->setSmoothing(s); }

void CompareView::regroup() {
    const GroupBy by = grouping();
    groups_.clear();
    if (by.mode != GroupBy::None) {
        std::vector<QJsonObject> configs;
        for (const auto& r : runs_) configs.push_back(r.config);
        groups_ = groupRuns(configs, tags_, by);
    }
    fillSummary();
    redraw();
}

void CompareView::saveChoices() const {
    QSettings s;
    s.setValue("compare/metric", metric_->currentText());
    s.setValue("compare/metrics", extra_);
    s.setValue("compare/group", group_->currentData().toString());
    s.setValue("compare/band", band_->currentIndex() == 1 ? "ci95" : "sd");
}

void CompareView::redraw() {
    std::vector<const RunData*> ptrs;
    for (const auto& r : runs_) ptrs.push_back(&r);
    ChartOptions o;
    o.byWallTime = align_->currentIndex() == 1;
    o.logScale = log_->isChecked();
    o.smoothing = smoothing_->smoothing();
    CompareOptions cmp;
    cmp.groups = groups_;
    cmp.band = band_->currentIndex() == 1 ? BandKind::Ci95 : BandKind::Sd;
    const QStringList keys = metrics();
    plot_->setMinimumHeight(250 + 150 * (int(keys.size()) - 1));
    drawCompare(*plot_, keys, ptrs, o, cmp);
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
    // Per run: each row's text and its number (NaN for text rows), so groups can average them.
    std::vector<QStringList> texts(runs_.size());
    std::vector<std::vector<double>> numbers(runs_.size());
    for (int c = 0; c < int(runs_.size()); ++c) {
        const auto& r = runs_[c];
        const QJsonObject& final = finals[c];
        const QString status = statuses[c];
        const auto spans = r.phases();
        auto switchStep = [&](const char* phase) {
            for (const auto& s : spans) if (s.phase == phase) return s.startStep;
            return std::nan("");
        };
        QStringList& vals = texts[c];
        std::vector<double>& nums = numbers[c];
        auto add = [&](double v, int prec = 4) { vals << num(v, prec); nums.push_back(v); };
        auto addText = [&](const QString& t) { vals << t; nums.push_back(std::nan("")); };
        addText((status.isEmpty() ? "" : status + " / ") + (spans.empty() ? "" : spans.back().phase));
        add(finalRmse(final));
        add(finalNse(final));
        add(r.lastStep(), 10);
        add(switchStep("DUAL"), 10);
        add(switchStep("LORA"), 10);
        add(r.lastWall());
        const QJsonObject skill = final.value("test").toObject().value("skill").toObject();
        for (const auto& b : baselines) {
            const QJsonObject o = skill.value(b).toObject();
            if (o.isEmpty()) addText("—");
            else if (!o.value("comparable").toBool(true)) addText("not comparable");
            else add(o.value("skill").toDouble());
        }
        double total = 0;
        bool any = false;
        for (const auto& role : roles) {
            const auto* s = r.find("device." + role + ".energy_j");
            if (s) add(s->last()); else addText("—");
            if (s) { total += s->last(); any = true; }
        }
        for (const auto& role : roles) {
            const auto* s = r.find("device." + role + ".time_s");
            if (s) add(s->last()); else addText("—");
        }
        add(any ? total : finalEnergy(final));
        const auto* w = r.find("device.reram.writes");
        if (w) add(w->last(), 6); else addText("—");
    }
    // Columns: one per run, or one per group with mean ± sd (n) of its members.
    QStringList header{"quantity"};
    std::vector<QStringList> columns;
    if (groups_.empty()) {
        for (size_t c = 0; c < runs_.size(); ++c) {
            header << runs_[c].name;
            columns.push_back(texts[c]);
        }
    } else {
        for (const auto& g : groups_) {
            header << QString("%1 (n=%2)").arg(g.label).arg(g.members.size());
            QStringList col;
            for (int i = 0; i < rowNames.size(); ++i) {
                std::vector<double> v;
                QStringList distinct;
                for (int m : g.members) {
                    v.push_back(numbers[size_t(m)][size_t(i)]);
                    const QString t = texts[size_t(m)][i];
                    if (!distinct.contains(t)) distinct << t;
                }
                const bool anyNumber = std::any_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
                col << (anyNumber ? meanSdText(v) : distinct.join(", "));
            }
            columns.push_back(col);
        }
    }
    summary_->clear();
    summary_->setColumnCount(int(columns.size()) + 1);
    summary_->setHorizontalHeaderLabels(header);
    summary_->setRowCount(rowNames.size());
    for (int i = 0; i < rowNames.size(); ++i) summary_->setItem(i, 0, new QTableWidgetItem(rowNames[i]));
    for (int c = 0; c < int(columns.size()); ++c)
        for (int i = 0; i < columns[size_t(c)].size(); ++i) summary_->setItem(i, c + 1, new QTableWidgetItem(columns[size_t(c)][i]));
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

void CompareView::writeGroupCsv(const QString& path) const {
    // Tidy: one row per group, metric and x, with the band the chart draws (smoothing as drawn).
    const bool byWall = align_->currentIndex() == 1;
    const BandKind kind = band_->currentIndex() == 1 ? BandKind::Ci95 : BandKind::Sd;
    const Smoothing sm = smoothing_->smoothing();
    QString out = QString("group,metric,%1,n,mean,%2_lo,%2_hi\n").arg(byWall ? "wall_time_s" : "step", kind == BandKind::Ci95 ? "ci95" : "sd");
    for (const auto& g : groups_) {
        for (const auto& key : metrics()) {
            std::vector<MemberSeries> members;
            for (int m : g.members) {
                const auto* s = runs_[size_t(m)].find(key.toStdString());
                if (!s || s->empty()) continue;
                const auto& x = byWall ? s->wall : s->step;
                const auto y = smoothedValues(*s, sm);
                members.push_back({std::vector<double>(x.begin(), x.end()), std::vector<double>(y.begin(), y.end())});
            }
            for (const auto& p : groupBand(members, kind, 0))
                out += QString("%1,%2,%3,%4,%5,%6,%7\n").arg(csvField(g.label), csvField(key), QString::number(p.x, 'g', 12))
                           .arg(p.n).arg(QString::number(p.mean, 'g', 10), QString::number(p.lo, 'g', 10), QString::number(p.hi, 'g', 10));
        }
    }
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(out.toUtf8()) < 0 || !f.commit())
        throw configError(path.toStdString(), "cannot write: " + f.errorString().toStdString());
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
        if (!groups_.empty()) writeGroupCsv(QDir(dir).filePath("groups-series.csv"));
    } catch (const std::exception& e) {
        QMessageBox::warning(this, "Export failed", e.what());
    }
}

}  // namespace hpt::gui
