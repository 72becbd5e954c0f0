#include <hpt/Trace.h>

namespace hpt {

const char* toString(OpKind k) {
    switch (k) {
    case OpKind::WeightGemm: return "weight_gemm";
    case OpKind::AdapterGemm: return "adapter_gemm";
    case OpKind::AttentionScore: return "attention_score";
    case OpKind::AttentionValue: return "attention_value";
    case OpKind::Elementwise: return "elementwise";
    case OpKind::Normalization: return "normalization";
    case OpKind::Softmax: return "softmax";
    case OpKind::OptimizerUpdate: return "optimizer_update";
    }
    return "?";
}

const char* toString(Pass p) {
    switch (p) {
    case Pass::Forward: return "forward";
    case Pass::BackwardData: return "backward_data";
    case Pass::BackwardWeight: return "backward_weight";
    case Pass::Update: return "update";
    }
    return "?";
}

}  // namespace hpt
