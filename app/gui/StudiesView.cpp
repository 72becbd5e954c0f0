#include "gui/StudiesView.h"
#include "gui/SmoothingControl.h"

#include "gui/Charts.h"
#include "gui/StudyCharts.h"
#include "store/Store.h"
#include "study/StudyReport.h"

#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <qcustomplot.h>

namespace hpt::gui {

StudiesView::StudiesView(QWidget* parent) : QWidget(parent) {
    list_ = new QListWidget;
    list_->setObjectName("studyList");
    alpha_ = new QDoubleSpinBox;
    alpha_->setDecimals(3);
    alpha_->setRange(0.001, 0.5);
    alpha_->setSingleStep(0.01);
    alpha_->setValue(0.01);
    alpha_->setPrefix("α = ");
    alpha_->setToolTip("Significance level of the paired quality test");
    auto* reload = new QPushButton("Reload");
    auto* exportBtn = new QPushButton("Export…");
    exportBtn->setToolTip("Write study.md, study.csv, study.json and the charts (PNG, SVG) to a folder");
    title_ = new QLabel("No study selected. Run one with: hpt study EXPERIMENT.json --store <this store>");
    title_->setWordWrap(true);
    table_ = new QTextBrowser;
    table_->setObjectName("studyTable");
    smoothing_ = new SmoothingControl("studies/smoothing");  // for the loss curves; saved with the view
    connect(smoothing_, &SmoothingControl::changed, this, [this] {
        if (report_.isEmpty()) return;
        drawStudyLoss(*loss_, report_, store_.get(), smoothing_->smoothing());
        applyTheme(*loss_, palette());
        loss_->replot();
    });
    tabs_ = new QTabWidget;
    tabs_->addTab(table_, "Table");
    for (auto** p : {&cost_, &loss_, &pareto_}) *p = new QCustomPlot;
    cost_->setObjectName("cost");
    loss_->setObjectName("loss");
    pareto_->setObjectName("pareto");
    tabs_->addTab(cost_, "Time and energy");
    tabs_->addTab(loss_, "Loss curves");
    tabs_->addTab(pareto_, "Energy vs error");

    auto* left = new QWidget;
    auto* ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 0, 0, 0);
    ll->addWidget(new QLabel("Studies in this store"));
    ll->addWidget(list_);
    auto* right = new QWidget;
    auto* rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(title_, 1);
    bar->addWidget(alpha_);
    bar->addWidget(smoothing_);
    bar->addWidget(reload);
    bar->addWidget(exportBtn);
    rl->addLayout(bar);
    rl->addWidget(tabs_, 1);
    auto* split = new QSplitter;
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(1, 4);
    auto* lay = new QVBoxLayout(this);
    lay->addWidget(split);

    connect(list_, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0) show(list_->item(row)->data(Qt::UserRole).toString());
    });
    connect(alpha_, &QDoubleSpinBox::valueChanged, this, [this] {
        if (!report_.isEmpty()) show(report_.value("study_id").toString());
    });
    connect(reload, &QPushButton::clicked, this, &StudiesView::refresh);
    connect(exportBtn, &QPushButton::clicked, this, [this] { exportTo(); });
}

StudiesView::~StudiesView() = default;

void StudiesView::setStore(const QString& path) {
    store_.reset();
    storePath_ = path;
    try {
        if (!path.isEmpty()) store_ = std::make_unique<Store>(path, true);
    } catch (const std::exception& e) {
        title_->setText(QString("Cannot read %1: %2").arg(path, e.what()));
    }
    refresh();
}

void StudiesView::refresh() {
    const QString current = report_.value("study_id").toString();
    list_->blockSignals(true);
    list_->clear();
    int select = -1;
    if (store_) {
        for (const auto& s : study::listStudies(*store_)) {
            QStringList arms;
            for (const auto& a : s.arms) arms << a.name;
            auto* item = new QListWidgetItem(QString("%1\n%2 · %3/%4 runs finished").arg(s.id, arms.join(", ")).arg(s.finished).arg(s.runs));
            item->setData(Qt::UserRole, s.id);
            item->setToolTip(QString("%1, seeds %2, first run %3").arg(s.experiment).arg(s.seeds.size()).arg(s.createdAt));
            list_->addItem(item);
            if (s.id == current) select = list_->count() - 1;
        }
    }
    list_->blockSignals(false);
    if (select >= 0) {
        list_->setCurrentRow(select);
        show(current);
    } else if (list_->count() > 0) {
        list_->setCurrentRow(0);  // shows it
    } else {
        report_ = {};
        table_->clear();
        for (auto* p : {cost_, loss_, pareto_}) {
            p->clearPlottables();
            p->replot();
        }
    }
}

QStringList StudiesView::studyIds() const {
    QStringList ids;
    for (int i = 0; i < list_->count(); ++i) ids << list_->item(i)->data(Qt::UserRole).toString();
    return ids;
}

bool StudiesView::openStudy(const QString& id) {
    const int row = int(studyIds().indexOf(id));
    if (row < 0) return false;
    list_->setCurrentRow(row);
    if (report_.value("study_id").toString() != id) show(id);
    return true;
}

QCustomPlot* StudiesView::chart(const QString& name) const {
    if (name == "cost") return cost_;
    if (name == "loss") return loss_;
    if (name == "pareto") return pareto_;
    return nullptr;
}

void StudiesView::show(const QString& id) {
    if (!store_) return;
    try {
        report_ = study::reportFromStore(*store_, id, alpha_->value());
    } catch (const std::exception& e) {
        report_ = {};
        table_->setPlainText(QString("Cannot read study %1: %2").arg(id, e.what()));
        return;
    }
    title_->setText(QString("<b>%1</b> — %2").arg(id, report_.value("experiment").toString()));
    table_->setMarkdown(study::toMarkdown(report_));
    drawStudyCost(*cost_, report_);
    drawStudyLoss(*loss_, report_, store_.get(), smoothing_->smoothing());
    drawStudyPareto(*pareto_, report_);
    for (auto* p : {cost_, loss_, pareto_}) {
        applyTheme(*p, palette());
        p->replot();
    }
}

bool StudiesView::exportTo(QString dir) {
    if (report_.isEmpty()) return false;
    if (dir.isEmpty()) dir = QFileDialog::getExistingDirectory(this, "Export study to folder");
    if (dir.isEmpty()) return false;
    try {
        QJsonObject rep = report_;
        writeStudyFiles(rep, storePath_, dir, {"png", "svg"});
        return true;
    } catch (const std::exception& e) {
        QMessageBox::warning(this, "Cannot export the study", e.what());
        return false;
    }
}

}  // namespace hpt::gui
