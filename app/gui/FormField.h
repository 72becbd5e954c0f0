#pragma once
// One editable setting of the setup form, addressed by its dotted experiment
// key ("switching.alpha", "model.params.d_model"). Reads the widget as typed
// and says why a value is not acceptable, so the form can mark it.
#include "config/ExperimentSchema.h"

#include <hpt/Params.h>

#include <QJsonValue>
#include <QString>

class QWidget;

namespace hpt::gui {

struct FormField {
    enum Type { Int, Double, Bool, String, Enum, List, RankOrAuto };
    QString key;
    Type type = Double;
    QWidget* widget = nullptr;    // QLineEdit, QCheckBox or QComboBox
    double min = -1e300, max = 1e300;
    bool minOpen = false, maxOpen = false;  // exclusive bounds, e.g. α ∈ (0, 1)
    bool allowEmpty = true;                 // strings and lists
    QString unit;

    // The JSON value typed, or Undefined with `why` set when it is not acceptable.
    QJsonValue read(QString* why) const;
    void write(const QJsonValue& v) const;
    void setError(const QString& why) const;  // "" clears the mark
};

// A field (widget included) for a plugin parameter: label tooltips carry the
// description, unit, default and source of the published value.
FormField makeParamField(const ParamSpec& spec, const QString& key);
QString paramTooltip(const ParamSpec& spec);

// A field (widget included) for one experiment key, typed and bounded by its
// schema row, the way makeParamField does it for a plugin parameter.
FormField makeSchemaField(const ExperimentKey& key);
QString schemaTooltip(const ExperimentKey& key);

}  // namespace hpt::gui
