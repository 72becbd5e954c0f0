#include "plugin/PluginHost.h"

#include <hpt/Dataset.h>
#include <hpt/Error.h>
#include <hpt/Model.h>

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

const char* toString(PluginState s) {
    switch (s) {
    case PluginState::Invalid: return "invalid";
    case PluginState::Read: return "read";
    case PluginState::Resolved: return "resolved";
    case PluginState::Loaded: return "loaded";
    case PluginState::Initialized: return "initialized";
    }
    return "?";
}

QString PluginSpec::describe() const {
    if (state == PluginState::Invalid || name.isEmpty()) return file;
    return QString("%1 plugin '%2'%3 (%4)").arg(toString(kind), name, version.isEmpty() ? "" : " " + version, file);
}

bool PluginHost::loadFile(const QString& file) {
    const QString abs = QFileInfo(file).absoluteFilePath();
    for (const auto& s : specs_)
        if (s.file == abs) return s.usable();
    PluginSpec spec;
    spec.file = abs;
    // Every outcome is kept: the spec records the state reached and, on failure, why.
    auto stop = [&](const QString& why) {
        spec.error = why;
        specs_.push_back(spec);
        return false;
    };
    auto loader = std::make_unique<QPluginLoader>(abs);
    const QJsonObject raw = loader->metaData();
    if (raw.isEmpty()) return stop("not a Qt plugin (" + loader->errorString() + ")");
    const QString iid = raw.value("IID").toString();
    if (!parseIid(iid, &spec.kind, &spec.api)) return stop("not an HpT plugin (interface '" + iid + "')");
    const QJsonObject meta = raw.value("MetaData").toObject();
    spec.meta = meta;
    spec.name = meta.value("name").toString();
    spec.version = meta.value("version").toString();
    spec.description = meta.value("description").toString();
    spec.state = PluginState::Read;

    if (spec.api != kApiVersion)
        return stop(QString("built against plugin API %1, this host speaks API %2; rebuild the plugin against "
                            "the current SDK")
                        .arg(spec.api)
                        .arg(kApiVersion));
    if (spec.name.isEmpty()) return stop("metadata has no \"name\"; add it to the plugin's JSON file");
    if (spec.version.isEmpty()) return stop("metadata has no \"version\"; add it to the plugin's JSON file");
    if (meta.value("api").toInt(spec.api) != spec.api)
        return stop(QString("metadata says api %1 but the interface is API %2").arg(meta.value("api").toInt()).arg(spec.api));
    if (const auto* other = find(spec.kind, spec.name))
        return stop(QString("duplicate %1 plugin '%2' (already loaded from %3)").arg(toString(spec.kind), spec.name, other->file));
    spec.params = parseParamSpecs(meta.value("parameters").toArray());
    spec.state = PluginState::Resolved;

    // instance() runs the plugin's constructor: its exception is this plugin's failure, not the host's.
    QObject* obj = nullptr;
    try {
        obj = loader->instance();
    } catch (const std::exception& e) {
        return stop(QString("its constructor threw: %1").arg(QString::fromUtf8(e.what())));
    } catch (...) {
        return stop("its constructor threw a non-standard exception");
    }
    if (!obj) return stop("could not be loaded: " + loader->errorString());
    spec.state = PluginState::Loaded;
    const bool ok = (spec.kind == PluginKind::Model && qobject_cast<ModelPlugin*>(obj)) ||
                    (spec.kind == PluginKind::Dataset && qobject_cast<DatasetPlugin*>(obj)) ||
                    (spec.kind == PluginKind::Device && qobject_cast<DevicePlugin*>(obj));
    if (!ok) return stop(QString("declares %1 but does not implement hpt::%2Plugin").arg(iid, toString(spec.kind)));
    spec.instance = obj;
    spec.state = PluginState::Initialized;
    specs_.push_back(spec);
    loaders_.push_back(std::move(loader));
    return true;
}

std::vector<const PluginSpec*> PluginHost::loaded() const {
    std::vector<const PluginSpec*> out;
    for (const auto& s : specs_)
        if (s.usable()) out.push_back(&s);
    return out;
}

std::vector<const PluginSpec*> PluginHost::failed() const {
    std::vector<const PluginSpec*> out;
    for (const auto& s : specs_)
        if (!s.usable()) out.push_back(&s);
    return out;
}

const PluginSpec* PluginHost::find(PluginKind kind, const QString& name) const {
    for (const auto& s : specs_)
        if (s.usable() && s.kind == kind && s.name == name) return &s;
    return nullptr;
}

const PluginSpec* PluginHost::failedSpec(PluginKind kind, const QString& name) const {
    // The metadata is read before anything can fail past Invalid, so the name is the plugin's own, not a guess.
    for (const auto& s : specs_)
        if (!s.usable() && s.state != PluginState::Invalid && s.kind == kind && s.name == name) return &s;
    return nullptr;
}

QString PluginHost::failureNote(PluginKind kind, const QString& name) const {
    const PluginSpec* s = failedSpec(kind, name);
    if (!s) return QString();
    return QString("; %1 stopped at state '%2': %3").arg(s->describe(), toString(s->state), s->errorString());
}

QStringList PluginHost::names(PluginKind kind) const {
    QStringList out;
    for (const auto& s : specs_)
        if (s.usable() && s.kind == kind) out << s.name;
    return out;
}

const PluginSpec& PluginHost::require(PluginKind kind, const QString& name) const {
    if (const auto* r = find(kind, name)) return *r;
    const QStringList avail = names(kind);
    const QString hint = nearestName(name, avail);
    QString why = QString("no %1 plugin named '%2'%3; loaded: %4%5")
                      .arg(toString(kind), name, hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint),
                           avail.isEmpty() ? "none" : avail.join(", "), failureNote(kind, name));
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
