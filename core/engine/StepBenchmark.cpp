#include "engine/StepBenchmark.h"

#include "config/Experiment.h"
#include "engine/Optimizer.h"
#include "engine/RunOptions.h"
#include "lora/AdapterInjector.h"
#include "plugin/PluginHost.h"

#include <hpt/Error.h>

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

double measureCopyBandwidthGbs(int reps) {
    const int64_t n = int64_t(64) << 20;  // floats: 256 MiB, far beyond any cache
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

QJsonObject runStepBenchmark(const PluginHost& host, const StepBenchmarkOptions& o) {
    if (o.mode != "full" && o.mode != "lora") throw configError("--mode", "must be full or lora, got '" + o.mode.toStdString() + "'");
    if (o.steps < 1) throw configError("--steps", "must be a positive integer");
    const QJsonObject user{{"model", QJsonObject{{"name", o.model}, {"preset", o.preset}}}, {"devices", QJsonObject{}}};
    const QJsonObject c = resolveExperiment(user, host, o.sets);
    const RunOptions ro = RunOptions::fromResolved(c);
    const int64_t batch = o.batch > 0 ? o.batch : ro.training.batchSize;

    // Shapes from the model's metadata ("reference_shape") and a random batch: a step's time depends
    // on shapes only, so timing one needs no data files. Without it, one real batch from the dataset.
    torch::manual_seed(uint64_t(ro.training.seed));
    const PluginRecord* rec = host.find(PluginKind::Model, o.model);
    const QJsonObject refShape = rec ? rec->meta.value("reference_shape").toObject() : QJsonObject{};
    ModelShape shape{refShape.value("stations").toInteger(), refShape.value("features").toInteger(), refShape.value("outputs").toInteger()};
    Split tr;
    if (shape.stations > 0 && shape.features > 0 && shape.outputs > 0) {
        tr.x = torch::randn({batch, shape.stations, shape.features});
        tr.y = torch::randn({batch, shape.outputs});
    } else {
        const QJsonObject d = c.value("dataset").toObject();
        auto data = host.dataset(d.value("name").toString())->load(d.value("params").toObject(), d.value("data_dir").toString());
        tr = data->train();
        shape = {tr.x.size(1), tr.x.size(2), tr.y.size(1)};
    }
    auto model = host.model(o.model)->create(shape, c.value("model").toObject().value("params").toObject());
    model->module().train();
    if (o.mode == "lora") {
        LoraSpec spec = ro.lora.spec;
        if (ro.lora.autoRank) spec.rank = 8;  // "auto" is chosen at the switch; time the default rank
        injectAdapters(model->module(), spec);
    }
    const int64_t rows = std::min<int64_t>(batch, tr.size());
    const auto x = tr.x.slice(0, 0, rows).contiguous(), y = tr.y.slice(0, 0, rows).contiguous();
    const AdamOptions ao = ro.training.adam;
    std::vector<torch::Tensor> trainable;
    for (auto& q : model->module().parameters(true))
        if (q.requires_grad()) trainable.push_back(q);
    std::unique_ptr<FlatAdam> flat;
    std::unique_ptr<torch::optim::AdamW> ref;
    if (o.torchOptim) ref = std::make_unique<torch::optim::AdamW>(trainable, torch::optim::AdamWOptions(ao.lr).weight_decay(ao.weightDecay));
    else flat = std::make_unique<FlatAdam>(model->module(), ao);

    std::vector<double> ms, fb, opt;
    for (int i = 0; i < o.steps + 2; ++i) {
        const auto t0 = Clock::now();
        if (ref) ref->zero_grad();
        torch::mse_loss(model->forward(x), y).backward();
        const double fbS = seconds(t0);
        const auto t1 = Clock::now();
        if (ref) ref->step();
        else flat->step(ao.lr);
        if (i >= 2) {
            ms.push_back(seconds(t0) * 1e3);
            fb.push_back(fbS * 1e3);
            opt.push_back(seconds(t1) * 1e3);
        }
    }
    const Trace trace = model->trace(rows);
    const double flops = trace.totalFlops();
    int64_t trainableCount = 0;
    for (const auto& q : trainable) trainableCount += q.numel();
    // Read p, g, m, v; write p, m, v — and the one-pass update also clears g for the next step.
    const double optBytes = double(trainableCount) * sizeof(float) * (ref ? 7 : 8);
    const double peak = measureGemmPeakGflops(1024, 5), bw = measureCopyBandwidthGbs(5);
    const double floorMs = (flops / (peak * 1e9) + optBytes / (bw * 1e9)) * 1e3;
    const double med = median(ms);
    return {{"model", o.model}, {"preset", o.preset}, {"mode", o.mode}, {"batch", qint64(rows)}, {"steps", o.steps},
            {"optimizer", ref ? "torch::optim::AdamW" : "one-pass flat AdamW"},
            {"parameters", qint64(countParameters(model->module()))}, {"trainable_parameters", qint64(trainableCount)},
            {"step_ms_median", med}, {"step_ms_min", *std::min_element(ms.begin(), ms.end())},
            {"forward_backward_ms_median", median(fb)}, {"optimizer_ms_median", median(opt)},
            {"flops_per_step", flops}, {"optimizer_bytes_per_step", optBytes}, {"gemm_peak_gflops", peak},
            {"mem_bandwidth_gbs", bw}, {"floor_ms", floorMs}, {"step_over_floor", floorMs > 0 ? med / floorMs : 0},
            {"achieved_gflops", flops / (med * 1e-3) / 1e9}, {"threads", torch::get_num_threads()},
            {"load_average", loadAverage()}, {"input", refShape.isEmpty() ? "one batch of the dataset" : "random, reference_shape"}};
}

}  // namespace hpt
