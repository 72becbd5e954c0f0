#include "gui/StudyCharts.h"

#include "cost/Mapping.h"
#include "gui/ChartExport.h"
#include "gui/ChildRender.h"
#include "gui/Charts.h"
#include "store/Store.h"
#include "study/StudyReport.h"

#include <hpt/Error.h>

#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QTemporaryFile>
#include <cstdio>
#include <limits>
#include <qcustomplot.h>

namespace hpt::gui {

namespace {

const char* kRenderEnv = "HPT_GUI_RENDER_STUDY";
const QStringList kPhases{"FULL", "DUAL", "LORA"};

// The charts' common reset (Charts.h), so study charts and run charts start alike.
void reset(QCustomPlot& plot) { resetPlot(plot); }

// Distinct, stable colours per arm: full is grey (the baseline), the others from a palette.
QColor armColor(const QString& arm, int index) {
    if (arm == "full") return QColor(90, 90, 90);
    static const QColor palette[] = {QColor(15, 157, 88), QColor(219, 68, 55), QColor(66, 133, 244), QColor(244, 160, 0),
                                     QColor(171, 71, 188), QColor(0, 172, 193), QColor(255, 112, 67), QColor(158, 157, 36)};
    return palette[index % 8];
}

std::vector<QString> rolesOf(const QJsonArray& arms) {
    std::vector<QString> roles;
    for (const QString& r : hpt::Mapping::roles()) roles.push_back(r);
    for (const auto& a : arms)
        for (const auto& k : a.toObject().value("devices_mean").toObject().keys())
            if (std::find(roles.begin(), roles.end(), k) == roles.end()) roles.push_back(k);
    return roles;
}

// One axis rect of the cost chart: per arm a bar per phase and a total, stacked by device.
void costRect(QCPAxisRect* rect, const QJsonArray& arms, const char* field, const QString& label,
              bool legend) {
    const auto roles = rolesOf(arms);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    const int perArm = kPhases.size() + 2;  // phases, total, gap
    std::vector<QCPBars*> below;
    for (const auto& role : roles) {
        auto* bars = new QCPBars(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        bars->setName(role);
        bars->setWidth(0.8);
        QColor c = deviceColor(role.toStdString());
        bars->setBrush(c);
        bars->setPen(QPen(c.darker(130)));
        if (!below.empty()) bars->moveAbove(below.back());
        if (!legend) bars->removeFromLegend();
        below.push_back(bars);
        for (int i = 0; i < arms.size(); ++i) {
            const QJsonObject a = arms[i].toObject();
            const QJsonObject per = a.value("devices_per_phase_mean").toObject();
            for (int j = 0; j < kPhases.size(); ++j)
                bars->addData(i * perArm + j, per.value(kPhases[j]).toObject().value(role).toObject().value(field).toDouble());
            bars->addData(i * perArm + kPhases.size(), a.value("devices_mean").toObject().value(role).toObject().value(field).toDouble());
        }
    }
    for (int i = 0; i < arms.size(); ++i) {
        const QString name = arms[i].toObject().value("name").toString();
        for (int j = 0; j < kPhases.size(); ++j) ticker->addTick(i * perArm + j, kPhases[j] + (j == 1 ? "\n" + name : QString()));
        ticker->addTick(i * perArm + kPhases.size(), "total");
    }
    rect->axis(QCPAxis::atBottom)->setTicker(ticker);
    rect->axis(QCPAxis::atBottom)->setRange(-1, std::max(1, int(arms.size())) * perArm - 1);
    rect->axis(QCPAxis::atLeft)->setLabel(label);
    rect->axis(QCPAxis::atBottom)->grid()->setVisible(false);
    double top = 0;
    for (auto* b : below) {
        bool found = false;
        const QCPRange r = b->getValueRange(found);
        if (found) top = std::max(top, r.upper);
    }
    rect->axis(QCPAxis::atLeft)->setRange(0, top > 0 ? top * 1.08 : 1);
}

void addBand(QCustomPlot& plot, double x0, double x1, QColor c) {
    if (!(x1 > x0)) return;
    auto* r = new QCPItemRect(&plot);
    r->setClipAxisRect(plot.axisRect());
    for (auto* p : {r->topLeft, r->bottomRight}) {
        p->setTypeX(QCPItemPosition::ptPlotCoords);
        p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    }
    r->topLeft->setCoords(x0, 0);
    r->bottomRight->setCoords(x1, 1);
    c.setAlpha(18);
    r->setBrush(c);
    r->setPen(Qt::NoPen);
    r->setLayer("grid");
}

}  // namespace

QStringList studyChartNames() { return {"cost", "loss", "pareto"}; }

void drawStudyCost(QCustomPlot& plot, const QJsonObject& report) {
    reset(plot);
    const QJsonArray arms = report.value("arms").toArray();
    auto* energyRect = new QCPAxisRect(&plot);
    plot.plotLayout()->addElement(1, 0, energyRect);
    costRect(plot.axisRect(), arms, "time_s", "modeled time [s]", true);
    costRect(energyRect, arms, "energy_j", "modeled energy [J]", false);
    // Top centre: the gap between the first two arms, where no bar stands.
    plot.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignHCenter);
    plot.replot();
}

void drawStudyLoss(QCustomPlot& plot, const QJsonObject& report, const Store* store, const Smoothing& smoothing) {
    reset(plot);
    plot.xAxis->setLabel("step");
    plot.yAxis->setLabel("training loss");
    plot.yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot.yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    const QJsonArray arms = report.value("arms").toArray();
    double xmax = 1;
    for (int i = 0; i < arms.size(); ++i) {
        const QJsonObject a = arms[i].toObject();
        QColor c = armColor(a.value("name").toString(), i);
        c.setAlpha(150);  // overlapping runs stay visible through each other
        bool named = false;
        for (const auto& rv : a.value("runs").toArray()) {
            const QJsonObject r = rv.toObject();
            const int64_t id = r.value("run_id").toInteger();
            xmax = std::max(xmax, r.value("steps").toDouble());
            if (!store || !store->hasRun(id)) continue;
            for (const char* key : {"loss.full", "loss.lora"}) {
                const Store::Series s = store->series(id, key, false, 1500);
                if (s.x.empty()) continue;
                auto* g = plot.addGraph();
                QVector<double> x(s.x.begin(), s.x.end()), y;
                for (double v : s.y) y.push_back(v > 0 ? v : qQNaN());
                const Qt::PenStyle style = QString(key) == "loss.lora" ? Qt::DashLine : Qt::SolidLine;
                if (smoothing.active()) {  // the raw curve stays, faint, under the smoothed one
                    auto* raw = plot.addGraph();
                    QColor faint = c;
                    faint.setAlpha(35);
                    raw->setPen(QPen(faint, 1.0, style));
                    raw->setData(x, y, true);
                    raw->setObjectName(QString("raw:%1").arg(id));
                    raw->removeFromLegend();
                    raw->setLayer("grid");  // beneath every smoothed curve
                    const auto sm = smoothSeries(std::vector<double>(y.begin(), y.end()), smoothing);
                    y = QVector<double>(sm.begin(), sm.end());
                }
                g->setData(x, y, true);
                g->setPen(QPen(c, 1.2, style));
                if (named || QString(key) != "loss.full") g->removeFromLegend();
                else g->setName(a.value("name").toString());
                named = named || QString(key) == "loss.full";
            }
            // Each run's DUAL and LORA spans, faint, in the arm's colour.
            int64_t last = 0;
            QString phase = "FULL";
            for (const auto& e : store->events(id)) {
                if (e.type != "phase") continue;
                if (phase != "FULL") addBand(plot, double(last), double(e.step), phaseColor(phase));
                phase = e.payload.value("to").toString();
                last = e.step;
            }
            if (phase != "FULL") addBand(plot, double(last), r.value("steps").toDouble(), phaseColor(phase));
        }
    }
    plot.rescaleAxes();
    plot.xAxis->setRange(0, xmax);
    plot.axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    auto* note = new QCPItemText(&plot);
    note->position->setType(QCPItemPosition::ptAxisRectRatio);
    note->position->setCoords(0.01, 0.02);
    note->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    note->setText("solid: Θ (loss.full), dashed: Θ′ (loss.lora); bands: DUAL (amber), LORA (green)");
    note->setFont(QFont(plot.font().family(), 8));
    plot.replot();
}

void drawStudyPareto(QCustomPlot& plot, const QJsonObject& report) {
    reset(plot);
    plot.xAxis->setLabel("modeled energy [J]");
    plot.yAxis->setLabel("test RMSE");
    const QJsonArray arms = report.value("arms").toArray();
    std::vector<std::pair<double, double>> pts;
    for (int i = 0; i < arms.size(); ++i) {
        const QJsonObject a = arms[i].toObject();
        auto* g = plot.addGraph();
        g->setName(a.value("name").toString());
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, armColor(a.value("name").toString(), i), 8));
        for (const auto& rv : a.value("runs").toArray()) {
            const QJsonObject r = rv.toObject();
            if (!r.value("test_rmse").isDouble()) continue;
            g->addData(r.value("modeled_energy_j").toDouble(), r.value("test_rmse").toDouble());
            pts.emplace_back(r.value("modeled_energy_j").toDouble(), r.value("test_rmse").toDouble());
        }
    }
    const auto front = study::paretoFront(pts);
    if (!front.empty()) {
        auto* f = plot.addGraph();
        f->setName("Pareto front");
        f->setLineStyle(QCPGraph::lsStepLeft);
        f->setPen(QPen(QColor(40, 40, 40), 1.5, Qt::DashLine));
        f->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 1.5), Qt::NoBrush, 13));
        QVector<double> x, y;
        for (size_t i : front) {
            x << pts[i].first;
            y << pts[i].second;
        }
        f->setData(x, y, true);
    }
    // Ranges from the points themselves: QCustomPlot widens a zero-width range to ±2.5,
    // which hides runs whose energies agree to many digits.
    const auto fit = [&](QCPAxis* ax, auto get) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (const auto& p : pts) {
            lo = std::min(lo, get(p));
            hi = std::max(hi, get(p));
        }
        if (!(lo <= hi)) return;
        const double span = hi - lo, pad = span > 0 ? span * 0.08 : (lo != 0 ? std::fabs(lo) * 0.05 : 1.0);
        ax->setRange(lo - pad, hi + pad);
    };
    fit(plot.xAxis, [](const std::pair<double, double>& p) { return p.first; });
    fit(plot.yAxis, [](const std::pair<double, double>& p) { return p.second; });
    plot.replot();
}

