#include "OperationTrace.h"

#include <hpt/Error.h>

namespace hpt::models {

namespace {

// One forward step; backward ops are generated from the same list in reverse.
struct Step {
    enum Type { Linear, AttentionCore, Pointwise } type = Pointwise;
    // Linear
    const LinearSite* site = nullptr;
    int64_t rows = 0;
    bool inputNeedsGrad = true;
    // AttentionCore
    std::string layer;
    int64_t repeat = 0, seq = 0, headDim = 0;
    // Pointwise
    OpKind kind = OpKind::Elementwise;
    std::string label;
    int64_t elements = 0;
};

bool trains(const torch::Tensor& t) { return t.defined() && t.requires_grad(); }

Op gemm(OpKind kind, Pass pass, int64_t m, int64_t k, int64_t n, std::string param, bool frozen, int64_t repeat = 1) {
    Op op;
    op.kind = kind;
    op.pass = pass;
    op.m = m;
    op.k = k;
    op.n = n;
    op.repeat = repeat;
    op.weightFrozen = frozen;
    op.param = std::move(param);
    return op;
}

Op pointwise(OpKind kind, Pass pass, int64_t elements, std::string label) {
    Op op;
    op.kind = kind;
    op.pass = pass;
    op.elements = elements;
    op.param = std::move(label);
    return op;
}

void forwardOps(const Step& s, std::vector<Op>& ops) {
    if (s.type == Step::Pointwise) {
        ops.push_back(pointwise(s.kind, Pass::Forward, s.elements, s.label));
        return;
    }
    if (s.type == Step::AttentionCore) {
        ops.push_back(gemm(OpKind::AttentionScore, Pass::Forward, s.seq, s.headDim, s.seq, s.layer, false, s.repeat));
        ops.push_back(pointwise(OpKind::Softmax, Pass::Forward, s.repeat * s.seq * s.seq, s.layer + ".softmax"));
        ops.push_back(gemm(OpKind::AttentionValue, Pass::Forward, s.seq, s.seq, s.headDim, s.layer, false, s.repeat));
        return;
    }
    const auto& l = *s.site->linear;
    const std::string& n = s.site->name;
    const int64_t in = l.inFeatures(), out = l.outFeatures(), M = s.rows;
    ops.push_back(gemm(OpKind::WeightGemm, Pass::Forward, M, in, out, n + ".weight", !trains(l.weight)));
    if (l.hasAdapter()) {
        const int64_t r = l.rank();
        ops.push_back(gemm(OpKind::AdapterGemm, Pass::Forward, M, in, r, n + ".lora_A", !trains(l.loraA)));
        ops.push_back(gemm(OpKind::AdapterGemm, Pass::Forward, M, r, out, n + ".lora_B", !trains(l.loraB)));
        // scaling·(x Aᵀ Bᵀ) added to the frozen path: a multiply and an add per output.
        ops.push_back(pointwise(OpKind::Elementwise, Pass::Forward, 2 * M * out, n + ".lora_scale_add"));
    }
}

void backwardOps(const Step& s, std::vector<Op>& ops) {
    if (s.type == Step::Pointwise) {
        ops.push_back(pointwise(s.kind, Pass::BackwardData, s.elements, s.label));
        return;
    }
    if (s.type == Step::AttentionCore) {
        // O = P·V: dP = dO·Vᵀ (S×dh·dh×S), dV = Pᵀ·dO (S×S·S×dh). Both operands are
        // activations, so both are backward-data products.
        ops.push_back(gemm(OpKind::AttentionValue, Pass::BackwardData, s.seq, s.headDim, s.seq, s.layer, false, s.repeat));
        ops.push_back(gemm(OpKind::AttentionValue, Pass::BackwardData, s.seq, s.seq, s.headDim, s.layer, false, s.repeat));
        ops.push_back(pointwise(OpKind::Softmax, Pass::BackwardData, s.repeat * s.seq * s.seq, s.layer + ".softmax"));
        // Scores = Q·Kᵀ: dQ = dS·K, dK = dSᵀ·Q (each S×S·S×dh).
        ops.push_back(gemm(OpKind::AttentionScore, Pass::BackwardData, s.seq, s.seq, s.headDim, s.layer, false, s.repeat));
        ops.push_back(gemm(OpKind::AttentionScore, Pass::BackwardData, s.seq, s.seq, s.headDim, s.layer, false, s.repeat));
        return;
    }
    const auto& l = *s.site->linear;
    const std::string& n = s.site->name;
    const int64_t in = l.inFeatures(), out = l.outFeatures(), M = s.rows;
    if (l.hasAdapter()) {
        const int64_t r = l.rank();
        const bool aTrains = trains(l.loraA), bTrains = trains(l.loraB);
        ops.push_back(pointwise(OpKind::Elementwise, Pass::BackwardData, M * out, n + ".lora_scale_add"));
        // Through B: dH = dY·B (M×out·out×r) whenever anything before it needs a gradient.
        if (aTrains || s.inputNeedsGrad)
            ops.push_back(gemm(OpKind::AdapterGemm, Pass::BackwardData, M, out, r, n + ".lora_B", !bTrains));
        if (bTrains) ops.push_back(gemm(OpKind::AdapterGemm, Pass::BackwardWeight, r, M, out, n + ".lora_B", false));
        if (s.inputNeedsGrad)
            ops.push_back(gemm(OpKind::AdapterGemm, Pass::BackwardData, M, r, in, n + ".lora_A", !aTrains));
        if (aTrains) ops.push_back(gemm(OpKind::AdapterGemm, Pass::BackwardWeight, in, M, r, n + ".lora_A", false));
    }
    const bool wTrains = trains(l.weight);
    if (s.inputNeedsGrad)
        ops.push_back(gemm(OpKind::WeightGemm, Pass::BackwardData, M, out, in, n + ".weight", !wTrains));
    if (wTrains) ops.push_back(gemm(OpKind::WeightGemm, Pass::BackwardWeight, in, M, out, n + ".weight", false));
}

}  // namespace

Trace operationTrace(const SpatioTemporalTransformerImpl& net, int64_t batch) {
    if (batch < 1) throw configError("training.batch_size", "must be at least 1 to trace a training step");
    const auto& o = net.options();
    const int64_t B = batch, S = o.shape.stations, d = o.dModel, H = o.heads;
    const int64_t BS = B * S;
    const auto sites = net.linearSites();

    std::vector<Step> steps;
    auto linear = [&](size_t i) {
        Step s;
        s.type = Step::Linear;
        s.site = &sites[i];
        s.rows = sites[i].perStation ? BS : B;
        s.inputNeedsGrad = i != 0;  // the model input x needs no gradient
        steps.push_back(s);
    };
    auto point = [&](OpKind kind, int64_t elements, std::string label) {
        Step s;
        s.type = Step::Pointwise;
        s.kind = kind;
        s.elements = elements;
        s.label = std::move(label);
        steps.push_back(s);
    };
    auto dropout = [&](double p, int64_t elements, std::string label) {
        if (p > 0) point(OpKind::Elementwise, elements, std::move(label));
    };

    size_t i = 0;
    linear(i++);
    point(OpKind::Elementwise, BS * o.embedHidden, "embed.0.gelu");
    linear(i++);
    point(OpKind::Elementwise, BS * d, "embed.1.gelu");
    point(OpKind::Elementwise, BS * d, "pos_encoding.add");
    dropout(o.dropout, BS * d, "pos_encoding.dropout");
    for (int64_t l = 0; l < o.layers; ++l) {
        const std::string p = "layers." + std::to_string(l) + ".";
        linear(i++);  // q
        linear(i++);  // k
        linear(i++);  // v
        Step core;
        core.type = Step::AttentionCore;
        core.layer = p + "attn";
        core.repeat = B * H;
        core.seq = S;
        core.headDim = o.headDim();
        steps.push_back(core);
        linear(i++);  // out
        dropout(o.dropout, BS * d, p + "dropout1");
        point(OpKind::Elementwise, BS * d, p + "residual1");
        point(OpKind::Normalization, BS * d, p + "norm1");
        linear(i++);  // ffn.0
        point(OpKind::Elementwise, BS * o.ffnDim(), p + "ffn.relu");
        linear(i++);  // ffn.1
        dropout(o.dropout, BS * d, p + "dropout2");
        point(OpKind::Elementwise, BS * d, p + "residual2");
        point(OpKind::Normalization, BS * d, p + "norm2");
    }
    point(OpKind::Elementwise, BS * 2 * d, "concat");
    for (size_t j = 0; j < o.reduceDims.size(); ++j) {
        linear(i++);
        point(OpKind::Elementwise, BS * o.reduceDims[j], "reduce." + std::to_string(j) + ".relu");
        dropout(o.headDropout, BS * o.reduceDims[j], "reduce." + std::to_string(j) + ".dropout");
    }
    const auto dec = o.decoderWidths();
    for (size_t j = 0; j < dec.size(); ++j) {
        linear(i++);
        const int64_t rows = o.sharedDecoder ? BS : B;
        point(OpKind::Elementwise, rows * dec[j], "decoder." + std::to_string(j) + ".activation");
        dropout(o.headDropout, rows * dec[j], "decoder." + std::to_string(j) + ".dropout");
    }
    linear(i++);
    point(OpKind::Elementwise, B * o.shape.outputs, "loss.mse");
    if (i != sites.size()) throw Error(ErrorKind::Internal, "operation trace", "linear sites and trace steps disagree");

    Trace t;
    for (const auto& s : steps) forwardOps(s, t.ops);
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) backwardOps(*it, t.ops);

    int64_t trainable = 0;
    for (const auto& p : net.parameters())
        if (p.requires_grad()) trainable += p.numel();
    Op update;
    update.kind = OpKind::OptimizerUpdate;
    update.pass = Pass::Update;
    update.elements = trainable;
    update.param = "optimizer";
    t.ops.push_back(update);
    return t;
}

}  // namespace hpt::models
