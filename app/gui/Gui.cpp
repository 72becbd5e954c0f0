#include "gui/Gui.h"

#include "plugin/PluginHost.h"

#include <QLabel>
#include <QMainWindow>

namespace hpt::gui {

int run(QApplication& app, const QCommandLineParser& options) {
    PluginHost host;
    host.loadFrom(PluginHost::searchPath(options.values("plugin-dir")));
    QMainWindow w;
    w.setWindowTitle("HpT Workbench");
    w.setCentralWidget(new QLabel(QString("%1 plugins loaded").arg(host.loaded().size())));
    w.resize(1200, 800);
    w.show();
    return app.exec();
}

}  // namespace hpt::gui
