#include "gui/ParallelView.h"

#include "store/Store.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QMessageBox>
#include <QSettings>
#include <QSvgGenerator>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

namespace hpt::gui {

namespace {
constexpr double kLeft = 70, kRight = 70, kTop = 48, kBottom = 28;

QString tick(double v) { return QString::number(v, 'g', 4); }
}  // namespace

ParallelPlot::ParallelPlot(QWidget* parent) : QWidget(parent) {
    setMinimumSize(400, 260);
    setMouseTracking(false);
    setToolTip("Drag along an axis to keep the runs in that interval; click an axis to clear its brush.");
}

void ParallelPlot::setData(ParallelData data) {
    data_ = std::move(data);
    brushes_.clear();
    update();
    emit brushesChanged();
}

void ParallelPlot::setBrush(int axis, double lo, double hi) {
    if (axis < 0 || axis >= int(data_.axes.size())) return;
    clearBrush(axis);
    brushes_.push_back({axis, std::min(lo, hi), std::max(lo, hi)});
    update();
    emit brushesChanged();
}

void ParallelPlot::clearBrush(int axis) {
    const auto before = brushes_.size();
    brushes_.erase(std::remove_if(brushes_.begin(), brushes_.end(), [&](const AxisBrush& b) { return b.axis == axis; }),
                   brushes_.end());
    if (brushes_.size() != before) {
        update();
        emit brushesChanged();
    }
}

void ParallelPlot::clearBrushes() {
    brushes_.clear();
    update();
    emit brushesChanged();
}

double ParallelPlot::axisX(int axis) const {
    const int n = int(data_.axes.size());
    const double w = width() - kLeft - kRight;
    return n <= 1 ? width() / 2.0 : kLeft + axis * w / (n - 1);
}

double ParallelPlot::valueToY(int axis, double v) const {
    const auto& a = data_.axes[size_t(axis)];
    const double h = height() - kTop - kBottom;
    return kTop + (1 - (v - a.lo) / (a.hi - a.lo)) * h;
}

double ParallelPlot::yToValue(int axis, double y) const {
    const auto& a = data_.axes[size_t(axis)];
    const double h = height() - kTop - kBottom;
    return a.lo + (1 - (y - kTop) / h) * (a.hi - a.lo);
}

int ParallelPlot::axisAt(double x) const {
    for (int i = 0; i < int(data_.axes.size()); ++i)
        if (std::abs(axisX(i) - x) <= 12) return i;
    return -1;
}

void ParallelPlot::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    const QColor fg = pal.color(QPalette::Text);
    if (data_.axes.empty() || data_.runs.empty()) {
        p.setPen(QColor(128, 128, 128));
        p.drawText(rect(), Qt::AlignCenter, "Choose a sweep or study above (or select runs in the Runs tab and press From selection).");
        return;
    }
    const auto selected = selectedRuns();
    // Colour by test RMSE (blue = best, red = worst) so the good region of the sweep stands out.
    const ParallelAxis* rmse = nullptr;
    for (const auto& a : data_.axes)
        if (a.name == "test RMSE") rmse = &a;
    auto colourOf = [&](size_t i) {
        if (!rmse || !std::isfinite(rmse->values[i])) return QColor(60, 110, 200);
        const double t = std::clamp((rmse->values[i] - rmse->lo) / (rmse->hi - rmse->lo), 0.0, 1.0);
        return QColor::fromHsvF((1 - t) * 0.62, 0.85, 0.85);
    };
    for (int pass = 0; pass < 2; ++pass) {  // unselected first, under the selected
        for (size_t i = 0; i < data_.runs.size(); ++i) {
            const bool sel = std::find(selected.begin(), selected.end(), data_.runs[i]) != selected.end();
            if (sel != (pass == 1)) continue;
            QColor c = sel ? colourOf(i) : QColor(160, 160, 160, 70);
            p.setPen(QPen(c, sel ? 1.8 : 1.0));
            QPainterPath path;
            bool open = false;
            for (int a = 0; a < int(data_.axes.size()); ++a) {
                const double v = data_.axes[size_t(a)].values[i];
                if (!std::isfinite(v)) { open = false; continue; }
                const QPointF pt(axisX(a), valueToY(a, v));
                if (open) path.lineTo(pt);
                else path.moveTo(pt);
                open = true;
            }
            p.drawPath(path);
        }
    }
    // Axes, names, ticks and brushes.
    const double spacing = data_.axes.size() > 1 ? axisX(1) - axisX(0) : width();
    QFont small = font();
    small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1));
    for (int a = 0; a < int(data_.axes.size()); ++a) {
        const auto& ax = data_.axes[size_t(a)];
        const double x = axisX(a);
        p.setPen(QPen(fg, 1.2));
        p.drawLine(QPointF(x, kTop), QPointF(x, height() - kBottom));
        p.setFont(font());
        QFont bold = font();
        bold.setBold(ax.outcome);
        p.setFont(bold);
        const QRectF nameRect(x - spacing / 2 + 2, 4, spacing - 4, kTop - 18);
        p.drawText(nameRect, Qt::AlignHCenter | Qt::AlignBottom | Qt::TextWordWrap, ax.name);
        p.setFont(small);
        auto label = [&](double v, const QString& text) {
            p.drawText(QRectF(x + 4, valueToY(a, v) - 8, kRight - 8, 16), Qt::AlignLeft | Qt::AlignVCenter, text);
        };
        if (!ax.categories.isEmpty()) {
            for (int c = 0; c < ax.categories.size(); ++c) label(c, ax.categories[c]);
        } else {
            for (double t : {0.0, 0.5, 1.0}) label(ax.lo + t * (ax.hi - ax.lo), tick(ax.lo + t * (ax.hi - ax.lo)));
        }
    }
    auto drawBrush = [&](int axis, double y0, double y1) {
        const double x = axisX(axis);
        QColor c = pal.color(QPalette::Highlight);
        c.setAlpha(70);
        p.setPen(QPen(pal.color(QPalette::Highlight), 1));
        p.setBrush(c);
        p.drawRect(QRectF(QPointF(x - 7, std::min(y0, y1)), QPointF(x + 7, std::max(y0, y1))));
        p.setBrush(Qt::NoBrush);
    };
    for (const auto& b : brushes_) drawBrush(b.axis, valueToY(b.axis, b.lo), valueToY(b.axis, b.hi));
    if (dragAxis_ >= 0) drawBrush(dragAxis_, dragY0_, dragY1_);
}

