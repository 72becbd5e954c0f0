#include "gui/ChartView.h"

#include "gui/ExportDialog.h"

#include <QCheckBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <qcustomplot.h>

namespace hpt::gui {

ChartView::ChartView(ChartKind kind, QWidget* parent) : QWidget(parent), kind_(kind), plot_(new QCustomPlot(this)) {
    plot_->setObjectName(chartTitle(kind));
    plot_->setMinimumSize(260, 180);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setMouseTracking(true);
    auto* title = new QLabel("<b>" + chartTitle(kind) + "</b>");
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 0, 4, 0);
    bar->addWidget(title);
    bar->addStretch();
    if (kind == ChartKind::Loss || kind == ChartKind::Lr) {
        log_ = new QCheckBox("log scale");
        log_->setToolTip("Logarithmic y axis");
        connect(log_, &QCheckBox::toggled, this, &ChartView::setLogScale);
        bar->addWidget(log_);
    }
    auto* exp = new QToolButton;
    exp->setText("Export…");
    exp->setToolTip("Save this chart as PNG, PDF or SVG");
    connect(exp, &QToolButton::clicked, this, &ChartView::exportChart);
    bar->addWidget(exp);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 2, 0, 0);
    lay->setSpacing(0);
    lay->addLayout(bar);
    lay->addWidget(plot_, 1);
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* ev) {
        const QString text = markerTextAt(ev->position());
        if (text.isEmpty()) QToolTip::hideText();
        else QToolTip::showText(plot_->mapToGlobal(ev->position().toPoint()), text, plot_);
    });
    applyTheme(*plot_, palette());
    refresh();
}

void ChartView::setRun(const RunData* run) {
    run_ = run;
    refresh();
}

void ChartView::setLogScale(bool on) {
    opt_.logScale = on;
    if (log_ && log_->isChecked() != on) log_->setChecked(on);
    refresh();
}

void ChartView::setByWallTime(bool on) {
    opt_.byWallTime = on;
    refresh();
}

void ChartView::setSmoothing(const Smoothing& s) {
    opt_.smoothing = s;
    refresh();
}

void ChartView::refresh() {
    static const RunData empty;
    markers_ = drawChart(*plot_, kind_, run_ ? *run_ : empty, opt_);
    applyTheme(*plot_, palette());
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString ChartView::markerTextAt(const QPointF& pixel) const {
    // Events often share a step (a t-test and the phase switch it causes): show every marker under the mouse.
    std::vector<std::pair<double, QString>> hits;
    for (const auto& m : markers_) {
        const double px = plot_->xAxis->coordToPixel(m.x), py = plot_->yAxis->coordToPixel(m.y);
        const double d = std::hypot(px - pixel.x(), py - pixel.y());
        if (d <= 8.0) hits.push_back({d, m.text});
    }
    std::stable_sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    QStringList texts;
    for (const auto& h : hits) texts << h.second;
    return texts.join('\n');
}

void ChartView::exportChart() {
    ExportDialog dlg(plot_, chartTitle(kind_), this);
    dlg.exec();
}

void ChartView::changeEvent(QEvent* e) {
    if (e->type() == QEvent::PaletteChange) {
        applyTheme(*plot_, palette());
        plot_->replot();
    }
    QWidget::changeEvent(e);
}

}  // namespace hpt::gui
