#pragma once
// The experiment schema: one row per key of the experiment JSON with its type,
// default, bounds, unit, form label, tooltip and reference line. It is the only
// place these are written; it drives builtinExperimentDefaults(), the
// validation in resolveExperiment(), the Setup forms of the GUI and the
// reference table in resources/docs/experiment.md (a test compares them).
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <vector>

namespace hpt {

struct ExperimentKey {
    enum Type {
        Int,         // whole number in [min, max]
        Number,      // finite number in [min, max] (open ends where minOpen / maxOpen)
        Bool,
        String,      // any text (suggestions: values a form offers, not a limit)
        Choice,      // one of `choices`
        Strings,     // list of strings, at most maxItems; members from `choices` when given
        RankOrAuto,  // whole number ≥ min, or "auto"
        Object,      // a JSON object whose keys belong to a plugin or are free-form
    };
    QString key;  // dotted: "switching.alpha"
    Type type = Number;
    QJsonValue defaultValue;
    double min = -1e300, max = 1e300;
    bool minOpen = false, maxOpen = false;
    QStringList choices, suggestions;
    bool nonEmpty = false;  // Strings: at least one entry
    int maxItems = 1024;    // Strings: a model has hundreds of modules; a pattern with * covers many
    QString unit;           // "" = dimensionless
    QString label;          // Setup form row label
    QString tooltip;        // Setup form tooltip (short)
    QString doc;            // reference table line (Markdown)
    QString form;           // Setup form group; "" = no plain field (plugin sections, free-form objects)

    // Fluent setters so the table in ExperimentSchema.cpp reads one key per line.
    ExperimentKey& range(double lo, double hi, bool loOpen = false, bool hiOpen = false) {
        min = lo, max = hi, minOpen = loOpen, maxOpen = hiOpen;
        return *this;
    }
    ExperimentKey& oneOf(const QStringList& c) { choices = c; return *this; }
    ExperimentKey& suggest(const QStringList& s) { suggestions = s; return *this; }
    ExperimentKey& notEmpty() { nonEmpty = true; return *this; }
    ExperimentKey& in(const QString& unitName) { unit = unitName; return *this; }
    ExperimentKey& ui(const QString& group, const QString& lab, const QString& tip) {
        form = group, label = lab, tooltip = tip;
        return *this;
    }
    ExperimentKey& about(const QString& line) { doc = line; return *this; }

    // "int", "number in (0, 1)", "one of adamw, adam", ... for the reference table.
    QString typeText() const;
    // "[0, 1)", "≥ 1", "> 0" or "" when unbounded.
    QString rangeText() const;
};

// Every key, in the order of the reference table and the forms.
const std::vector<ExperimentKey>& experimentSchema();
// The row of a dotted key, or nullptr.
const ExperimentKey* experimentKey(const QString& dottedKey);
// The reference table of resources/docs/experiment.md (between its schema markers), as Markdown.
QString experimentReferenceTable();

}  // namespace hpt
