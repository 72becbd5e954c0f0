#include "config/ResumeCheck.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <map>

namespace hpt {

namespace {

void flatten(const QJsonValue& v, const QString& prefix, std::map<QString, QJsonValue>& out) {
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        if (o.isEmpty() && !prefix.isEmpty()) out[prefix] = v;
        for (auto it = o.begin(); it != o.end(); ++it)
            flatten(it.value(), prefix.isEmpty() ? it.key() : prefix + "." + it.key(), out);
        return;
    }
    out[prefix] = v;
}

QString show(const QJsonValue& v) {
    if (v.isUndefined()) return "(absent)";
    return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1).left(80);
}

}  // namespace

const QStringList& resumeAllowedKeys() {
    static const QStringList keys{"name", "checkpoint.dir", "checkpoint.every", "training.torch_device",
                                  "training.threads", "training.max_steps", "training.epochs"};
    return keys;
}

QStringList resumeDifferences(const QJsonObject& stored, const QJsonObject& given) {
    std::map<QString, QJsonValue> a, b;
    flatten(stored, {}, a);
    flatten(given, {}, b);
    std::map<QString, std::pair<QJsonValue, QJsonValue>> diff;
    for (const auto& [k, v] : a) {
        const auto it = b.find(k);
        const QJsonValue w = it == b.end() ? QJsonValue(QJsonValue::Undefined) : it->second;
        if (v != w) diff[k] = {v, w};
    }
    for (const auto& [k, w] : b)
        if (!a.count(k)) diff[k] = {QJsonValue(QJsonValue::Undefined), w};
    QStringList out;
    for (const auto& [k, vw] : diff)
        if (!resumeAllowedKeys().contains(k)) out << QString("%1: %2 → %3").arg(k, show(vw.first), show(vw.second));
    return out;
}

}  // namespace hpt
