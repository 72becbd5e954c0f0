#pragma once
#include <QCommandLineParser>

namespace hpt::cli {
// Options of `hpt --batch` (added to the top-level parser).
void addBatchOptions(QCommandLineParser& p);
// Runs the experiment named by --batch; returns the exit code.
int runBatch(const QCommandLineParser& p);
}  // namespace hpt::cli
