// End to end through the GUI classes: a compact run on the test plugins
// (small check_every / ttest_window so it switches within seconds) watched by
// the live view; two stored runs compared; charts exported headless.
#include "TestSupport.h"
#include "gui/ChartExport.h"
#include "gui/Charts.h"
#include "gui/StoreRunData.h"
#include "gui/CompareView.h"
#include "gui/LiveView.h"
#include "gui/RunBrowser.h"
#include "gui/RunController.h"
#include "plugin/PluginHost.h"
#include "store/Store.h"

#include <hpt/Error.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>
#include <cmath>
#include <set>

using namespace hpt;
using namespace hpt::gui;

namespace {

QJsonObject compactExperiment(int rank) {
    return QJsonObject{
        {"name", QString("compact-r%1").arg(rank)},
        {"model", QJsonObject{{"name", "testmodel"}}},
        {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 64}}}}},
        {"devices", QJsonObject{{"gpu", QJsonObject{{"plugin", "testdevice"}}},
                                {"systolic", QJsonObject{{"plugin", "testdevice"}}},
                                {"reram", QJsonObject{{"plugin", "testdevice"}}}}},
        {"lora", QJsonObject{{"rank", rank}, {"alpha", 4}, {"dropout", 0.1}, {"modules_to_save", QJsonArray{"embed", "decoder"}}}},
        {"training", QJsonObject{{"epochs", 4}, {"lr", 1e-2}, {"batch_size", 4}, {"threads", 1}}},
        {"switching", QJsonObject{{"check_every", 4}, {"ttest_window", 8}, {"tau_loss", 0.5}, {"tau_w", 0.5}}}};
}

QStringList phaseBands(QCustomPlot* plot) {
    QStringList out;
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* r = qobject_cast<QCPItemRect*>(plot->item(i))) out << r->objectName().mid(6);
    return out;
}

QByteArray head(const QString& path, int n) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.read(n) : QByteArray();
}

}  // namespace

class TestGuiRun : public QObject {
    Q_OBJECT
    PluginHost host_;
    QTemporaryDir dir_;
    QString store_;
    std::vector<int64_t> runs_;

    qint64 lastElapsedMs_ = 0;

    int64_t train(int rank, LiveView& live, std::vector<int>* pointsSeen = nullptr) {
        RunController ctl(host_);
        QSignalSpy done(&ctl, &RunController::finished);
        live.beginRun("compact");
        ctl.start(compactExperiment(rank), live.sink(), store_);
        QDeadlineTimer deadline(60000);
        QElapsedTimer clock;
        clock.start();
        while (done.isEmpty() && !deadline.hasExpired()) {
            QTest::qWait(100);  // the view's own 100 ms timer drains the sink meanwhile
            if (pointsSeen && live.chart(ChartKind::Loss)->plot()->graphCount() > 0)
                pointsSeen->push_back(live.chart(ChartKind::Loss)->plot()->graph(0)->dataCount());
        }
        lastElapsedMs_ = clock.elapsed();
        if (done.isEmpty()) {
            qWarning("run did not finish in 60 s");
            return 0;
        }
        live.poll();
        if (done.front().at(0).toInt() != int(RunStatus::Finished)) qWarning("run failed: %s", qPrintable(done.front().at(1).toString()));
        return ctl.storeRunId();
    }

private slots:
    void initTestCase() {
        host_.loadFrom({HPT_TEST_PLUGIN_DIR});
        QVERIFY(host_.find(PluginKind::Model, "testmodel"));
        store_ = dir_.filePath("runs.sqlite");
    }

    void liveRunGainsPointsAndSwitchesPhase() {
        LiveView live;
        live.resize(1200, 800);
        live.show();
        RunController ctl(host_);
        QSignalSpy done(&ctl, &RunController::finished);
        connect(&live, &LiveView::pauseRequested, &ctl, &RunController::pause);
        live.beginRun("compact");
        QJsonObject e = compactExperiment(4);
        e["training"] = QJsonObject{{"epochs", 12}, {"lr", 1e-2}, {"batch_size", 4}, {"threads", 1}};
        ctl.start(e, live.sink(), store_);
        auto* loss = live.chart(ChartKind::Loss)->plot();
        auto points = [&] { return loss->graphCount() > 0 ? loss->graph(0)->dataCount() : 0; };
        QTRY_VERIFY_WITH_TIMEOUT(points() > 0 || !done.isEmpty(), 60000);
        // Paused between steps: the chart stops growing; resumed: it grows again.
        if (done.isEmpty()) {
            live.togglePause();
            QVERIFY(live.isPaused());
            QTest::qWait(400);
            const int frozen = points();
            QTest::qWait(400);
            QCOMPARE(points(), frozen);
            live.togglePause();
            QTRY_VERIFY_WITH_TIMEOUT(points() > frozen || !done.isEmpty(), 30000);
        }
        QTRY_VERIFY_WITH_TIMEOUT(!done.isEmpty(), 90000);
        live.poll();
        QCOMPARE(done.front().at(0).toInt(), int(RunStatus::Finished));
        runs_.push_back(ctl.storeRunId());
        QVERIFY(runs_.back() > 0);
        QVERIFY(points() > 8);
        const QStringList bands = phaseBands(loss);
        QVERIFY2(bands.size() >= 2 && bands.front() == "FULL" && bands.contains("DUAL"), qPrintable(bands.join(",")));
        QVERIFY(live.eventLog()->rowCount() > 0);
        QVERIFY(live.progressText().contains("phase"));
    }

