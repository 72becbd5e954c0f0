#include "config/Experiment.h"

#include "config/ExperimentSchema.h"
#include "config/Names.h"

#include "plugin/PluginHost.h"

#include <hpt/Error.h>
#include <hpt/Params.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <cmath>

namespace hpt {

namespace {

[[noreturn]] void fail(const QString& field, const QString& why) { throw configError(field.toStdString(), why.toStdString()); }

QString show(const QJsonValue& v) {
    return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
}

// Deep merge: objects merge key by key, anything else replaces.
void mergeInto(QJsonObject& base, const QJsonObject& over) {
    for (auto it = over.begin(); it != over.end(); ++it) {
        if (it.value().isObject() && base.value(it.key()).isObject()) {
            QJsonObject sub = base.value(it.key()).toObject();
            mergeInto(sub, it.value().toObject());
            base.insert(it.key(), sub);
        } else {
            base.insert(it.key(), it.value());
        }
    }
}

// Objects whose keys belong to someone else's schema (plugin params) or are
// free-form (device roles, mapping overrides): the schema's Object rows, and each
// device role's params (checked against its plugin's schema later).
bool freeForm(const QString& field) {
    const ExperimentKey* k = experimentKey(field);
    return (k && k->type == ExperimentKey::Object) || (field.startsWith("devices.") && field.endsWith(".params"));
}

void rejectUnknown(const QJsonObject& user, const QJsonObject& known, const QString& prefix) {
    const QStringList names = known.keys();
    for (auto it = user.begin(); it != user.end(); ++it) {
        const QString field = prefix.isEmpty() ? it.key() : prefix + "." + it.key();
        if (!known.contains(it.key())) {
            const QString hint = nearestName(it.key(), names);
            fail(field, QString("unknown key%1; known keys here: %2")
                            .arg(hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint), names.join(", ")));
        }
        if (freeForm(field)) continue;
        if (known.value(it.key()).isObject()) {
            if (!it.value().isObject()) fail(field, QString("expected an object {...}, got %1").arg(show(it.value())));
            rejectUnknown(it.value().toObject(), known.value(it.key()).toObject(), field);
        }
    }
}

struct Checker {
    const QJsonObject& c;
    QJsonValue at(const QString& f) const { return valueAt(c, f); }
    double number(const QString& f, double lo, double hi, bool loOpen = false, bool hiOpen = false, bool integer = false) const {
        const QJsonValue v = at(f);
        if (!v.isDouble()) fail(f, QString("expected a number, got %1").arg(show(v)));
        const double x = v.toDouble();
        if (!std::isfinite(x)) fail(f, "must be finite");
        if (integer && x != std::floor(x)) fail(f, QString("expected an integer, got %1").arg(x));
        const bool below = loOpen ? x <= lo : x < lo, above = hiOpen ? x >= hi : x > hi;
        if (below || above)
            fail(f, QString("%1 is out of range %2%3, %4%5").arg(x).arg(loOpen ? "(" : "[").arg(lo).arg(hi).arg(hiOpen ? ")" : "]"));
        return x;
    }
    double integer(const QString& f, double lo, double hi = 1e15) const { return number(f, lo, hi, false, false, true); }
    void boolean(const QString& f) const {
        if (!at(f).isBool()) fail(f, QString("expected true or false, got %1").arg(show(at(f))));
    }
    QString string(const QString& f) const {
        if (!at(f).isString()) fail(f, QString("expected a string, got %1").arg(show(at(f))));
        return at(f).toString();
    }
    QString choice(const QString& f, const QStringList& choices) const {
        const QString s = string(f);
        if (!choices.contains(s)) {
            const QString hint = nearestName(s, choices);
            fail(f, QString("'%1' is not one of %2%3").arg(s, choices.join(", "),
                                                              hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint)));
        }
        return s;
    }
    // Lists of names or patterns are bounded: a model has hundreds of modules, and a list of
    // millions only makes setup slow (a pattern with * covers many modules at once).
    QStringList strings(const QString& f, bool nonEmpty = false, int maxItems = 1024) const {
        if (!at(f).isArray()) fail(f, QString("expected a list of strings, got %1").arg(show(at(f))));
        if (at(f).toArray().size() > maxItems)
            fail(f, QString("has %1 entries; at most %2 are allowed (use a pattern with *, e.g. \"*.attn.q\")")
                        .arg(at(f).toArray().size()).arg(maxItems));
        QStringList out;
        for (const auto& v : at(f).toArray()) {
            if (!v.isString()) fail(f, QString("expected a list of strings; %1 is not a string").arg(show(v)));
            out << v.toString();
        }
        if (nonEmpty && out.isEmpty()) fail(f, "must not be empty");
        return out;
    }
    void object(const QString& f) const {
        if (!at(f).isObject()) fail(f, QString("expected an object {...}, got %1").arg(show(at(f))));
    }
};

