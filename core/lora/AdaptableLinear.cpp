#include <hpt/Lora.h>

#include <ATen/record_function.h>

#include <cmath>

namespace hpt {

AdaptableLinearImpl::AdaptableLinearImpl(int64_t in, int64_t out, bool withBias) : in_(in), out_(out) {
    // Same initialisation as torch::nn::Linear (Kaiming-uniform, a = √5).
    weight = register_parameter("weight", torch::empty({out, in}));
    torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (withBias) {
        const double bound = 1.0 / std::sqrt(double(in));
        bias = register_parameter("bias", torch::empty({out}).uniform_(-bound, bound));
    }
}

torch::Tensor AdaptableLinearImpl::forward(const torch::Tensor& x) {
    auto y = base(x);
    if (rank_ == 0) return y;
    RECORD_USER_SCOPE("hpt::adapter");  // the profiler's "adapters" kind (free when not profiling)
    // (x Aᵀ) Bᵀ keeps the r-wide intermediate small; never forms B·A.
    return addAdapter(y, project(adapterInput(x), loraA));
}

torch::Tensor AdaptableLinearImpl::base(const torch::Tensor& x) const {
    return torch::nn::functional::linear(x, weight, bias);
}

torch::Tensor AdaptableLinearImpl::adapterInput(const torch::Tensor& x) const {
    return adapterDropoutActive() ? torch::dropout(x, dropout_, true) : x;
}

torch::Tensor AdaptableLinearImpl::addAdapter(const torch::Tensor& y, const torch::Tensor& a) const {
    // beta = 1 adds y, alpha = scaling scales the product inside the GEMM: the rounding of
    // y + s·(a Bᵀ) differs from the separate multiply and add by at most an ulp of each term
    // (bounded in tst_models, adapterFusionRounding).
    auto out = torch::addmm(y.reshape({-1, out_}), a.reshape({-1, rank_}), loraB.t(), 1.0, scaling());
    return out.view(y.sizes());
}

torch::Tensor AdaptableLinearImpl::project(const torch::Tensor& x, const torch::Tensor& w) {
    return torch::nn::functional::linear(x, w);
}

void AdaptableLinearImpl::attachAdapter(int64_t rank, double alpha, double dropout) {
    TORCH_CHECK(rank > 0, "LoRA rank must be positive, got ", rank);
    detachAdapter();
    rank_ = rank;
    alpha_ = alpha;
    dropout_ = dropout;
    auto opts = weight.options().requires_grad(false);
    auto a = torch::empty({rank, in_}, opts);
    torch::nn::init::kaiming_uniform_(a, std::sqrt(5.0));
    loraA = register_parameter("lora_A", a);
    loraB = register_parameter("lora_B", torch::zeros({out_, rank}, opts));
}

void AdaptableLinearImpl::detachAdapter() {
    if (rank_ == 0) return;
    // torch::nn::Module has no unregister_parameter; parameters_ is ours.
    parameters_.erase("lora_A");
    parameters_.erase("lora_B");
    loraA = torch::Tensor();
    loraB = torch::Tensor();
    rank_ = 0;
}

}  // namespace hpt
