#include "engine/BenchLearner.h"

#include "config/Experiment.h"
#include "lora/AdapterInjector.h"
#include "plugin/PluginHost.h"

#include <hpt/Dataset.h>
#include <hpt/Error.h>
#include <hpt/Model.h>

#include <QFile>
#include <algorithm>

namespace hpt {

void BenchLearner::forwardBackward(const torch::Tensor& x, const torch::Tensor& y) {
    if (ref) ref->zero_grad();
    torch::mse_loss(model->forward(x), y).backward();
}

void BenchLearner::update() {
    if (ref) ref->step();
    else flat->step(ao.lr);
}

double benchMedian(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}

double loadAverage1() {
    QFile f("/proc/loadavg");
    if (!f.open(QIODevice::ReadOnly)) return -1;
    return f.readAll().split(' ').value(0).toDouble();
}

BenchSetup benchSetup(const PluginHost& host, const StepBenchmarkOptions& o) {
    BenchSetup b;
    QJsonObject user;
    if (!o.experiment.isEmpty()) {
        if (!o.model.isEmpty() || !o.preset.isEmpty())
            throw configError("--experiment", "takes the model and preset from the file; leave out --model and --preset "
                                              "(change them with --set model.preset=...)");
        user = loadExperimentFile(o.experiment);
    } else {
        user = QJsonObject{{"model", QJsonObject{{"name", o.model}, {"preset", o.preset}}}};
    }
    user.insert("devices", QJsonObject{});  // a step's time does not depend on the priced devices
    b.config = resolveExperiment(user, host, o.sets);
    b.model = b.config.value("model").toObject().value("name").toString();
    b.run = RunOptions::fromResolved(b.config);
    const int64_t batch = o.batch > 0 ? o.batch : b.run.training.batchSize;
    // Shapes from the model's metadata ("reference_shape") and a random batch: a step's time depends
    // on shapes only, so timing one needs no data files. Without it, one real batch from the dataset.
    torch::manual_seed(uint64_t(b.run.training.seed));
    const PluginRecord* rec = host.find(PluginKind::Model, b.model);
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

std::unique_ptr<BenchLearner> makeBenchLearner(const PluginHost& host, const StepBenchmarkOptions& o, const BenchSetup& b,
                                               bool lora) {
    auto L = std::make_unique<BenchLearner>();
    const QJsonObject& c = b.config;
    L->model = host.model(b.model)->create(b.shape, c.value("model").toObject().value("params").toObject());
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

}  // namespace hpt
