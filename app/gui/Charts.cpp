#include "gui/Charts.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace hpt::gui {

namespace {

const char* kBandLayer = "bands";

QCPLayer* bandLayer(QCustomPlot& plot) {
    if (auto* l = plot.layer(kBandLayer)) return l;
    plot.addLayer(kBandLayer, plot.layer("grid"), QCustomPlot::limBelow);
    return plot.layer(kBandLayer);
}

const QVector<double>& xs(const Series& s, const ChartOptions& o) { return o.byWallTime ? s.wall : s.step; }

void setLog(QCPAxis* axis, bool log) {
    axis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log) axis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else axis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
}

// Translucent FULL / DUAL / LORA bands behind the data with the phase name on top.
void addPhaseBands(QCustomPlot& plot, QCPAxisRect* rect, const RunData& run, const ChartOptions& o) {
    QCPLayer* layer = bandLayer(plot);
    for (const auto& span : run.phases()) {
        const double x0 = o.byWallTime ? span.startWall : span.startStep;
        const double x1 = o.byWallTime ? span.endWall : span.endStep;
        if (x1 <= x0) continue;
        auto* r = new QCPItemRect(&plot);
        r->setLayer(layer);
        r->setClipAxisRect(rect);
        for (auto* p : {r->topLeft, r->bottomRight}) {
            p->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
            p->setAxisRect(rect);
            p->setTypeX(QCPItemPosition::ptPlotCoords);
            p->setTypeY(QCPItemPosition::ptAxisRectRatio);
        }
        r->topLeft->setCoords(x0, 0);
        r->bottomRight->setCoords(x1, 1);
        QColor c = phaseColor(span.phase);
        c.setAlpha(40);
        r->setBrush(c);
        r->setPen(Qt::NoPen);
        r->setObjectName("phase:" + span.phase);
        auto* t = new QCPItemText(&plot);
        t->setLayer(layer);
        t->setClipAxisRect(rect);
        t->position->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        t->position->setAxisRect(rect);
        t->position->setTypeX(QCPItemPosition::ptPlotCoords);
        t->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
        t->position->setCoords((x0 + x1) / 2, 0.02);
        t->setPositionAlignment(Qt::AlignTop | Qt::AlignHCenter);
        t->setText(span.phase);
        QColor tc = phaseColor(span.phase);
        t->setColor(tc.darker(130));
        t->setFont(QFont(plot.font().family(), 8, QFont::Bold));
    }
}

QCPGraph* addLine(QCustomPlot& plot, const Series& s, const ChartOptions& o, const QString& name, const QColor& c,
                  QCPAxis* key = nullptr, QCPAxis* value = nullptr) {
    auto* g = plot.addGraph(key, value);
    g->setName(name);
    g->setPen(QPen(c, 1.6));
    g->setData(xs(s, o), s.value, true);
    return g;
}

// A noisy series: with smoothing on, the raw samples faint (out of the legend, object name
// "raw:<name>") and the smoothed curve in full colour under the series' name.
QCPGraph* addSmoothedLine(QCustomPlot& plot, const Series& s, const ChartOptions& o, const QString& name, const QColor& c,
                          QCPAxis* key = nullptr, QCPAxis* value = nullptr) {
    if (!o.smoothing.active()) return addLine(plot, s, o, name, c, key, value);
    QColor faint = c;
    faint.setAlpha(55);
    auto* raw = addLine(plot, s, o, name, faint, key, value);
    raw->setPen(QPen(faint, 1.0));
    raw->setObjectName("raw:" + name);
    raw->removeFromLegend();
    auto* g = plot.addGraph(key, value);
    g->setName(name);
    g->setPen(QPen(c, 1.8));
    g->setData(xs(s, o), smoothedValues(s, o.smoothing), true);
    return g;
}

QString xLabel(const ChartOptions& o) { return o.byWallTime ? "wall time [s]" : "step [batches]"; }

