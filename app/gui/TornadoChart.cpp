#include "gui/TornadoChart.h"

#include "gui/ChartExport.h"
#include "gui/ChildRender.h"

#include <hpt/Error.h>

#include <QApplication>
#include <QJsonArray>
#include <algorithm>
#include <cmath>
#include <qcustomplot.h>

namespace hpt::gui {

namespace {

const char* kRenderEnv = "HPT_GUI_RENDER_TORNADO";

struct Row {
    QString label;
    double low = 0, high = 0;
    bool assumption = false;
};

std::vector<Row> rowsFor(const QJsonObject& sensitivity, const char* ratio, int maxRows) {
    std::vector<Row> rows;
    for (const auto& v : sensitivity.value("parameters").toArray()) {
        const QJsonObject p = v.toObject();
        Row r{p.value("role").toString() + "." + p.value("parameter").toString(),
              p.value("low").toObject().value(ratio).toDouble(), p.value("high").toObject().value(ratio).toDouble(),
              p.value("assumption").toBool()};
        if (r.assumption) r.label += " (assumption)";
        rows.push_back(r);
    }
    // Widest swing on top: QCustomPlot's y axis grows upwards, so sort ascending.
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return std::abs(a.high - a.low) < std::abs(b.high - b.low); });
    if (int(rows.size()) > maxRows) rows.erase(rows.begin(), rows.end() - maxRows);
    return rows;
}

void drawPanel(QCustomPlot& plot, QCPAxisRect* rect, const std::vector<Row>& rows, double baseline, const QString& title) {
    QCPAxis* x = rect->axis(QCPAxis::atBottom);
    QCPAxis* y = rect->axis(QCPAxis::atLeft);
    QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
    double lo = baseline, hi = baseline;
    for (size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        ticks->addTick(double(i), r.label);
        auto* bar = new QCPItemRect(&plot);
        bar->setClipAxisRect(rect);
        bar->topLeft->setAxes(x, y);
        bar->bottomRight->setAxes(x, y);
        bar->topLeft->setCoords(std::min(r.low, r.high), double(i) + 0.35);
        bar->bottomRight->setCoords(std::max(r.low, r.high), double(i) - 0.35);
        const QColor c = r.assumption ? QColor(244, 160, 0) : QColor(66, 133, 244);
        bar->setBrush(c);
        bar->setPen(QPen(c.darker(130)));
        lo = std::min({lo, r.low, r.high});
        hi = std::max({hi, r.low, r.high});
    }
    auto* base = new QCPItemStraightLine(&plot);
    base->setClipAxisRect(rect);
    base->point1->setAxes(x, y);
    base->point2->setAxes(x, y);
    base->point1->setCoords(baseline, -1);
    base->point2->setCoords(baseline, 1);
    base->setPen(QPen(Qt::black, 1.5, Qt::DashLine));
    y->setTicker(ticks);
    y->setRange(-0.6, double(rows.size()) - 0.4);
    y->grid()->setVisible(false);
    const double pad = std::max(1e-9, 0.08 * (hi - lo));
    x->setRange(lo - pad, hi + pad);
    x->setLabel(title + QString(" (baseline %1, dashed)").arg(baseline, 0, 'g', 3));
}

}  // namespace

void drawTornado(QCustomPlot& plot, const QJsonObject& sensitivity, int maxRows) {
    plot.clearItems();
    plot.clearPlottables();
    plot.plotLayout()->clear();
    const QJsonObject base = sensitivity.value("baseline").toObject();
    const double range = sensitivity.value("range").toDouble(0.5);
    auto* title = new QCPTextElement(&plot, QString("Sensitivity of FULL (gpu-only) / LORA per-step ratios to each device "
                                                    "parameter at ±%1 %").arg(range * 100, 0, 'g', 3));
    // Row 0: the title; row 1: a grid with the two panels side by side.
    auto* panels = new QCPLayoutGrid;
    plot.plotLayout()->addElement(0, 0, title);
    plot.plotLayout()->addElement(1, 0, panels);
    auto* timeRect = new QCPAxisRect(&plot);
    auto* energyRect = new QCPAxisRect(&plot);
    panels->addElement(0, 0, timeRect);
    panels->addElement(0, 1, energyRect);
    panels->setColumnSpacing(20);
    drawPanel(plot, timeRect, rowsFor(sensitivity, "time_ratio", maxRows),
              base.value("time_ratio_full_over_lora").toDouble(), "time ratio FULL/LORA");
    drawPanel(plot, energyRect, rowsFor(sensitivity, "energy_ratio", maxRows),
              base.value("energy_ratio_full_over_lora").toDouble(), "energy ratio FULL/LORA");
    plot.replot();
}

namespace {
void render(const QJsonObject& sensitivity, const QString& out, bool force) {
    ChartFormat format;
    if (!formatFromPath(out, &format)) throw configError(out.toStdString(), "the chart file must end in .png, .pdf or .svg");
    QCustomPlot plot;
    plot.setObjectName("HpT sensitivity (tornado)");
    const int rows = std::min(20, int(sensitivity.value("parameters").toArray().size()));
    drawTornado(plot, sensitivity);
    saveChart(plot, out, format, ExportSize{1600, std::max(400, 140 + 34 * rows), 150}, force);
}
}  // namespace

void exportTornadoChart(const QJsonObject& sensitivity, const QString& out, bool force) {
    ChartFormat format;
    if (!formatFromPath(out, &format)) throw configError(out.toStdString(), "the chart file must end in .png, .pdf or .svg");
    if (drawHere([&] { render(sensitivity, out, force); })) return;
    renderInChild(kRenderEnv, QJsonObject{{"sensitivity", sensitivity}, {"out", out}, {"force", force}}, out);
}

int renderTornadoFromEnvironment() {
    return answerInChild(kRenderEnv, [](const QJsonObject& req) {
        render(req.value("sensitivity").toObject(), req.value("out").toString(), req.value("force").toBool());
        return QJsonObject{};
    });
}

}  // namespace hpt::gui
