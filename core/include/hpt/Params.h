#pragma once
// Parameter schemas. Every plugin declares its parameters in its JSON
// metadata ("parameters": [...]) with a type, default, unit and published
// source, so the host can list them (`hpt devices --describe`), generate GUI
// widgets, and validate user values before any plugin code runs.
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <vector>

namespace hpt {

struct ParamSpec {
    QString name;
    QString type;  // "int", "double", "bool", "string", "enum", "list"
    QJsonValue defaultValue;
    QString unit;         // SI unit or "" for dimensionless
    QString source;       // where the default comes from (paper, datasheet)
    QString description;
    double min = -1e300, max = 1e300;  // inclusive bounds for numbers
    QStringList choices;               // for "enum"
};

std::vector<ParamSpec> parseParamSpecs(const QJsonArray& specs);

// defaults ← preset (metadata "presets"[preset]) ← overrides, then validated
// against the specs. Unknown keys and out-of-range values throw hpt::Error
// (ErrorKind::Config) naming `context.key` and, for typos, the nearest name.
QJsonObject resolveParams(const std::vector<ParamSpec>& specs, const QJsonObject& presets,
                          const QString& preset, const QJsonObject& overrides,
                          const QString& context);

// Closest name by edit distance, for "did you mean" hints ("" if none close).
QString nearestName(const QString& key, const QStringList& names);

}  // namespace hpt
