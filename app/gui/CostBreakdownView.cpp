#include "gui/CostBreakdownView.h"

#include <QVBoxLayout>
#include <qcustomplot.h>

#include <map>
#include <vector>

namespace hpt::gui {

CostBreakdownView::CostBreakdownView(QWidget* parent) : QWidget(parent), plot_(new QCustomPlot) {
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(plot_);
    plot_->legend->setVisible(true);
    plot_->yAxis->setLabel("energy (J)");
    setToolTip("device energy per phase by component; components add up to each device's total");
}

void CostBreakdownView::setFinal(const QJsonObject& final) {
    plot_->clearPlottables();
    bars_ = 0;
    const QJsonObject per = final.value("devices_per_phase").toObject();
    // Columns: phase × device in the order FULL, DUAL, LORA.
    std::vector<std::pair<QString, QJsonObject>> columns;
    for (const char* ph : {"FULL", "DUAL", "LORA"}) {
        const QJsonObject roles = per.value(ph).toObject();
        for (auto it = roles.begin(); it != roles.end(); ++it)
            if (it.value().toObject().contains("components"))
                columns.emplace_back(QString("%1\n%2").arg(ph, it.key()), it.value().toObject().value("components").toObject());
    }
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    std::map<QString, std::vector<double>> byComponent;
    for (size_t i = 0; i < columns.size(); ++i) {
        ticker->addTick(double(i + 1), columns[i].first);
        for (auto it = columns[i].second.begin(); it != columns[i].second.end(); ++it) {
            auto& v = byComponent[it.key()];
            v.resize(columns.size(), 0.0);
            v[i] = it.value().toObject().value("energy_j").toDouble();
        }
    }
    plot_->xAxis->setTicker(ticker);
    plot_->xAxis->setRange(0.4, double(columns.size()) + 0.6);
    QCPBars* lower = nullptr;
    std::vector<double> totals(columns.size(), 0.0);
    int hue = 0;
    for (const auto& [name, values] : byComponent) {
        auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
        bars->setName(name);
        bars->setWidth(0.6);
        const QColor c = QColor::fromHsv((hue++ * 37) % 360, 150, 220);
        bars->setBrush(c);
        bars->setPen(QPen(c.darker(130)));
        for (size_t i = 0; i < values.size(); ++i) {
            bars->addData(double(i + 1), values[i]);
            totals[i] += values[i];
        }
        if (lower) bars->moveAbove(lower);
        lower = bars;
        ++bars_;
    }
    double top = 0;
    for (double t : totals) top = std::max(top, t);
    plot_->yAxis->setRange(0, top > 0 ? top * 1.1 : 1);
    plot_->replot();
}

}  // namespace hpt::gui
