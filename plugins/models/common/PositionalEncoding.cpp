#include "PositionalEncoding.h"

#include <cmath>

namespace hpt::models {

torch::Tensor sinusoidalTable(int64_t positions, int64_t d) {
    auto pos = torch::arange(positions, torch::kFloat64).unsqueeze(1);
    auto omega = torch::exp(torch::arange(0, d, 2, torch::kFloat64) * (-std::log(10000.0) / double(d)));
    auto table = torch::zeros({positions, d}, torch::kFloat64);
    auto angle = pos * omega;  // [positions, ceil(d/2)]
    table.index_put_({torch::indexing::Slice(), torch::indexing::Slice(0, d, 2)}, torch::sin(angle));
    table.index_put_({torch::indexing::Slice(), torch::indexing::Slice(1, d, 2)},
                     torch::cos(angle).index({torch::indexing::Slice(), torch::indexing::Slice(0, d / 2)}));
    return table.to(torch::kFloat32);
}

}  // namespace hpt::models
