#pragma once
// The sensitivity of the hybrid/full-only ratios as a tornado chart: one row
// per device parameter, a bar from the ratio at ×(1 − range) to the ratio at
// ×(1 + range), sorted by swing (widest on top), the baseline ratio as a
// vertical line and parameters labelled "assumption" in orange. Two panels:
// time ratio (left) and energy ratio (right). Input: the "sensitivity" object
// of `hpt cost --model … --sensitivity --json`.
#include <QJsonObject>
#include <QString>

class QCustomPlot;

namespace hpt::gui {

// At most `maxRows` parameters (the widest swings) are drawn.
void drawTornado(QCustomPlot& plot, const QJsonObject& sensitivity, int maxRows = 20);

// Writes the chart to `out` (PNG, PDF or SVG from the suffix); refuses an
// existing file unless `force`. Needs no QApplication (a child process draws
// under the CLI). Throws hpt::Error naming the file.
void exportTornadoChart(const QJsonObject& sensitivity, const QString& out, bool force);
// The child side; -1 when no request is pending.
int renderTornadoFromEnvironment();

}  // namespace hpt::gui
