#include "TransformerOptions.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <cmath>

namespace hpt::models {

namespace {

struct Reader {
    const QJsonObject& params;
    const std::string& context;

    std::string field(const char* key) const { return context + "." + key; }

    int64_t integer(const char* key, int64_t fallback, int64_t min) const {
        const QJsonValue v = params.value(key);
        if (v.isUndefined() || v.isNull()) return fallback;
        const double x = v.toDouble(std::nan(""));
        if (!v.isDouble() || x != std::floor(x))
            throw configError(field(key), "expected an integer; set it to a whole number such as " + std::to_string(fallback));
        if (x < double(min))
            throw configError(field(key), "must be at least " + std::to_string(min) + ", got " + std::to_string(int64_t(x)));
        return int64_t(x);
    }

    double probability(const char* key, double fallback) const {
        const QJsonValue v = params.value(key);
        if (v.isUndefined() || v.isNull()) return fallback;
        const double x = v.toDouble(-1);
        if (!v.isDouble() || !(x >= 0.0 && x < 1.0))
            throw configError(field(key), "dropout must be a probability in [0, 1), e.g. 0.1");
        return x;
    }

    std::vector<int64_t> widths(const char* key, const std::vector<int64_t>& fallback) const {
        const QJsonValue v = params.value(key);
        if (v.isUndefined() || v.isNull()) return fallback;
        if (!v.isArray()) throw configError(field(key), "expected a list of positive layer widths, e.g. [256, 64, 8]");
        std::vector<int64_t> out;
        int i = 0;
        for (const auto& w : v.toArray()) {
            const double x = w.toDouble(-1);
            if (!w.isDouble() || x != std::floor(x) || x < 1)
                throw configError(field(key) + "[" + std::to_string(i) + "]",
                                  "expected a positive integer width, e.g. [256, 64, 8]");
            out.push_back(int64_t(x));
            ++i;
        }
        return out;
    }
};

}  // namespace

std::vector<int64_t> TransformerOptions::decoderWidths() const {
    std::vector<int64_t> out = decoderHidden;
    if (decoderPerStation && !sharedDecoder)
        for (auto& w : out) w *= shape.stations;
    return out;
}

TransformerOptions TransformerOptions::fromParams(const ModelShape& shape, const QJsonObject& params,
                                                  const std::string& context) {
    if (shape.stations < 1 || shape.features < 1 || shape.outputs < 1)
        throw Error(ErrorKind::Data, "model shape",
                    "stations, features and outputs must all be positive (got " + std::to_string(shape.stations) + "×" +
                        std::to_string(shape.features) + "→" + std::to_string(shape.outputs) +
                        "); check that the dataset produced non-empty x [N, stations, features] and y [N, outputs]");
    const Reader r{params, context};
    TransformerOptions o;
    o.shape = shape;
    o.dModel = r.integer("d_model", o.dModel, 2);
    o.heads = r.integer("heads", o.heads, 1);
    o.layers = r.integer("layers", o.layers, 1);
    o.ffnMult = r.integer("ffn_mult", o.ffnMult, 1);
    o.embedHidden = r.integer("embed_hidden", o.embedHidden, 1);
    o.dropout = r.probability("dropout", o.dropout);
    o.headDropout = r.probability("head_dropout", o.headDropout);
    o.reduceDims = r.widths("reduce_dims", {256, 64, 8});
    o.decoderHidden = r.widths("decoder_hidden", {});
    const QJsonValue perStation = params.value("decoder_per_station");
    if (!perStation.isUndefined() && !perStation.isNull()) {
        if (!perStation.isBool()) throw configError(r.field("decoder_per_station"), "expected true or false");
        o.decoderPerStation = perStation.toBool();
    }
    const QJsonValue shared = params.value("shared_decoder");
    if (!shared.isUndefined() && !shared.isNull()) {
        if (!shared.isBool()) throw configError(r.field("shared_decoder"), "expected true or false");
        o.sharedDecoder = shared.toBool();
        if (o.sharedDecoder && shape.outputs != shape.stations)
            throw configError(r.field("shared_decoder"), "gives one output per station, but the dataset has " +
                                                             std::to_string(shape.outputs) + " outputs for " +
                                                             std::to_string(shape.stations) + " stations; set it to false");
    }
    const QString act = params.value("decoder_activation").toString("relu");
    if (act == "relu") o.decoderActivation = Activation::Relu;
    else if (act == "gelu") o.decoderActivation = Activation::Gelu;
    else throw configError(r.field("decoder_activation"), "expected \"relu\" or \"gelu\", got \"" + act.toStdString() + "\"");

    if (o.dModel % o.heads != 0)
        throw configError(r.field("heads"), "d_model " + std::to_string(o.dModel) + " is not divisible by heads " +
                                                std::to_string(o.heads) +
                                                "; choose heads that divide d_model (e.g. 4 or 8) or change d_model");
    if (o.dModel % 2 != 0)
        throw configError(r.field("d_model"), "must be even (the sinusoidal positional encoding pairs sin/cos "
                                              "columns), got " + std::to_string(o.dModel));
    // Guard against presets that would not fit in memory on a workstation (int64 overflow too).
    const std::vector<int64_t> dec = o.decoderWidths();
    int64_t prev = o.decoderInput();
    for (size_t i = 0; i < dec.size(); ++i) {
        if (double(prev) * double(dec[i]) > 2e9)
            throw configError(r.field("decoder_hidden"),
                              "decoder layer " + std::to_string(i) + " would have " + std::to_string(prev) + "×" +
                                  std::to_string(dec[i]) + " weights (over 2·10⁹); use smaller widths or set "
                                  "decoder_per_station to false");
        prev = dec[i];
    }
    return o;
}

}  // namespace hpt::models
