#include "gui/ChartExport.h"
#include "gui/ChildRender.h"

#include <hpt/Error.h>

#include "gui/Charts.h"
#include "gui/StoreRunData.h"
#include "store/Store.h"

#include <QApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSvgGenerator>
#include <cstdio>
#include <qcustomplot.h>

namespace hpt::gui {

bool parseChartFormat(const QString& s, ChartFormat* out) {
    const QString f = s.trimmed().toLower();
    if (f == "png") *out = ChartFormat::Png;
    else if (f == "pdf") *out = ChartFormat::Pdf;
    else if (f == "svg") *out = ChartFormat::Svg;
    else return false;
    return true;
}

bool formatFromPath(const QString& path, ChartFormat* out) { return parseChartFormat(QFileInfo(path).suffix(), out); }

const char* toString(ChartFormat f) {
    switch (f) {
    case ChartFormat::Png: return "png";
    case ChartFormat::Pdf: return "pdf";
    case ChartFormat::Svg: return "svg";
    }
    return "?";
}

void saveChart(QCustomPlot& plot, const QString& path, ChartFormat format, const ExportSize& size, bool force) {
    const std::string where = path.toStdString();
    if (path.isEmpty()) throw configError("--out", "no output file given; pass --out FILE");
    if (size.width < 16 || size.height < 16 || size.width > 20000 || size.height > 20000)
        throw configError(where, QString("chart size %1×%2 px is outside 16…20000 px; choose another size")
                                     .arg(size.width).arg(size.height).toStdString());
    if (!(size.dpi >= 24 && size.dpi <= 2400))
        throw configError(where, QString("DPI %1 is outside 24…2400; choose another DPI").arg(size.dpi).toStdString());
    const QFileInfo fi(path);
    if (fi.exists() && !force)
        throw configError(where, "file exists; choose another name or pass --force to overwrite it");
    if (!QFileInfo(fi.absolutePath()).isDir())
        throw configError(where, QString("folder %1 does not exist; create it first").arg(fi.absolutePath()).toStdString());
    bool ok = false;
    switch (format) {
    case ChartFormat::Png:
        ok = plot.savePng(path, size.width, size.height, size.dpi / 96.0, -1, int(size.dpi + 0.5), QCP::ruDotsPerInch);
        break;
    case ChartFormat::Pdf:
        ok = plot.savePdf(path, size.width, size.height, QCP::epNoCosmetic, "HpT Workbench", plot.objectName());
        break;
    case ChartFormat::Svg: {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(size.width, size.height));
        svg.setViewBox(QRect(0, 0, size.width, size.height));
        svg.setResolution(int(size.dpi + 0.5));
        svg.setTitle(plot.objectName().isEmpty() ? "HpT chart" : plot.objectName());
        svg.setDescription("Exported by HpT Workbench");
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot.toPainter(&painter, size.width, size.height);
            ok = painter.end();
        }
        break;
    }
    }
    if (!ok || !QFileInfo(path).exists() || QFileInfo(path).size() == 0)
        throw configError(where, "could not write the chart; check that the folder is writable and the disk not full");
}

namespace {

const char* kRenderEnv = "HPT_GUI_RENDER_CHART";

void checkRequest(const RunChartRequest& r, ChartKind* kind, ChartFormat* format) {
    if (!parseChartKind(r.chart, kind))
        throw configError("--chart", QString("unknown chart '%1'; choose one of %2").arg(r.chart, chartKindNames().join(", ")).toStdString());
    if (r.format.isEmpty() ? !formatFromPath(r.out, format) : !parseChartFormat(r.format, format))
        throw configError("--format", QString("unknown format '%1'; choose png, pdf or svg (or give --out a .png/.pdf/.svg name)")
                                          .arg(r.format.isEmpty() ? QFileInfo(r.out).suffix() : r.format).toStdString());
    if (r.out.isEmpty()) throw configError("--out", "no output file given; pass --out FILE");
    if (!r.smooth.isEmpty()) parseSmoothing(r.smooth.toStdString(), "--smooth");  // throws naming the accepted forms
    if (QFileInfo::exists(r.out) && !r.force)
        throw configError(r.out.toStdString(), "file exists; choose another name or pass --force to overwrite it");
}

void render(const RunChartRequest& r) {
    ChartKind kind;
    ChartFormat format;
    checkRequest(r, &kind, &format);
    const Store store(r.store, true);
    if (!store.hasRun(r.run))
        throw configError("--run", QString("there is no run %1 in %2; `hpt runs` lists them").arg(r.run).arg(r.store).toStdString());
    const RunData data = loadRunData(store, r.run, 20000);
    QCustomPlot plot;
    plot.setObjectName(QString("%1 — %2").arg(chartTitle(kind), data.name));
    plot.resize(r.size.width, r.size.height);
    ChartOptions opt;
    if (!r.smooth.isEmpty()) opt.smoothing = parseSmoothing(r.smooth.toStdString(), "--smooth");
    drawChart(plot, kind, data, opt);
    QPalette light;  // exports are for papers: light background whatever the desktop theme
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    applyTheme(plot, light);
    plot.plotLayout()->insertRow(0);
    plot.plotLayout()->addElement(0, 0, new QCPTextElement(&plot, plot.objectName(), QFont(plot.font().family(), 11, QFont::Bold)));
    saveChart(plot, r.out, format, r.size, r.force);
}

QJsonObject toJson(const RunChartRequest& r) {
    return QJsonObject{{"store", r.store}, {"run", double(r.run)}, {"chart", r.chart}, {"format", r.format}, {"out", r.out},
                       {"force", r.force}, {"width", r.size.width}, {"height", r.size.height}, {"dpi", r.size.dpi},
                       {"smooth", r.smooth}};
}

RunChartRequest fromJson(const QJsonObject& o) {
    RunChartRequest r;
    r.store = o.value("store").toString();
    r.run = qint64(o.value("run").toDouble());
    r.chart = o.value("chart").toString();
    r.format = o.value("format").toString();
    r.out = o.value("out").toString();
    r.force = o.value("force").toBool();
    r.size = ExportSize{o.value("width").toInt(1200), o.value("height").toInt(700), o.value("dpi").toDouble(150)};
    r.smooth = o.value("smooth").toString();
    return r;
}

}  // namespace

void exportRunChart(const RunChartRequest& request) {
    ChartKind kind;
    ChartFormat format;
    checkRequest(request, &kind, &format);  // argument errors without starting anything
    if (drawHere([&] { render(request); })) return;
    // A QCoreApplication (the CLI) cannot become a QApplication: draw in a child process.
    renderInChild(kRenderEnv, toJson(request), request.out);
}

int renderChartFromEnvironment() {
    return answerInChild(kRenderEnv, [](const QJsonObject& req) {
        render(fromJson(req));
        return QJsonObject{};
    });
}

}  // namespace hpt::gui
