#include "engine/StepBenchmark.h"

#include "config/Experiment.h"
#include "engine/Optimizer.h"
#include "engine/RunOptions.h"
#include "engine/StepProfile.h"
#include "lora/AdapterInjector.h"
#include "plugin/PluginHost.h"
#include "util/Threads.h"

#include <hpt/Dataset.h>
#include <hpt/Error.h>
#include <hpt/Model.h>

#include <QFile>
#include <QJsonArray>
#include <algorithm>
#include <chrono>

namespace hpt {

namespace {
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a) { return std::chrono::duration<double>(Clock::now() - a).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}

double loadAverage() {
    QFile f("/proc/loadavg");
    if (!f.open(QIODevice::ReadOnly)) return -1;
    return f.readAll().split(' ').value(0).toDouble();
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

// One model and its optimizer, stepped on a fixed batch: what a phase trains.
struct Learner {
    std::unique_ptr<Model> model;
    std::unique_ptr<FlatAdam> flat;
    std::unique_ptr<torch::optim::AdamW> ref;
    AdamOptions ao;
    int64_t trainable = 0;
    double flops = 0, optBytes = 0;

    void forwardBackward(const torch::Tensor& x, const torch::Tensor& y) {
        if (ref) ref->zero_grad();
        torch::mse_loss(model->forward(x), y).backward();
    }
    void update() {
        if (ref) ref->step();
        else flat->step(ao.lr);
    }
    double floorMs(double peak, double bw) const { return (flops / (peak * 1e9) + optBytes / (bw * 1e9)) * 1e3; }
};

struct BenchSetup {
    QJsonObject config, refShape;
    RunOptions run;  // the resolved experiment's options, parsed once (as the trainer reads them)
    ModelShape shape;
    torch::Tensor x, y;
    int64_t rows = 0;
};

BenchSetup benchSetup(const PluginHost& host, const StepBenchmarkOptions& o) {
    BenchSetup b;
    const QJsonObject user{{"model", QJsonObject{{"name", o.model}, {"preset", o.preset}}}, {"devices", QJsonObject{}}};
    b.config = resolveExperiment(user, host, o.sets);
    b.run = RunOptions::fromResolved(b.config);
    const int64_t batch = o.batch > 0 ? o.batch : b.run.training.batchSize;
    // Shapes from the model's metadata ("reference_shape") and a random batch: a step's time depends
    // on shapes only, so timing one needs no data files. Without it, one real batch from the dataset.
    torch::manual_seed(uint64_t(b.run.training.seed));
    const PluginRecord* rec = host.find(PluginKind::Model, o.model);
    b.refShape = rec ? rec->meta.value("reference_shape").toObject() : QJsonObject{};
    b.shape = {b.refShape.value("stations").toInteger(), b.refShape.value("features").toInteger(), b.refShape.value("outputs").toInteger()};
    Split tr;
    if (b.shape.stations > 0 && b.shape.features > 0 && b.shape.outputs > 0) {
        tr.x = torch::randn({batch, b.shape.stations, b.shape.features});
        tr.y = torch::randn({batch, b.shape.outputs});
    } else {
        const QJsonObject d = b.config.value("dataset").toObject();
        auto data = host.dataset(d.value("name").toString())->load(d.value("params").toObject(), d.value("data_dir").toString());
        tr = data->train();
        b.shape = {tr.x.size(1), tr.x.size(2), tr.y.size(1)};
    }
    b.rows = std::min<int64_t>(batch, tr.size());
    b.x = tr.x.slice(0, 0, b.rows).contiguous();
    b.y = tr.y.slice(0, 0, b.rows).contiguous();
    return b;
}

std::unique_ptr<Learner> makeLearner(const PluginHost& host, const StepBenchmarkOptions& o, const BenchSetup& b, bool lora) {
    auto L = std::make_unique<Learner>();
    const QJsonObject& c = b.config;
    L->model = host.model(o.model)->create(b.shape, c.value("model").toObject().value("params").toObject());
    L->model->module().train();
    if (lora) {
        LoraSpec spec = b.run.lora.spec;
        if (b.run.lora.autoRank) spec.rank = 8;  // "auto" is chosen at the switch; time the default rank
        injectAdapters(L->model->module(), spec);
    }
    L->ao = b.run.training.adam;
    std::vector<torch::Tensor> trainable;
    for (auto& q : L->model->module().parameters(true))
        if (q.requires_grad()) trainable.push_back(q);
    if (o.torchOptim) L->ref = std::make_unique<torch::optim::AdamW>(trainable, torch::optim::AdamWOptions(L->ao.lr).weight_decay(L->ao.weightDecay));
    else L->flat = std::make_unique<FlatAdam>(L->model->module(), L->ao);
    for (const auto& q : trainable) L->trainable += q.numel();
    // The trace knows which weights are frozen once adapters are attached.
    L->flops = L->model->trace(b.rows).totalFlops();
    // Read p, g, m, v; write p, m, v — and the one-pass update also clears g for the next step.
    L->optBytes = double(L->trainable) * sizeof(float) * (L->ref ? 7 : 8);
    return L;
}

}  // namespace

QJsonObject runStepBenchmark(const PluginHost& host, const StepBenchmarkOptions& o) {
    if (o.mode != "full" && o.mode != "lora" && o.mode != "dual" && o.mode != "all")
        throw configError("--mode", "must be full, lora, dual or all, got '" + o.mode.toStdString() + "'");
    if (o.steps < 1) throw configError("--steps", "must be a positive integer");
    const ThreadCounts threads = o.torchThreads > 0 && o.blasThreads > 0 ? applyThreadPair(o.torchThreads, o.blasThreads)
                                                                           : applyThreads(std::max(0, o.torchThreads));
    const BenchSetup b = benchSetup(host, o);
    const bool wantFull = o.mode != "lora", wantLora = o.mode != "full";
    std::unique_ptr<Learner> full = wantFull ? makeLearner(host, o, b, false) : nullptr;
    std::unique_ptr<Learner> lora = wantLora ? makeLearner(host, o, b, true) : nullptr;

    // The kinds of step timed, interleaved rep by rep so a change of machine load hits all alike.
    // DUAL is the trainer's DUAL step: Θ and Θ′ each do forward, backward and update on the batch.
    struct Series {
        QString name;
        std::vector<Learner*> learners;
        std::vector<double> ms, fb, opt;
    };
    std::vector<Series> series;
    if (o.mode == "full" || o.mode == "all") series.push_back({"full", {full.get()}, {}, {}, {}});
    if (o.mode == "lora" || o.mode == "all") series.push_back({"lora", {lora.get()}, {}, {}, {}});
    if (o.mode == "dual" || o.mode == "all") series.push_back({"dual", {full.get(), lora.get()}, {}, {}, {}});
    for (int i = 0; i < o.steps + 2; ++i)
        for (auto& s : series) {
            double fbS = 0, optS = 0;
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
            }
        }
    const double peak = measureGemmPeakGflops(1024, 5), bw = measureCopyBandwidthGbs(5);
    const double cacheBw = measureCopyBandwidthGbs(200, int64_t(kCacheResidentBytes) / 2 / int64_t(sizeof(float)));

    QJsonObject common{{"model", o.model}, {"preset", o.preset}, {"mode", o.mode}, {"batch", qint64(b.rows)}, {"steps", o.steps},
                       {"optimizer", o.torchOptim ? "torch::optim::AdamW" : "one-pass flat AdamW"},
                       {"gemm_peak_gflops", peak}, {"mem_bandwidth_gbs", bw}, {"cache_bandwidth_gbs", cacheBw}, {"threads", threads.torch},
                       {"load_average", loadAverage()}, {"input", b.refShape.isEmpty() ? "one batch of the dataset" : "random, reference_shape"}};
    for (const auto& k : threads.toJson().keys()) common.insert(k, threads.toJson().value(k));
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
    auto L = makeLearner(host, o, b, o.mode == "lora");
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
    return {{"model", o.model}, {"preset", o.preset}, {"mode", o.mode}, {"batch", qint64(b.rows)}, {"steps", o.steps},
            {"cores", cores}, {"grid", rows}, {"best_torch_threads", pairs[best].first}, {"best_blas_threads", pairs[best].second},
            {"default_torch_threads", chosen.torch}, {"default_blas_threads", chosen.blas}, {"load_average", loadAverage()}};
}

}  // namespace hpt
