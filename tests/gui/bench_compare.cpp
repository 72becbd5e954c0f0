// Not a test: how long the compare view takes to redraw 10 runs × 100k points (drawOverlay + replot,
// the work CompareView does on every metric or alignment change). Prints milliseconds; the issue's
// target is < 200 ms.   bench_compare [RUNS] [POINTS]
#include "gui/Charts.h"
#include "gui/RunData.h"

#include <QApplication>
#include <QElapsedTimer>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int nRuns = argc > 1 ? std::atoi(argv[1]) : 10, nPoints = argc > 2 ? std::atoi(argv[2]) : 100000;
    std::vector<hpt::gui::RunData> runs(nRuns);
    std::mt19937 rng(1);
    std::normal_distribution<double> noise(0, 0.02);
    for (int r = 0; r < nRuns; ++r) {
        runs[r].name = QString("run %1").arg(r + 1);
        double loss = 1.0;
        for (int s = 1; s <= nPoints; ++s) {
            loss = std::max(1e-4, loss * 0.9999 + noise(rng) * loss);
            runs[r].add(hpt::MetricPoint{s, "loss.full", loss, s * 0.01});
        }
        hpt::RunEvent e;
        e.step = nPoints / 3 + r * 100;
        e.type = "phase";
        e.payload = QJsonObject{{"from", "FULL"}, {"to", "DUAL"}};
        runs[r].add(e);
    }
    std::vector<const hpt::gui::RunData*> ptrs;
    for (const auto& r : runs) ptrs.push_back(&r);
    QCustomPlot plot;
    plot.resize(1200, 700);
    std::vector<double> ms;
    for (int rep = 0; rep < 7; ++rep) {
        QElapsedTimer t;
        t.start();
        hpt::gui::drawOverlay(plot, "loss.full", ptrs, {});
        plot.replot(QCustomPlot::rpImmediateRefresh);
        ms.push_back(t.nsecsElapsed() / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("compare view redraw, %d runs x %d points: median %.1f ms, min %.1f ms, max %.1f ms (7 redraws)\n", nRuns,
                nPoints, ms[ms.size() / 2], ms.front(), ms.back());
    return 0;
}
