#include <hpt/Error.h>
#include <hpt/Params.h>

#include <QJsonDocument>
#include <algorithm>
#include <cmath>

namespace hpt {

std::vector<ParamSpec> parseParamSpecs(const QJsonArray& specs) {
    std::vector<ParamSpec> out;
    for (const auto& v : specs) {
        const auto o = v.toObject();
        ParamSpec p;
        p.name = o.value("name").toString();
        p.type = o.value("type").toString("double");
        p.defaultValue = o.value("default");
        p.unit = o.value("unit").toString();
        p.source = o.value("source").toString();
        p.description = o.value("description").toString();
        if (o.contains("min")) p.min = o.value("min").toDouble();
        if (o.contains("max")) p.max = o.value("max").toDouble();
        for (const auto& c : o.value("choices").toArray()) p.choices << c.toString();
        out.push_back(p);
    }
    return out;
}

static int editDistance(const QString& a, const QString& b) {
    std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
    for (int j = 0; j <= b.size(); ++j) prev[j] = j;
    for (int i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (int j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

QString nearestName(const QString& key, const QStringList& names) {
    QString best;
    int bestD = 1 << 30;
    for (const auto& n : names) {
        const int d = editDistance(key.toLower(), n.toLower());
        if (d < bestD) { bestD = d; best = n; }
    }
    // Only suggest when the typo is small relative to the word.
    return (bestD <= std::max(2, int(key.size()) / 3)) ? best : QString();
}

static void checkValue(const ParamSpec& p, const QJsonValue& v, const QString& field) {
    auto fail = [&](const QString& why) { throw configError(field.toStdString(), why.toStdString()); };
    const QString t = p.type;
    if (t == "int" || t == "double") {
        if (!v.isDouble()) fail(QString("expected a number (%1), got %2").arg(t, QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1)));
        const double x = v.toDouble();
        if (!std::isfinite(x)) fail("must be finite");
        if (t == "int" && x != std::floor(x)) fail(QString("expected an integer, got %1").arg(x));
        if (x < p.min || x > p.max)
            fail(QString("%1 is out of range [%2, %3]%4").arg(x).arg(p.min).arg(p.max).arg(p.unit.isEmpty() ? "" : " " + p.unit));
    } else if (t == "bool") {
        if (!v.isBool()) fail("expected true or false");
    } else if (t == "string") {
        if (!v.isString()) fail("expected a string");
    } else if (t == "enum") {
        if (!v.isString() || !p.choices.contains(v.toString()))
            fail(QString("expected one of %1").arg(p.choices.join(", ")));
    } else if (t == "list") {
        if (!v.isArray()) fail("expected a list");
    }
}

QJsonObject resolveParams(const std::vector<ParamSpec>& specs, const QJsonObject& presets, const QString& preset,
                          const QJsonObject& overrides, const QString& context) {
    QStringList names;
    QJsonObject out;
    for (const auto& p : specs) {
        names << p.name;
        out.insert(p.name, p.defaultValue);
    }
    auto apply = [&](const QJsonObject& layer, const QString& what) {
        for (auto it = layer.begin(); it != layer.end(); ++it) {
            const QString field = context + "." + it.key();
            const auto spec = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& p) { return p.name == it.key(); });
            if (spec == specs.end()) {
                const QString hint = nearestName(it.key(), names);
                throw configError(field.toStdString(),
                                  QString("unknown parameter in %1%2; known: %3")
                                      .arg(what, hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint), names.join(", "))
                                      .toStdString());
            }
            checkValue(*spec, it.value(), field);
            out.insert(it.key(), it.value());
        }
    };
    if (!preset.isEmpty()) {
        if (!presets.contains(preset)) {
            const QString hint = nearestName(preset, presets.keys());
            throw configError((context + ".preset").toStdString(),
                              QString("unknown preset '%1'%2; available: %3")
                                  .arg(preset, hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint), presets.keys().join(", "))
                                  .toStdString());
        }
        apply(presets.value(preset).toObject(), "preset " + preset);
    }
    apply(overrides, "overrides");
    return out;
}

}  // namespace hpt
