#pragma once
// The study's three charts, drawn from its report (study.json) and the store:
//  cost   — modeled time (top) and energy (bottom) per arm, one bar per phase
//           plus the total, each stacked by device (means over seeds);
//  loss   — every run's loss curves overlaid, coloured by arm, with each run's
//           DUAL and LORA spans as translucent bands;
//  pareto — test RMSE against modeled energy, one point per run, with the
//           Pareto front (no run beats a front run in both) drawn as a line.
// The Studies view and `hpt study` (through a child process, as the CLI has no
// QApplication) draw the same pictures.
#include "stats/Smoothing.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

class QCustomPlot;

namespace hpt {
class Store;
}

namespace hpt::gui {

void drawStudyCost(QCustomPlot& plot, const QJsonObject& report);
// With smoothing on, each curve is drawn smoothed over its faint raw samples (the Studies tab).
void drawStudyLoss(QCustomPlot& plot, const QJsonObject& report, const Store* store, const Smoothing& smoothing = {});
void drawStudyPareto(QCustomPlot& plot, const QJsonObject& report);
QStringList studyChartNames();  // cost, loss, pareto
// Draws chart `name` on `plot`; false for an unknown name.
bool drawStudyChart(QCustomPlot& plot, const QString& name, const QJsonObject& report, const Store* store);

// Writes every chart as <outDir>/<name>.<format> (formats: png, pdf, svg), in a light
// theme, overwriting earlier files. Needs no QApplication: without one it draws in a
// child process of this executable. Returns {"cost_png": path, ...}. Throws hpt::Error.
QJsonObject exportStudyCharts(const QJsonObject& report, const QString& storePath, const QString& outDir,
                              const QStringList& formats);
// Writes <dir>/study.json, study.md, study.csv and (unless `formats` is empty) the charts;
// puts their paths into report["files"] first. Throws hpt::Error naming the file.
void writeStudyFiles(QJsonObject& report, const QString& storePath, const QString& dir, const QStringList& formats);
// The child side: performs the request in $HPT_GUI_RENDER_STUDY; -1 when it is not set.
int renderStudyChartsFromEnvironment();

}  // namespace hpt::gui
