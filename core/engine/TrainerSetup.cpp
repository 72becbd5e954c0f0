#include "engine/TrainerSetup.h"
#include "util/Threads.h"

#include "engine/CheckpointCheck.h"
#include "engine/TrainerCheckpoint.h"
#include "engine/TrainerImpl.h"
#include "id/AutoRank.h"
#include "plugin/PluginHost.h"

#include <hpt/Error.h>
#include <hpt/SampleTimes.h>

#include <ATen/CPUGeneratorImpl.h>

#include <QDir>
#include <QJsonArray>
#include <QStringList>
#include <algorithm>

namespace hpt {

namespace {
QString shapeText(torch::IntArrayRef s) {
    QStringList parts;
    for (auto d : s) parts << QString::number(d);
    return "[" + parts.join(", ") + "]";
}
}  // namespace

std::unique_ptr<Model> createTrainerModel(const PluginHost& host, const QJsonObject& m, const ModelShape& shape,
                                          torch::Device device) {
    const std::string name = m.value("name").toString().toStdString();
    auto* plugin = host.model(m.value("name").toString());
    std::unique_ptr<Model> model;
    // A plugin's own bug is reported as that plugin's error (exit 4), never as a crash.
    try {
        model = plugin->create(shape, m.value("params").toObject());
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        throw pluginError(name, std::string("creating the model failed (LibTorch): ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
        throw pluginError(name, std::string("creating the model threw: ") + e.what());
    }
    if (!model) throw pluginError(name, "create() returned no model");
    model->module().to(device);
    model->module().train();
    return model;
}

std::unique_ptr<Dataset> loadTrainingData(const PluginHost& host, const QJsonObject& d) {
    std::unique_ptr<Dataset> data;
    try {
        data = host.dataset(d.value("name").toString())->load(d.value("params").toObject(), d.value("data_dir").toString());
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        // LibTorch reports a failed CPU allocation as its own error: out of memory, as below.
        const std::string why = e.what_without_backtrace();
        if (why.find("not enough memory") != std::string::npos || why.find("can't allocate") != std::string::npos)
            throw dataError((d.value("data_dir").toString().isEmpty() ? d.value("name") : d.value("data_dir")).toString().toStdString(),
                            "ran out of memory while loading dataset '" + d.value("name").toString().toStdString() +
                                "' (" + why + "); use a smaller slice of the data or a machine with more memory");
        throw pluginError(d.value("name").toString().toStdString(), "loading the dataset failed (LibTorch): " + why);
    } catch (const std::bad_alloc&) {
        // Out of memory reading the data is a data problem (too large for this machine), not a plugin bug.
        const QString where = d.value("data_dir").toString().isEmpty() ? d.value("name").toString()
                                                                        : d.value("data_dir").toString();
        throw dataError(where.toStdString(), QString("ran out of memory while loading dataset '%1' from %2; "
                                                     "use a smaller slice of the data or a machine with more memory")
                                                 .arg(d.value("name").toString(), where).toStdString());
    } catch (const std::exception& e) {
        throw pluginError(d.value("name").toString().toStdString(), std::string("loading the dataset threw: ") + e.what());
    }
    if (!data) throw pluginError(d.value("name").toString().toStdString(), "load() returned no dataset");
    return data;
}

void probeShapes(Model& theta, const torch::Tensor& x, const torch::Tensor& y, const std::string& name,
                 const QString& dname) {
    auto gen = at::detail::getDefaultCPUGenerator();
    torch::Tensor rng;
    {
        std::lock_guard<std::mutex> lock(gen.mutex());
        rng = gen.get_state();
    }
    torch::Tensor out;
    std::string failure;
    theta.module().eval();
    try {
        torch::NoGradGuard ng;
        out = theta.forward(x);
    } catch (const c10::Error& e) {
        failure = e.what_without_backtrace();
    } catch (const std::exception& e) {
        failure = e.what();
    }
    theta.module().train();
    {
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(rng);
    }
    const QString input = QString("one batch of %1 (input %2)").arg(dname, shapeText(x.sizes()));
    if (!failure.empty())
        throw pluginError(name, QString("forward() failed on %1 before training: %2")
                                    .arg(input, QString::fromStdString(failure)).toStdString());
    if (!out.defined() || out.sizes() != y.sizes())
        throw pluginError(name, QString("forward() returns shape %1 on %2, but the dataset's target has shape %3; "
                                        "the model's output layer must produce one value per target")
                                    .arg(out.defined() ? shapeText(out.sizes()) : QString("(undefined)"), input,
                                         shapeText(y.sizes()))
                                    .toStdString());
}

void checkLoraFits(torch::nn::Module& theta, const LoraSpec& lora, bool autoRank) {
    const auto targets = adapterTargets(theta, lora.targets);
    if (targets.empty()) {
        QStringList have;
        for (const auto& n : adapterTargets(theta, {"*"})) have << QString::fromStdString(n);
        throw configError("lora.targets", QString("no adaptable layer matches %1; the model has: %2")
                                              .arg(lora.targets.join(", "), have.isEmpty() ? QString("none") : have.join(", "))
                                              .toStdString());
    }
    if (autoRank) return;
    const auto params = theta.named_parameters(true);
    for (const auto& t : targets) {
        const auto* w = params.find(t + ".weight");
        if (!w || w->dim() != 2) continue;
        const int64_t lim = std::min(w->size(0), w->size(1));
        if (lora.rank > lim)
            throw configError("lora.rank", QString("rank %1 exceeds the smallest dimension of the adapted layer %2 "
                                                   "(%3 × %4); choose 1..%5 or \"auto\"")
                                               .arg(lora.rank).arg(QString::fromStdString(t))
                                               .arg(w->size(0)).arg(w->size(1)).arg(lim)
                                               .toStdString());
    }
}

QJsonObject datasetInfoJson(const DatasetInfo& i) {
    QJsonArray features, stations;
    for (const auto& f : i.features) features.append(QString::fromStdString(f));
    for (const auto& s : i.stations) stations.append(QString::fromStdString(s));
    return {{"name", QString::fromStdString(i.name)}, {"synthetic", i.synthetic},
            {"source", QString::fromStdString(i.source)}, {"path", QString::fromStdString(i.path)},
            {"sha256", QString::fromStdString(i.sha256)}, {"features", features}, {"stations", stations},
            {"target", QString::fromStdString(i.target)}, {"target_unit", QString::fromStdString(i.targetUnit)},
            {"missing_policy", QString::fromStdString(i.missingPolicy)}, {"normalization", i.normalization},
            {"notes", i.notes}};
}

void Trainer::Impl::buildLoraCopy(Model* from) {
    thetaP = createModel();
    if (from) copyByName(from->module(), thetaP->module());
    if (autoRank) {
        std::map<std::string, torch::Tensor> delta;
        const auto params = (from ? from : thetaP.get())->module().named_parameters(true);
        for (const auto& [name, w0] : startTargets) delta[name] = (params[name].detach().to(torch::kCPU) - w0);
        const auto choice = chooseRank(delta, AutoRankRule::fromJson(ro.lora.autoRule));
        lora.rank = choice.rank;
        emitEvent("auto_rank", choice.toJson());
    }
    const auto targets = injectAdapters(thetaP->module(), lora);
    thetaP->module().to(device);
    optP = std::make_unique<FlatAdam>(thetaP->module(), adamOptions());
    QJsonArray t;
    for (const auto& n : targets) t.append(QString::fromStdString(n));
    lastAdapter = QJsonObject{{"targets", t}, {"rank", qint64(lora.rank)}, {"alpha", lora.alpha},
                              {"dropout", lora.dropout},
                              {"trainable", qint64(countTrainableParameters(thetaP->module()))},
                              {"total", qint64(countParameters(thetaP->module()))}};
}

void Trainer::Impl::setup() {
    const TrainingOptions& t = ro.training;
    seed = t.seed;
    batchSize = t.batchSize;
    epochs = t.epochs;
    lr0 = lr = t.adam.lr;
    ckptEvery = ro.checkpoint.every;
    div = Divergence(ro.divergence);
    gradClip = t.gradClip;
    keepBest = t.keepBest;
    threadCounts = applyThreads(t.threads);  // torch and BLAS chosen together

    QString dev = opts.torchDevice.isEmpty() ? t.torchDevice : opts.torchDevice;
    const bool cuda = torch::cuda::is_available();
    if (dev == "cuda" && !cuda)
        throw configError("training.torch_device", "CUDA was requested but this LibTorch has no usable CUDA device; use auto or cpu");
    device = (dev == "cuda" || (dev == "auto" && cuda)) ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    deviceName = device.is_cuda() ? "cuda" : "cpu";

    autoRank = ro.lora.autoRank;
    lora = ro.lora.spec;

    ckptDir = opts.checkpointDir;
    if (ckptDir.isEmpty()) ckptDir = ro.checkpoint.dir;
    // The fallback folder is named by the run's uuid, never by its name (names are data, not paths).
    if (ckptDir.isEmpty()) ckptDir = QDir::temp().filePath("hpt-run-" + runUuid);
    requireWritableFolder(ckptDir);
    lock = claimCheckpointFolder(ckptDir, runUuid, !opts.resumeFrom.isEmpty(), resumeState);

    // Data and model. Seeding first makes initialisation and dropout reproducible.
    torch::manual_seed(uint64_t(seed));
    const QJsonObject d = config.value("dataset").toObject();
    data = loadTrainingData(host, d);
    stopPoint();
    if (!data) throw pluginError(d.value("name").toString().toStdString(), "load() returned no dataset");
    const Split& tr = data->train();
    if (tr.size() < 1 || tr.x.dim() != 3 || tr.y.dim() != 2)
        throw dataError(d.value("name").toString().toStdString(), "the training split is empty or not [N, stations, features] / [N, outputs]");
    shape = {tr.x.size(1), tr.x.size(2), tr.y.size(1)};
    const auto* st = dynamic_cast<const SampleTimes*>(data.get());
    timeUnit = st ? st->timeUnit() : std::string("sample");
    carve = carveValidation(tr.size(), st ? st->trainTimes() : torch::Tensor(),
                            t.validationFraction, t.validationGap);
    trainX = tr.x.index_select(0, carve.trainIndex).to(device);
    trainY = tr.y.index_select(0, carve.trainIndex).to(device);
    valX = tr.x.index_select(0, carve.valIndex).to(device);
    valY = tr.y.index_select(0, carve.valIndex).to(device);
    if (t.target == "residual") {
        const QJsonValue pf = data->info().notes.value("persistence_feature");
        if (!pf.isDouble() || shape.outputs != shape.stations || pf.toInt() < 0 || pf.toInt() >= shape.features)
            throw configError("training.target",
                              QString("residual needs a persistence input channel in target units, and dataset %1 "
                                      "declares none (notes.persistence_feature); use training.target = absolute")
                                  .arg(d.value("name").toString())
                                  .toStdString());
        residualFeature = pf.toInt();
    }
    stepsPerEpoch = (trainX.size(0) + batchSize - 1) / batchSize;
    totalSteps = stepsPerEpoch * epochs;
    if (t.maxSteps > 0) totalSteps = std::min(totalSteps, t.maxSteps);
    // A resumed checkpoint is checked before anything is built or recorded from it.
    if (!opts.resumeFrom.isEmpty())
        checkCheckpointState(resumeState, resumeFile,
                             {stepsPerEpoch, std::max<int64_t>(epochs, resumeState.value("config").toObject()
                                                                           .value("training").toObject()
                                                                           .value("epochs").toInteger(0))});
    sched = t.schedule;
    sched.totalSteps = std::max<int64_t>(1, totalSteps);

    idProbe = std::make_unique<IdProbe>(ro.id, lora.targets, trainX);
    theta = createModel();
    stopPoint();
    {
        const int64_t b = std::min<int64_t>(batchSize, trainX.size(0));
        probeShapes(*theta, trainX.slice(0, 0, b), trainY.slice(0, 0, b),
                    config.value("model").toObject().value("name").toString().toStdString(),
                    config.value("dataset").toObject().value("name").toString());
    }
    if (ro.switching.mode != "full") checkLoraFits(theta->module(), lora, autoRank);
    stopPoint();
    if (!config.value("devices").toObject().isEmpty())
        coster = std::make_unique<StepCoster>(host, config.value("mapping").toObject(), config.value("devices").toObject());
    costs = RunCosts(coster.get());
    if (autoRank) {
        torch::NoGradGuard ng;
        const auto params = theta->module().named_parameters(true);
        for (const auto& tname : adapterTargets(theta->module(), lora.targets))
            startTargets[tname + ".weight"] = params[tname + ".weight"].detach().to(torch::kCPU).clone();
    }
    // The sizes pass here only for ranking; adapters keep a plain "q"/"v" name map.
    const auto layers = SwitchingRule::monitoredLayers(
        ro.switching, theta->attentionLayers(), config.value("model").toObject().value("name").toString().toStdString());
    if (rule.phase() == Phase::Lora) {
        rule.start(layers, nullptr);
        buildLoraCopy(nullptr);
        theta.reset();
    } else {
        optTheta = std::make_unique<FlatAdam>(theta->module(), adamOptions());
        rule.start(layers, &theta->module());
    }
}

}  // namespace hpt
