// The covid model plugin: the shared spatio-temporal transformer
// (plugins/models/common) for COVID-19 deaths over a window of counties. Everything specific to covid
// (presets, training, LoRA and switching defaults) is in covid.json.
//
// hidden_inputs: input channels the network does not see. With training.target = residual the engine
// adds the feature week's deaths (the persistence channel) to the network's output; hiding that channel
// from the network makes the network a model of the weekly *change* only: it cannot learn the spring
// wave's mean reversion of the deaths level, which the summer weeks punish (resources/docs/engine.md,
// "Shipped compact experiments").
#include "TransformerModel.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QObject>

#include <algorithm>

namespace {

class ChannelSubsetModel : public hpt::models::TransformerModel {
public:
    ChannelSubsetModel(const hpt::models::TransformerOptions& o, torch::Tensor keep, int64_t features)
        : TransformerModel(o), keep_(std::move(keep)), features_(features) {}
    torch::Tensor forward(const torch::Tensor& x) override { return TransformerModel::forward(seen(x)); }
    torch::Tensor hidden(const torch::Tensor& x) override { return TransformerModel::hidden(seen(x)); }

private:
    torch::Tensor seen(const torch::Tensor& x) const {
        if (x.dim() != 3 || x.size(2) != features_)
            throw hpt::dataError("model input", "expected x of shape [batch, stations, " + std::to_string(features_) +
                                                    "] (the channels the model was built for, hidden_inputs included); "
                                                    "rebuild the model for this dataset's shape");
        return x.index_select(2, keep_.to(x.device()));
    }
    torch::Tensor keep_;
    int64_t features_;
};

std::unique_ptr<hpt::Model> createCovidModel(const hpt::ModelShape& shape, const QJsonObject& params) {
    const QJsonArray hidden = params.value("hidden_inputs").toArray();
    if (hidden.isEmpty()) return hpt::models::createTransformerModel(shape, params, "covid");
    std::vector<int64_t> keep;
    std::vector<bool> drop(size_t(std::max<int64_t>(shape.features, 0)), false);
    for (const auto& v : hidden) {
        const int c = v.toInt(-1);
        if (!v.isDouble() || c < 0 || c >= shape.features)
            throw hpt::configError("model.params.hidden_inputs",
                                   "expected input channel indices in 0.." + std::to_string(shape.features - 1) +
                                       " (the dataset gives " + std::to_string(shape.features) +
                                       " channels per county); got " +
                                       (v.isDouble() ? std::to_string(v.toDouble()) : std::string("a non-number")) +
                                       " (model plugin 'covid')");
        drop[size_t(c)] = true;
    }
    for (int64_t c = 0; c < shape.features; ++c)
        if (!drop[size_t(c)]) keep.push_back(c);
    if (keep.empty())
        throw hpt::configError("model.params.hidden_inputs", "hides every input channel; the network must see at least "
                                                             "one (model plugin 'covid')");
    hpt::ModelShape seen = shape;
    seen.features = int64_t(keep.size());
    hpt::models::TransformerOptions o;
    try {
        o = hpt::models::TransformerOptions::fromParams(seen, params, "model.params");
    } catch (const hpt::Error& e) {  // as createTransformerModel: keep the field, say which plugin refused
        const std::string what = e.what();
        throw hpt::Error(e.kind(), e.where(),
                         (e.where().empty() ? what : what.substr(e.where().size() + 2)) + " (model plugin 'covid')");
    }
    return std::make_unique<ChannelSubsetModel>(o, torch::tensor(keep, torch::kInt64), shape.features);
}

}  // namespace

class CovidModelPlugin : public QObject, public hpt::ModelPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_MODEL_IID FILE "covid.json")
    Q_INTERFACES(hpt::ModelPlugin)
public:
    std::unique_ptr<hpt::Model> create(const hpt::ModelShape& shape, const QJsonObject& params) const override {
        return createCovidModel(shape, params);
    }
};

#include "CovidModelPlugin.moc"
