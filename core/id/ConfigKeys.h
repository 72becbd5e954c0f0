#pragma once
// Unknown-key check for the small config blocks read here (lora.auto, id).
#include <hpt/Error.h>

#include <QJsonObject>
#include <QStringList>
#include <string>

namespace hpt {

inline void rejectUnknownKeys(const QJsonObject& o, const QStringList& known, const std::string& prefix) {
    for (const auto& k : o.keys()) {
        if (known.contains(k)) continue;
        // A case slip or a '-' for '_' is the usual typo; name the intended key then.
        QString hint;
        for (const auto& n : known)
            if (QString(k).replace('-', '_').compare(n, Qt::CaseInsensitive) == 0) hint = n;
        throw configError(prefix + k.toStdString(),
                          hint.isEmpty() ? "unknown key (known: " + known.join(", ").toStdString() + ")"
                                         : "unknown key (did you mean '" + hint.toStdString() + "'?)");
    }
}

}  // namespace hpt
