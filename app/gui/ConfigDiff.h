#pragma once
// The configuration diff of the compare view: which dotted keys of two or more
// resolved experiment configurations differ, and each run's value. A pure
// function so the table shows exactly what a paper's "what changed" column needs.
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <map>
#include <vector>

namespace hpt::gui {

struct ConfigDiffRow {
    QString key;                     // dotted path, e.g. "switching.alpha"
    std::vector<QJsonValue> values;  // one per config; Undefined where the key is absent
};

// Leaves of a nested object by dotted path. Arrays are leaves (compared whole):
// "lora.targets" is one setting, not one per element.
std::map<QString, QJsonValue> flattenConfig(const QJsonObject& config, const QString& prefix = {});

// Rows (sorted by key) for keys whose values are not all equal, including keys
// missing from some configs. Fewer than two configs → no rows.
std::vector<ConfigDiffRow> configDiff(const std::vector<QJsonObject>& configs);

// How a value is shown in the diff table and CSV ("—" for absent).
QString displayValue(const QJsonValue& v);

}  // namespace hpt::gui
