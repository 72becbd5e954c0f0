#pragma once
// The plugin host: finds plugin files, reads each one's metadata before any of
// its code runs, checks the API version, and keeps one PluginSpec per file with
// the state it reached and, when it stopped short, why (Qt Creator's PluginSpec
// habit: the host never guesses why a plugin failed; it says).
// hpt/Model.h and hpt/Dataset.h bring torch: callers that create models or load
// data include them; the rest (GUI, CLI, config) stay free of torch.
#include <hpt/Device.h>
#include <hpt/Params.h>

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

class QPluginLoader;

namespace hpt {

class ModelPlugin;
class DatasetPlugin;

enum class PluginKind { Model, Dataset, Device };
const char* toString(PluginKind k);

// How far a plugin file got. Each step needs the one before:
//   Invalid      nothing usable read (not a Qt plugin, not an HpT interface);
//   Read         metadata read: kind, API, name and version are known;
//   Resolved     API version matches, metadata complete, no duplicate name;
//   Loaded       the library is loaded and its constructor ran;
//   Initialized  it implements its kind's interface: usable.
// A spec that stopped before Initialized has an error saying why.
enum class PluginState { Invalid, Read, Resolved, Loaded, Initialized };
const char* toString(PluginState s);

struct PluginSpec {
    QString file;  // absolute path
    PluginKind kind = PluginKind::Model;
    QString name, version, description;  // empty while Invalid
    int api = 0;
    QJsonObject meta;  // the plugin's JSON metadata (presets, defaults, parameters)
    std::vector<ParamSpec> params;
    QObject* instance = nullptr;  // owned by the loader, alive while the host is
    PluginState state = PluginState::Invalid;
    QString error;  // why it stopped at `state`; empty once Initialized

    bool usable() const { return state == PluginState::Initialized; }
    bool hasError() const { return !error.isEmpty(); }
    const QString& errorString() const { return error; }
    // "model plugin 'swe' 1.0 (/path/libhpt_model_swe.so)", or the file alone while Invalid.
    QString describe() const;
};
// Callers that only see usable plugins still say "record".
using PluginRecord = PluginSpec;

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
    // Loads one file into a spec; returns false when it stops short of
    // Initialized (the spec's errorString() says why).
    bool loadFile(const QString& file);

    // Every file tried, in load order, whatever state it reached.
    const std::vector<PluginSpec>& specs() const { return specs_; }
    // The usable (Initialized) specs; the pointers live as long as the host.
    std::vector<const PluginSpec*> loaded() const;
    // The specs that stopped short, with their error.
    std::vector<const PluginSpec*> failed() const;
    // A failed spec whose metadata names this plugin (so an error can say why it is missing).
    const PluginSpec* failedSpec(PluginKind kind, const QString& name) const;
    // "; <spec> failed at <state>: <error>" for failedSpec(kind, name), else "".
    QString failureNote(PluginKind kind, const QString& name) const;

    const PluginRecord* find(PluginKind kind, const QString& name) const;
    // Throw hpt::Error (ErrorKind::Plugin) naming what is available.
    const PluginRecord& require(PluginKind kind, const QString& name) const;
    ModelPlugin* model(const QString& name) const;
    DatasetPlugin* dataset(const QString& name) const;
    DevicePlugin* device(const QString& name) const;
    QStringList names(PluginKind kind) const;

private:
    std::vector<PluginSpec> specs_;
    std::vector<std::unique_ptr<QPluginLoader>> loaders_;
};

}  // namespace hpt