// Event markers sit on the Θ loss curve (or Θ′ once only it exists) so they read as "here training was checked".
std::vector<Marker> addEventMarkers(QCustomPlot& plot, const RunData& run, const ChartOptions& o) {
    std::vector<Marker> markers;
    const Series* full = run.find("loss.full");
    const Series* lora = run.find("loss.lora");
    struct Style { const char* type; QCPScatterStyle::ScatterShape shape; QColor color; const char* label; };
    const Style styles[] = {
        {"plateau_check", QCPScatterStyle::ssCircle, QColor(90, 90, 90), "plateau check"},
        {"weight_check", QCPScatterStyle::ssSquare, QColor(120, 60, 160), "weight-distance check"},
        {"ttest", QCPScatterStyle::ssDiamond, QColor(200, 40, 40), "t-test"},
        {"phase", QCPScatterStyle::ssTriangle, QColor(0, 0, 0), "phase switch"},
        {"adapter", QCPScatterStyle::ssCross, QColor(30, 120, 30), "adapter"},
        {"error", QCPScatterStyle::ssStar, QColor(220, 0, 0), "error"},
    };
    for (const auto& st : styles) {
        QVector<double> x, y;
        for (const auto& e : run.events()) {
            if (e.type != st.type) continue;
            const double sx = double(e.step);
            double v = 0;
            if (full && !full->empty() && sx <= full->step.back() + 1e-9) v = full->valueAtStep(sx);
            else if (lora && !lora->empty()) v = lora->valueAtStep(sx);
            else if (full && !full->empty()) v = full->last();
            if (!(v > 0) && o.logScale) continue;
            const double px = o.byWallTime ? e.wallTime : sx;
            x << px;
            y << v;
            markers.push_back({px, v, describeEvent(e)});
        }
        if (x.isEmpty()) continue;
        auto* g = plot.addGraph();
        g->setName(st.label);
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(st.shape, st.color, QColor(255, 255, 255, 200), 8));
        g->setData(x, y);
    }
    return markers;
}

}  // namespace

double perPhaseTotal(const RunData& run, const std::string& role, const QString& phase, const std::string& metric,
                     const std::vector<PhaseSpan>& spans) {
    // The engine's per-phase totals ("device.<role>.<PHASE>.<metric>", cumulative): exact however
    // sparse the samples, and equal to final.devices_per_phase at the end.
    if (const auto* s = run.find("device." + role + "." + phase.toStdString() + "." + metric)) return s->last();
    // Runs stored before those series existed: the cumulative total's increase over the phase's spans.
    const auto* s = run.find("device." + role + "." + metric);
    double v = 0;
    if (s)
        for (const auto& sp : spans)
            if (sp.phase == phase) v += s->valueAtStep(sp.endStep) - s->valueAtStep(sp.startStep);
    return v;
}

