// Not a test: renders the main window's four tabs to PNGs for resources/docs/gui.md.
//   gui_screenshots STORE.sqlite OUTDIR [PLUGIN_DIR...]
// With fewer than two runs in the store it first trains two compact runs of
// $HPT_SHOT_EXPERIMENT (a JSON file; rank 4 and rank 2) through the window itself.
#include "gui/CompareView.h"
#include "gui/LiveView.h"
#include "gui/MainWindow.h"
#include "gui/RunController.h"
#include "gui/SetupView.h"
#include "gui/RunBrowser.h"
#include "gui/StoreRunData.h"
#include "plugin/PluginHost.h"
#include "store/Store.h"

#include <QApplication>
#include <algorithm>
#include <QDir>
#include <QTabWidget>
#include <QTest>
#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName("HpT-screenshots");  // leave the user's settings alone
    const QStringList args = app.arguments();
    if (args.size() < 3) {
        std::fprintf(stderr, "usage: gui_screenshots STORE.sqlite OUTDIR [PLUGIN_DIR...]\n");
        return 2;
    }
    hpt::PluginHost host;
    host.loadFrom(hpt::PluginHost::searchPath(args.mid(3)));
    hpt::gui::MainWindow w(host);
    w.resize(1600, 1000);
    w.show();
    if (!w.openStore(args[1])) return 1;
    const QDir out(args[2]);
    auto shot = [&](const QString& name) {
        QTest::qWait(400);
        w.grab().save(out.filePath(name));
        std::printf("wrote %s\n", qPrintable(out.filePath(name)));
    };
    const QString exp = qEnvironmentVariable("HPT_SHOT_EXPERIMENT");
    if (w.store()->runs().size() < 2 && !exp.isEmpty()) {
        w.setupView()->loadFile(exp);
        const QString base = w.setupView()->experiment().value("name").toString();
        for (int rank : {4, 2}) {
            QJsonObject e = w.setupView()->experiment();
            QJsonObject lora = e.value("lora").toObject();
            lora["rank"] = rank;
            e["lora"] = lora;
            e["name"] = QString("%1-r%2").arg(base).arg(rank);
            w.setupView()->setExperiment(e);
            w.startRun();
            QTest::qWait(1500);
            if (rank == 2) shot("live-running.png");
            QDeadlineTimer deadline(120000);
            while (w.controller()->isRunning() && !deadline.hasExpired()) QTest::qWait(200);
        }
        w.setupView()->loadFile(exp);
    }
    w.tabs()->setCurrentIndex(0);
    shot("setup.png");
    std::vector<int64_t> ids;
    for (const auto& r : w.store()->runs()) ids.push_back(r.id);
    std::sort(ids.begin(), ids.end());
    if (!ids.empty()) {
        w.liveView()->showRun(hpt::gui::loadRunData(*w.store(), ids.front()));
        w.tabs()->setCurrentWidget(w.liveView());
        shot("live.png");
    }
    w.runBrowser()->selectRuns(ids);
    w.tabs()->setCurrentWidget(w.runBrowser());
    shot("runs.png");
    if (ids.size() >= 2) {
        w.compareView()->setRuns(ids);
        w.tabs()->setCurrentWidget(w.compareView());
        shot("compare.png");
    }
    return 0;
}
