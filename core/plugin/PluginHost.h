#pragma once
// The plugin host: finds plugin files, reads each one's metadata before any of
// its code runs, checks the API version, and keeps one record per loaded
// plugin and one reason per rejected file (Qt Creator's PluginSpec habit: the
// host never guesses why a plugin failed; it says).
#include <hpt/Dataset.h>
#include <hpt/Device.h>
#include <hpt/Model.h>
#include <hpt/Params.h>

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

class QPluginLoader;

namespace hpt {

enum class PluginKind { Model, Dataset, Device };
const char* toString(PluginKind k);

struct PluginRecord {
    PluginKind kind = PluginKind::Model;
    QString name, version, description, file;
    int api = 0;
    QJsonObject meta;  // the plugin's JSON metadata (presets, defaults, parameters)
    std::vector<ParamSpec> params;
    QObject* instance = nullptr;  // owned by the loader, alive while the host is
};

struct RejectedPlugin {
    QString file;
    QString reason;
};

class PluginHost {
public:
    PluginHost();
    ~PluginHost();
    PluginHost(const PluginHost&) = delete;
    PluginHost& operator=(const PluginHost&) = delete;

    // Search order: extraDirs (--plugin-dir), $HPT_PLUGIN_PATH, the build
    // tree's plugin folder when running from the build tree, then
    // <prefix>/lib/hpt/plugins next to the executable.
    static QStringList searchPath(const QStringList& extraDirs = {});

    // Loads every plugin file found below each directory (recursively).
    void loadFrom(const QStringList& dirs);
    // Loads one file; returns false and records the reason when rejected.
    bool loadFile(const QString& file);

    const std::vector<PluginRecord>& loaded() const { return loaded_; }
    const std::vector<RejectedPlugin>& rejected() const { return rejected_; }

    const PluginRecord* find(PluginKind kind, const QString& name) const;
    // Throw hpt::Error (ErrorKind::Plugin) naming what is available.
    const PluginRecord& require(PluginKind kind, const QString& name) const;
    ModelPlugin* model(const QString& name) const;
    DatasetPlugin* dataset(const QString& name) const;
    DevicePlugin* device(const QString& name) const;
    QStringList names(PluginKind kind) const;

private:
    std::vector<PluginRecord> loaded_;
    std::vector<RejectedPlugin> rejected_;
    std::vector<std::unique_ptr<QPluginLoader>> loaders_;
};

}  // namespace hpt