namespace {

// Cumulative per-device metric, stacked: each band is one device's share.
void drawStackedDevices(QCustomPlot& plot, const RunData& run, const ChartOptions& o, const std::string& metric,
                        const QString& unit) {
    const auto roles = run.devices();
    QVector<double> grid;  // the union of sample steps
    for (const auto& r : roles)
        if (const auto* s = run.find("device." + r + "." + metric)) for (double x : s->step) grid << x;
    std::sort(grid.begin(), grid.end());
    grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
    QVector<double> base(grid.size(), 0.0);
    QCPGraph* below = nullptr;
    // Wall time at each grid step (from whichever series has it) so the chart can align by time too.
    QVector<double> gridX = grid;
    if (o.byWallTime) {
        for (int i = 0; i < grid.size(); ++i) {
            for (const auto& r : roles) {
                const auto* s = run.find("device." + r + "." + metric);
                if (!s) continue;
                const auto it = std::lower_bound(s->step.begin(), s->step.end(), grid[i]);
                if (it != s->step.end() && *it == grid[i]) { gridX[i] = s->wall[int(it - s->step.begin())]; break; }
            }
        }
    }
    for (const auto& r : roles) {
        const auto* s = run.find("device." + r + "." + metric);
        if (!s) continue;
        QVector<double> top(grid.size());
        for (int i = 0; i < grid.size(); ++i) top[i] = base[i] + s->valueAtStep(grid[i]);
        auto* g = plot.addGraph();
        g->setName(QString::fromStdString(r));
        const QColor c = deviceColor(r);
        g->setPen(QPen(c.darker(120), 1.2));
        QColor fill = c;
        fill.setAlpha(150);
        g->setBrush(fill);
        g->setData(gridX, top, true);
        if (below) g->setChannelFillGraph(below);
        below = g;
        base = top;
    }
    plot.xAxis->setLabel(xLabel(o));
    plot.yAxis->setLabel(QString("cumulative %1").arg(unit));
    addPhaseBands(plot, plot.axisRect(), run, o);

    // Per phase: each device's total in each phase, stacked by device.
    auto* rect = new QCPAxisRect(&plot);
    plot.plotLayout()->addElement(0, 1, rect);
    plot.plotLayout()->setColumnStretchFactor(0, 2.2);
    plot.plotLayout()->setColumnStretchFactor(1, 1);
    const auto spans = run.phases();
    QStringList phases;  // in order of first entry; a phase entered twice is one bar
    for (const auto& sp : spans)
        if (!phases.contains(sp.phase)) phases << sp.phase;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int i = 0; i < int(phases.size()); ++i) ticker->addTick(i + 1, phases[i]);
    rect->axis(QCPAxis::atBottom)->setTicker(ticker);
    rect->axis(QCPAxis::atBottom)->setRange(0.4, phases.size() + 0.6);
    rect->axis(QCPAxis::atBottom)->setLabel("phase");
    rect->axis(QCPAxis::atLeft)->setLabel(QString("per phase %1").arg(unit));
    QCPBars* lower = nullptr;
    double maxTotal = 0;
    std::vector<double> totals(phases.size(), 0.0);
    for (const auto& r : roles) {
        const auto* s = run.find("device." + r + "." + metric);
        if (!s) continue;
        auto* bars = new QCPBars(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        bars->setName(QString::fromStdString(r) + " (phase)");
        bars->removeFromLegend();
        bars->setWidth(0.6);
        bars->setPen(QPen(deviceColor(r).darker(130)));
        bars->setBrush(deviceColor(r));
        for (int i = 0; i < int(phases.size()); ++i) {
            const double v = perPhaseTotal(run, r, phases[i], metric, spans);
            bars->addData(i + 1, v);
            totals[i] += v;
        }
        if (lower) bars->moveAbove(lower);
        lower = bars;
    }
    for (double t : totals) maxTotal = std::max(maxTotal, t);
    rect->axis(QCPAxis::atLeft)->setRange(0, maxTotal > 0 ? maxTotal * 1.1 : 1);
}

}  // namespace

void resetPlot(QCustomPlot& plot) {
    plot.clearItems();
    plot.clearPlottables();
    // Extra axis rects (energy's per-phase bars, compare's small multiples) go; the main one stays so
    // the legend keeps its home.
    while (plot.plotLayout()->elementCount() > 1) {
        auto* el = plot.plotLayout()->elementAt(plot.plotLayout()->elementCount() - 1);
        if (el && el != plot.axisRect()) plot.plotLayout()->remove(el);
        else break;
    }
    plot.plotLayout()->simplify();
    plot.axisRect()->setMarginGroup(QCP::msLeft | QCP::msRight, nullptr);
    for (auto* ax : {plot.xAxis, plot.yAxis}) {
        ax->setScaleType(QCPAxis::stLinear);
        ax->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        ax->setTickLabels(true);
        ax->setLabel(QString());
    }
    plot.yAxis2->setVisible(false);
    plot.legend->setVisible(true);
    plot.legend->setFont(QFont(plot.font().family(), 8));
    plot.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    bandLayer(plot);
}

QVector<double> smoothedValues(const Series& s, const Smoothing& smoothing) {
    if (!smoothing.active()) return s.value;
    const auto v = smoothSeries(std::vector<double>(s.value.begin(), s.value.end()), smoothing);
    return QVector<double>(v.begin(), v.end());
}

bool parseChartKind(const QString& s, ChartKind* out) {
    const QString k = s.trimmed().toLower();
    if (k == "loss") *out = ChartKind::Loss;
    else if (k == "energy") *out = ChartKind::Energy;
    else if (k == "time") *out = ChartKind::Time;
    else if (k == "id") *out = ChartKind::Id;
    else if (k == "writes" || k == "wear") *out = ChartKind::Writes;
    else if (k == "lr") *out = ChartKind::Lr;
    else return false;
    return true;
}

