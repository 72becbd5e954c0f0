#include "plugin/PluginHost.h"

#include <hpt/Error.h>

#include <QCoreApplication>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonArray>
#include <QLibrary>
#include <QPluginLoader>

#ifndef HPT_BUILD_PLUGIN_DIR
#define HPT_BUILD_PLUGIN_DIR ""
#endif
#ifndef HPT_INSTALL_PLUGIN_DIR
#define HPT_INSTALL_PLUGIN_DIR "lib/hpt/plugins"
#endif

namespace hpt {

const char* toString(PluginKind k) {
    switch (k) {
    case PluginKind::Model: return "model";
    case PluginKind::Dataset: return "dataset";
    case PluginKind::Device: return "device";
    }
    return "?";
}

PluginHost::PluginHost() = default;
PluginHost::~PluginHost() = default;  // loaders stay loaded: plugin objects may outlive records

QStringList PluginHost::searchPath(const QStringList& extraDirs) {
    QStringList dirs = extraDirs;
    const QString env = qEnvironmentVariable("HPT_PLUGIN_PATH");
    for (const auto& d : env.split(':', Qt::SkipEmptyParts)) dirs << d;
    const QString appDir = QCoreApplication::instance() ? QCoreApplication::applicationDirPath() : QString();
    const QString buildDir = QString::fromUtf8(HPT_BUILD_PLUGIN_DIR);
    if (!buildDir.isEmpty() && !appDir.isEmpty()) {
        // Running from the build tree: the executable lives below the folder
        // that holds plugins/.
        const QString buildRoot = QFileInfo(buildDir).absolutePath();
        if (QFileInfo(appDir).absoluteFilePath().startsWith(buildRoot)) dirs << buildDir;
    }
    if (!appDir.isEmpty()) dirs << QDir(appDir + "/..").absoluteFilePath(HPT_INSTALL_PLUGIN_DIR);
    dirs.removeDuplicates();
    return dirs;
}

void PluginHost::loadFrom(const QStringList& dirs) {
    for (const auto& dir : dirs) {
        if (!QFileInfo(dir).isDir()) continue;
        QStringList files;
        QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            if (QLibrary::isLibrary(f)) files << f;
        }
        files.sort();  // deterministic order: first of two duplicates wins
        for (const auto& f : files) loadFile(f);
    }
}

static bool parseIid(const QString& iid, PluginKind* kind, int* api) {
    static const std::pair<const char*, PluginKind> prefixes[] = {
        {"org.hpt.ModelPlugin/", PluginKind::Model},
        {"org.hpt.DatasetPlugin/", PluginKind::Dataset},
        {"org.hpt.DevicePlugin/", PluginKind::Device}};
    for (const auto& [prefix, k] : prefixes) {
        if (iid.startsWith(prefix)) {
            bool ok = false;
            *api = iid.mid(int(qstrlen(prefix))).toInt(&ok);
            *kind = k;
            return ok;
        }
    }
    return false;
}

bool PluginHost::loadFile(const QString& file) {
    const QString abs = QFileInfo(file).absoluteFilePath();
    for (const auto& r : loaded_)
        if (r.file == abs) return true;
    auto reject = [&](const QString& why) {
        rejected_.push_back({abs, why});
        return false;
    };
    auto loader = std::make_unique<QPluginLoader>(abs);
    const QJsonObject raw = loader->metaData();
    if (raw.isEmpty()) return reject("not a Qt plugin (" + loader->errorString() + ")");
    const QString iid = raw.value("IID").toString();
    PluginKind kind;
    int api = 0;
    if (!parseIid(iid, &kind, &api)) return reject("not an HpT plugin (interface '" + iid + "')");
    if (api != kApiVersion)
        return reject(QString("built against plugin API %1, this host speaks API %2; rebuild the plugin against "
                              "the current SDK")
                          .arg(api)
                          .arg(kApiVersion));
    const QJsonObject meta = raw.value("MetaData").toObject();
    PluginRecord rec;
    rec.kind = kind;
    rec.api = api;
    rec.file = abs;
    rec.meta = meta;
    rec.name = meta.value("name").toString();
    rec.version = meta.value("version").toString();
    rec.description = meta.value("description").toString();
    if (rec.name.isEmpty()) return reject("metadata has no \"name\"; add it to the plugin's JSON file");
    if (rec.version.isEmpty()) return reject("metadata has no \"version\"; add it to the plugin's JSON file");
    if (meta.value("api").toInt(api) != api)
        return reject(QString("metadata says api %1 but the interface is API %2").arg(meta.value("api").toInt()).arg(api));
    if (const auto* other = find(kind, rec.name))
        return reject(QString("duplicate %1 plugin '%2' (already loaded from %3)").arg(toString(kind), rec.name, other->file));
    rec.params = parseParamSpecs(meta.value("parameters").toArray());

    // instance() runs the plugin's constructor: its exception is this plugin's failure, not the host's.
    QObject* obj = nullptr;
    try {
        obj = loader->instance();
    } catch (const std::exception& e) {
        return reject(QString("its constructor threw: %1").arg(QString::fromUtf8(e.what())));
    } catch (...) {
        return reject("its constructor threw a non-standard exception");
    }
    if (!obj) return reject("could not be loaded: " + loader->errorString());
    const bool ok = (kind == PluginKind::Model && qobject_cast<ModelPlugin*>(obj)) ||
                    (kind == PluginKind::Dataset && qobject_cast<DatasetPlugin*>(obj)) ||
                    (kind == PluginKind::Device && qobject_cast<DevicePlugin*>(obj));
    if (!ok) return reject(QString("declares %1 but does not implement hpt::%2Plugin").arg(iid, toString(kind)));
    rec.instance = obj;
    loaded_.push_back(rec);
    loaders_.push_back(std::move(loader));
    return true;
}

const PluginRecord* PluginHost::find(PluginKind kind, const QString& name) const {
    for (const auto& r : loaded_)
        if (r.kind == kind && r.name == name) return &r;
    return nullptr;
}

QStringList PluginHost::names(PluginKind kind) const {
    QStringList out;
    for (const auto& r : loaded_)
        if (r.kind == kind) out << r.name;
    return out;
}

const PluginRecord& PluginHost::require(PluginKind kind, const QString& name) const {
    if (const auto* r = find(kind, name)) return *r;
    const QStringList avail = names(kind);
    const QString hint = nearestName(name, avail);
    QString why = QString("no %1 plugin named '%2'%3; loaded: %4")
                      .arg(toString(kind), name, hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint),
                           avail.isEmpty() ? "none" : avail.join(", "));
    for (const auto& r : rejected_) why += QString("\n  rejected %1: %2").arg(r.file, r.reason);
    throw pluginError(name.toStdString(), why.toStdString());
}

ModelPlugin* PluginHost::model(const QString& name) const {
    return qobject_cast<ModelPlugin*>(require(PluginKind::Model, name).instance);
}
DatasetPlugin* PluginHost::dataset(const QString& name) const {
    return qobject_cast<DatasetPlugin*>(require(PluginKind::Dataset, name).instance);
}
DevicePlugin* PluginHost::device(const QString& name) const {
    return qobject_cast<DevicePlugin*>(require(PluginKind::Device, name).instance);
}

}  // namespace hpt
