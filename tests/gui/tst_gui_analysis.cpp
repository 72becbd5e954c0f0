// The analysis views of issue 22 on hand-made data: smoothing changes what is
// drawn but never the stored data; grouping runs by everything-but-the-seed gives
// each group's mean and sd (curve, band and summary table); parallel-coordinates
// brushing selects exactly the runs inside the brushes, in the run browser too.
#include "gui/ChartExport.h"
#include "gui/Charts.h"
#include "gui/CompareView.h"
#include "gui/LiveView.h"
#include "gui/ParallelView.h"
#include "gui/RunBrowser.h"
#include "gui/SmoothingControl.h"
#include "gui/StudyCharts.h"

#include <hpt/Error.h>
#include "store/Store.h"

#include <QApplication>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QSettings>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <cmath>
#include <qcustomplot.h>

using namespace hpt;
using namespace hpt::gui;

namespace {

QCPGraph* graphNamed(QCustomPlot& plot, const QString& name, const QString& objectName = {}) {
    for (int i = 0; i < plot.graphCount(); ++i) {
        auto* g = plot.graph(i);
        if (g->name() == name && g->objectName() == objectName) return g;
    }
    return nullptr;
}

QCPGraph* graphByObject(QCustomPlot& plot, const QString& objectName) {
    for (int i = 0; i < plot.graphCount(); ++i)
        if (plot.graph(i)->objectName() == objectName) return plot.graph(i);
    return nullptr;
}

QVector<double> valuesOf(QCPGraph* g) {
    QVector<double> v;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) v << it->value;
    return v;
}

double valueAt(QCPGraph* g, double key) {
    const auto it = g->data()->findBegin(key, false);
    return it != g->data()->constEnd() && it->key == key ? it->value : std::nan("");
}

RunData noisyRun() {
    RunData run;
    run.name = "noisy";
    for (int i = 0; i < 200; ++i) run.add(MetricPoint{i, "loss.full", 1.0 + (i % 2 ? 0.5 : -0.5) + 0.001 * i, 0.01 * i});
    return run;
}

// A run in `store` with the given config, a loss curve rmse·(step+1) over steps 0…9 and final test RMSE.
int64_t addRun(Store& store, const QString& name, const QJsonObject& config, double rmse, const QJsonObject& extraFinal = {}) {
    RunStart s;
    s.name = name.toStdString();
    s.config = config;
    const int64_t id = store.createRun(s);
    std::vector<MetricPoint> pts;
    for (int i = 0; i < 10; ++i) {
        pts.push_back({i, "loss.full", rmse * (i + 1), 0.1 * i});
        pts.push_back({i, "val_loss", 2 * rmse, 0.1 * i});
    }
    store.appendMetrics(id, pts);
    QJsonObject final = extraFinal;
    final.insert("test", QJsonObject{{"rmse", rmse}});
    store.finishRun(id, RunStatus::Finished, final);
    return id;
}

QJsonObject cfg(int rank, int seed, double alpha = 0.05, const QString& optimizer = "adam") {
    return QJsonObject{{"name", QString("r%1-s%2").arg(rank).arg(seed)},
                       {"lora", QJsonObject{{"rank", rank}}},
                       {"switching", QJsonObject{{"alpha", alpha}}},
                       {"training", QJsonObject{{"seed", seed}, {"optimizer", optimizer}}}};
}

int rowOf(QTableWidget* t, const QString& name) {
    for (int r = 0; r < t->rowCount(); ++r)
        if (t->item(r, 0) && t->item(r, 0)->text() == name) return r;
    return -1;
}

}  // namespace

