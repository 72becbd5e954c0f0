#include "cli/Command.h"

#include "plugin/PluginHost.h"

#include <hpt/Error.h>

#include <QTextStream>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>

namespace hpt::cli {

static std::map<QString, Command>& registry() {
    static std::map<QString, Command> r;
    return r;
}

bool registerCommand(const Command& c) {
    registry()[QString::fromUtf8(c.name)] = c;
    return true;
}

const Command* findCommand(const QString& name) {
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : &it->second;
}

std::vector<Command> allCommands() {
    std::vector<Command> out;
    for (const auto& [k, v] : registry()) out.push_back(v);
    return out;
}

void addPluginOptions(QCommandLineParser& p) {
    p.addOption({"plugin-dir", "Also load plugins from DIR (repeatable; searched first).", "DIR"});
}

std::unique_ptr<PluginHost> loadPlugins(const QCommandLineParser& p) {
    auto host = std::make_unique<PluginHost>();
    host->loadFrom(PluginHost::searchPath(p.values("plugin-dir")));
    return host;
}

namespace {
// Set while helpTextOf() runs a command: parseOrFail() hands over the help text and unwinds
// with HelpShown (not a std::exception, so no command's error handler takes it).
thread_local QString* gHelpCapture = nullptr;
struct HelpShown {};
std::function<void(QCommandLineParser&)>& topLevelOptions() {
    static std::function<void(QCommandLineParser&)> f;
    return f;
}
}  // namespace

QString helpTextOf(const Command& c) {
    QString text;
    gHelpCapture = &text;
    try {
        c.run({QString("hpt %1").arg(c.name), "--help"});
    } catch (const HelpShown&) {
    }
    gHelpCapture = nullptr;
    return text;
}

void setTopLevelOptions(std::function<void(QCommandLineParser&)> add) { topLevelOptions() = std::move(add); }

QString topLevelHelpText() {
    QCommandLineParser p;
    if (topLevelOptions()) topLevelOptions()(p);
    return p.helpText();
}

bool parseOrFail(QCommandLineParser& p, const QStringList& args) {
    if (gHelpCapture) {
        *gHelpCapture = p.helpText();
        throw HelpShown{};
    }
    if (!p.parse(args)) {
        std::fprintf(stderr, "%s: %s\nSee '%s --help'.\n", qPrintable(args.value(0)), qPrintable(p.errorText()),
                     qPrintable(args.value(0)));
        return false;
    }
    if (p.isSet("help")) {
        std::fputs(qPrintable(p.helpText()), stdout);
        std::exit(0);
    }
    return true;
}

int exitCodeForSignal(int signal) { return signal == SIGTERM ? Terminated : Interrupted; }

int reportError(const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    if (const auto* he = dynamic_cast<const hpt::Error*>(&e)) {
        switch (he->kind()) {
        case ErrorKind::Config: return BadArguments;
        case ErrorKind::Data: return DataError;
        case ErrorKind::Plugin: return PluginFailure;
        case ErrorKind::Diverged: return Diverged;
        default: return Failure;
        }
    }
    return Failure;
}

}  // namespace hpt::cli
