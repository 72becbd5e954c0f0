#pragma once
// The three training phases of HpT.
//  FULL: all weights Θ train (on the GPU in the paper's mapping).
//  DUAL: Θ and its LoRA copy Θ′ train side by side on the same batches.
//  LORA: only Θ′'s adapters and modules-to-save train; frozen weights live in
//        ReRAM crossbars, the rest runs on systolic arrays.
#include <string>

namespace hpt {

enum class Phase { Full, Dual, Lora };

inline const char* toString(Phase p) {
    switch (p) {
    case Phase::Full: return "FULL";
    case Phase::Dual: return "DUAL";
    case Phase::Lora: return "LORA";
    }
    return "?";
}

inline bool parsePhase(const std::string& s, Phase* out) {
    if (s == "FULL") *out = Phase::Full;
    else if (s == "DUAL") *out = Phase::Dual;
    else if (s == "LORA") *out = Phase::Lora;
    else return false;
    return true;
}

}  // namespace hpt
