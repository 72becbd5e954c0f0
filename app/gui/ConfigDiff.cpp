#include "gui/ConfigDiff.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <set>

namespace hpt::gui {

std::map<QString, QJsonValue> flattenConfig(const QJsonObject& config, const QString& prefix) {
    std::map<QString, QJsonValue> out;
    for (auto it = config.begin(); it != config.end(); ++it) {
        const QString key = prefix.isEmpty() ? it.key() : prefix + "." + it.key();
        if (it.value().isObject() && !it.value().toObject().isEmpty()) {
            for (auto& [k, v] : flattenConfig(it.value().toObject(), key)) out.emplace(k, v);
        } else {
            out.emplace(key, it.value());
        }
    }
    return out;
}

std::vector<ConfigDiffRow> configDiff(const std::vector<QJsonObject>& configs) {
    std::vector<ConfigDiffRow> rows;
    if (configs.size() < 2) return rows;
    std::vector<std::map<QString, QJsonValue>> flat;
    std::set<QString> keys;
    for (const auto& c : configs) {
        flat.push_back(flattenConfig(c));
        for (const auto& kv : flat.back()) keys.insert(kv.first);
    }
    for (const auto& key : keys) {
        ConfigDiffRow row{key, {}};
        bool differs = false;
        for (const auto& f : flat) {
            const auto it = f.find(key);
            row.values.push_back(it == f.end() ? QJsonValue(QJsonValue::Undefined) : it->second);
            // QJsonValue equality compares numbers as doubles, so 1 and 1.0 are the same setting.
            if (row.values.size() > 1 && row.values.back() != row.values.front()) differs = true;
        }
        if (differs) rows.push_back(std::move(row));
    }
    return rows;
}

QString displayValue(const QJsonValue& v) {
    switch (v.type()) {
    case QJsonValue::Undefined: return QStringLiteral("—");
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return v.toBool() ? "true" : "false";
    case QJsonValue::Double: return QString::number(v.toDouble(), 'g', 10);
    case QJsonValue::String: return v.toString();
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    }
    return {};
}

}  // namespace hpt::gui
