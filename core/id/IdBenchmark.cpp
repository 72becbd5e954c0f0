#include "id/IdBenchmark.h"

#include "id/IdWorker.h"

#include <hpt/Error.h>

#include <algorithm>
#include <chrono>

namespace hpt {

namespace {

struct BenchEncoder : torch::nn::Module {
    std::vector<torch::nn::Linear> q, k, v, o, ff1, ff2;
    BenchEncoder(int64_t layers, int64_t d) {
        for (int64_t i = 0; i < layers; ++i) {
            const std::string n = "l" + std::to_string(i) + "_";  // torch forbids '.' in module names
            q.push_back(register_module(n + "q", torch::nn::Linear(d, d)));
            k.push_back(register_module(n + "k", torch::nn::Linear(d, d)));
            v.push_back(register_module(n + "v", torch::nn::Linear(d, d)));
            o.push_back(register_module(n + "o", torch::nn::Linear(d, d)));
            ff1.push_back(register_module(n + "ff1", torch::nn::Linear(d, 2 * d)));
            ff2.push_back(register_module(n + "ff2", torch::nn::Linear(2 * d, d)));
        }
    }
    torch::Tensor forward(torch::Tensor x) {
        const double scale = 1.0 / std::sqrt(double(x.size(-1)));
        for (size_t i = 0; i < q.size(); ++i) {
            auto att = torch::softmax(q[i](x).matmul(k[i](x).transpose(1, 2)) * scale, -1);
            x = x + o[i](att.matmul(v[i](x)));
            x = x + ff2[i](torch::gelu(ff1[i](x)));
        }
        return x;
    }
    std::map<std::string, torch::Tensor> targets() const {
        std::map<std::string, torch::Tensor> w;
        for (size_t i = 0; i < q.size(); ++i) {
            w["layers." + std::to_string(i) + ".attn.q"] = q[i]->weight;
            w["layers." + std::to_string(i) + ".attn.v"] = v[i]->weight;
        }
        return w;
    }
};

}  // namespace

QJsonObject runIdWorkerBenchmark(int64_t steps, int64_t every, bool allMethods, int blocks) {
    if (steps < 1 || every < 1 || blocks < 1)
        throw configError("id benchmark", "steps per block, every and blocks must be ≥ 1");
    torch::manual_seed(1);
    const int64_t layers = 4, d = 128, batch = 8, seq = 64;
    BenchEncoder model(layers, d);
    torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(1e-3));
    const auto x = torch::randn({batch, seq, d}), y = torch::randn({batch, seq, d});
    IdSettings settings;
    settings.every = every;
    settings.twonn = settings.mle = allMethods;
    std::map<std::string, torch::Tensor> previous;
    int64_t submitted = 0, delivered = 0;

    auto block = [&](IdWorker* worker) {  // seconds per step
        const auto t0 = std::chrono::steady_clock::now();
        for (int64_t s = 1; s <= steps; ++s) {
            opt.zero_grad();
            auto out = model.forward(x);
            torch::mse_loss(out, y).backward();
            opt.step();
            if (!worker) continue;
            // What the engine does: poll every step, snapshot when due.
            delivered += int64_t(worker->poll().size());
            if (!worker->due(s)) continue;
            torch::NoGradGuard ng;
            IdSnapshot snap;
            snap.step = s;
            for (const auto& [name, w] : model.targets()) {
                auto it = previous.find(name);
                snap.deltaW[name] = it == previous.end() ? w.detach() : w.detach() - it->second;
                previous[name] = w.detach().clone();
            }
            if (allMethods) snap.hidden = out.detach().reshape({-1, d});
            submitted += worker->submit(std::move(snap)) ? 1 : 0;
        }
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / double(steps);
    };

    block(nullptr);  // warm-up: allocator, thread pools
    std::vector<double> without, with;
    IdWorker worker(settings);
    for (int r = 0; r < blocks; ++r) {
        without.push_back(block(nullptr));
        with.push_back(block(&worker));
    }
    worker.waitIdle();
    delivered += int64_t(worker.poll().size());
    std::sort(without.begin(), without.end());
    std::sort(with.begin(), with.end());
    const double b = without[without.size() / 2], w = with[with.size() / 2];

    IdSnapshot one;  // one estimate on this thread, for scale
    for (const auto& [name, t] : model.targets()) one.deltaW[name] = t.detach();
    if (allMethods) {
        torch::NoGradGuard ng;
        one.hidden = model.forward(x).reshape({-1, d});
    }
    const auto est = estimateId(one, settings);
    return {{"steps_per_block", double(steps)},
            {"blocks", blocks},
            {"every", double(every)},
            {"methods", allMethods ? "spectrum,twonn,mle" : "spectrum"},
            {"targets", double(one.deltaW.size())},
            {"hidden_points", double(allMethods ? batch * seq : 0)},
            {"step_s_without", b},
            {"step_s_with", w},
            {"overhead_percent", 100 * (w / b - 1)},
            {"estimate_s", est.seconds},
            {"snapshots_submitted", double(submitted)},
            {"snapshots_dropped", double(worker.dropped())},
            {"results_delivered", double(delivered)},
            {"torch_threads", at::get_num_threads()}};
}

}  // namespace hpt
