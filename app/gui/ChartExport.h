#pragma once
// Saving a chart as PNG, PDF or SVG at a chosen size and DPI; the GUI's
// Export dialog and `hpt export --run ID --chart ...` both end here.
#include <QString>
#include <QtGlobal>

class QCustomPlot;

namespace hpt::gui {

enum class ChartFormat { Png, Pdf, Svg };

struct ExportSize {
    int width = 1200;   // logical pixels (1/96 inch)
    int height = 700;
    double dpi = 150;   // PNG: output pixels = size · dpi / 96 and the file's density; PDF/SVG: vector, dpi recorded
};

// "png", "pdf", "svg" (case-insensitive).
bool parseChartFormat(const QString& s, ChartFormat* out);
// From the file suffix; false when it is none of the three.
bool formatFromPath(const QString& path, ChartFormat* out);
const char* toString(ChartFormat f);

struct RunChartRequest {
    QString store;     // run store file
    qint64 run = 0;    // run id
    QString chart;     // "loss", "energy", "time", "id", "writes", "lr"
    QString format;    // "png", "pdf", "svg"; "" = from the file suffix
    QString out;       // output file
    bool force = false;
    ExportSize size;
    QString smooth;    // "" = none; "ema:0.9", "gaussian:0.8", "mean:0.7" (stats/Smoothing.h)
};

// Headless `hpt export --run ID --chart ...`: draws the run's chart from the
// store and saves it. Widgets need a QApplication: one (offscreen) is created
// when no application exists; when a plain QCoreApplication exists (the CLI)
// the drawing happens in a child process of this executable. Throws hpt::Error.
void exportRunChart(const RunChartRequest& request);
// The child side: when $HPT_GUI_RENDER_CHART holds a request, performs it and
// returns an exit code (0 ok); returns -1 when the variable is not set.
int renderChartFromEnvironment();

// Writes `plot` to `path`. Never overwrites an existing file unless `force`;
// throws hpt::Error (Config, where = path) saying why and how to fix it.
void saveChart(QCustomPlot& plot, const QString& path, ChartFormat format, const ExportSize& size, bool force);

}  // namespace hpt::gui