bool drawStudyChart(QCustomPlot& plot, const QString& name, const QJsonObject& report, const Store* store) {
    if (name == "cost") drawStudyCost(plot, report);
    else if (name == "loss") drawStudyLoss(plot, report, store);
    else if (name == "pareto") drawStudyPareto(plot, report);
    else return false;
    return true;
}

namespace {

QJsonObject renderAll(const QJsonObject& report, const QString& storePath, const QString& outDir, const QStringList& formats) {
    std::unique_ptr<Store> store;
    if (!storePath.isEmpty() && QFile::exists(storePath)) store = std::make_unique<Store>(storePath, true);
    QJsonObject files;
    QPalette light;  // files are for papers: light background whatever the desktop theme
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    const QString id = report.value("study_id").toString();
    const QMap<QString, QString> titles{{"cost", "modeled time and energy per arm, by phase and device"},
                                        {"loss", "training loss of every run"},
                                        {"pareto", "test RMSE against modeled energy (one point per run)"}};
    for (const auto& name : studyChartNames()) {
        QCustomPlot plot;
        const ExportSize size{1200, name == "cost" ? 900 : 700, 150};
        plot.resize(size.width, size.height);
        drawStudyChart(plot, name, report, store.get());
        applyTheme(plot, light);
        plot.plotLayout()->insertRow(0);
        plot.plotLayout()->addElement(0, 0, new QCPTextElement(&plot, QString("%1 — %2").arg(id, titles.value(name)),
                                                               QFont(plot.font().family(), 11, QFont::Bold)));
        plot.setObjectName(name);
        for (const auto& fmt : formats) {
            ChartFormat f;
            if (!parseChartFormat(fmt, &f)) throw configError("--chart-format", "unknown format '" + fmt.toStdString() + "'; png, pdf or svg");
            const QString path = QDir(outDir).filePath(name + "." + fmt.toLower());
            saveChart(plot, path, f, size, true);
            files.insert(name + "_" + fmt.toLower(), path);
        }
    }
    return files;
}

}  // namespace