class TestGuiAnalysis : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
        QSettings().clear();
    }

    void smoothingChangesTheDrawnSeriesButNotTheStoredData() {
        const RunData run = noisyRun();
        const QVector<double> stored = run.find("loss.full")->value;
        QCustomPlot plot;
        ChartOptions o;
        drawChart(plot, ChartKind::Loss, run, o);
        QCOMPARE(valuesOf(graphNamed(plot, "Θ (full)")), stored);  // off: exactly the data

        o.smoothing = Smoothing{SmoothingMethod::Ema, 0.9};
        drawChart(plot, ChartKind::Loss, run, o);
        auto* smooth = graphNamed(plot, "Θ (full)");
        auto* raw = graphNamed(plot, "Θ (full)", "raw:Θ (full)");
        QVERIFY(smooth && raw);
        QCOMPARE(valuesOf(raw), stored);  // the raw series, faint and out of the legend
        QVERIFY(raw->pen().color().alpha() < 100);
        QVERIFY(!plot.legend->hasItemWithPlottable(raw));
        const QVector<double> drawn = valuesOf(smooth);
        QCOMPARE(drawn.size(), stored.size());
        // The drawn curve is the debiased EMA of the data, not the data.
        const auto ema = emaDebiased(std::vector<double>(stored.begin(), stored.end()), 0.9);
        double maxDiff = 0;
        for (int i = 0; i < drawn.size(); ++i) {
            QVERIFY(std::abs(drawn[i] - ema[size_t(i)]) < 1e-12);
            maxDiff = std::max(maxDiff, std::abs(drawn[i] - stored[i]));
        }
        QVERIFY(maxDiff > 0.3);
        QCOMPARE(run.find("loss.full")->value, stored);  // the data did not change

        for (auto m : {SmoothingMethod::Gaussian, SmoothingMethod::RunningMean}) {
            o.smoothing = Smoothing{m, 0.8};
            drawChart(plot, ChartKind::Loss, run, o);
            QVERIFY(valuesOf(graphNamed(plot, "Θ (full)")) != stored);
            QCOMPARE(valuesOf(graphNamed(plot, "Θ (full)", "raw:Θ (full)")), stored);
        }
        QCOMPARE(run.find("loss.full")->value, stored);
    }

    void liveViewSmoothingIsSavedWithTheView() {
        {
            LiveView view;
            view.showRun(noisyRun());
            view.smoothingControl()->setSmoothing(Smoothing{SmoothingMethod::Gaussian, 0.75});
            auto* plot = view.chart(ChartKind::Loss)->plot();
            QVERIFY(graphNamed(*plot, "Θ (full)", "raw:Θ (full)"));
            QCOMPARE(view.run().find("loss.full")->value, noisyRun().find("loss.full")->value);
        }
        LiveView again;  // a new view opens with the saved choice
        QCOMPARE(int(again.smoothingControl()->smoothing().method), int(SmoothingMethod::Gaussian));
        QCOMPARE(again.smoothingControl()->smoothing().strength, 0.75);
        QCOMPARE(int(again.chart(ChartKind::Loss)->options().smoothing.method), int(SmoothingMethod::Gaussian));
        again.smoothingControl()->setSmoothing(Smoothing{});
    }

    void exportsAndStudyChartsSmoothToo() {
        QTemporaryDir dir;
        const QString path = dir.filePath("runs.sqlite");
        int64_t id = 0;
        QVector<double> stored;
        {
            Store store(path);
            id = addRun(store, "one", cfg(4, 1), 1.0);
        }
        // hpt export --chart … --smooth: the file differs from the unsmoothed one.
        RunChartRequest r;
        r.store = path;
        r.run = id;
        r.chart = "loss";
        r.out = dir.filePath("smooth.svg");
        r.smooth = "ema:0.9";
        exportRunChart(r);
        RunChartRequest plain = r;
        plain.out = dir.filePath("plain.svg");
        plain.smooth.clear();
        exportRunChart(plain);
        QFile a(r.out), b(plain.out);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QVERIFY(a.size() > 0 && a.readAll() != b.readAll());
        r.smooth = "median";
        r.out = dir.filePath("bad.svg");
        try {
            exportRunChart(r);
            QFAIL("an unknown smoothing was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("--smooth") && QString(e.what()).contains("gaussian"), e.what());
        }
        QVERIFY(!QFile::exists(r.out));

        // The study loss chart: the raw curve faint and unchanged, the drawn one smoothed.
        Store store(path, true);
        const QJsonObject report{{"arms", QJsonArray{QJsonObject{
                                              {"name", "full"}, {"runs", QJsonArray{QJsonObject{{"run_id", double(id)}, {"steps", 10}}}}}}}};
        QCustomPlot plot;
        drawStudyLoss(plot, report, &store, Smoothing{SmoothingMethod::RunningMean, 0.8});
        auto* raw = graphByObject(plot, QString("raw:%1").arg(id));
        QVERIFY(raw);
        const QVector<double> want{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        QCOMPARE(valuesOf(raw), want);
        auto* drawn = graphNamed(plot, "full");
        QVERIFY(drawn);
        QVERIFY(valuesOf(drawn) != want);
        QCOMPARE(valuesOf(drawn)[5], 6.0);  // a centred mean keeps a line inside
    }

    void groupingBySeedGivesEachGroupsMeanAndSd() {
        QTemporaryDir dir;
        Store store(dir.filePath("runs.sqlite"));
        // rank 4: three seeds, RMSE 1, 2, 4; rank 8: two seeds, RMSE 3, 5.
        std::vector<int64_t> ids{addRun(store, "a", cfg(4, 1), 1.0), addRun(store, "b", cfg(8, 1), 3.0),
                                 addRun(store, "c", cfg(4, 2), 2.0), addRun(store, "d", cfg(8, 2), 5.0),
                                 addRun(store, "e", cfg(4, 3), 4.0)};
        CompareView view;
        view.setStore(&store);
        view.setRuns(ids);
        view.setSmoothing(Smoothing{});
        view.setBand(BandKind::Sd);
        view.setGrouping(GroupBy::parse("but:training.seed"));
        const auto& groups = view.groups();
        QCOMPARE(groups.size(), size_t(2));
        QCOMPARE(groups[0].label, QString("lora.rank = 4"));
        QCOMPARE(groups[0].members, (std::vector<int>{0, 2, 4}));
        QCOMPARE(groups[1].members, (std::vector<int>{1, 3}));

        // Mean curve and ±sd band: run i's loss is rmse_i·(step+1).
        const double mean4 = 7.0 / 3, sd4 = std::sqrt(7.0 / 3);  // of 1, 2, 4
        const double mean8 = 4.0, sd8 = std::sqrt(2.0);          // of 3, 5
        QCustomPlot& plot = *view.plot();
        auto* m4 = graphByObject(plot, "mean:lora.rank = 4 (n=3)");
        auto* hi4 = graphByObject(plot, "band-hi:lora.rank = 4 (n=3)");
        auto* lo8 = graphByObject(plot, "band-lo:lora.rank = 8 (n=2)");
        QVERIFY(m4 && hi4 && lo8);
        QVERIFY(std::abs(valueAt(m4, 4) - mean4 * 5) < 1e-9);
        QVERIFY(std::abs(valueAt(hi4, 4) - (mean4 + sd4) * 5) < 1e-9);
        QVERIFY(std::abs(valueAt(lo8, 9) - (mean8 - sd8) * 10) < 1e-9);

        // The summary table: one column per group, mean ± sd (n).
        QTableWidget* t = view.summaryTable();
        QCOMPARE(t->columnCount(), 3);
        QCOMPARE(t->horizontalHeaderItem(1)->text(), QString("lora.rank = 4 (n=3)"));
        const int r = rowOf(t, "test RMSE");
        QVERIFY(r >= 0);
        QCOMPARE(t->item(r, 1)->text(), QString("%1 ± %2 (n=3)").arg(QString::number(mean4, 'g', 4), QString::number(sd4, 'g', 3)));
        QCOMPARE(t->item(r, 2)->text(), QString("4 ± 1.41 (n=2)"));

        // 95% CI band: t(0.975, 2)·sd/√3 = 4.302653·sd/√3.
        view.setBand(BandKind::Ci95);
        hi4 = graphByObject(plot, "band-hi:lora.rank = 4 (n=3)");
        QVERIFY(std::abs(valueAt(hi4, 0) - (mean4 + 4.302652729749464 * sd4 / std::sqrt(3.0))) < 1e-6);

        // Exports: the group series as tidy CSV.
        view.writeGroupCsv(dir.filePath("groups.csv"));
        QFile f(dir.filePath("groups.csv"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString csv = QString::fromUtf8(f.readAll());
        QVERIFY2(csv.startsWith("group,metric,step,n,mean,ci95_lo,ci95_hi\n"), qPrintable(csv.left(80)));
        QVERIFY(csv.contains("lora.rank = 8,loss.full,9,2,40,"));

        // By the seed itself: seed 3 is a group of one (no spread: "—"-free single value).
        view.setGrouping(GroupBy::parse("by:training.seed"));
        QCOMPARE(view.groups().size(), size_t(3));
        QCOMPARE(view.groups()[2].label, QString("training.seed = 3"));
        QCOMPARE(t->item(rowOf(t, "test RMSE"), 3)->text(), QString("4"));

        // By study arm, from the runs' "arm:" tags.
        store.setTags(ids[0], {"study:s", "arm:full"});
        store.setTags(ids[2], {"study:s", "arm:full"});
        store.setTags(ids[4], {"study:s", "arm:hpt"});
        view.setRuns(ids);
        view.setGrouping(GroupBy::parse("arm"));
        QCOMPARE(view.groups().size(), size_t(3));
        QCOMPARE(view.groups()[0].label, QString("arm full"));
        QCOMPARE(view.groups()[1].label, QString("no arm"));

        // Several metrics: small multiples sharing the x axis.
        view.setGrouping(GroupBy::parse("none"));
        view.setExtraMetrics({"val_loss"});
        QCOMPARE(view.metrics(), (QStringList{"loss.full", "val_loss"}));
        QCOMPARE(plot.axisRectCount(), 2);
        auto* x2 = plot.axisRect(1)->axis(QCPAxis::atBottom);
        QCOMPARE(x2->range(), plot.xAxis->range());
        plot.xAxis->setRange(2, 5);  // zooming one moves the other
        QCOMPARE(x2->range(), QCPRange(2, 5));
        view.setExtraMetrics({});
        QCOMPARE(plot.axisRectCount(), 1);
    }

    void parallelCoordinatesBrushingSelectsRunsInTheBrowser() {
        QTemporaryDir dir;
        Store store(dir.filePath("runs.sqlite"));
        struct R { int rank; double alpha; QString opt; double rmse; };
        const R rs[] = {{4, 0.01, "adam", 1.0}, {8, 0.01, "sgd", 0.8}, {16, 0.01, "adam", 1.4},
                        {4, 0.05, "sgd", 0.6}, {8, 0.05, "adam", 1.2}, {16, 0.05, "adam", 2.0}};
        std::vector<int64_t> ids;
        int k = 0;
        for (const auto& r : rs)
            ids.push_back(addRun(store, QString("sw-%1").arg(++k, 3, 10, QChar('0')), cfg(r.rank, 1, r.alpha, r.opt), r.rmse,
                                 QJsonObject{{"modeled_energy_j", 10 * r.rank}, {"modeled_time_s", r.alpha * 100},
                                             {"switch_step", 100 * k}}));
        ParallelView view;
        view.resize(1000, 500);
        view.setStore(&store);
        // The sweep is found by its run names.
        QCOMPARE(view.source()->count(), 2);
        QVERIFY(view.source()->itemText(1).startsWith("sweep sw (6 runs)"));
        view.setRuns(ids);
        ParallelPlot* p = view.plot();
        QStringList names;
        for (const auto& a : p->data().axes) names << a.name;
        QCOMPARE(names, (QStringList{"lora.rank", "switching.alpha", "training.optimizer", "test RMSE", "modeled energy [J]",
                                     "modeled time [s]", "switch step"}));
        RunBrowser browser;
        browser.setStore(&store);
        QObject::connect(&view, &ParallelView::runsBrushed, &browser, &RunBrowser::selectRuns);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        auto sorted = [](std::vector<int64_t> v) { std::sort(v.begin(), v.end()); return v; };

        // Drag along the test-RMSE axis over 0.7…1.3: runs with RMSE 0.8, 1.0, 1.2.
        const int rmse = 3;
        const QPoint a(int(p->axisX(rmse)), int(p->valueToY(rmse, 1.3))), b(int(p->axisX(rmse)), int(p->valueToY(rmse, 0.7)));
        QTest::mousePress(p, Qt::LeftButton, {}, a);
        QTest::mouseRelease(p, Qt::LeftButton, {}, b);
        const std::vector<int64_t> expect{ids[0], ids[1], ids[4]};
        QCOMPARE(sorted(p->selectedRuns()), expect);
        QCOMPARE(sorted(browser.selectedRuns()), expect);

        // A second brush intersects: rank 8 only (category-free numeric axis, 6…10).
        p->setBrush(0, 6, 10);
        QCOMPARE(sorted(browser.selectedRuns()), (std::vector<int64_t>{ids[1], ids[4]}));
        // A categorical axis: "sgd" is the second category (index 1).
        p->setBrush(2, 0.5, 1.5);
        QCOMPARE(sorted(browser.selectedRuns()), (std::vector<int64_t>{ids[1]}));

        // Clicking the RMSE axis clears its brush; the others stay.
        QTest::mouseClick(p, Qt::LeftButton, {}, a);
        QCOMPARE(p->brushes().size(), size_t(2));
        QCOMPARE(sorted(browser.selectedRuns()), (std::vector<int64_t>{ids[1]}));
        p->clearBrush(2);
        QCOMPARE(sorted(browser.selectedRuns()), (std::vector<int64_t>{ids[1], ids[4]}));
        // Export as shown: SVG (vector) and PNG.
        QVERIFY(view.exportTo(dir.filePath("parallel.svg")));
        QVERIFY(view.exportTo(dir.filePath("parallel.png")));
        QFile svg(dir.filePath("parallel.svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly) && svg.readAll().contains("<svg"));
        QVERIFY(QImage(dir.filePath("parallel.png")).width() > 100);
    }
};

QTEST_MAIN(TestGuiAnalysis)
#include "tst_gui_analysis.moc"
