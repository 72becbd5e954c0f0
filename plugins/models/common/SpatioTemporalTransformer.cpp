#include "SpatioTemporalTransformer.h"

#include "PositionalEncoding.h"

#include <hpt/Error.h>

namespace hpt::models {

SpatioTemporalTransformerImpl::SpatioTemporalTransformerImpl(const TransformerOptions& o) : o_(o) {
    const auto& s = o.shape;
    auto embed = register_module("embed", torch::nn::ModuleList());
    embed_ = {AdaptableLinear(s.features, o.embedHidden), AdaptableLinear(o.embedHidden, o.dModel)};
    for (auto& l : embed_) embed->push_back(l);

    positions_ = register_buffer("pos_encoding", sinusoidalTable(s.stations, o.dModel));

    auto layers = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < o.layers; ++i) {
        layers_.push_back(EncoderLayer(o.dModel, o.heads, o.ffnDim(), o.dropout));
        layers->push_back(layers_.back());
    }

    auto reduce = register_module("reduce", torch::nn::ModuleList());
    int64_t width = 2 * o.dModel;
    for (int64_t w : o.reduceDims) {
        reduce_.push_back(AdaptableLinear(width, w));
        reduce->push_back(reduce_.back());
        width = w;
    }

    auto decoder = register_module("decoder", torch::nn::ModuleList());
    width = o.decoderInput();
    for (int64_t w : o.decoderWidths()) {
        decoder_.push_back(AdaptableLinear(width, w));
        decoder->push_back(decoder_.back());
        width = w;
    }
    decoder_.push_back(AdaptableLinear(width, o.sharedDecoder ? 1 : s.outputs));
    decoder->push_back(decoder_.back());
}

void SpatioTemporalTransformerImpl::checkInput(const torch::Tensor& x) const {
    const auto& s = o_.shape;
    if (x.dim() != 3 || x.size(1) != s.stations || x.size(2) != s.features) {
        std::string got = "[";
        for (int64_t i = 0; i < x.dim(); ++i) got += (i ? ", " : "") + std::to_string(x.size(i));
        throw dataError("model input", "expected x of shape [batch, " + std::to_string(s.stations) + ", " +
                                           std::to_string(s.features) + "] (the shape the model was built for), got " +
                                           got + "]; rebuild the model for this dataset's shape");
    }
}

torch::Tensor SpatioTemporalTransformerImpl::embed(const torch::Tensor& x) {
    checkInput(x);
    return torch::gelu(embed_[1](torch::gelu(embed_[0](x))));
}

torch::Tensor SpatioTemporalTransformerImpl::addPosition(const torch::Tensor& e) {
    // [S, d] broadcasts over the batch: station s gets row s (not the batch
    // index, as in the reference).
    return torch::dropout(e + positions_, o_.dropout, is_training() && o_.dropout > 0);
}

torch::Tensor SpatioTemporalTransformerImpl::encode(const torch::Tensor& x) {
    auto h = addPosition(embed(x));
    for (auto& layer : layers_) h = layer(h);
    return h;
}

torch::Tensor SpatioTemporalTransformerImpl::head(const torch::Tensor& encoded, const torch::Tensor& embedding) {
    const bool train = is_training() && o_.headDropout > 0;
    // The reference concatenates the encoder output with the embedding taken
    // before the positional encoding (SWE, weather).
    auto z = torch::cat({encoded, embedding}, -1);
    for (auto& l : reduce_) z = torch::dropout(l(z).relu_(), o_.headDropout, train);
    if (!o_.sharedDecoder) z = z.reshape({z.size(0), -1});  // shared: [B, S, w] stays per station
    for (size_t i = 0; i + 1 < decoder_.size(); ++i) {
        z = decoder_[i](z);
        z = o_.decoderActivation == Activation::Gelu ? torch::gelu(z) : z.relu_();
        z = torch::dropout(z, o_.headDropout, train);
    }
    z = decoder_.back()(z);
    return o_.sharedDecoder ? z.squeeze(-1) : z;
}

torch::Tensor SpatioTemporalTransformerImpl::forward(const torch::Tensor& x) {
    auto e = embed(x);
    auto h = addPosition(e);
    for (auto& layer : layers_) h = layer(h);
    return head(h, e);
}

std::vector<LinearSite> SpatioTemporalTransformerImpl::linearSites() const {
    std::vector<LinearSite> out;
    for (size_t j = 0; j < embed_.size(); ++j) out.push_back({"embed." + std::to_string(j), embed_[j], true});
    for (size_t i = 0; i < layers_.size(); ++i) {
        const std::string p = "layers." + std::to_string(i) + ".";
        const auto& l = layers_[i];
        out.push_back({p + "attn.q", l->attn->q, true});
        out.push_back({p + "attn.k", l->attn->k, true});
        out.push_back({p + "attn.v", l->attn->v, true});
        out.push_back({p + "attn.out", l->attn->out, true});
        out.push_back({p + "ffn.0", l->ffn0, true});
        out.push_back({p + "ffn.1", l->ffn1, true});
    }
    for (size_t j = 0; j < reduce_.size(); ++j) out.push_back({"reduce." + std::to_string(j), reduce_[j], true});
    for (size_t j = 0; j < decoder_.size(); ++j) out.push_back({"decoder." + std::to_string(j), decoder_[j], o_.sharedDecoder});
    return out;
}

std::vector<std::string> SpatioTemporalTransformerImpl::attentionLayers() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < layers_.size(); ++i) out.push_back("layers." + std::to_string(i) + ".attn");
    return out;
}

}  // namespace hpt::models