QStringList chartKindNames() { return {"loss", "energy", "time", "id", "writes", "lr"}; }

QString chartTitle(ChartKind k) {
    switch (k) {
    case ChartKind::Loss: return "Training loss";
    case ChartKind::Energy: return "Device energy";
    case ChartKind::Time: return "Device time";
    case ChartKind::Id: return "Intrinsic dimension";
    case ChartKind::Writes: return "ReRAM writes";
    case ChartKind::Lr: return "Learning rate";
    }
    return {};
}

QColor phaseColor(const QString& phase) {
    if (phase == "FULL") return QColor(66, 133, 244);
    if (phase == "DUAL") return QColor(244, 160, 0);
    if (phase == "LORA") return QColor(15, 157, 88);
    return QColor(150, 150, 150);
}

QColor deviceColor(const std::string& role) {
    if (role == "gpu") return QColor(118, 185, 0);
    if (role == "systolic") return QColor(66, 133, 244);
    if (role == "reram") return QColor(219, 68, 55);
    return QColor(128, 128, 128);
}

QString describeEvent(const RunEvent& e) {
    const auto& p = e.payload;
    auto num = [&](const char* k, int prec = 4) {
        return p.contains(k) ? QString::number(p.value(k).toDouble(), 'g', prec) : QString("?");
    };
    QString head = QString("step %1, epoch %2: ").arg(e.step).arg(e.epoch);
    QString type = QString::fromStdString(e.type);
    if (e.type == "ttest") {
        return head + QString("t-test t = %1, p = %2, df = %3, critical = %4 → %5")
                          .arg(num("t"), num("p"), num("df"), num("critical"), p.value("decision").toVariant().toString());
    }
    if (e.type == "phase")
        return head + QString("phase %1 → %2").arg(p.value("from").toString(), p.value("to").toString());
    QStringList parts;
    for (auto it = p.begin(); it != p.end(); ++it) {
        const auto& v = it.value();
        QString s;
        if (v.isDouble()) s = QString::number(v.toDouble(), 'g', 4);
        else if (v.isBool()) s = v.toBool() ? "true" : "false";
        else if (v.isString()) s = v.toString();
        else s = QString::fromUtf8(v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                                              : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
        parts << it.key() + " = " + s;
    }
    return head + QString(type).replace('_', ' ') + (parts.isEmpty() ? "" : ": " + parts.join(", "));
}

std::vector<Marker> drawChart(QCustomPlot& plot, ChartKind kind, const RunData& run, const ChartOptions& o) {
    resetPlot(plot);
    std::vector<Marker> markers;
    plot.xAxis->setLabel(xLabel(o));
    switch (kind) {
    case ChartKind::Loss: {
        if (const auto* s = run.find("loss.full")) addSmoothedLine(plot, *s, o, "Θ (full)", QColor(33, 90, 200));
        if (const auto* s = run.find("loss.lora")) addSmoothedLine(plot, *s, o, "Θ′ (LoRA)", QColor(220, 110, 0));
        // Per-epoch validation loss (training.validation_fraction), same units: dots joined by a line.
        if (const auto* s = run.find("val_loss"))
            addSmoothedLine(plot, *s, o, "validation", QColor(30, 140, 60))->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
        plot.yAxis->setLabel("loss (MSE, normalised)");
        setLog(plot.yAxis, o.logScale);
        addPhaseBands(plot, plot.axisRect(), run, o);
        markers = addEventMarkers(plot, run, o);
        break;
    }
    case ChartKind::Energy: drawStackedDevices(plot, run, o, "energy_j", "[J]"); break;
    case ChartKind::Time: drawStackedDevices(plot, run, o, "time_s", "[s]"); break;
    case ChartKind::Id: {
        const std::pair<const char*, QColor> ids[] = {{"id.spectrum", QColor(33, 90, 200)},
                                                      {"id.twonn", QColor(200, 40, 40)},
                                                      {"id.mle", QColor(30, 140, 60)}};
        for (const auto& [key, c] : ids)
            if (const auto* s = run.find(key)) {
                auto* g = addSmoothedLine(plot, *s, o, QString(key).mid(3), c);
                g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
            }
        plot.yAxis->setLabel("intrinsic dimension estimate");
        addPhaseBands(plot, plot.axisRect(), run, o);
        break;
    }
    case ChartKind::Writes: {
        if (const auto* s = run.find("device.reram.writes")) addLine(plot, *s, o, "ReRAM cell writes", deviceColor("reram"));
        plot.yAxis->setLabel("cumulative cell writes");
        if (const auto* w = run.find("device.reram.wear")) {
            plot.yAxis2->setVisible(true);
            plot.yAxis2->setLabel("wear (fraction of endurance)");
            auto* g = addLine(plot, *w, o, "wear", QColor(120, 60, 160), plot.xAxis, plot.yAxis2);
            g->setPen(QPen(QColor(120, 60, 160), 1.4, Qt::DashLine));
        }
        addPhaseBands(plot, plot.axisRect(), run, o);
        break;
    }
    case ChartKind::Lr: {
        if (const auto* s = run.find("lr")) {
            // The rate is logged when it changes; it holds until the run's last step (a step function).
            Series held = *s;
            if (!held.empty() && run.lastStep() > held.step.back()) {
                held.step << run.lastStep();
                held.wall << std::max(run.lastWall(), held.wall.back());
                held.value << held.value.back();
            }
            auto* g = addLine(plot, held, o, "learning rate", QColor(100, 100, 100));
            g->setLineStyle(QCPGraph::lsStepLeft);
        }
        plot.yAxis->setLabel("learning rate");
        setLog(plot.yAxis, o.logScale);
        addPhaseBands(plot, plot.axisRect(), run, o);
        break;
    }
    }
    // Only the main axes: the per-phase bars keep the range they were given.
    plot.xAxis->rescale();
    plot.yAxis->rescale();
    // Steps and seconds both start at 0, so charts of one run line up even when a series starts late.
    const double xEnd = std::max(plot.xAxis->range().upper, o.byWallTime ? run.lastWall() : run.lastStep());
    plot.xAxis->setRange(0, xEnd > 0 ? xEnd : 1);
    if (plot.yAxis2->visible()) plot.yAxis2->rescale();
    bool hasData = false;
    for (int i = 0; i < plot.graphCount(); ++i) hasData = hasData || plot.graph(i)->dataCount() > 0;
    if (!hasData) {
        plot.legend->setVisible(false);
        auto* t = new QCPItemText(&plot);
        t->position->setType(QCPItemPosition::ptAxisRectRatio);
        t->position->setCoords(0.5, 0.5);
        t->setText(kind == ChartKind::Id ? "no intrinsic-dimension estimates (id.every = 0 or none yet)"
                   : kind == ChartKind::Writes ? "no ReRAM writes recorded (no reram device, or none yet)"
                                               : "no data yet");
        t->setColor(QColor(128, 128, 128));
    }
    // A constant series (a fixed learning rate) has a zero-height range: centre the axis on its value.
    bool found = false;
    QCPRange data;
    for (int i = 0; i < plot.graphCount(); ++i) {
        if (plot.graph(i)->valueAxis() != plot.yAxis) continue;
        bool f = false;
        const QCPRange r = plot.graph(i)->getValueRange(f, QCP::sdBoth);
        if (!f) continue;
        data = found ? QCPRange(std::min(data.lower, r.lower), std::max(data.upper, r.upper)) : r;
        found = true;
    }
    if (found && data.size() <= std::abs(data.center()) * 1e-9) {
        const double c = data.center();
        if (plot.yAxis->scaleType() == QCPAxis::stLogarithmic && c > 0) plot.yAxis->setRange(c / 2, c * 2);
        else plot.yAxis->setRange(c - (c != 0 ? std::abs(c) * 0.2 : 1), c + (c != 0 ? std::abs(c) * 0.2 : 1));
    }
    // A little headroom so the phase labels do not sit on the curve.
    if (plot.yAxis->scaleType() == QCPAxis::stLinear) {
        const auto r = plot.yAxis->range();
        const double pad = r.size() > 0 ? r.size() * 0.08 : 1;
        plot.yAxis->setRange(kind == ChartKind::Loss || kind == ChartKind::Lr ? r.lower - pad : std::min(0.0, r.lower),
                             r.upper + pad);
    }
    return markers;
}

void drawOverlay(QCustomPlot& plot, const std::string& key, const std::vector<const RunData*>& runs,
                 const ChartOptions& o) {
    drawCompare(plot, QStringList{QString::fromStdString(key)}, runs, o);
}

namespace {

const QColor kComparePalette[] = {QColor(33, 90, 200), QColor(220, 110, 0), QColor(30, 140, 60), QColor(200, 40, 40),
                                  QColor(120, 60, 160), QColor(0, 150, 150), QColor(140, 90, 40)};

// One group as a mean line with its band (a filled channel between lower and upper edges).
void addGroupBand(QCustomPlot& plot, QCPAxisRect* rect, const RunGroup& group, const std::vector<const RunData*>& runs,
                  const std::string& key, const ChartOptions& o, const CompareOptions& cmp, const QColor& c) {
    std::vector<MemberSeries> raw, smoothed;
    for (int m : group.members) {
        const auto* s = runs[size_t(m)]->find(key);
        if (!s || s->empty()) continue;
        const auto& x = xs(*s, o);
        raw.push_back({std::vector<double>(x.begin(), x.end()), std::vector<double>(s->value.begin(), s->value.end())});
        const auto sv = smoothedValues(*s, o.smoothing);
        smoothed.push_back({raw.back().x, std::vector<double>(sv.begin(), sv.end())});
    }
    if (raw.empty()) return;
    QCPAxis* kx = rect->axis(QCPAxis::atBottom);
    QCPAxis* vy = rect->axis(QCPAxis::atLeft);
    const QString label = QString("%1 (n=%2)").arg(group.label).arg(raw.size());
    if (o.smoothing.active()) {  // the raw mean, faint, as single runs show their raw curve
        const auto rawBand = groupBand(raw, cmp.band);
        QVector<double> x, y;
        for (const auto& p : rawBand) { x << p.x; y << p.mean; }
        auto* g = plot.addGraph(kx, vy);
        QColor faint = c;
        faint.setAlpha(55);
        g->setPen(QPen(faint, 1.0));
        g->setObjectName("raw:" + label);
        g->setName(label);
        g->removeFromLegend();
        g->setData(x, y, true);
    }
    const auto band = groupBand(smoothed, cmp.band);
    QVector<double> x, mean, lo, hi;
    for (const auto& p : band) {
        x << p.x;
        mean << p.mean;
        lo << p.lo;
        hi << p.hi;
    }
    QColor fill = c;
    fill.setAlpha(45);
    auto* lower = plot.addGraph(kx, vy);
    lower->setPen(Qt::NoPen);
    lower->removeFromLegend();
    lower->setObjectName("band-lo:" + label);
    lower->setData(x, lo, true);
    auto* upper = plot.addGraph(kx, vy);
    upper->setPen(Qt::NoPen);
    upper->setBrush(fill);
    upper->setChannelFillGraph(lower);
    upper->removeFromLegend();
    upper->setObjectName("band-hi:" + label);
    upper->setData(x, hi, true);
    auto* m = plot.addGraph(kx, vy);
    m->setName(label);
    m->setObjectName("mean:" + label);
    m->setPen(QPen(c, 1.8));
    m->setData(x, mean, true);
}

}  // namespace

void drawCompare(QCustomPlot& plot, const QStringList& keys, const std::vector<const RunData*>& runs,
                 const ChartOptions& o, const CompareOptions& cmp) {
    resetPlot(plot);
    const QStringList list = keys.isEmpty() ? QStringList{QString()} : keys;
    // One rect per metric, stacked; the first is the plot's own (it holds the legend).
    std::vector<QCPAxisRect*> rects{plot.axisRect()};
    QCPMarginGroup* margins = plot.findChild<QCPMarginGroup*>("compare-margins");
    if (!margins) {
        margins = new QCPMarginGroup(&plot);
        margins->setObjectName("compare-margins");
    }
    for (int i = 1; i < list.size(); ++i) {
        auto* rect = new QCPAxisRect(&plot);
        plot.plotLayout()->addElement(i, 0, rect);
        rects.push_back(rect);
    }
    if (rects.size() > 1)
        for (auto* r : rects) r->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
    for (int k = 0; k < list.size(); ++k) {
        QCPAxisRect* rect = rects[size_t(k)];
        QCPAxis* kx = rect->axis(QCPAxis::atBottom);
        QCPAxis* vy = rect->axis(QCPAxis::atLeft);
        const std::string key = list[k].toStdString();
        if (cmp.groups.empty()) {
            int i = 0;
            for (const auto* run : runs) {
                const QColor c = kComparePalette[i++ % 7];
                if (const auto* s = run->find(key)) {
                    auto* g = addSmoothedLine(plot, *s, o, run->name, c, kx, vy);
                    if (k > 0) g->removeFromLegend();
                }
                // Where each run switched phase: a dotted vertical line in its colour.
                for (const auto& span : run->phases()) {
                    if (span.startStep <= 0) continue;
                    auto* l = new QCPItemStraightLine(&plot);
                    l->setClipAxisRect(rect);
                    for (auto* p : {l->point1, l->point2}) {
                        p->setAxes(kx, vy);
                        p->setAxisRect(rect);
                    }
                    const double x = o.byWallTime ? span.startWall : span.startStep;
                    l->point1->setCoords(x, 0);
                    l->point2->setCoords(x, 1);
                    l->setPen(QPen(c, 1, Qt::DotLine));
                }
            }
        } else {
            for (size_t g = 0; g < cmp.groups.size(); ++g)
                addGroupBand(plot, rect, cmp.groups[g], runs, key, o, cmp, kComparePalette[g % 7]);
            if (k > 0)
                for (int i = 0; i < plot.graphCount(); ++i)
                    if (plot.graph(i)->keyAxis() == kx) plot.graph(i)->removeFromLegend();
        }
        vy->setLabel(list[k]);
        setLog(vy, o.logScale);
        kx->setTickLabels(k == list.size() - 1);  // one x axis reads for all
        kx->setLabel(k == list.size() - 1 ? xLabel(o) : QString());
        kx->rescale();
        vy->rescale();
        if (k > 0) {
            // Shared x: zoom or drag in any small multiple moves them all.
            QObject::connect(plot.xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), kx,
                             qOverload<const QCPRange&>(&QCPAxis::setRange));
            QObject::connect(kx, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), plot.xAxis,
                             qOverload<const QCPRange&>(&QCPAxis::setRange));
        }
    }
    // One x range over every metric's data (a panel without data keeps no say).
    QCPRange all;
    bool any = false;
    for (int i = 0; i < plot.graphCount(); ++i) {
        bool found = false;
        const QCPRange r = plot.graph(i)->getKeyRange(found);
        if (!found) continue;
        if (any) all.expand(r);
        else all = r;
        any = true;
    }
    if (!any) all = plot.xAxis->range();
    if (all.size() <= 0) all = QCPRange(all.lower - 1, all.upper + 1);
    plot.xAxis->setRange(all);
    for (auto* r : rects) r->axis(QCPAxis::atBottom)->setRange(all);
}

void applyTheme(QCustomPlot& plot, const QPalette& pal) {
    const QColor bg = pal.color(QPalette::Base), fg = pal.color(QPalette::Text);
    QColor gridC = fg;
    gridC.setAlpha(40);
    plot.setBackground(bg);
    for (auto* rect : plot.axisRects()) {
        for (auto* ax : rect->axes()) {
            ax->setBasePen(QPen(fg));
            ax->setTickPen(QPen(fg));
            ax->setSubTickPen(QPen(fg));
            ax->setTickLabelColor(fg);
            ax->setLabelColor(fg);
            ax->grid()->setPen(QPen(gridC, 1, Qt::DotLine));
        }
    }
    plot.legend->setBrush(QColor(bg.red(), bg.green(), bg.blue(), 210));
    plot.legend->setTextColor(fg);
    plot.legend->setBorderPen(QPen(gridC));
}

}  // namespace hpt::gui
