#pragma once
// Drawing a run's charts on a QCustomPlot. One function per chart kind, fed by
// RunData, so the live view, the run browser, compare and `hpt export --chart`
// draw the same picture.
#include "gui/RunData.h"
#include "gui/RunGroups.h"
#include "stats/GroupStats.h"
#include "stats/Smoothing.h"

#include <QColor>
#include <QPalette>
#include <QString>
#include <vector>

class QCustomPlot;

namespace hpt::gui {

enum class ChartKind { Loss, Energy, Time, Id, Writes, Lr };

struct ChartOptions {
    bool logScale = false;    // log y axis (loss, LR)
    bool byWallTime = false;  // x = seconds since start instead of step
    // Applied to noisy line series (loss, validation, ID, compared metrics) — not to
    // cumulative or stacked device totals or the learning-rate schedule. The raw series
    // stays, faint, under the smoothed one.
    Smoothing smoothing;
};

// Compare's extras: groups of runs drawn as a mean line with a band.
struct CompareOptions {
    std::vector<RunGroup> groups;  // empty: every run its own line
    BandKind band = BandKind::Sd;
};

// A hover target: an event marker at plot coordinates with its explanation.
struct Marker {
    double x = 0, y = 0;
    QString text;
};

// "loss", "energy", "time", "id", "writes", "lr" (case-insensitive).
bool parseChartKind(const QString& s, ChartKind* out);
QString chartTitle(ChartKind k);
QStringList chartKindNames();

QColor phaseColor(const QString& phase);
QColor deviceColor(const std::string& role);
// A one-line human summary of an event (t-test: t, p, df, decision).
QString describeEvent(const RunEvent& e);

// A device's total of `metric` ("energy_j", "time_s") in one phase, as the per-phase bars show it:
// the engine's per-phase series when the run has them (so it equals final.devices_per_phase),
// else the cumulative series' increase over that phase's spans.
double perPhaseTotal(const RunData& run, const std::string& role, const QString& phase, const std::string& metric,
                     const std::vector<PhaseSpan>& spans);

// Clears the plot and draws `kind`; returns the event markers for hover tooltips.
std::vector<Marker> drawChart(QCustomPlot& plot, ChartKind kind, const RunData& run, const ChartOptions& opt);
// Compare view: the same metric of several runs overlaid on shared axes.
void drawOverlay(QCustomPlot& plot, const std::string& key, const std::vector<const RunData*>& runs,
                 const ChartOptions& opt);
// Compare view, several metrics: one axis rect per key stacked as small multiples
// sharing the x axis (zoom and drag move them together). With groups, each group is
// its mean line and a ±sd or 95 % CI band (members smoothed first when smoothing is on).
void drawCompare(QCustomPlot& plot, const QStringList& keys, const std::vector<const RunData*>& runs,
                 const ChartOptions& opt, const CompareOptions& cmp = {});
// Clears plottables, items and extra axis rects and restores plain linear axes: every
// chart function (run charts, compare, study charts) starts here.
void resetPlot(QCustomPlot& plot);
// The smoothed values of a series as drawn (identity when smoothing is off).
QVector<double> smoothedValues(const Series& s, const Smoothing& smoothing);
// Background, axes and text follow the palette (dark/light of the platform).
void applyTheme(QCustomPlot& plot, const QPalette& palette);

}  // namespace hpt::gui
