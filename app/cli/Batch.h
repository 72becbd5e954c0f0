#pragma once
// Headless runs: `hpt --batch EXPERIMENT.json` and `hpt sweep ... --index I`
// share one runner. Exit codes are hpt::cli::ExitCode (cli/Command.h).
#include <QCommandLineParser>
#include <QJsonObject>
#include <QStringList>

namespace hpt {
class PluginHost;
}

namespace hpt::cli {
// Options of `hpt --batch` (added to the top-level parser): --batch plus addRunOptions.
void addBatchOptions(QCommandLineParser& p);
// --store, --set, --data-dir, --summary-json, --log-level, --log-file, --torch-device, --resume, --progress-every.
void addRunOptions(QCommandLineParser& p);
// Runs the experiment named by --batch; returns the exit code.
int runBatch(const QCommandLineParser& p);

// What to run: a file, or an experiment object (a sweep's base), plus --set
// overrides that come before the user's own --set options.
struct ExperimentSource {
    QString file;            // absolute path, or ""
    QJsonObject experiment;  // used when file is ""
    QStringList extraSets;   // "dotted.key=value"
    QString runName;         // "" keeps the experiment's name
    QString resume;          // as --resume (a run id or checkpoint folder) when that option is not given
    QString pruneLedger;     // as --prune-ledger when that option is not given (a sweep's shared ledger)
};
// resolveExperiment, except that a plugin the experiment names but that is not loaded is an
// ErrorKind::Plugin error (exit 4) rather than a configuration error.
QJsonObject resolveForBatch(const QJsonObject& user, const PluginHost& host, const QStringList& sets);
// Runs one experiment with the options addRunOptions declared (and --plugin-dir); returns the exit code.
int runHeadless(const QCommandLineParser& p, const ExperimentSource& src);
}  // namespace hpt::cli
