// The weather model plugin: the shared spatio-temporal transformer
// (plugins/models/common) for next-day air temperature at AgWeatherNet stations. Everything specific to weather
// (presets, training, LoRA and switching defaults) is in weather.json.
#include "TransformerModel.h"

#include <QObject>

class WeatherModelPlugin : public QObject, public hpt::ModelPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_MODEL_IID FILE "weather.json")
    Q_INTERFACES(hpt::ModelPlugin)
public:
    std::unique_ptr<hpt::Model> create(const hpt::ModelShape& shape, const QJsonObject& params) const override {
        return hpt::models::createTransformerModel(shape, params, "weather");
    }
};

#include "WeatherModelPlugin.moc"
