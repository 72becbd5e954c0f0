// `hpt plugins`: what loaded (kind, name, version, file) and every rejected
// file with the reason.
#include "cli/Command.h"

#include "plugin/PluginHost.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>

namespace {

int runPlugins(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("List loaded plugins and rejected plugin files with the reason.");
    p.addHelpOption();
    hpt::cli::addPluginOptions(p);
    p.addOption({"json", "Print JSON."});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    const QStringList path = hpt::PluginHost::searchPath(p.values("plugin-dir"));
    auto host = hpt::cli::loadPlugins(p);
    if (p.isSet("json")) {
        QJsonArray loaded, rejected;
        for (const auto& r : host->loaded())
            loaded.append(QJsonObject{{"kind", hpt::toString(r.kind)}, {"name", r.name}, {"version", r.version},
                                      {"api", r.api}, {"description", r.description}, {"file", r.file}});
        for (const auto& r : host->rejected()) rejected.append(QJsonObject{{"file", r.file}, {"reason", r.reason}});
        const QJsonObject o{{"search_path", QJsonArray::fromStringList(path)}, {"loaded", loaded}, {"rejected", rejected}};
        std::fputs(QJsonDocument(o).toJson().constData(), stdout);
        return 0;
    }
    std::printf("Search path:\n");
    for (const auto& d : path) std::printf("  %s\n", qPrintable(d));
    std::printf("\nLoaded (%zu):\n", host->loaded().size());
    std::printf("  %-8s %-14s %-9s %s\n", "KIND", "NAME", "VERSION", "FILE");
    for (const auto& r : host->loaded())
        std::printf("  %-8s %-14s %-9s %s\n", hpt::toString(r.kind), qPrintable(r.name), qPrintable(r.version),
                    qPrintable(r.file));
    std::printf("\nRejected (%zu):\n", host->rejected().size());
    for (const auto& r : host->rejected()) std::printf("  %s\n    reason: %s\n", qPrintable(r.file), qPrintable(r.reason));
    return 0;
}

}  // namespace

HPT_COMMAND("plugins", "List loaded plugins and rejected files with reasons", runPlugins);
