#pragma once
// Seeded point clouds with a known intrinsic dimension, embedded in 100 dimensions
// by a random orthonormal map, plus small isotropic noise.
#include <torch/torch.h>

#include <cmath>

namespace hpt::test {

inline torch::Tensor embed(const torch::Tensor& x, int64_t ambient, double noise, torch::Generator& g) {
    const auto q = std::get<0>(torch::linalg::qr(torch::randn({ambient, x.size(1)}, g, torch::kDouble)));
    return x.matmul(q.t()) + noise * torch::randn({x.size(0), ambient}, g, torch::kDouble);
}

// Uniform in the unit cube of a d-dimensional linear subspace.
inline torch::Tensor linearSubspace(int64_t n, int64_t d, double noise, uint64_t seed) {
    auto g = at::detail::createCPUGenerator(seed);
    return embed(torch::rand({n, d}, g, torch::kDouble), 100, noise, g);
}

// Isotropic standard Gaussian on a d-dimensional linear subspace: unbounded, so free of
// the boundary bias a bounded cube shows at d ≥ 5 with n = 2000 (statistics.md).
inline torch::Tensor gaussianSubspace(int64_t n, int64_t d, double noise, uint64_t seed) {
    auto g = at::detail::createCPUGenerator(seed);
    return embed(torch::randn({n, d}, g, torch::kDouble), 100, noise, g);
}

// Uniform on the unit d-sphere S^d ⊂ ℝ^{d+1}.
inline torch::Tensor sphere(int64_t n, int64_t d, double noise, uint64_t seed) {
    auto g = at::detail::createCPUGenerator(seed);
    auto x = torch::randn({n, d + 1}, g, torch::kDouble);
    return embed(x / x.norm(2, 1, true), 100, noise, g);
}

// The Swiss roll (t cos t, h, t sin t), t ∈ [1.5π, 4.5π], h ∈ [0, 21]: ID 2.
inline torch::Tensor swissRoll(int64_t n, double noise, uint64_t seed) {
    auto g = at::detail::createCPUGenerator(seed);
    const auto t = 1.5 * M_PI * (1 + 2 * torch::rand({n}, g, torch::kDouble));
    const auto h = 21 * torch::rand({n}, g, torch::kDouble);
    return embed(torch::stack({t * torch::cos(t), h, t * torch::sin(t)}, 1), 100, noise, g);
}

}  // namespace hpt::test
