#include "gui/Gui.h"

#include "gui/ChartExport.h"
#include "gui/MainWindow.h"
#include "gui/RunBrowser.h"
#include "gui/StudyCharts.h"
#include "gui/TornadoChart.h"
#include "gui/SetupView.h"
#include "plugin/PluginHost.h"
#include "store/Store.h"

#include <QFileInfo>
#include <QIcon>
#include <QPainter>
#include <QPainterPath>
#include <QTabWidget>
#include <QSettings>

namespace hpt::gui {

namespace {
// The window icon: three phase bands (FULL, DUAL, LORA) under a falling loss curve; drawn, so no resource file is needed.
QIcon appIcon() {
    QIcon icon;
    for (int size : {16, 32, 64, 128}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        const QColor bands[] = {QColor(66, 133, 244), QColor(244, 160, 0), QColor(15, 157, 88)};
        for (int i = 0; i < 3; ++i) p.fillRect(QRectF(i * size / 3.0, 0, size / 3.0 + 1, size), bands[i]);
        QPainterPath curve(QPointF(size * 0.06, size * 0.15));
        curve.cubicTo(QPointF(size * 0.3, size * 0.85), QPointF(size * 0.6, size * 0.8), QPointF(size * 0.94, size * 0.82));
        p.setPen(QPen(Qt::white, std::max(1.5, size / 12.0), Qt::SolidLine, Qt::RoundCap));
        p.drawPath(curve);
        icon.addPixmap(pm);
    }
    return icon;
}
}  // namespace

int run(QApplication& app, const QCommandLineParser& options) {
    // `hpt export --chart` from the CLI draws in a child process of this executable (see ChartExport.h).
    const int rendered = renderChartFromEnvironment();
    if (rendered >= 0) return rendered;
    if (const int study = renderStudyChartsFromEnvironment(); study >= 0) return study;  // `hpt study`'s charts
    if (const int tornado = renderTornadoFromEnvironment(); tornado >= 0) return tornado;  // `hpt cost --sensitivity --chart`

    PluginHost host;
    host.loadFrom(PluginHost::searchPath(options.values("plugin-dir")));
    app.setWindowIcon(appIcon());
    MainWindow w(host);
    // The store named on the command line, else the last one, else the per-user default.
    const QStringList pos = options.positionalArguments();
    QString store = pos.isEmpty() ? QSettings().value("store/last").toString() : pos.front();
    if (store.isEmpty() || (pos.isEmpty() && !QFileInfo::exists(store))) store = Store::defaultPath();
    w.show();
    if (!w.openStore(store) && !pos.isEmpty()) w.openStore(Store::defaultPath());
    // A store named on the command line opens on its runs; an empty one on Setup, where a run starts.
    if (!pos.isEmpty()) w.tabs()->setCurrentWidget(w.store() && !w.store()->runs().empty() ? static_cast<QWidget*>(w.runBrowser())
                                                                                        : static_cast<QWidget*>(w.setupView()));
    return app.exec();
}

}  // namespace hpt::gui