    // The per-phase bars equal the run's final.devices_per_phase, live and stored, on a hybrid run whose
    // FULL phase (a few dozen steps of the test model) is far shorter than the 250 ms sampling interval.
    void perPhaseBarsEqualTheFinalTotals() {
        LiveView live;
        const QString shared = store_;
        store_ = dir_.filePath("bars.sqlite");  // the other tests count the runs of the shared store
        const int64_t id = train(2, live);
        const QString store = store_;
        store_ = shared;
        QVERIFY(id > 0);
        const QJsonObject fin = Store(store, true).runRecord(id).value("final").toObject();
        const QJsonObject per = fin.value("devices_per_phase").toObject();
        QVERIFY2(per.contains("FULL") && per.contains("LORA"), "the compact run must reach LORA");
        const RunData stored = loadRunData(Store(store, true), id);
        for (const RunData* run : {&live.run(), &stored}) {
            const auto spans = run->phases();
            // Device samples from step 1: the cumulative curves start in FULL, not at the first 250 ms flush.
            const auto* gpu = run->find("device.gpu.energy_j");
            QVERIFY(gpu && !gpu->empty());
            QCOMPARE(gpu->step.front(), 1.0);
            for (auto ph = per.begin(); ph != per.end(); ++ph) {
                const QJsonObject roles = ph.value().toObject();
                for (auto role = roles.begin(); role != roles.end(); ++role)
                    for (const char* m : {"energy_j", "time_s"}) {
                        const double want = role.value().toObject().value(m).toDouble();
                        const double got = perPhaseTotal(*run, role.key().toStdString(), ph.key(), m, spans);
                        QVERIFY2(std::abs(got - want) <= 1e-9 * std::max(1.0, std::abs(want)),
                                 qPrintable(QString("%1 %2 %3: bar %4, final %5").arg(ph.key(), role.key(), m).arg(got).arg(want)));
                    }
            }
        }
    }

    void compareListsExactlyTheDifferingKeys() {
        LiveView live;
        const int64_t second = train(2, live);
        QVERIFY(second > 0);
        runs_.push_back(second);
        Store store(store_);
        CompareView view;
        view.setStore(&store);
        view.setRuns(runs_);
        QStringList keys;
        for (int r = 0; r < view.diffTable()->rowCount(); ++r) keys << view.diffTable()->item(r, 0)->text();
        // The runs differ in name, LoRA rank and (the live test trained longer) epochs; everything else resolved identically.
        QCOMPARE(keys, (QStringList{"lora.rank", "name", "training.epochs"}));
        QCOMPARE(view.diffTable()->item(0, 1)->text(), QString("4"));
        QCOMPARE(view.diffTable()->item(0, 2)->text(), QString("2"));
        QCOMPARE(view.summaryTable()->columnCount(), 3);
        QVERIFY(view.plot()->graphCount() == 2);
        QVERIFY(view.plot()->graph(0)->dataCount() > 0 && view.plot()->graph(1)->dataCount() > 0);
    }

    void headlessChartExport() {
        QVERIFY(!runs_.empty());
        const struct { const char* chart; const char* fmt; QByteArray magic; } cases[] = {
            {"loss", "png", QByteArray("\x89PNG\r\n\x1a\n", 8)}, {"energy", "pdf", "%PDF-"}, {"id", "svg", "<?xml"}};
        for (const auto& c : cases) {
            RunChartRequest r;
            r.store = store_;
            r.run = runs_[0];
            r.chart = c.chart;
            r.format = c.fmt;
            r.out = dir_.filePath(QString("%1.%2").arg(c.chart, c.fmt));
            exportRunChart(r);
            QCOMPARE(head(r.out, c.magic.size()), c.magic);
            QVERIFY(QFileInfo(r.out).size() > 2000);
            QVERIFY_THROWS_EXCEPTION(hpt::Error, exportRunChart(r));  // exists, no force
        }
        // The CLI: a QCoreApplication process draws in a child of itself.
        const QString out = dir_.filePath("cli-loss.svg");
        auto res = hpt::test::runHpt({"export", "--store", store_, "--run", QString::number(runs_[0]), "--chart", "loss",
                                      "--format", "svg", "--out", out});
        QVERIFY2(res.exitCode == 0, qPrintable(res.err));
        QCOMPARE(head(out, 5), QByteArray("<?xml"));
        res = hpt::test::runHpt({"export", "--store", store_, "--run", QString::number(runs_[0]), "--chart", "loss",
                                 "--format", "svg", "--out", out});
        QVERIFY(res.exitCode != 0);
        QVERIFY2(res.err.contains("--force"), qPrintable(res.err));
        res = hpt::test::runHpt({"export", "--store", store_, "--run", QString::number(runs_[0]), "--chart", "nope",
                                 "--out", dir_.filePath("x.png")});
        QVERIFY(res.exitCode != 0);
        QVERIFY2(res.err.contains("loss, energy"), qPrintable(res.err));
    }

    void browserEditsAndDeletes() {
        Store store(store_);
        RunBrowser b;
        b.setStore(&store);
        QCOMPARE(b.proxy()->rowCount(), 2);
        b.setFilter("compact-r2");
        QCOMPARE(b.proxy()->rowCount(), 1);
        b.setFilter("");
        store.setTags(runs_[0], {"baseline"});
        b.reload();
        b.setFilter("baseline");
        QCOMPARE(b.proxy()->rowCount(), 1);
        b.setFilter("");
        b.selectRuns({runs_[1]});
        QCOMPARE(b.selectedRuns(), std::vector<int64_t>{runs_[1]});
        b.deleteSelected(false);  // runs last: the tests above need both runs
        QCOMPARE(b.proxy()->rowCount(), 1);
        QVERIFY(!store.hasRun(runs_[1]));
    }
};

QTEST_MAIN(TestGuiRun)
#include "tst_gui_run.moc"
