// The wind model plugin: the shared spatio-temporal transformer
// (plugins/models/common) for next-hour wind speed at 57 stations. Everything specific to wind
// (presets, training, LoRA and switching defaults) is in wind.json.
#include "TransformerModel.h"

#include <QObject>

class WindModelPlugin : public QObject, public hpt::ModelPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_MODEL_IID FILE "wind.json")
    Q_INTERFACES(hpt::ModelPlugin)
public:
    std::unique_ptr<hpt::Model> create(const hpt::ModelShape& shape, const QJsonObject& params) const override {
        return hpt::models::createTransformerModel(shape, params, "wind");
    }
};

#include "WindModelPlugin.moc"
