#pragma once
#include <QApplication>
#include <QCommandLineParser>

namespace hpt::gui {
// Shows the main window; returns the application's exit code.
int run(QApplication& app, const QCommandLineParser& options);
}