void ParallelPlot::mousePressEvent(QMouseEvent* e) {
    dragAxis_ = e->button() == Qt::LeftButton ? axisAt(e->position().x()) : -1;
    dragY0_ = dragY1_ = e->position().y();
}

void ParallelPlot::mouseMoveEvent(QMouseEvent* e) {
    if (dragAxis_ < 0) return;
    dragY1_ = e->position().y();
    update();
}

void ParallelPlot::mouseReleaseEvent(QMouseEvent* e) {
    if (dragAxis_ < 0) return;
    const int axis = dragAxis_;
    dragAxis_ = -1;
    dragY1_ = e->position().y();
    if (std::abs(dragY1_ - dragY0_) < 3) clearBrush(axis);  // a click clears
    else setBrush(axis, yToValue(axis, dragY0_), yToValue(axis, dragY1_));
    update();
}

ParallelView::ParallelView(QWidget* parent) : QWidget(parent), source_(new QComboBox), info_(new QLabel), plot_(new ParallelPlot) {
    source_->setMinimumContentsLength(24);
    source_->setToolTip("The sweep (runs named <sweep>-NNN) or study (runs tagged study:ID) to show");
    auto* fromSel = new QPushButton("From selection");
    fromSel->setToolTip("Show the runs selected in the Runs tab");
    auto* clear = new QPushButton("Clear brushes");
    auto* exp = new QPushButton("Export…");
    exp->setToolTip("Save the chart as PNG or SVG, as shown (brushes included)");
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel("runs:"));
    top->addWidget(source_);
    top->addWidget(fromSel);
    top->addWidget(clear);
    top->addWidget(info_, 1);
    top->addWidget(exp);
    auto* lay = new QVBoxLayout(this);
    lay->addLayout(top);
    lay->addWidget(plot_, 1);
    connect(source_, &QComboBox::activated, this, [this](int i) {
        if (!store_ || i <= 0) return;
        std::vector<int64_t> ids;
        for (const auto& v : source_->itemData(i).toList()) ids.push_back(v.toLongLong());
        setRuns(ids);
    });
    connect(fromSel, &QPushButton::clicked, this, &ParallelView::selectionWanted);
    connect(clear, &QPushButton::clicked, plot_, &ParallelPlot::clearBrushes);
    connect(exp, &QPushButton::clicked, this, [this] {
        const QString dir = QSettings().value("export/dir").toString();
        const QString path = QFileDialog::getSaveFileName(this, "Export parallel coordinates", QDir(dir).filePath("parallel.svg"),
                                                          "SVG (*.svg);;PNG (*.png)");
        if (!path.isEmpty() && !exportTo(path)) QMessageBox::warning(this, "Export failed", "Could not write " + path);
    });
    connect(plot_, &ParallelPlot::brushesChanged, this, [this] {
        updateInfo();
        if (!plot_->brushes().empty()) emit runsBrushed(plot_->selectedRuns());
    });
    updateInfo();
}

void ParallelView::setStore(const Store* store) {
    store_ = store;
    plot_->setData({});
    refresh();
}

void ParallelView::refresh() {
    const QSignalBlocker b(source_);
    source_->clear();
    source_->addItem("(choose a sweep or study)");
    if (!store_) return;
    try {
        for (const auto& [label, ids] : sweepsAndStudies(*store_)) {
            QVariantList v;
            for (auto id : ids) v << QVariant::fromValue<qlonglong>(id);
            source_->addItem(QString("%1 (%2 runs)").arg(label).arg(ids.size()), v);
        }
    } catch (const std::exception& e) {
        info_->setText(QString("cannot list sweeps: %1").arg(e.what()));
    }
}

void ParallelView::setRuns(const std::vector<int64_t>& ids) {
    if (!store_) return;
    try {
        plot_->setData(parallelDataFromStore(*store_, ids));
    } catch (const std::exception& e) {
        plot_->setData({});
        info_->setText(QString("cannot read the runs: %1").arg(e.what()));
    }
}

bool ParallelView::exportTo(const QString& path) const {
    if (path.endsWith(".svg", Qt::CaseInsensitive)) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(plot_->size());
        svg.setViewBox(plot_->rect());
        svg.setTitle("Parallel coordinates");
        svg.setDescription("Exported by HpT Workbench");
        QPainter painter;
        if (!painter.begin(&svg)) return false;
        plot_->render(&painter);
        return painter.end();
    }
    return plot_->grab().save(path);
}

void ParallelView::updateInfo() {
    const auto& d = plot_->data();
    if (d.runs.empty()) { info_->setText("no runs shown"); return; }
    int swept = 0;
    for (const auto& a : d.axes) swept += a.outcome ? 0 : 1;
    info_->setText(QString("%1 runs, %2 swept keys; %3 inside the brushes (selected in the Runs tab)")
                       .arg(d.runs.size()).arg(swept).arg(plot_->selectedRuns().size()));
}

}  // namespace hpt::gui