QJsonObject exportStudyCharts(const QJsonObject& report, const QString& storePath, const QString& outDir,
                              const QStringList& formats) {
    QJsonObject files;
    if (drawHere([&] { files = renderAll(report, storePath, outDir, formats); })) return files;
    // The CLI runs under a QCoreApplication, which cannot draw widgets: a child process does.
    QTemporaryFile reportFile(QDir::temp().filePath("hpt-study-XXXXXX.json"));
    if (!reportFile.open()) throw configError(outDir.toStdString(), "cannot write a temporary file for the chart renderer");
    reportFile.write(QJsonDocument(report).toJson(QJsonDocument::Compact));
    reportFile.flush();
    return renderInChild(kRenderEnv,
                         QJsonObject{{"report", reportFile.fileName()}, {"store", storePath}, {"out", outDir},
                                     {"formats", QJsonArray::fromStringList(formats)}},
                         outDir);
}

void writeStudyFiles(QJsonObject& report, const QString& storePath, const QString& dir, const QStringList& formats) {
    if (!QDir().mkpath(dir)) throw configError(dir.toStdString(), "cannot create the folder; choose a writable one");
    QJsonObject files{{"json", dir + "/study.json"}, {"markdown", dir + "/study.md"}, {"csv", dir + "/study.csv"}};
    if (!storePath.isEmpty()) files.insert("store", storePath);
    if (!formats.isEmpty()) {
        const QJsonObject charts = exportStudyCharts(report, storePath, dir, formats);
        for (auto it = charts.begin(); it != charts.end(); ++it) files.insert("chart_" + it.key(), it.value());
    }
    report.insert("files", files);
    const auto write = [](const QString& path, const QByteArray& text) {
        QSaveFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(text) < 0 || !f.commit())
            throw configError(path.toStdString(), "cannot write: " + f.errorString().toStdString());
    };
    write(dir + "/study.json", QJsonDocument(report).toJson());
    write(dir + "/study.md", study::toMarkdown(report).toUtf8());
    write(dir + "/study.csv", study::toCsv(report).toUtf8());
}

int renderStudyChartsFromEnvironment() {
    return answerInChild(kRenderEnv, [](const QJsonObject& req) {
        QFile f(req.value("report").toString());
        if (!f.open(QIODevice::ReadOnly)) throw configError(f.fileName().toStdString(), "cannot read the study report");
        const QJsonObject report = QJsonDocument::fromJson(f.readAll()).object();
        QStringList formats;
        for (const auto& v : req.value("formats").toArray()) formats << v.toString();
        return renderAll(report, req.value("store").toString(), req.value("out").toString(), formats);
    });
}

}  // namespace hpt::gui
