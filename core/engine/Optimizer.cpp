#include "engine/Optimizer.h"

#include <ATen/Parallel.h>

#include <cmath>

namespace hpt {

FlatAdam::FlatAdam(torch::nn::Module& model, const AdamOptions& o) : o_(o) {
    std::vector<torch::Tensor> ps;
    int64_t n = 0;
    for (auto& p : model.parameters(true))
        if (p.requires_grad()) {
            ps.push_back(p);
            n += p.numel();
        }
    const auto opts = ps.empty() ? torch::TensorOptions().dtype(torch::kFloat32) : ps.front().options();
    params_ = torch::empty({n}, opts.requires_grad(false));
    grads_ = torch::zeros({n}, opts.requires_grad(false));
    m_ = torch::zeros({n}, opts.requires_grad(false));
    v_ = torch::zeros({n}, opts.requires_grad(false));
    torch::NoGradGuard ng;
    int64_t off = 0;
    for (auto& p : ps) {
        const int64_t k = p.numel();
        auto view = params_.narrow(0, off, k).view(p.sizes());
        view.copy_(p.detach());
        p.set_data(view);
        // Autograd accumulates into an existing .grad in place, so backward writes straight into grads_.
        p.mutable_grad() = grads_.narrow(0, off, k).view(p.sizes());
        off += k;
    }
}

void FlatAdam::step(double lr) {
    ++step_;
    const double bc1 = 1.0 - std::pow(o_.beta1, double(step_));
    const double bc2 = 1.0 - std::pow(o_.beta2, double(step_));
    const float b1 = float(o_.beta1), b2 = float(o_.beta2), eps = float(o_.eps);
    const float stepSize = float(lr / bc1), invSqrtBc2 = float(1.0 / std::sqrt(bc2));
    const float decay = float(1.0 - lr * o_.weightDecay), l2 = float(o_.weightDecay);
    const bool decoupled = o_.decoupled;
    if (!params_.is_cpu()) {
        // Off the CPU: the same update with a handful of flat kernels.
        torch::NoGradGuard ng;
        auto g = decoupled ? grads_ : grads_ + l2 * params_;
        if (decoupled) params_.mul_(decay);
        m_.mul_(b1).add_(g, 1 - b1);
        v_.mul_(b2).addcmul_(g, g, 1 - b2);
        params_.addcdiv_(m_, (v_.sqrt() * invSqrtBc2).add_(eps), -stepSize);
        grads_.zero_();
        return;
    }
    float* p = params_.data_ptr<float>();
    float* g = grads_.data_ptr<float>();
    float* m = m_.data_ptr<float>();
    float* v = v_.data_ptr<float>();
    at::parallel_for(0, params_.numel(), 1 << 15, [=](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            float gi = g[i];
            float pi = p[i];
            if (decoupled) pi *= decay;
            else gi += l2 * pi;
            const float mi = m[i] + (1.0f - b1) * (gi - m[i]);  // lerp, as torch's exp_avg.lerp_
            const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
            p[i] = pi - stepSize * mi / (std::sqrt(vi) * invSqrtBc2 + eps);
            m[i] = mi;
            v[i] = vi;
            g[i] = 0.0f;
        }
    });
}

void FlatAdam::save(torch::serialize::OutputArchive& a, const std::string& prefix) const {
    a.write(prefix + ".exp_avg", m_);
    a.write(prefix + ".exp_avg_sq", v_);
    a.write(prefix + ".step", torch::tensor({step_}, torch::kInt64));
}

void FlatAdam::load(torch::serialize::InputArchive& a, const std::string& prefix) {
    torch::Tensor m, v, s;
    a.read(prefix + ".exp_avg", m);
    a.read(prefix + ".exp_avg_sq", v);
    a.read(prefix + ".step", s);
    TORCH_CHECK(m.numel() == m_.numel(), "checkpoint optimizer state has ", m.numel(), " values, expected ", m_.numel());
    m_.copy_(m);
    v_.copy_(v);
    step_ = s.item<int64_t>();
    grads_.zero_();
}

}  // namespace hpt