// Every key by its schema row (type, bounds, choices), then the rules between keys.
void validate(const QJsonObject& c) {
    const Checker k{c};
    for (const ExperimentKey& e : experimentSchema()) {
        const QString& f = e.key;
        switch (e.type) {
        case ExperimentKey::Int: k.number(f, e.min, e.max, e.minOpen, e.maxOpen, true); break;
        case ExperimentKey::Number: k.number(f, e.min, e.max, e.minOpen, e.maxOpen); break;
        case ExperimentKey::Bool: k.boolean(f); break;
        case ExperimentKey::String: k.string(f); break;
        case ExperimentKey::Choice: k.choice(f, e.choices); break;
        case ExperimentKey::Object: k.object(f); break;
        case ExperimentKey::Strings:
            for (const QString& m : k.strings(f, e.nonEmpty, e.maxItems)) {
                if (e.choices.isEmpty() || e.choices.contains(m)) continue;
                const QString hint = nearestName(m, e.choices);
                fail(f, QString("unknown entry '%1'; choose from %2%3")
                            .arg(m, e.choices.join(", "), hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint)));
            }
            break;
        case ExperimentKey::RankOrAuto: {
            const QJsonValue v = k.at(f);
            if (v.isString()) {
                if (v.toString() != "auto") fail(f, QString("expected a positive integer or \"auto\", got %1").arg(show(v)));
            } else {
                k.number(f, e.min, e.max, e.minOpen, e.maxOpen, true);
            }
            break;
        }
        }
    }

    if (k.at("training.lr_min").toDouble() > k.at("training.lr").toDouble())
        fail("training.lr_min", "must not exceed training.lr (the cosine schedule decays from lr down to lr_min)");
    if (k.at("training.keep_best").toBool() && !(k.at("training.validation_fraction").toDouble() > 0))
        fail("training.keep_best", "needs a validation split; set training.validation_fraction > 0 (e.g. 0.1)");
    const QJsonValue rank = k.at("lora.rank"), d = k.at("model.params.d_model");
    if (rank.isDouble() && d.isDouble() && rank.toDouble() > d.toDouble())
        fail("lora.rank", QString("rank %1 exceeds the model width d_model = %2; choose 1..%2").arg(rank.toDouble()).arg(d.toDouble()));
    if (k.at("lora.auto.r_min").toDouble() > k.at("lora.auto.r_max").toDouble())
        fail("lora.auto.r_min", "must not exceed lora.auto.r_max");
    for (const QString& role : c.value("devices").toObject().keys()) {
        const QString f = "devices." + role;
        k.object(f);
        rejectUnknown(k.at(f).toObject(), QJsonObject{{"plugin", ""}, {"preset", ""}, {"params", QJsonObject()}}, f);
        k.string(f + ".plugin");
        if (k.at(f + ".preset").isUndefined()) continue;
        k.string(f + ".preset");
    }
}

QJsonValue parseSetValue(const QString& text) {
    QJsonParseError err;
    const QJsonDocument d = QJsonDocument::fromJson(("[" + text + "]").toUtf8(), &err);
    if (err.error == QJsonParseError::NoError && d.isArray() && d.array().size() == 1) return d.array().at(0);
    return QJsonValue(text);
}

}  // namespace

