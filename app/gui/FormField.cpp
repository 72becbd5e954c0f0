#include "gui/FormField.h"

#include <QCheckBox>
#include <QComboBox>
#include <QJsonArray>
#include <QLineEdit>
#include <cmath>

namespace hpt::gui {

namespace {
QString fmt(double x) { return QString::number(x, 'g', 12); }

QString rangeText(const FormField& f) {
    const bool lo = f.min > -1e299, hi = f.max < 1e299;
    if (lo && hi) return QString("%1%2, %3%4").arg(f.minOpen ? "(" : "[", fmt(f.min), fmt(f.max), f.maxOpen ? ")" : "]");
    if (lo) return QString(f.minOpen ? "> %1" : "≥ %1").arg(fmt(f.min));
    if (hi) return QString(f.maxOpen ? "< %1" : "≤ %1").arg(fmt(f.max));
    return {};
}
}  // namespace

QJsonValue FormField::read(QString* why) const {
    auto fail = [&](const QString& w) {
        *why = w;
        return QJsonValue(QJsonValue::Undefined);
    };
    why->clear();
    if (auto* cb = qobject_cast<QCheckBox*>(widget)) return cb->isChecked();
    if (auto* combo = qobject_cast<QComboBox*>(widget)) {
        const QString t = combo->currentText().trimmed();
        if (t.isEmpty() && !allowEmpty) return fail("choose a value");
        if (type == Bool) return t == "true" || t.startsWith("Welch");
        return t;
    }
    auto* edit = qobject_cast<QLineEdit*>(widget);
    if (!edit) return fail("internal: unsupported widget");
    const QString t = edit->text().trimmed();
    switch (type) {
    case String:
        if (t.isEmpty() && !allowEmpty) return fail("must not be empty");
        return t;
    case List: {
        QJsonArray a;
        // Numbers stay numbers ("2018, 2020" → [2018, 2020]: a list of years must not become strings).
        for (const auto& part : t.split(',', Qt::SkipEmptyParts)) {
            bool num = false;
            const double x = part.trimmed().toDouble(&num);
            if (num && std::isfinite(x)) a.append(x);
            else if (!part.trimmed().isEmpty()) a.append(part.trimmed());
        }
        if (a.isEmpty() && !allowEmpty) return fail("give at least one entry (comma-separated)");
        return a;
    }
    case RankOrAuto:
        if (t == "auto") return t;
        [[fallthrough]];
    case Int:
    case Double: {
        if (t.isEmpty()) return fail(type == RankOrAuto ? "enter a whole number or \"auto\"" : "enter a number");
        bool ok = false;
        const double x = t.toDouble(&ok);
        if (!ok || !std::isfinite(x))
            return fail(QString("\"%1\" is not a %2").arg(t, type == Double ? "number" : "whole number") +
                        (type == RankOrAuto ? " or \"auto\"" : ""));
        if (type != Double && x != std::floor(x)) return fail(QString("%1 is not a whole number").arg(t));
        const bool below = minOpen ? x <= min : x < min;
        const bool above = maxOpen ? x >= max : x > max;
        if (below || above)
            return fail(QString("%1 is out of range %2%3").arg(t, rangeText(*this), unit.isEmpty() ? "" : " " + unit));
        if (type != Double) return qint64(x);
        return x;
    }
    default: return t;
    }
}

void FormField::write(const QJsonValue& v) const {
    if (auto* cb = qobject_cast<QCheckBox*>(widget)) {
        cb->setChecked(v.toBool());
        return;
    }
    if (auto* combo = qobject_cast<QComboBox*>(widget)) {
        QString t = v.isBool() ? (combo->findText("Welch", Qt::MatchStartsWith) >= 0
                                      ? combo->itemText(v.toBool() ? 1 : 0)
                                      : QString(v.toBool() ? "true" : "false"))
                               : v.toVariant().toString();
        const int i = combo->findText(t);
        if (i >= 0) combo->setCurrentIndex(i);
        else if (combo->isEditable()) combo->setEditText(t);
        return;
    }
    auto* edit = qobject_cast<QLineEdit*>(widget);
    if (!edit) return;
    if (v.isArray()) {
        QStringList parts;
        for (const auto& x : v.toArray()) parts << x.toVariant().toString();
        edit->setText(parts.join(", "));
    } else if (v.isDouble()) {
        edit->setText(fmt(v.toDouble()));
    } else if (v.isUndefined() || v.isNull()) {
        edit->clear();
    } else {
        edit->setText(v.toVariant().toString());
    }
}

void FormField::setError(const QString& why) const {
    if (!widget) return;
    const bool bad = !why.isEmpty();
    if (widget->property("hptInvalid").toBool() == bad && widget->property("hptWhy").toString() == why) return;
    widget->setProperty("hptInvalid", bad);
    widget->setProperty("hptWhy", why);
    // Keep the documentation tooltip; prepend the reason while the value is wrong.
    QString base = widget->property("hptTip").toString();
    if (base.isEmpty() && !widget->property("hptTipSet").toBool()) {
        base = widget->toolTip();
        widget->setProperty("hptTip", base);
        widget->setProperty("hptTipSet", true);
    }
    widget->setToolTip(bad ? "<b style='color:#c62828'>" + why.toHtmlEscaped() + "</b>" + (base.isEmpty() ? "" : "<br>" + base) : base);
    widget->setStyleSheet(bad ? "border: 2px solid #d32f2f; border-radius: 3px;" : "");
}

QString paramTooltip(const ParamSpec& s) {
    QString t = "<b>" + s.name.toHtmlEscaped() + "</b>";
    if (!s.description.isEmpty()) t += " — " + s.description.toHtmlEscaped();
    t += "<br>unit: " + (s.unit.isEmpty() ? QString("dimensionless") : s.unit.toHtmlEscaped());
    t += "<br>default: " + s.defaultValue.toVariant().toString().toHtmlEscaped();
    if (s.min > -1e299 || s.max < 1e299)
        t += QString("<br>range: [%1, %2]").arg(s.min > -1e299 ? fmt(s.min) : "−∞", s.max < 1e299 ? fmt(s.max) : "∞");
    t += "<br>source: " + (s.source.isEmpty() ? QString("<i>not given</i>") : s.source.toHtmlEscaped());
    return t;
}

FormField makeParamField(const ParamSpec& spec, const QString& key) {
    FormField f;
    f.key = key;
    f.min = spec.min;
    f.max = spec.max;
    f.unit = spec.unit;
    if (spec.type == "bool") {
        f.type = FormField::Bool;
        f.widget = new QCheckBox;
    } else if (spec.type == "enum") {
        f.type = FormField::Enum;
        auto* c = new QComboBox;
        c->addItems(spec.choices);
        f.widget = c;
    } else {
        f.type = spec.type == "int" ? FormField::Int : spec.type == "list" ? FormField::List
                 : spec.type == "string" ? FormField::String : FormField::Double;
        auto* e = new QLineEdit;
        if (!spec.unit.isEmpty()) e->setPlaceholderText(spec.unit);
        f.widget = e;
    }
    f.widget->setToolTip(paramTooltip(spec));
    f.widget->setObjectName(key);
    f.write(spec.defaultValue);
    return f;
}

QString schemaTooltip(const ExperimentKey& k) {
    QString t = "<b>" + k.key.toHtmlEscaped() + "</b> — " + k.tooltip.toHtmlEscaped();
    if (!k.unit.isEmpty()) t += "<br>unit: " + k.unit.toHtmlEscaped();
    const QString range = k.rangeText();
    if (!range.isEmpty()) t += "<br>range: " + range.toHtmlEscaped();
    if (!k.choices.isEmpty()) t += "<br>choices: " + k.choices.join(", ").toHtmlEscaped();
    return t;
}

FormField makeSchemaField(const ExperimentKey& k) {
    FormField f;
    f.key = k.key;
    f.min = k.min;
    f.max = k.max;
    f.minOpen = k.minOpen;
    f.maxOpen = k.maxOpen;
    f.unit = k.unit;
    switch (k.type) {
    case ExperimentKey::Bool:
        f.type = FormField::Bool;
        f.widget = new QCheckBox;
        break;
    case ExperimentKey::Choice: {
        f.type = FormField::Enum;
        auto* c = new QComboBox;
        c->addItems(k.choices);
        f.widget = c;
        break;
    }
    case ExperimentKey::String:
        if (!k.suggestions.isEmpty()) {  // offered values, any text allowed
            f.type = FormField::Enum;
            auto* c = new QComboBox;
            c->addItems(k.suggestions);
            c->setEditable(true);
            f.widget = c;
            break;
        }
        [[fallthrough]];
    default: {
        f.type = k.type == ExperimentKey::Int ? FormField::Int
                 : k.type == ExperimentKey::Number ? FormField::Double
                 : k.type == ExperimentKey::Strings ? FormField::List
                 : k.type == ExperimentKey::RankOrAuto ? FormField::RankOrAuto : FormField::String;
        f.allowEmpty = !k.nonEmpty;
        auto* e = new QLineEdit;
        if (!k.unit.isEmpty()) e->setPlaceholderText(k.unit);
        f.widget = e;
    }
    }
    f.widget->setObjectName(k.key);
    f.widget->setToolTip(schemaTooltip(k));
    f.write(k.defaultValue);
    return f;
}

}  // namespace hpt::gui
