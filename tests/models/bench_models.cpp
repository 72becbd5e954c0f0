// Benchmark (not a ctest test): times training steps of a model plugin —
// forward + backward + AdamW, batch 1 by default, 2 torch threads — and the
// attention block alone, and compares them with the operation trace's FLOPs.
//
//   bench_models [model=swe] [preset=paper] [steps=5] [phase=full|lora] [threads=2] [batch=1]
//
// Results for the paper SWE size are recorded in resources/docs/models.md.
#include "Attention.h"
#include "ModelTestSupport.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

using namespace hpt::test;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Process CPU time: on a shared, oversubscribed machine wall time measures the
// neighbours; CPU time at threads=1 measures the work.
double cpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void toLoraPhase(hpt::Model& m, const QJsonObject& lora) {
    auto& module = m.module();
    for (const auto& kv : module.named_parameters()) {
        bool save = false;
        for (const auto& s : lora.value("modules_to_save").toArray())
            save = save || QString::fromStdString(kv.key()).startsWith(s.toString() + ".");
        kv.value().set_requires_grad(save);
    }
    for (const auto& kv : module.named_modules("", false)) {
        const QString n = QString::fromStdString(kv.key());
        if (!n.endsWith(".attn.q") && !n.endsWith(".attn.v")) continue;  // the default targets *.attn.q, *.attn.v
        kv.value()->as<hpt::AdaptableLinearImpl>()->attachAdapter(lora.value("rank").toInt(8), lora.value("alpha").toDouble(64),
                                                                 lora.value("dropout").toDouble(0.1));
    }
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QMap<QString, QString> a{{"model", "swe"}, {"preset", "paper"}, {"steps", "5"}, {"phase", "full"}, {"threads", "2"}, {"batch", "1"}};
    for (const auto& arg : app.arguments().mid(1)) {
        const int eq = arg.indexOf('=');
        if (eq < 0 || !a.contains(arg.left(eq))) {
            std::fprintf(stderr, "usage: bench_models [model=swe] [preset=paper] [steps=5] [phase=full|lora] [threads=2] [batch=1]\n");
            return 2;
        }
        a[arg.left(eq)] = arg.mid(eq + 1);
    }
    torch::set_num_threads(a["threads"].toInt());
    const auto shape = defaultShape(a["model"]);
    const int steps = std::max(1, a["steps"].toInt());
    const int64_t B = std::max(1, a["batch"].toInt());
    try {
        torch::manual_seed(0);
        auto m = makeModel(a["model"], a["preset"], shape);
        const auto& meta = modelHost().require(hpt::PluginKind::Model, a["model"]).meta;
        if (a["phase"] == "lora") toLoraPhase(*m, meta.value("lora").toObject());
        std::vector<torch::Tensor> trainable;
        for (const auto& t : m->module().parameters())
            if (t.requires_grad()) trainable.push_back(t);
        torch::optim::AdamW opt(trainable, torch::optim::AdamWOptions(1e-4).weight_decay(1e-4));
        const auto x = torch::randn({B, shape.stations, shape.features});
        const auto y = torch::randn({B, shape.outputs});
        m->module().train();
        std::vector<double> stepMs, stepCpuMs, fwdCpu, bwdCpu, optCpu;
        for (int i = 0; i <= steps; ++i) {  // step 0 warms up (allocations, thread pool)
            const auto t0 = Clock::now();
            const double c0 = cpuMs();
            opt.zero_grad();
            auto loss = torch::mse_loss(m->forward(x), y);
            const double c1 = cpuMs();
            loss.backward();
            const double c2 = cpuMs();
            opt.step();
            const double c3 = cpuMs();
            if (i == 0) continue;
            stepMs.push_back(msSince(t0));
            stepCpuMs.push_back(c3 - c0);
            fwdCpu.push_back(c1 - c0);
            bwdCpu.push_back(c2 - c1);
            optCpu.push_back(c3 - c2);
        }
        // One attention block alone (q, k, v, scores, softmax, ·v, out), forward + backward:
        // ours (Attention.cpp) against the reference's formulation (4-D matmul on permuted
        // views, separate division by √dh, permute + contiguous).
        const auto p = resolvedParams(a["model"], a["preset"]);
        const int64_t d = p.value("d_model").toInteger(), H = p.value("heads").toInteger(), dh = d / H;
        hpt::models::Attention attn(d, H);
        const auto h = torch::randn({B, shape.stations, d}, torch::requires_grad());
        auto reference = [&](const torch::Tensor& x) {
            const int64_t S = x.size(1);
            auto q = attn->q(x).view({B, -1, H, dh}).permute({0, 2, 1, 3});
            auto k = attn->k(x).view({B, -1, H, dh}).permute({0, 2, 1, 3});
            auto v = attn->v(x).view({B, -1, H, dh}).permute({0, 2, 1, 3});
            auto scores = torch::softmax(torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(dh)), -1);
            return attn->out(torch::matmul(scores, v).permute({0, 2, 1, 3}).contiguous().view({B, S, d}));
        };
        std::vector<double> oursMs, refMs;
        for (int i = 0; i <= 3 * steps; ++i) {
            const double t0 = cpuMs();
            attn->forward(h).sum().backward();
            const double ours = cpuMs() - t0;
            const double t1 = cpuMs();
            reference(h).sum().backward();
            const double ref = cpuMs() - t1;
            if (i == 0) continue;
            oursMs.push_back(ours);
            refMs.push_back(ref);
        }
        const double maxDiff = (attn->forward(h) - reference(h)).abs().max().item<double>();
        const hpt::Trace trace = m->trace(B);
        double gemm = 0, attnGemm = 0;
        for (const auto& op : trace.ops) {
            if (op.isGemm()) gemm += op.flops();
            if (op.kind == hpt::OpKind::AttentionScore || op.kind == hpt::OpKind::AttentionValue) attnGemm += op.flops();
        }
        const QJsonObject out{{"model", a["model"]}, {"preset", a["preset"]}, {"phase", a["phase"]},
                              {"threads", torch::get_num_threads()}, {"batch", qint64(B)},
                              {"parameters", qint64(countParameters(m->module()))},
                              {"trainable", qint64(countParameters(m->module(), true))},
                              {"step_wall_ms_median", median(stepMs)}, {"forward_cpu_ms_median", median(fwdCpu)},
                              {"backward_cpu_ms_median", median(bwdCpu)}, {"optimizer_cpu_ms_median", median(optCpu)},
                              {"trace_gflop", trace.totalFlops() / 1e9}, {"trace_gemm_gflop", gemm / 1e9},
                              {"trace_attention_gemm_gflop", attnGemm / 1e9},
                              {"step_cpu_ms_median", median(stepCpuMs)},
                              {"attention_block_cpu_ms_median", median(oursMs)},
                              {"attention_block_reference_formulation_cpu_ms_median", median(refMs)},
                              {"attention_max_abs_difference", maxDiff},
                              {"achieved_gflops_per_cpu_second", trace.totalFlops() / 1e6 / median(stepCpuMs)}};
        std::fputs(QJsonDocument(out).toJson().constData(), stdout);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