QJsonObject builtinExperimentDefaults() {
    QJsonObject d;
    for (const ExperimentKey& k : experimentSchema()) setValueAt(d, k.key, k.defaultValue);
    return d;
}

QJsonValue valueAt(const QJsonObject& config, const QString& dottedKey) {
    const QStringList parts = dottedKey.split('.');
    QJsonValue v = config;
    for (const auto& p : parts) {
        if (!v.isObject()) return QJsonValue(QJsonValue::Undefined);
        v = v.toObject().value(p);
    }
    return v;
}

static void setIn(QJsonObject& o, const QStringList& parts, int i, const QJsonValue& value, const QString& full) {
    if (i == parts.size() - 1) {
        o.insert(parts[i], value);
        return;
    }
    QJsonValue child = o.value(parts[i]);
    if (!child.isUndefined() && !child.isObject())
        fail(full, QString("'%1' is not an object, so '%2' cannot be set inside it").arg(parts.mid(0, i + 1).join('.'), full));
    QJsonObject sub = child.toObject();
    setIn(sub, parts, i + 1, value, full);
    o.insert(parts[i], sub);
}

void setValueAt(QJsonObject& config, const QString& dottedKey, const QJsonValue& value) {
    const QStringList parts = dottedKey.split('.');
    for (const auto& p : parts)
        if (p.isEmpty()) fail(dottedKey, "empty component in the key; write e.g. lora.rank=4");
    setIn(config, parts, 0, value, dottedKey);
}

void applySetOverride(QJsonObject& config, const QString& assignment) {
    const int eq = assignment.indexOf('=');
    if (eq <= 0)
        fail("--set", QString("'%1' is not key=value; write e.g. --set lora.rank=4").arg(assignment));
    const QString key = assignment.left(eq).trimmed(), text = assignment.mid(eq + 1).trimmed();
    // A name is text even when it looks like a number: --set name=123 names the run "123".
    setValueAt(config, key, key == "name" ? QJsonValue(text) : parseSetValue(text));
}

QJsonObject loadExperimentFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        fail(path, QString("cannot open the experiment file: %1").arg(f.errorString()));
    const QByteArray bytes = f.readAll();
    QJsonParseError err;
    const QJsonDocument d = QJsonDocument::fromJson(bytes, &err);
    if (err.error != QJsonParseError::NoError) {
        int line = 1, col = 1;
        for (int i = 0; i < err.offset && i < bytes.size(); ++i) {
            if (bytes[i] == '\n') { ++line; col = 1; } else { ++col; }
        }
        fail(path, QString("line %1, column %2 (offset %3): %4; fix the JSON syntax there")
                       .arg(line).arg(col).arg(err.offset).arg(err.errorString()));
    }
    if (!d.isObject()) fail(path, "an experiment file must hold one JSON object {...}");
    return d.object();
}

