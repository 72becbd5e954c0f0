// `hpt devices [--describe [NAME]] [--json]`: the device plugins and, with
// --describe, every parameter with unit, default and published source, and
// every preset. Read from plugin metadata only; no device code runs.
#include "cli/Command.h"

#include "plugin/PluginHost.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>

namespace {

QString valueText(const QJsonValue& v) {
    if (v.isDouble()) return QString::number(v.toDouble(), 'g', 6);
    if (v.isBool()) return v.toBool() ? "true" : "false";
    if (v.isString()) return v.toString();
    return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
}

void printDevice(const hpt::PluginRecord& r, bool describe) {
    const QJsonObject presets = r.meta.value("presets").toObject();
    std::printf("%-10s %-8s %-9s %s\n", qPrintable(r.name), qPrintable(r.meta.value("kind").toString("-")),
                qPrintable(r.version), qPrintable(r.description));
    if (!describe) {
        std::printf("           presets: %s\n", presets.isEmpty() ? "none" : qPrintable(presets.keys().join(", ")));
        return;
    }
    std::printf("  file: %s\n  parameters:\n", qPrintable(r.file));
    for (const auto& v : r.meta.value("parameters").toArray()) {
        const QJsonObject p = v.toObject();
        QString range;
        if (p.contains("choices")) {
            QStringList c;
            for (const auto& x : p.value("choices").toArray()) c << x.toString();
            range = "one of " + c.join("|");
        } else if (p.contains("min") || p.contains("max")) {
            range = QString("[%1, %2]").arg(p.contains("min") ? valueText(p.value("min")) : "-inf",
                                            p.contains("max") ? valueText(p.value("max")) : "inf");
        }
        const QString unit = p.value("unit").toString();
        std::printf("    %-28s = %-12s %-10s %s %s\n", qPrintable(p.value("name").toString()),
                    qPrintable(valueText(p.value("default"))), qPrintable(unit.isEmpty() ? "(1)" : unit),
                    qPrintable(p.value("type").toString()), qPrintable(range));
        std::printf("        %s\n        source: %s\n", qPrintable(p.value("description").toString()),
                    qPrintable(p.value("source").toString("(none given)")));
    }
    const QJsonObject sources = r.meta.value("preset_sources").toObject();
    std::printf("  presets:\n");
    for (auto it = presets.begin(); it != presets.end(); ++it) {
        QStringList kv;
        const QJsonObject o = it.value().toObject();
        for (auto j = o.begin(); j != o.end(); ++j) kv << j.key() + "=" + valueText(j.value());
        std::printf("    %-14s %s\n", qPrintable(it.key()), kv.isEmpty() ? "(parameter defaults)" : qPrintable(kv.join(" ")));
        if (sources.contains(it.key())) std::printf("        source: %s\n", qPrintable(sources.value(it.key()).toString()));
    }
    std::printf("\n");
}

int runDevices(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("List device plugins; --describe lists every parameter with unit, default and source.");
    p.addHelpOption();
    hpt::cli::addPluginOptions(p);
    p.addOption({"describe", "Describe the parameters and presets of every device plugin, or of NAME."});
    p.addOption({"json", "Print JSON (the plugins' metadata)."});
    p.addPositionalArgument("NAME", "Device plugin to describe (with --describe).", "[NAME]");
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    try {
        auto host = hpt::cli::loadPlugins(p);
        const QStringList names = p.positionalArguments();
        if (names.size() > 1) throw hpt::configError("NAME", "give at most one device name");
        std::vector<const hpt::PluginRecord*> recs;
        if (!names.isEmpty()) recs.push_back(&host->require(hpt::PluginKind::Device, names[0]));
        else
            for (const auto* r : host->loaded())
                if (r->kind == hpt::PluginKind::Device) recs.push_back(r);
        const bool describe = p.isSet("describe") || !names.isEmpty();
        if (p.isSet("json")) {
            QJsonArray out;
            for (const auto* r : recs) {
                QJsonObject o{{"name", r->name}, {"version", r->version}, {"kind", r->meta.value("kind")},
                              {"description", r->description}, {"file", r->file},
                              {"presets", r->meta.value("presets")}};
                if (describe) {
                    o.insert("parameters", r->meta.value("parameters"));
                    o.insert("preset_sources", r->meta.value("preset_sources"));
                }
                out.append(o);
            }
            std::fputs(QJsonDocument(QJsonObject{{"devices", out}}).toJson().constData(), stdout);
            return hpt::cli::Ok;
        }
        if (recs.empty()) std::printf("No device plugins loaded (see `hpt plugins` for rejected files).\n");
        for (const auto* r : recs) printDevice(*r, describe);
        return hpt::cli::Ok;
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("devices", "List device plugins and describe their parameters (unit, default, source)", runDevices);
