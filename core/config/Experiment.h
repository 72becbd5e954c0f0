#pragma once
// Experiment configuration: a user's experiment JSON (resources/docs/experiment.md)
// resolved into the complete configuration a run is stored with.
//
// Layers, later wins: built-in defaults ← model plugin metadata blocks
// ("training", "lora", "switching") ← model metadata "preset_defaults"[preset]
// ← the user's file ← --set overrides. Every field is validated; unknown keys
// throw hpt::Error (Config) with a did-you-mean hint, where() = dotted field.
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

namespace hpt {

class PluginHost;

// The built-in defaults (every key of every section), the reference values of
// the paper's code where it has one.
QJsonObject builtinExperimentDefaults();

// Fully resolved configuration: every key present, model/dataset/device plugin
// params resolved against their schemas and presets. Throws hpt::Error.
QJsonObject resolveExperiment(const QJsonObject& user, const PluginHost& host, const QStringList& sets = {});

// Reads and parses a JSON experiment file; parse errors name the file, line and
// column (hpt::Error Config, where() = file path).
QJsonObject loadExperimentFile(const QString& path);

// Applies one "dotted.key=value" override to `config` (value parsed as JSON,
// else taken as a string). Throws hpt::Error (Config) for a malformed override.
void applySetOverride(QJsonObject& config, const QString& assignment);

// Reads / writes a dotted path ("lora.rank") in a nested object.
QJsonValue valueAt(const QJsonObject& config, const QString& dottedKey);
void setValueAt(QJsonObject& config, const QString& dottedKey, const QJsonValue& value);

}  // namespace hpt