QJsonObject resolveExperiment(const QJsonObject& userIn, const PluginHost& host, const QStringList& sets) {
    QJsonObject user = userIn;
    for (const auto& s : sets) applySetOverride(user, s);

    const QJsonObject defaults = builtinExperimentDefaults();
    rejectUnknown(user, defaults, "");

    const QString modelName = valueAt(user, "model.name").toString();
    if (modelName.isEmpty())
        fail("model.name", QString("every experiment names a model; available: %1").arg(host.names(PluginKind::Model).join(", ")));
    const PluginRecord* model = host.find(PluginKind::Model, modelName);
    if (!model) {
        const QStringList names = host.names(PluginKind::Model);
        const QString hint = nearestName(modelName, names);
        fail("model.name", QString("no model plugin '%1'%2; available: %3%4")
                               .arg(modelName, hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint), names.join(", "),
                                    host.failureNote(PluginKind::Model, modelName)));
    }

    // Layers: built-in ← model metadata blocks ← preset_defaults[preset] ← user.
    QJsonObject c = defaults;
    const QString preset = valueAt(user, "model.preset").toString();
    QJsonObject modelLayer;
    for (const char* block : {"training", "lora", "switching"})
        if (model->meta.value(block).isObject()) modelLayer.insert(block, model->meta.value(block));
    const QJsonObject presetDefaults = model->meta.value("preset_defaults").toObject().value(preset).toObject();
    for (auto* layer : {&modelLayer}) {
        try {
            rejectUnknown(*layer, defaults, "");
        } catch (const Error& e) {
            throw pluginError(modelName.toStdString(), std::string("metadata defaults: ") + e.what());
        }
    }
    mergeInto(c, modelLayer);
    {
        QJsonObject pd;
        for (const char* block : {"training", "lora", "switching"})
            if (presetDefaults.value(block).isObject()) pd.insert(block, presetDefaults.value(block));
        try {
            rejectUnknown(pd, defaults, "");
        } catch (const Error& e) {
            throw pluginError(modelName.toStdString(), std::string("preset_defaults: ") + e.what());
        }
        mergeInto(c, pd);
    }
    // Devices: the user's map replaces the default roles wholesale (so a run
    // can price fewer devices or none).
    const bool userDevices = user.contains("devices");
    mergeInto(c, user);
    if (userDevices) c.insert("devices", user.value("devices"));

    // A name the user gave is kept as given (never silently replaced) and must be in the safe set;
    // only an absent or empty one defaults to the model (and preset).
    if (!c.value("name").isString()) fail("name", QString("expected a string, got %1").arg(show(c.value("name"))));
    if (c.value("name").toString().isEmpty())
        c.insert("name", modelName + (preset.isEmpty() ? QString() : "-" + preset));
    requireSafeName(c.value("name").toString(), NameKind::Run, "name");

    // Plugin parameters against their schemas.
    QJsonObject m = c.value("model").toObject();
    if (!m.value("params").isObject()) fail("model.params", "expected an object {...}");
    m.insert("params", resolveParams(model->params, model->meta.value("presets").toObject(), preset,
                                     m.value("params").toObject(), "model.params"));
    c.insert("model", m);

    QJsonObject d = c.value("dataset").toObject();
    QString dataName = d.value("name").toString();
    if (dataName.isEmpty()) dataName = model->meta.value("dataset").toString(modelName);
    const PluginRecord* data = host.find(PluginKind::Dataset, dataName);
    if (!data) {
        const QStringList names = host.names(PluginKind::Dataset);
        const QString hint = nearestName(dataName, names);
        fail("dataset.name", QString("no dataset plugin '%1'%2; available: %3%4")
                                 .arg(dataName, hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint), names.join(", "),
                                      host.failureNote(PluginKind::Dataset, dataName)));
    }
    d.insert("name", dataName);
    if (!d.value("params").isObject()) fail("dataset.params", "expected an object {...}");
    d.insert("params", resolveParams(data->params, data->meta.value("presets").toObject(), QString(),
                                     d.value("params").toObject(), "dataset.params"));
    c.insert("dataset", d);

    validate(c);

    QJsonObject devs = c.value("devices").toObject();
    for (const QString& role : devs.keys()) {
        QJsonObject r = devs.value(role).toObject();
        const QString plugin = r.value("plugin").toString();
        const PluginRecord* rec = host.find(PluginKind::Device, plugin);
        if (!rec) {
            const QStringList names = host.names(PluginKind::Device);
            const QString hint = nearestName(plugin, names);
            fail("devices." + role + ".plugin",
                 QString("no device plugin '%1'%2; available: %3 (or remove the role to skip pricing it)")
                     .arg(plugin, hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint),
                          names.isEmpty() ? "none" : names.join(", ")) +
                     host.failureNote(PluginKind::Device, plugin));
        }
        const QString devPreset = r.value("preset").toString();
        const QJsonObject presets = rec->meta.value("presets").toObject();
        r.insert("preset", devPreset);
        r.insert("params", resolveParams(rec->params, presets, presets.contains(devPreset) || !devPreset.isEmpty() ? devPreset : QString(),
                                         r.value("params").toObject(), "devices." + role + ".params"));
        devs.insert(role, r);
    }
    c.insert("devices", devs);
    return c;
}

}  // namespace hpt
