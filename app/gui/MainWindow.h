#pragma once
// The workbench window: Setup, Live run, Runs and Compare tabs; File / Edit /
// Run / View / Help menus; remembers geometry and last choices (QSettings);
// opens a store given on the command line or dropped on the window.
#include <QMainWindow>
#include <memory>

class QLabel;
class QMenu;
class QTabWidget;
class QAction;

namespace hpt {
class PluginHost;
class Store;
}

namespace hpt::gui {

class SetupView;
class LiveView;
class RunBrowser;
class CompareView;
class RunController;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(PluginHost& host, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens (creating if needed) a run store; errors are shown, returns false.
    bool openStore(const QString& path);
    QString storePath() const { return storePath_; }
    Store* store() const { return store_.get(); }

    SetupView* setupView() const { return setup_; }
    LiveView* liveView() const { return live_; }
    RunBrowser* runBrowser() const { return browser_; }
    CompareView* compareView() const { return compare_; }
    RunController* controller() const { return controller_; }
    QTabWidget* tabs() const { return tabs_; }

public slots:
    void startRun();
    void stopRun();
    void exportCurrentChart();
    void showAbout();
    void showPlugins();

protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    void buildMenus();
    void addRecent(const QString& key, const QString& path);
    void fillRecent(QMenu* menu, const QString& key);
    void runFinished(int status, const QString& error);
    void updateTitle();
    // The default size (1280×800), never larger than the screen's available area.
    void fitToScreen();

    PluginHost& host_;
    std::unique_ptr<Store> store_;
    QString storePath_;
    QTabWidget* tabs_;
    SetupView* setup_;
    LiveView* live_;
    RunBrowser* browser_;
    CompareView* compare_;
    RunController* controller_;
    QLabel* storeLabel_;
    QAction *startAct_, *stopAct_, *pauseAct_;
    QMenu *recentStores_, *recentExperiments_;
};

}  // namespace hpt::gui
