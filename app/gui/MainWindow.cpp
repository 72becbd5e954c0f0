#include "gui/MainWindow.h"

#include "gui/ChartView.h"
#include "gui/CompareView.h"
#include "gui/ExportDialog.h"
#include "gui/LiveView.h"
#include "gui/Resources.h"
#include "gui/RunBrowser.h"
#include "gui/RunController.h"
#include "gui/SetupView.h"
#include "gui/StoreRunData.h"
#include "gui/ParallelView.h"
#include "gui/StudiesView.h"
#include "gui/StudyRunDialog.h"
#include "plugin/PluginHost.h"
#include "store/Store.h"
#include "util/RuntimeInfo.h"

#include <hpt/Error.h>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <qcustomplot.h>

namespace hpt::gui {

MainWindow::MainWindow(PluginHost& host, QWidget* parent) : QMainWindow(parent), host_(host) {
    setAcceptDrops(true);
    setup_ = new SetupView(host_);
    live_ = new LiveView;
    browser_ = new RunBrowser;
    compare_ = new CompareView;
    controller_ = new RunController(host_, this);
    tabs_ = new QTabWidget;
    tabs_->setDocumentMode(true);
    tabs_->addTab(setup_, "Setup");
    tabs_->addTab(live_, "Live run");
    tabs_->addTab(browser_, "Runs");
    tabs_->addTab(compare_, "Compare");
    auto* studies = new StudiesView;  // `hpt study` results; re-read from the store each time the tab is shown
    tabs_->addTab(studies, "Studies");
    connect(tabs_, &QTabWidget::currentChanged, studies, [this, studies] {
        if (tabs_->currentWidget() == studies) studies->setStore(storePath_);
    });
    // Parallel coordinates over a sweep or study; brushing selects the runs in the Runs tab.
    auto* parallel = new ParallelView;
    tabs_->addTab(parallel, "Parallel");
    connect(tabs_, &QTabWidget::currentChanged, parallel, [this, parallel] {
        if (tabs_->currentWidget() != parallel) return;
        if (parallel->store() != store_.get()) parallel->setStore(store_.get());
        else parallel->refresh();
    });
    connect(parallel, &ParallelView::runsBrushed, browser_, &RunBrowser::selectRuns);
    connect(parallel, &ParallelView::selectionWanted, this, [this, parallel] { parallel->setRuns(browser_->selectedRuns()); });
    setCentralWidget(tabs_);
    storeLabel_ = new QLabel;
    statusBar()->addPermanentWidget(storeLabel_);

    connect(setup_, &SetupView::startRequested, this, &MainWindow::startRun);
    connect(setup_, &SetupView::fileUsed, this, [this](const QString& p) {
        addRecent("recent/experiments", p);
        QSettings().setValue("setup/last", setup_->experiment());  // the next start opens on it
    });
    connect(setup_, &SetupView::validityChanged, this, [this](bool ok) { startAct_->setEnabled(ok && !controller_->isRunning()); });
    connect(live_, &LiveView::pauseRequested, controller_, &RunController::pause);
    connect(live_, &LiveView::stopRequested, this, &MainWindow::stopRun);
    connect(controller_, &RunController::finished, this, &MainWindow::runFinished);
    connect(browser_, &RunBrowser::openRun, this, [this](int64_t id) {
        if (controller_->isRunning()) {
            statusBar()->showMessage("A run is in progress in the Live tab; compare stored runs with Compare instead.", 8000);
            return;
        }
        try {
            live_->showRun(loadRunData(*store_, id));
            tabs_->setCurrentWidget(live_);
        } catch (const std::exception& e) {
            QMessageBox::warning(this, "Cannot open run", e.what());
        }
    });
    connect(browser_, &RunBrowser::compareRuns, this, [this](const std::vector<int64_t>& ids) {
        compare_->setRuns(ids);
        tabs_->setCurrentWidget(compare_);
    });
    connect(browser_, &RunBrowser::resumeRun, this, [this](int64_t id) {
        try {
            live_->beginRun(QString("resume of run %1").arg(id));
            controller_->resume(id, live_->sink(), storePath_);
            setup_->setRunning(true);
            tabs_->setCurrentWidget(live_);
        } catch (const std::exception& e) {
            live_->setRunning(false);
            QMessageBox::warning(this, "Cannot resume", e.what());
        }
    });

    buildMenus();
    QSettings s;
    restoreGeometry(s.value("window/geometry").toByteArray());
    restoreState(s.value("window/state").toByteArray());
    fitToScreen();
    tabs_->setCurrentIndex(s.value("window/tab", 0).toInt());
    // Open on something runnable: the last experiment this user ran, loaded or saved, else default.json.
    if (s.contains("setup/last")) {
        setup_->setExperiment(s.value("setup/last").toJsonObject());
    } else if (const QString d = resourceFile("experiments/default.json"); !d.isEmpty()) {
        try {
            setup_->loadFile(d);
        } catch (const std::exception& e) {
            statusBar()->showMessage(QString("Could not load %1: %2").arg(d, e.what()), 8000);
        }
    }
    updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::fitToScreen() {
    // A first start (no saved geometry) or a geometry saved on a bigger screen: fit the available area.
    const QScreen* sc = screen() ? screen() : QGuiApplication::primaryScreen();
    if (!sc) return;
    const QRect avail = sc->availableGeometry();
    const QSize want = QSize(1280, 800).boundedTo(avail.size() * 0.95);
    if (!QSettings().contains("window/geometry")) resize(want);
    if (width() > avail.width() || height() > avail.height()) {
        resize(size().boundedTo(avail.size()));
        move(avail.topLeft());
    }
}

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu("&File");
    file->addAction("&Open store…", QKeySequence::Open, this, [this] {
        QSettings s;
        const QString p = QFileDialog::getOpenFileName(this, "Open run store", QFileInfo(storePath_).absolutePath(),
                                                       "Run stores (*.sqlite *.db);;All files (*)");
        if (!p.isEmpty()) openStore(p);
    });
    file->addAction("&New store…", this, [this] {
        const QString p = QFileDialog::getSaveFileName(this, "New run store", QFileInfo(storePath_).absolutePath(), "Run stores (*.sqlite)");
        if (!p.isEmpty()) openStore(p);
    });
    recentStores_ = file->addMenu("Recent stores");
    connect(recentStores_, &QMenu::aboutToShow, this, [this] { fillRecent(recentStores_, "recent/stores"); });
    file->addSeparator();
    file->addAction("&Load experiment…", QKeySequence("Ctrl+L"), setup_, &SetupView::openDialog);
    file->addAction("&Save experiment…", QKeySequence::Save, setup_, &SetupView::saveDialog);
    recentExperiments_ = file->addMenu("Recent experiments");
    connect(recentExperiments_, &QMenu::aboutToShow, this, [this] { fillRecent(recentExperiments_, "recent/experiments"); });
    file->addSeparator();
    auto* exp = file->addAction("&Export chart…", QKeySequence("Ctrl+E"), this, &MainWindow::exportCurrentChart);
    exp->setToolTip("Export the chart under the mouse, or the loss chart");
    file->addAction("Export runs table as CSV…", browser_, &RunBrowser::exportCsv);
    file->addAction("Export compare summary as CSV…", compare_, &CompareView::exportSummaryCsv);
    file->addAction("Export configuration diff as CSV…", compare_, &CompareView::exportDiffCsv);
    file->addAction("Export compared series as CSV…", compare_, &CompareView::exportSeriesCsv);
    file->addSeparator();
    file->addAction("&Quit", QKeySequence::Quit, this, &QWidget::close);

    auto* edit = menuBar()->addMenu("&Edit");
    edit->addAction("&Rename run…", QKeySequence("F2"), browser_, &RunBrowser::renameSelected);
    edit->addAction("&Tags…", browser_, &RunBrowser::tagSelected);
    edit->addAction("&Notes…", browser_, &RunBrowser::annotateSelected);
    edit->addSeparator();
    edit->addAction("&Delete run…", QKeySequence::Delete, browser_, [this] { browser_->deleteSelected(true); });

    auto* run = menuBar()->addMenu("&Run");
    startAct_ = run->addAction("&Start", QKeySequence("Ctrl+R"), this, &MainWindow::startRun);
    run->addAction("Run as st&udy…", this, [this] {  // every arm × N seeds through `hpt study`, live per run
        auto* d = new StudyRunDialog(setup_->experiment(), storePath_, QCoreApplication::applicationFilePath(), {}, this);
        d->setAttribute(Qt::WA_DeleteOnClose);
        d->show();
    });
    pauseAct_ = run->addAction("&Pause / Resume", QKeySequence("Ctrl+P"), live_, &LiveView::togglePause);
    stopAct_ = run->addAction("S&top", QKeySequence("Ctrl+."), this, &MainWindow::stopRun);
    stopAct_->setEnabled(false);
    pauseAct_->setEnabled(false);
    startAct_->setEnabled(setup_->isValid());

    auto* view = menuBar()->addMenu("&View");
    const char* names[] = {"&Setup", "&Live run", "&Runs", "&Compare"};
    for (int i = 0; i < 4; ++i)
        view->addAction(names[i], QKeySequence(QString("Ctrl+%1").arg(i + 1)), this, [this, i] { tabs_->setCurrentIndex(i); });
    view->addSeparator();
    auto* logAct = view->addAction("Log-scale loss");
    logAct->setCheckable(true);
    connect(logAct, &QAction::toggled, this, [this](bool on) { live_->chart(ChartKind::Loss)->setLogScale(on); });
    view->addAction("Reload runs", QKeySequence::Refresh, browser_, &RunBrowser::reload);
    // The selected runs, or every stored run when fewer than two are selected.
    view->addAction("Compare runs", QKeySequence("Ctrl+Shift+C"), this, [this] {
        std::vector<int64_t> ids = browser_->selectedRuns();
        if (ids.size() < 2 && store_) {
            ids.clear();
            for (const auto& r : store_->runs()) ids.push_back(r.id);
        }
        if (ids.size() < 2) {
            statusBar()->showMessage("Compare needs two or more runs.", 5000);
            return;
        }
        compare_->setRuns(ids);
        tabs_->setCurrentWidget(compare_);
    });

    auto* help = menuBar()->addMenu("&Help");
    help->addAction("&Plugins…", this, &MainWindow::showPlugins);
    help->addAction("&About HpT Workbench…", this, &MainWindow::showAbout);
    help->addAction("About &Qt…", qApp, &QApplication::aboutQt);
}

bool MainWindow::openStore(const QString& path) {
    try {
        auto st = std::make_unique<Store>(path);
        const int recovered = st->recoverInterrupted();
        store_ = std::move(st);
        storePath_ = QFileInfo(path).absoluteFilePath();
        browser_->setStore(store_.get());
        compare_->setStore(store_.get());
        addRecent("recent/stores", storePath_);
        QSettings().setValue("store/last", storePath_);
        updateTitle();
        statusBar()->showMessage(recovered ? QString("%1 run(s) found interrupted and marked so; select one and press Resume.").arg(recovered)
                                           : QString("Opened %1").arg(storePath_), 8000);
        return true;
    } catch (const std::exception& e) {
        QMessageBox::warning(this, "Cannot open store", e.what());
        return false;
    }
}

void MainWindow::updateTitle() {
    setWindowTitle(storePath_.isEmpty() ? "HpT Workbench" : QString("%1 — HpT Workbench").arg(QFileInfo(storePath_).fileName()));
    storeLabel_->setText(storePath_.isEmpty() ? "no store" : "store: " + storePath_);
}

void MainWindow::startRun() {
    if (controller_->isRunning()) return;
    setup_->validateNow();
    if (!setup_->isValid()) {
        tabs_->setCurrentWidget(setup_);
        statusBar()->showMessage(setup_->message(), 8000);
        return;
    }
    const QJsonObject experiment = setup_->experiment();
    QSettings().setValue("setup/last", experiment);
    if (!store_) openStore(Store::defaultPath());
    try {
        live_->beginRun(experiment.value("name").toString("run"));
        controller_->start(experiment, live_->sink(), storePath_);
    } catch (const Error& e) {
        live_->setRunning(false);
        // Point at the field the engine rejected.
        if (QWidget* w = setup_->fieldWidget(QString::fromStdString(e.where()))) {
            tabs_->setCurrentWidget(setup_);
            w->setFocus();
        }
        QMessageBox::warning(this, "Cannot start", e.what());
        return;
    } catch (const std::exception& e) {
        live_->setRunning(false);
        QMessageBox::warning(this, "Cannot start", e.what());
        return;
    }
    setup_->setRunning(true);
    startAct_->setEnabled(false);
    stopAct_->setEnabled(true);
    pauseAct_->setEnabled(true);
    tabs_->setCurrentWidget(live_);
}

void MainWindow::stopRun() {
    if (!controller_->isRunning()) return;
    controller_->stop();
    statusBar()->showMessage("Stopping after the current step…", 5000);
}

void MainWindow::runFinished(int status, const QString& error) {
    live_->poll();
    setup_->setRunning(false);
    startAct_->setEnabled(setup_->isValid());
    stopAct_->setEnabled(false);
    pauseAct_->setEnabled(false);
    browser_->reload();
    statusBar()->showMessage(error.isEmpty() ? QString("Run %1.").arg(QString(toString(RunStatus(status))).toLower())
                                             : "Run failed: " + error, 10000);
}

void MainWindow::exportCurrentChart() {
    if (tabs_->currentWidget() == compare_) {
        compare_->exportChart();
        return;
    }
    // The chart under the mouse, else the loss chart.
    ChartView* target = live_->chart(ChartKind::Loss);
    for (auto* c : live_->charts())
        if (c->underMouse()) target = c;
    tabs_->setCurrentWidget(live_);
    target->exportChart();
}

void MainWindow::showAbout() {
    const RuntimeInfo rt = probeRuntime(false);
    QString plugins;
    for (const auto* r : host_.loaded())
        plugins += QString("<tr><td>%1</td><td>%2</td><td>%3</td></tr>").arg(toString(r->kind), r->name.toHtmlEscaped(), r->version.toHtmlEscaped());
    QMessageBox::about(this, "About HpT Workbench",
                       QString("<h3>HpT Workbench %1</h3>"
                               "<p>Hybrid acceleration of spatio-temporal attention model training: full-parameter "
                               "training, a switch to LoRA once training has initially converged, and cost models for "
                               "GPU, ReRAM crossbars and systolic arrays.</p>"
                               "<p>Qt %2 (built with %3)<br>LibTorch %4<br>BLAS: %5</p>"
                               "<p><b>Plugins</b></p><table cellspacing=6>%6</table>")
                           .arg(appVersion(), qVersion(), QT_VERSION_STR, rt.torchVersion, rt.blasLibrary.toHtmlEscaped(),
                                plugins.isEmpty() ? "<tr><td>none loaded</td></tr>" : plugins));
}

void MainWindow::showPlugins() {
    // Every file the host tried, with the state it reached and, when it stopped short, why.
    QString html = "<h3>Plugins</h3><table cellspacing=6><tr><th>kind</th><th>name</th><th>version</th><th>state</th>"
                   "<th>file</th></tr>";
    for (const auto& s : host_.specs()) {
        const bool known = s.state != PluginState::Invalid;
        html += QString("<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td><td>%5</td></tr>")
                    .arg(known ? toString(s.kind) : "-", s.name.toHtmlEscaped(), s.version.toHtmlEscaped(),
                         s.usable() ? QString(toString(s.state)) : QString("<b>%1</b>").arg(toString(s.state)),
                         s.file.toHtmlEscaped());
        if (s.hasError()) html += QString("<tr><td></td><td colspan=4>error: %1</td></tr>").arg(s.errorString().toHtmlEscaped());
    }
    if (host_.specs().empty()) html += "<tr><td colspan=5>no plugin files found</td></tr>";
    html += "</table>";
    QDialog dlg(this);
    dlg.setWindowTitle("Plugins");
    auto* text = new QTextBrowser;
    text->setHtml(html);
    auto* lay = new QVBoxLayout(&dlg);
    lay->addWidget(text);
    dlg.resize(720, 420);
    dlg.exec();
}

void MainWindow::addRecent(const QString& key, const QString& path) {
    QSettings s;
    QStringList list = s.value(key).toStringList();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > 10) list.removeLast();
    s.setValue(key, list);
}

