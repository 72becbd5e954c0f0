#include "engine/IdProbe.h"

#include "lora/AdapterInjector.h"

#include <hpt/Lora.h>

#include <chrono>

namespace hpt {

IdProbe::IdProbe(const IdSettings& settings, const QStringList& loraTargets, torch::Tensor probeX)
    : settings_(settings), targets_(loraTargets) {
    if (settings_.every <= 0) return;
    if (settings_.twonn || settings_.mle) {
        // Enough samples that stations × samples ≥ probe_samples points.
        const int64_t stations = std::max<int64_t>(1, probeX.size(1));
        const int64_t n = std::min<int64_t>(probeX.size(0), (settings_.probeSamples + stations - 1) / stations);
        probeX_ = probeX.slice(0, 0, n).clone();
    }
    worker_ = std::make_unique<IdWorker>(settings_);
}

std::map<std::string, torch::Tensor> IdProbe::targetWeights(Model& model) const {
    torch::NoGradGuard ng;
    std::map<std::string, torch::Tensor> out;
    auto modules = model.module().named_modules();
    for (const auto& name : adapterTargets(model.module(), targets_)) {
        auto* lin = modules[name]->as<AdaptableLinearImpl>();
        if (!lin) continue;
        torch::Tensor w = lin->weight.detach();
        if (lin->hasAdapter()) w = w + lin->scaling() * torch::mm(lin->loraB.detach(), lin->loraA.detach());
        out[name + ".weight"] = w.to(torch::kCPU).clone();
    }
    return out;
}

void IdProbe::afterStep(int64_t step, Model& model) {
    if (!worker_) return;
    if (previous_.empty()) previous_ = targetWeights(model);  // the reference the first ΔW is taken against
    if (!worker_->due(step)) return;
    const auto t0 = std::chrono::steady_clock::now();
    IdSnapshot snap;
    snap.step = step;
    auto now = targetWeights(model);
    for (const auto& [name, w] : now) {
        auto it = previous_.find(name);
        if (it != previous_.end() && it->second.sizes() == w.sizes()) snap.deltaW[name] = w - it->second;
    }
    previous_ = std::move(now);
    if (probeX_.defined()) {
        // eval(): no dropout, so the probe consumes no random numbers and
        // leaves training (and bit-identical resume) untouched.
        torch::NoGradGuard ng;
        const bool wasTraining = model.module().is_training();
        model.module().eval();
        auto h = model.hidden(probeX_.to(model.module().parameters().front().device()));
        if (wasTraining) model.module().train();
        h = h.reshape({-1, h.size(-1)});
        snap.hidden = h.slice(0, 0, std::min<int64_t>(h.size(0), settings_.probeSamples)).to(torch::kCPU).to(torch::kDouble);
    }
    ++cost_.snapshots;
    if (!worker_->submit(std::move(snap))) ++cost_.dropped;
    cost_.snapshotSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::vector<MetricPoint> IdProbe::poll(double wallTime) {
    std::vector<MetricPoint> out;
    if (!worker_) return out;
    for (const auto& r : worker_->poll()) {
        ++cost_.estimates;
        cost_.estimateSeconds += r.seconds;
        cost_.estimateCpuSeconds += r.cpuSeconds;
        for (const auto& [key, value] : r.metrics()) out.push_back({r.step, key, value, wallTime});
    }
    return out;
}

void IdProbe::finish() {
    if (worker_) worker_->waitIdle();
}

}  // namespace hpt
