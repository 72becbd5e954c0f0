// The swe model plugin: the shared spatio-temporal transformer
// (plugins/models/common) for snow water equivalent at SNOTEL stations. Everything specific to swe
// (presets, training, LoRA and switching defaults) is in swe.json.
#include "TransformerModel.h"

#include <QObject>

class SweModelPlugin : public QObject, public hpt::ModelPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_MODEL_IID FILE "swe.json")
    Q_INTERFACES(hpt::ModelPlugin)
public:
    std::unique_ptr<hpt::Model> create(const hpt::ModelShape& shape, const QJsonObject& params) const override {
        return hpt::models::createTransformerModel(shape, params, "swe");
    }
};

#include "SweModelPlugin.moc"