void MainWindow::fillRecent(QMenu* menu, const QString& key) {
    menu->clear();
    const QStringList list = QSettings().value(key).toStringList();
    if (list.isEmpty()) menu->addAction("(none)")->setEnabled(false);
    for (const auto& p : list) {
        menu->addAction(p, this, [this, key, p] {
            if (key == "recent/stores") {
                openStore(p);
                return;
            }
            try {
                setup_->loadFile(p);
                tabs_->setCurrentWidget(setup_);
            } catch (const std::exception& e) {
                QMessageBox::warning(this, "Cannot load experiment", e.what());
            }
        });
    }
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (controller_->isRunning()) {
        if (QMessageBox::question(this, "Run in progress", "A run is in progress. Stop it (a checkpoint is written) and quit?") !=
            QMessageBox::Yes) {
            e->ignore();
            return;
        }
        controller_->stop();
        controller_->wait(-1);
    }
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("window/tab", tabs_->currentIndex());
    s.setValue("setup/last", setup_->experiment());
    QMainWindow::closeEvent(e);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    for (const auto& url : e->mimeData()->urls()) {
        const QString p = url.toLocalFile();
        if (p.endsWith(".sqlite") || p.endsWith(".db") || p.endsWith(".json")) {
            e->acceptProposedAction();
            return;
        }
    }
}

void MainWindow::dropEvent(QDropEvent* e) {
    for (const auto& url : e->mimeData()->urls()) {
        const QString p = url.toLocalFile();
        if (p.endsWith(".json")) {
            try {
                setup_->loadFile(p);
                tabs_->setCurrentWidget(setup_);
            } catch (const std::exception& ex) {
                QMessageBox::warning(this, "Cannot load experiment", ex.what());
            }
        } else if (openStore(p)) {
            tabs_->setCurrentWidget(browser_);
        }
        return;
    }
}

}  // namespace hpt::gui
