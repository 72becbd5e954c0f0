#include "engine/StepBenchmark.h"

#include "engine/BenchLearner.h"
#include "engine/StepProfile.h"
#include "lora/AdapterInjector.h"
#include "util/Threads.h"

#include <hpt/Dataset.h>
#include <hpt/Error.h>
#include <hpt/Model.h>

#include <QJsonArray>
#include <algorithm>
#include <chrono>

#include <sys/resource.h>

namespace hpt {

namespace {
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

double median(std::vector<double> v) { return benchMedian(std::move(v)); }
double loadAverage() { return loadAverage1(); }

double processCpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
}  // namespace

double measureGemmPeakGflops(int64_t n, int reps) {
    auto a = torch::randn({n, n}), b = torch::randn({n, n}), c = torch::empty({n, n});
    torch::mm_out(c, a, b);
    double best = 1e30;
    for (int i = 0; i < reps; ++i) {
        const auto t = Clock::now();
        torch::mm_out(c, a, b);
        best = std::min(best, seconds(t));
    }
    return 2.0 * double(n) * double(n) * double(n) / best / 1e9;
}

double measureCopyBandwidthGbs(int reps, int64_t n) {
    auto src = torch::rand({n}), dst = torch::empty({n});
    dst.copy_(src);
    double best = 1e30;
    for (int i = 0; i < reps; ++i) {
        const auto t = Clock::now();
        dst.copy_(src);
        best = std::min(best, seconds(t));
    }
    return 2.0 * double(n) * sizeof(float) / best / 1e9;
}

namespace {
using Learner = BenchLearner;
}  // namespace

QJsonObject runStepBenchmark(const PluginHost& host, const StepBenchmarkOptions& o) {
    if (o.mode != "full" && o.mode != "lora" && o.mode != "dual" && o.mode != "all")
        throw configError("--mode", "must be full, lora, dual or all, got '" + o.mode.toStdString() + "'");
    if (o.steps < 1) throw configError("--steps", "must be a positive integer");
    const ThreadCounts threads = o.torchThreads > 0 && o.blasThreads > 0 ? applyThreadPair(o.torchThreads, o.blasThreads)
                                                                           : applyThreads(std::max(0, o.torchThreads));
    const BenchSetup b = benchSetup(host, o);
    const bool wantFull = o.mode != "lora", wantLora = o.mode != "full";
    std::unique_ptr<Learner> full = wantFull ? makeBenchLearner(host, o, b, false) : nullptr;
    std::unique_ptr<Learner> lora = wantLora ? makeBenchLearner(host, o, b, true) : nullptr;

    // The kinds of step timed, interleaved rep by rep so a change of machine load hits all alike.
    // DUAL is the trainer's DUAL step: Θ and Θ′ each do forward, backward and update on the batch.
    struct Series {
        QString name;
        std::vector<Learner*> learners;
        std::vector<double> ms, fb, opt, cpu;
    };
    std::vector<Series> series;
    if (o.mode == "full" || o.mode == "all") series.push_back({"full", {full.get()}, {}, {}, {}, {}});
    if (o.mode == "lora" || o.mode == "all") series.push_back({"lora", {lora.get()}, {}, {}, {}, {}});
    if (o.mode == "dual" || o.mode == "all") series.push_back({"dual", {full.get(), lora.get()}, {}, {}, {}, {}});
    for (int i = 0; i < o.steps + 2; ++i)
        for (auto& s : series) {
            double fbS = 0, optS = 0;
            const double cpu0 = processCpuSeconds();
            for (Learner* L : s.learners) {
                const auto t0 = Clock::now();
                L->forwardBackward(b.x, b.y);
                const auto t1 = Clock::now();
                L->update();
                fbS += std::chrono::duration<double>(t1 - t0).count();
                optS += seconds(t1);
            }
            if (i >= 2) {
                s.ms.push_back((fbS + optS) * 1e3);
                s.fb.push_back(fbS * 1e3);
                s.opt.push_back(optS * 1e3);
                s.cpu.push_back((processCpuSeconds() - cpu0) * 1e3);
            }
        }
    const double peak = measureGemmPeakGflops(1024, 5), bw = measureCopyBandwidthGbs(5);
    const double cacheBw = measureCopyBandwidthGbs(200, int64_t(kCacheResidentBytes) / 2 / int64_t(sizeof(float)));

    QJsonObject common{{"model", b.model}, {"preset", b.config.value("model").toObject().value("preset").toString()}, {"mode", o.mode}, {"batch", qint64(b.rows)}, {"steps", o.steps},
                       {"optimizer", o.torchOptim ? "torch::optim::AdamW" : "one-pass flat AdamW"},
                       {"gemm_peak_gflops", peak}, {"mem_bandwidth_gbs", bw}, {"cache_bandwidth_gbs", cacheBw}, {"threads", threads.torch},
                       {"load_average", loadAverage()}, {"input", b.refShape.isEmpty() ? "one batch of the dataset" : "random, reference_shape"}};
    for (const auto& k : threads.toJson().keys()) common.insert(k, threads.toJson().value(k));
    if (!o.experiment.isEmpty()) common.insert("experiment", o.experiment);
    auto seriesJson = [&](const Series& s) {
        double flops = 0, optBytes = 0, floorMs = 0;
        int64_t trainable = 0;
        for (const Learner* L : s.learners) {
            flops += L->flops;
            optBytes += L->optBytes;
            floorMs += L->floorMs(peak, bw);
            trainable += L->trainable;
        }
        const double med = median(s.ms);
        return QJsonObject{{"parameters", qint64(countParameters(s.learners.front()->model->module()))},
                           {"trainable_parameters", qint64(trainable)}, {"step_ms_median", med},
                           {"step_ms_min", *std::min_element(s.ms.begin(), s.ms.end())},
                           // CPU time of all the process's threads: on a loaded machine the work
                           // done, where wall time also holds the waits for a core (BLAS threads
                           // that spin while they wait count as well).
                           {"cpu_ms_median", median(s.cpu)},
                           {"cpu_over_floor", floorMs > 0 ? median(s.cpu) / floorMs : 0},
                           {"forward_backward_ms_median", median(s.fb)}, {"optimizer_ms_median", median(s.opt)},
                           {"flops_per_step", flops}, {"optimizer_bytes_per_step", optBytes}, {"floor_ms", floorMs},
                           {"step_over_floor", floorMs > 0 ? med / floorMs : 0}, {"achieved_gflops", flops / (med * 1e-3) / 1e9}};
    };
    QJsonObject out = common;
    if (series.size() == 1) {
        const QJsonObject one = seriesJson(series.front());
        for (auto it = one.begin(); it != one.end(); ++it) out.insert(it.key(), it.value());
    } else {
        for (const auto& s : series) out.insert(s.name, seriesJson(s));
        const double f = median(series[0].ms), l = median(series[1].ms), d = median(series[2].ms);
        out.insert("lora_over_full", l / f);
        out.insert("dual_over_full_plus_lora", d / (f + l));
        const double fc = median(series[0].cpu), lc = median(series[1].cpu), dc = median(series[2].cpu);
        out.insert("cpu_lora_over_full", lc / fc);
        out.insert("cpu_dual_over_full_plus_lora", dc / (fc + lc));
    }
    if (o.profile) {
        // One more step of each learner under the profiler (slower than the timed ones: the
        // profiler's own cost is in "ms", so compare kinds with each other and with their floors).
        QJsonObject prof;
        for (auto& s : series) {
            if (s.name == "dual") continue;
            Learner* L = s.learners.front();
            prof.insert(s.name, profileStep([&] { L->forwardBackward(b.x, b.y); }, [&] { L->update(); }, peak, bw, cacheBw, L->optBytes));
        }
        out.insert("profile", prof);
    }
    return out;
}

QJsonObject runThreadGrid(const PluginHost& host, const StepBenchmarkOptions& o) {
    if (o.mode != "full" && o.mode != "lora") throw configError("--mode", "the thread grid times full or lora steps");
    applyThreads(0);
    const BenchSetup b = benchSetup(host, o);
    auto L = makeBenchLearner(host, o, b, o.mode == "lora");
    const int cores = usableCores();
    std::vector<std::pair<int, int>> pairs;
    for (int t = 1; t <= cores; ++t)
        for (int k = 1; k <= cores; ++k) pairs.push_back({t, k});
    std::vector<std::vector<double>> ms(pairs.size()), peaks(pairs.size());
    for (int i = 0; i < o.steps + 1; ++i)
        for (size_t j = 0; j < pairs.size(); ++j) {
            applyThreadPair(pairs[j].first, pairs[j].second);
            const auto t0 = Clock::now();
            L->forwardBackward(b.x, b.y);
            L->update();
            if (i >= 1) ms[j].push_back(seconds(t0) * 1e3);  // the first round warms every pair up
            if (i >= 1) peaks[j].push_back(measureGemmPeakGflops(512, 2));
        }
    QJsonArray rows;
    size_t best = 0;
    for (size_t j = 0; j < pairs.size(); ++j) {
        if (median(ms[j]) < median(ms[best])) best = j;
        rows.append(QJsonObject{{"torch_threads", pairs[j].first}, {"blas_threads", pairs[j].second},
                                {"step_ms_median", median(ms[j])}, {"sgemm512_gflops_median", median(peaks[j])}});
    }
    const ThreadCounts chosen = applyThreads(0);
    return {{"model", b.model}, {"preset", b.config.value("model").toObject().value("preset").toString()}, {"mode", o.mode}, {"batch", qint64(b.rows)}, {"steps", o.steps},
            {"cores", cores}, {"grid", rows}, {"best_torch_threads", pairs[best].first}, {"best_blas_threads", pairs[best].second},
            {"default_torch_threads", chosen.torch}, {"default_blas_threads", chosen.blas}, {"load_average", loadAverage()}};
}

}  // namespace hpt
