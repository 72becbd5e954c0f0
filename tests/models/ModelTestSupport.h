#pragma once
// Shared by the model tests: load the built model plugins through the plugin
// host (as the engine does), resolve a preset, and count parameters with a
// closed form written independently of the plugins' code.
#include "plugin/PluginHost.h"

#include <hpt/Model.h>
#include <hpt/Params.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>
#include <memory>

namespace hpt::test {

inline const QStringList& modelNames() {
    static const QStringList names{"swe", "covid", "wind", "weather"};
    return names;
}

// Shapes from the issue: swe 323×19→323, covid 50×19→50, wind 57×12→57, weather 29×13→29.
inline ModelShape defaultShape(const QString& model) {
    if (model == "swe") return {323, 19, 323};
    if (model == "covid") return {50, 19, 50};
    if (model == "wind") return {57, 12, 57};
    return {29, 13, 29};
}

inline PluginHost& modelHost() {
    static PluginHost host;
    static bool loaded = false;
    if (!loaded) {
        host.loadFrom({QStringLiteral(HPT_BUILD_PLUGIN_DIR) + "/models"});
        loaded = true;
    }
    return host;
}

inline QJsonObject resolvedParams(const QString& model, const QString& preset, const QJsonObject& overrides = {}) {
    const auto& rec = modelHost().require(PluginKind::Model, model);
    return resolveParams(rec.params, rec.meta.value("presets").toObject(), preset, overrides, "model.params");
}

inline std::unique_ptr<Model> makeModel(const QString& model, const QString& preset, const ModelShape& shape,
                                        const QJsonObject& overrides = {}) {
    return modelHost().model(model)->create(shape, resolvedParams(model, preset, overrides));
}

inline std::vector<int64_t> ints(const QJsonValue& v) {
    std::vector<int64_t> out;
    for (const auto& x : v.toArray()) out.push_back(x.toInteger());
    return out;
}

// Parameters of the architecture described in resources/docs/models.md,
// from the hyperparameters alone: a Linear a→b has a·b + b values, a
// LayerNorm over d has 2d.
inline int64_t closedFormParameters(const QJsonObject& p, const ModelShape& s) {
    auto lin = [](int64_t a, int64_t b) { return a * b + b; };
    const int64_t d = p.value("d_model").toInteger(), L = p.value("layers").toInteger();
    const int64_t f = p.value("ffn_mult").toInteger() * d, eh = p.value("embed_hidden").toInteger();
    int64_t n = lin(s.features, eh) + lin(eh, d);
    n += L * (4 * lin(d, d) + lin(d, f) + lin(f, d) + 2 * 2 * d);
    int64_t w = 2 * d;
    for (int64_t r : ints(p.value("reduce_dims"))) {
        n += lin(w, r);
        w = r;
    }
    const bool shared = p.value("shared_decoder").toBool();  // per station, weights shared: one output each
    if (!shared) w *= s.stations;
    for (int64_t h : ints(p.value("decoder_hidden"))) {
        const int64_t width = p.value("decoder_per_station").toBool() && !shared ? h * s.stations : h;
        n += lin(w, width);
        w = width;
    }
    return n + lin(w, shared ? 1 : s.outputs);
}

inline int64_t countParameters(torch::nn::Module& m, bool trainableOnly = false) {
    int64_t n = 0;
    for (const auto& t : m.parameters())
        if (!trainableOnly || t.requires_grad()) n += t.numel();
    return n;
}

}  // namespace hpt::test
