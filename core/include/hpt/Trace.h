#pragma once
// The operation trace: the workload description of one training step,
// separate from any hardware description (SCALE-Sim keeps topology apart from
// architecture in the same way). Models produce it; the mapping assigns each
// op to a device; device plugins price it.
#include <cstdint>
#include <string>
#include <vector>

namespace hpt {

enum class OpKind {
    WeightGemm,      // activation × weight of a learned projection
    AdapterGemm,     // the LoRA A or B product
    AttentionScore,  // q·kᵀ (both operands are activations)
    AttentionValue,  // softmax(q·kᵀ)·v
    Elementwise,     // activations, residual adds, dropout, GELU/ReLU
    Normalization,   // LayerNorm
    Softmax,
    OptimizerUpdate  // one optimizer step over `elements` trainable values
};

enum class Pass { Forward, BackwardData, BackwardWeight, Update };

struct Op {
    OpKind kind = OpKind::WeightGemm;
    Pass pass = Pass::Forward;
    // GEMM (M×K)·(K×N); for weight GEMMs K×N is the weight (in × out).
    int64_t m = 0, k = 0, n = 0;
    int64_t elements = 0;  // element count of non-GEMM ops
    int64_t repeat = 1;    // independent copies (batch × heads for attention)
    bool weightFrozen = false;  // weight operand does not train in this phase
    std::string param;          // owning parameter, e.g. "layers.3.attn.q.weight"

    bool isGemm() const {
        return kind == OpKind::WeightGemm || kind == OpKind::AdapterGemm ||
               kind == OpKind::AttentionScore || kind == OpKind::AttentionValue;
    }
    // 2·M·K·N per GEMM (a multiply and an add per MAC); one FLOP per element
    // otherwise (a convention, documented in docs/devices.md).
    double flops() const {
        return isGemm() ? 2.0 * double(m) * double(k) * double(n) * double(repeat)
                        : double(elements) * double(repeat);
    }
    double macs() const { return isGemm() ? double(m) * double(k) * double(n) * double(repeat) : 0.0; }
};

struct Trace {
    std::vector<Op> ops;
    double totalFlops() const {
        double f = 0;
        for (const auto& o : ops) f += o.flops();
        return f;
    }
};

const char* toString(OpKind k);
const char* toString(Pass p);

}  // namespace hpt
