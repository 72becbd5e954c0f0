// hpt: GUI by default; `hpt --batch FILE` headless; `hpt <command> ...` for
// the subcommands in cli/. Subcommands and batch mode are dispatched before a
// QApplication exists, so they never need a display.
#include "cli/Batch.h"
#include "cli/Command.h"
#include "cli/SignalHandling.h"
#include "gui/Gui.h"
#include "util/RuntimeInfo.h"

#include <QApplication>
#include <QCommandLineParser>
#include <cstdio>
#include <cstring>

namespace {

void addTopLevelOptions(QCommandLineParser& p) {
    p.setApplicationDescription(
        "HpT Workbench: train spatio-temporal attention models in full-parameter, dual and LoRA phases,\n"
        "and price every step on GPU, ReRAM processing-in-memory and systolic-array cost models.");
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument("store", "A run store (.sqlite) to open in the GUI.", "[STORE.sqlite]");
    hpt::cli::addBatchOptions(p);
    hpt::cli::addPluginOptions(p);
}

QString commandList() {
    QString s = "\nCommands (hpt <command> --help for each):\n";
    for (const auto& c : hpt::cli::allCommands()) s += QString("  %1  %2\n").arg(QString(c.name), -10).arg(c.summary);
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    // Commands that train keep a Ctrl-C that arrives while the program starts (before their
    // handler exists) and honour it then, instead of dying mid-start.
    const bool sweep = argc >= 2 && !std::strcmp(argv[1], "sweep");
    bool trains = false;
    for (int i = 1; i < argc; ++i)
        trains = trains || (!sweep && (!std::strcmp(argv[i], "--batch") || !std::strncmp(argv[i], "--batch=", 8) ||
                                       !std::strcmp(argv[i], "--resume") || !std::strncmp(argv[i], "--resume=", 9))) ||
                 (sweep && (!std::strcmp(argv[i], "--index") || !std::strcmp(argv[i], "--local")));
    if (trains) hpt::cli::deferStopSignals();
    hpt::cli::setTopLevelOptions(addTopLevelOptions);
    QCoreApplication::setOrganizationName("HpT");
    QCoreApplication::setApplicationName("hpt");
    QCoreApplication::setApplicationVersion(hpt::appVersion());

    if (argc >= 2 && argv[1][0] != '-') {
        if (const auto* cmd = hpt::cli::findCommand(QString::fromLocal8Bit(argv[1]))) {
            QCoreApplication app(argc, argv);
            QStringList args = app.arguments();
            args.removeAt(1);
            args[0] = QString("hpt %1").arg(cmd->name);
            return cmd->run(args);
        }
        if (!QString::fromLocal8Bit(argv[1]).endsWith(".sqlite") && !QString::fromLocal8Bit(argv[1]).endsWith(".db")) {
            std::fprintf(stderr, "hpt: unknown command '%s'.%s", argv[1], qPrintable(commandList()));
            return hpt::cli::BadArguments;
        }
    }

    bool headless = false;
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        // --resume alone continues a stopped run headless from its checkpoint (batch mode).
        if (!std::strcmp(a, "--batch") || !std::strncmp(a, "--batch=", 8) || !std::strcmp(a, "--resume") ||
            !std::strncmp(a, "--resume=", 9) || !std::strcmp(a, "--help") ||
            !std::strcmp(a, "-h") || !std::strcmp(a, "--version") || !std::strcmp(a, "-v"))
            headless = true;
    }

    if (headless) {
        QCoreApplication app(argc, argv);
        QCommandLineParser p;
        addTopLevelOptions(p);
        if (!p.parse(app.arguments())) {
            std::fprintf(stderr, "hpt: %s\nSee 'hpt --help'.\n", qPrintable(p.errorText()));
            return hpt::cli::BadArguments;
        }
        if (p.isSet("version")) {
            std::printf("hpt %s\n", qPrintable(hpt::appVersion()));
            return 0;
        }
        if (p.isSet("help")) {
            std::fputs(qPrintable(p.helpText() + commandList()), stdout);
            return 0;
        }
        return hpt::cli::runBatch(p);
    }

    // Wayland matches the window to org.hpt.Workbench.desktop (icon, name) only by this id.
    QGuiApplication::setDesktopFileName("org.hpt.Workbench");
    QApplication app(argc, argv);
    QCommandLineParser p;
    addTopLevelOptions(p);
    if (!p.parse(app.arguments())) {
        std::fprintf(stderr, "hpt: %s\nSee 'hpt --help'.\n", qPrintable(p.errorText()));
        return hpt::cli::BadArguments;
    }
    return hpt::gui::run(app, p);
}
