// The covid model plugin: the shared spatio-temporal transformer
// (plugins/models/common) for COVID-19 deaths over a window of counties. Everything specific to covid
// (presets, training, LoRA and switching defaults) is in covid.json.
#include "TransformerModel.h"

#include <QObject>

class CovidModelPlugin : public QObject, public hpt::ModelPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_MODEL_IID FILE "covid.json")
    Q_INTERFACES(hpt::ModelPlugin)
public:
    std::unique_ptr<hpt::Model> create(const hpt::ModelShape& shape, const QJsonObject& params) const override {
        return hpt::models::createTransformerModel(shape, params, "covid");
    }
};

#include "CovidModelPlugin.moc"
