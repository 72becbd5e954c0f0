// `hpt plugins`: every plugin file the host tried, as a spec with the state it
// reached (invalid, read, resolved, loaded, initialized) and, for one that
// stopped short, its error.
#include "cli/Command.h"

#include "plugin/PluginHost.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>

namespace {

QJsonObject specJson(const hpt::PluginSpec& s) {
    const bool known = s.state != hpt::PluginState::Invalid;
    QJsonObject o{{"file", s.file}, {"state", hpt::toString(s.state)}};
    if (known) {
        o.insert("kind", hpt::toString(s.kind));
        o.insert("name", s.name);
        o.insert("version", s.version);
        o.insert("api", s.api);
        o.insert("description", s.description);
    }
    if (s.hasError()) o.insert("error", s.errorString());
    return o;
}

int runPlugins(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("List every plugin file found, with the state it reached and, when it failed, why.");
    p.addHelpOption();
    hpt::cli::addPluginOptions(p);
    p.addOption({"json", "Print JSON."});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    const QStringList path = hpt::PluginHost::searchPath(p.values("plugin-dir"));
    auto host = hpt::cli::loadPlugins(p);
    if (p.isSet("json")) {
        QJsonArray specs;
        for (const auto& s : host->specs()) specs.append(specJson(s));
        const QJsonObject o{{"search_path", QJsonArray::fromStringList(path)}, {"plugins", specs}};
        std::fputs(QJsonDocument(o).toJson().constData(), stdout);
        return 0;
    }
    std::printf("Search path:\n");
    for (const auto& d : path) std::printf("  %s\n", qPrintable(d));
    std::printf("\nPlugins (%zu files, %zu usable):\n", host->specs().size(), host->loaded().size());
    std::printf("  %-8s %-14s %-9s %-12s %s\n", "KIND", "NAME", "VERSION", "STATE", "FILE");
    for (const auto& s : host->specs()) {
        const bool known = s.state != hpt::PluginState::Invalid;
        std::printf("  %-8s %-14s %-9s %-12s %s\n", known ? hpt::toString(s.kind) : "-",
                    known && !s.name.isEmpty() ? qPrintable(s.name) : "-",
                    known && !s.version.isEmpty() ? qPrintable(s.version) : "-", hpt::toString(s.state), qPrintable(s.file));
        if (s.hasError()) std::printf("    error: %s\n", qPrintable(s.errorString()));
    }
    return 0;
}

}  // namespace

HPT_COMMAND("plugins", "List plugin files with their state, and why a plugin failed", runPlugins);
