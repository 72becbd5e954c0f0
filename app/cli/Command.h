#pragma once
// Subcommands of `hpt` (plugins, stats, cost, bench, ...). Each lives in its
// own file and registers itself with HPT_COMMAND; main() dispatches on the
// first argument before any QApplication exists, so none needs a display.
#include <QCommandLineParser>
#include <QStringList>
#include <functional>
#include <memory>

namespace hpt {
class PluginHost;

namespace cli {

// Exit codes shared by every command (batch mode documents them). A stop by signal follows the
// shell's 128+n convention: 130 for SIGINT, 143 for SIGTERM (what scancel and kill send).
enum ExitCode { Ok = 0, Failure = 1, BadArguments = 2, DataError = 3, PluginFailure = 4, Diverged = 5, Interrupted = 130,
                Terminated = 143 };
// 128 + the signal number for SIGINT/SIGTERM; Interrupted for anything else (0 included).
int exitCodeForSignal(int signal);
inline bool isSignalExit(int code) { return code == Interrupted || code == Terminated; }

struct Command {
    const char* name;
    const char* summary;
    // args[0] is "hpt <name>"; returns the process exit code.
    std::function<int(const QStringList& args)> run;
};

bool registerCommand(const Command& c);
const Command* findCommand(const QString& name);
std::vector<Command> allCommands();

// --plugin-dir (repeatable); call before parser.process().
void addPluginOptions(QCommandLineParser& p);
// Loads plugins from --plugin-dir, HPT_PLUGIN_PATH, the build tree, the prefix.
std::unique_ptr<PluginHost> loadPlugins(const QCommandLineParser& p);
// Parses; on unknown options prints the reason and returns false (exit 2).
bool parseOrFail(QCommandLineParser& p, const QStringList& args);
// The exact text `hpt <command> --help` prints, without running the command: the man page and
// the shell completions are generated from it (CompletionCommand.cpp), so they cannot drift.
QString helpTextOf(const Command& c);
// The top-level `hpt --help` text (main() registers how to build its parser).
void setTopLevelOptions(std::function<void(QCommandLineParser&)> add);
QString topLevelHelpText();
// Maps an hpt::Error kind (or other exception) to an exit code and prints it.
int reportError(const std::exception& e);

}  // namespace cli
}  // namespace hpt

#define HPT_CONCAT2(a, b) a##b
#define HPT_CONCAT(a, b) HPT_CONCAT2(a, b)
#define HPT_COMMAND(NAME, SUMMARY, FN) \
    static const bool HPT_CONCAT(hpt_cmd_registered_, __LINE__) = ::hpt::cli::registerCommand({NAME, SUMMARY, FN})
