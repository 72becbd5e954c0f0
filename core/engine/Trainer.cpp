#include "engine/Trainer.h"

#include "config/Experiment.h"
#include "cost/StepCoster.h"
#include "engine/Checkpoint.h"
#include "engine/CheckpointCheck.h"
#include "engine/RunLock.h"
#include "engine/TrainerCheckpoint.h"
#include "engine/Evaluation.h"
#include "engine/IdProbe.h"
#include "engine/LrSchedule.h"
#include "engine/Optimizer.h"
#include "engine/PhaseController.h"
#include "engine/PlateauCheck.h"
#include "engine/ValidationSplit.h"
#include "engine/WeightDistanceCheck.h"
#include "id/AutoRank.h"
#include "lora/AdapterInjector.h"
#include "plugin/PluginHost.h"
#include "stats/TTest.h"
#include "util/FaultPoint.h"
#include "util/RuntimeInfo.h"
#include "util/Threads.h"

#include <hpt/SampleTimes.h>

#include <ATen/CPUGeneratorImpl.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QJsonArray>
#include <QThread>
#include <QUuid>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <unistd.h>

namespace hpt {

namespace {
using Clock = std::chrono::steady_clock;

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

// The inverse of costJson (components by their names), for device totals kept in a checkpoint.
Cost costFromJson(const QJsonObject& o) {
    Cost c;
    c.cycles = o.value("cycles").toDouble();
    c.seconds = o.value("time_s").toDouble();
    c.joules = o.value("energy_j").toDouble();
    c.cellWrites = o.value("writes").toDouble();
    const QJsonObject parts = o.value("components").toObject();
    for (int i = 0; i < kComponents; ++i) {
        const QJsonObject part = parts.value(toString(Component(i))).toObject();
        c.time[size_t(i)] = part.value("time_s").toDouble();
        c.energy[size_t(i)] = part.value("energy_j").toDouble();
    }
    return c;
}

QJsonObject costJson(const Cost& c) {
    // "components": time and energy by component (adc, static, launch, ...) for breakdowns of a stored run.
    return {{"cycles", c.cycles}, {"time_s", c.seconds}, {"energy_j", c.joules}, {"writes", c.cellWrites},
            {"components", costBreakdownJson(c).value("components")}};
}

QJsonArray toArray(const std::vector<double>& v) {
    QJsonArray a;
    for (double x : v) a.append(x);
    return a;
}

std::vector<double> fromArray(const QJsonValue& v) {
    std::vector<double> out;
    for (const auto& x : v.toArray()) out.push_back(x.toDouble());
    return out;
}

// An hpt::Error's sentence without its "where: " prefix, to extend it.
std::string bareMessage(const Error& e) {
    const std::string w = e.what();
    return e.where().empty() || w.size() < e.where().size() + 2 ? w : w.substr(e.where().size() + 2);
}

QString shapeText(torch::IntArrayRef s) {
    QStringList parts;
    for (auto d : s) parts << QString::number(d);
    return "[" + parts.join(", ") + "]";
}

QJsonValue finiteOrText(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QString::number(v)); }

// Thrown by a stop point in setup; Trainer::run() turns it into RunStatus::Interrupted.
struct SetupStopped {};

struct StepResult {
    double loss = NAN;
    double gradNorm = 0;  // global L2 norm of the gradient; 0 when divergence.max_grad_norm is off
};
}  // namespace

struct Trainer::Impl {
    Impl(Trainer& t, const PluginHost& h, const QJsonObject& c, RunSink& s, const TrainerOptions& o)
        : self(t), host(h), config(c), sink(s), opts(o), ctl(SwitchingOptions::fromJson(c.value("switching").toObject())),
          plateau(plateauFrom(c)) {}

    // The plateau check of a configuration (also the one stored in a checkpoint on resume).
    static PlateauCheck plateauFrom(const QJsonObject& c) {
        const QJsonObject sw = c.value("switching").toObject();
        return PlateauCheck(sw.value("tau_loss").toDouble(0.1), sw.value("plateau_rule").toString("nonnegative") != "literal");
    }

    Trainer& self;
    const PluginHost& host;
    QJsonObject config;
    RunSink& sink;
    TrainerOptions opts;

    torch::Device device{torch::kCPU};
    QString deviceName = "cpu";
    QString ckptDir;
    // Run identity (engine/TrainerCheckpoint.cpp): the uuid the store records and every
    // checkpoint carries, and the lock that makes this process the run's only writer.
    QString runUuid;
    QJsonObject resumeState;  // the state of the checkpoint resumed from (checked in setup)
    QString resumeFile;       // and the file it came from
    std::unique_ptr<RunLock> lock;
    std::unique_ptr<Dataset> data;
    ModelShape shape;
    std::unique_ptr<Model> theta, thetaP;  // Θ and its LoRA copy Θ′
    std::unique_ptr<FlatAdam> optTheta, optP;
    std::unique_ptr<StepCoster> coster;
    torch::Tensor trainX, trainY;
    // Validation split (training.validation_fraction), the end of the training period by time.
    torch::Tensor valX, valY;
    ValidationCarve carve;
    std::string timeUnit;
    int64_t residualFeature = -1;  // training.target = residual: the persistence input channel
    LrSchedule sched;
    double gradClip = 0;
    // training.keep_best: the weights with the lowest validation loss so far (in memory).
    bool keepBest = false;
    double bestVal = INFINITY, lastVal = NAN;
    int64_t bestStep = -1, lastValStep = -1;
    bool bestIsThetaP = false;
    std::vector<std::pair<std::string, torch::Tensor>> bestWeights;
    std::map<std::string, torch::Tensor> startTargets;  // for lora.rank = "auto"
    std::unique_ptr<IdProbe> idProbe;                   // intrinsic-dimension estimates (id.every)

    PhaseController ctl;
    PlateauCheck plateau;
    std::unique_ptr<WeightDistanceCheck> wcheck;
    LoraSpec lora;
    bool autoRank = false;

    int64_t seed = 42, batchSize = 1, stepsPerEpoch = 0, totalSteps = 0, ckptEvery = 0;
    int epochs = 1, epoch = 0;
    int64_t step = 0, batchInEpoch = 0, switchStep = -1, dualStep = -1;
    double lr0 = 1e-4, lr = 1e-4, lrLogged = NAN;
    // Divergence policy (resources/docs/engine.md): "stop" or "rollback" to the last checkpoint
    // with the learning rate scaled by lrFactor, at most maxRollbacks times.
    QString divPolicy = "stop";
    double maxGradNorm = 0, lrFactor = 0.5, lrScale = 1;
    ThreadCounts threadCounts;
    int maxRollbacks = 3, rollbacks = 0;
    double priorWall = 0;  // wall time of earlier segments of a resumed run
    Clock::time_point t0;
    std::map<std::string, Cost> costTotal;
    std::map<std::string, std::map<std::string, Cost>> costPerPhase;
    // Modeled end-to-end time: per step the sum of the roles' times, or the slowest role when
    // the mapping overlaps the tiers (mapping.overlap); one-off phase-entry costs add in full.
    double modeledSeconds = 0;
    std::map<std::string, double> modeledSecondsPerPhase;
    std::vector<MetricPoint> pending;
    Clock::time_point lastFlush;
    double lastLoss = 0;

    double wall() const { return priorWall + std::chrono::duration<double>(Clock::now() - t0).count(); }

    void emitEvent(const std::string& type, const QJsonObject& payload) {
        flush();
        RunEvent e;
        e.step = step;
        e.epoch = epoch + 1;  // 1-based, as Progress and the "lr" event count
        e.type = type;
        e.payload = payload;
        e.wallTime = wall();
        sink.event(e);
    }
    void metric(const char* key, double v) { pending.push_back({step, key, v, wall()}); }
    void metric(const std::string& key, double v) { pending.push_back({step, key, v, wall()}); }
    void flush() {
        if (!pending.empty()) sink.metrics(pending);
        pending.clear();
        lastFlush = Clock::now();
    }

    std::unique_ptr<Model> createModel() {
        const QJsonObject m = config.value("model").toObject();
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

    AdamOptions adamOptions() const {
        const QJsonObject t = config.value("training").toObject();
        AdamOptions a;
        a.lr = lr0;
        a.weightDecay = t.value("weight_decay").toDouble(1e-4);
        a.beta1 = t.value("beta1").toDouble(0.9);
        a.beta2 = t.value("beta2").toDouble(0.999);
        a.eps = t.value("eps").toDouble(1e-8);
        a.decoupled = t.value("optimizer").toString("adamw") == "adamw";
        return a;
    }

    std::vector<std::string> monitoredLayers() {
        QStringList chosen;
        for (const auto& v : config.value("switching").toObject().value("monitored_layers").toArray()) chosen << v.toString();
        const auto all = theta->attentionLayers();
        if (chosen == QStringList{"all"}) return all;
        if (chosen.isEmpty()) {
            // The reference monitors the last attention layer (SWE, weather).
            if (all.empty()) throw pluginError(config.value("model").toObject().value("name").toString().toStdString(),
                                               "the model lists no attention layers to monitor");
            return {all.back()};
        }
        std::vector<std::string> out;
        for (const auto& c : chosen) out.push_back(c.toStdString());
        return out;
    }

    // Θ′ = copy of Θ (or a fresh model in the "lora" baseline) with adapters on the targets.
    void buildLoraCopy(Model* from) {
        thetaP = createModel();
        if (from) copyByName(from->module(), thetaP->module());
        if (autoRank) {
            std::map<std::string, torch::Tensor> delta;
            const auto params = (from ? from : thetaP.get())->module().named_parameters(true);
            for (const auto& [name, w0] : startTargets) delta[name] = (params[name].detach().to(torch::kCPU) - w0);
            const auto choice = chooseRank(delta, AutoRankRule::fromJson(config.value("lora").toObject().value("auto").toObject()));
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
    QJsonObject lastAdapter;

    void enterPhaseCosts(Phase p) {
        if (!coster) return;
        auto add = [&](const std::map<std::string, Cost>& m) {
            for (const auto& [role, c] : m) {
                costTotal[role] += c;
                costPerPhase[toString(p)][role] += c;
            }
        };
        std::map<std::string, Cost> once;
        if (theta && p != Phase::Lora)
            for (const auto& [role, c] : coster->enterPhase(p, theta->trace(batchSize))) once[role] += c;
        if (thetaP)
            for (const auto& [role, c] : coster->enterPhase(p, thetaP->trace(batchSize))) once[role] += c;
        add(once);
        for (const auto& [role, c] : once) addModeledTime(p, c.seconds);
    }
    void addModeledTime(Phase p, double s) {
        modeledSeconds += s;
        modeledSecondsPerPhase[toString(p)] += s;
    }

    void setup() {
        const QJsonObject t = config.value("training").toObject();
        seed = t.value("seed").toInteger(42);
        batchSize = t.value("batch_size").toInteger(1);
        epochs = t.value("epochs").toInt(1);
        lr0 = lr = t.value("lr").toDouble(1e-4);
        ckptEvery = config.value("checkpoint").toObject().value("every").toInteger(0);
        const QJsonObject dv = config.value("divergence").toObject();
        divPolicy = dv.value("policy").toString("stop");
        maxGradNorm = dv.value("max_grad_norm").toDouble(0);
        lrFactor = dv.value("lr_factor").toDouble(0.5);
        maxRollbacks = dv.value("max_rollbacks").toInt(3);
        gradClip = t.value("grad_clip").toDouble(0);
        keepBest = t.value("keep_best").toBool(false);
        threadCounts = applyThreads(t.value("threads").toInt(0));  // torch and BLAS chosen together

        QString dev = opts.torchDevice.isEmpty() ? t.value("torch_device").toString("auto") : opts.torchDevice;
        const bool cuda = torch::cuda::is_available();
        if (dev == "cuda" && !cuda)
            throw configError("training.torch_device", "CUDA was requested but this LibTorch has no usable CUDA device; use auto or cpu");
        device = (dev == "cuda" || (dev == "auto" && cuda)) ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
        deviceName = device.is_cuda() ? "cuda" : "cpu";

        const QJsonObject l = config.value("lora").toObject();
        autoRank = l.value("rank").isString();
        lora.rank = autoRank ? 0 : l.value("rank").toInteger(8);
        lora.alpha = l.value("alpha").toDouble(64);
        lora.dropout = l.value("dropout").toDouble(0.1);
        lora.targets.clear();
        lora.modulesToSave.clear();
        for (const auto& v : l.value("targets").toArray()) lora.targets << v.toString();
        for (const auto& v : l.value("modules_to_save").toArray()) lora.modulesToSave << v.toString();

        ckptDir = opts.checkpointDir;
        if (ckptDir.isEmpty()) ckptDir = config.value("checkpoint").toObject().value("dir").toString();
        // The fallback folder is named by the run's uuid, never by its name (names are data, not paths).
        if (ckptDir.isEmpty()) ckptDir = QDir::temp().filePath("hpt-run-" + runUuid);
        requireWritableFolder(ckptDir);
        lock = claimCheckpointFolder(ckptDir, runUuid, !opts.resumeFrom.isEmpty(), resumeState);

        // Data and model. Seeding first makes initialisation and dropout reproducible.
        torch::manual_seed(uint64_t(seed));
        const QJsonObject d = config.value("dataset").toObject();
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
        stopPoint();
        if (!data) throw pluginError(d.value("name").toString().toStdString(), "load() returned no dataset");
        const Split& tr = data->train();
        if (tr.size() < 1 || tr.x.dim() != 3 || tr.y.dim() != 2)
            throw dataError(d.value("name").toString().toStdString(), "the training split is empty or not [N, stations, features] / [N, outputs]");
        shape = {tr.x.size(1), tr.x.size(2), tr.y.size(1)};
        const auto* st = dynamic_cast<const SampleTimes*>(data.get());
        timeUnit = st ? st->timeUnit() : std::string("sample");
        carve = carveValidation(tr.size(), st ? st->trainTimes() : torch::Tensor(),
                                t.value("validation_fraction").toDouble(0), t.value("validation_gap").toInteger(0));
        trainX = tr.x.index_select(0, carve.trainIndex).to(device);
        trainY = tr.y.index_select(0, carve.trainIndex).to(device);
        valX = tr.x.index_select(0, carve.valIndex).to(device);
        valY = tr.y.index_select(0, carve.valIndex).to(device);
        if (t.value("target").toString("absolute") == "residual") {
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
        const int64_t maxSteps = t.value("max_steps").toInteger(0);
        if (maxSteps > 0) totalSteps = std::min(totalSteps, maxSteps);
        // A resumed checkpoint is checked before anything is built or recorded from it.
        if (!opts.resumeFrom.isEmpty())
            checkCheckpointState(resumeState, resumeFile,
                                 {stepsPerEpoch, std::max<int64_t>(epochs, resumeState.value("config").toObject()
                                                                               .value("training").toObject()
                                                                               .value("epochs").toInteger(0))});
        sched = LrSchedule::fromJson(t, totalSteps);

        idProbe = std::make_unique<IdProbe>(config.value("id").toObject(), lora.targets, trainX);
        theta = createModel();
        stopPoint();
        probeShapes();
        checkLoraFits();
        stopPoint();
        wcheck = std::make_unique<WeightDistanceCheck>(config.value("switching").toObject().value("tau_w").toDouble(0.01),
                                                       monitoredLayers());
        if (!config.value("devices").toObject().isEmpty())
            coster = std::make_unique<StepCoster>(host, config.value("mapping").toObject(), config.value("devices").toObject());
        if (autoRank) {
            torch::NoGradGuard ng;
            const auto params = theta->module().named_parameters(true);
            for (const auto& tname : adapterTargets(theta->module(), lora.targets))
                startTargets[tname + ".weight"] = params[tname + ".weight"].detach().to(torch::kCPU).clone();
        }
        // The sizes pass here only for ranking; adapters keep a plain "q"/"v" name map.
        if (ctl.phase() == Phase::Lora) {
            buildLoraCopy(nullptr);
            theta.reset();
        } else {
            optTheta = std::make_unique<FlatAdam>(theta->module(), adamOptions());
            wcheck->start(theta->module());
        }
    }

    // A stop request during setup (loading data, building models, matching LoRA targets) ends the
    // run before it starts: nothing is recorded, nothing needs resuming.
    void stopPoint() const {
        if (self.stop_.load()) throw SetupStopped{};
    }

    // The checkpoint folder must take files before hours of training depend on it.
    static void requireWritableFolder(const QString& dir) {
        if (!QDir().mkpath(dir))
            throw Error(ErrorKind::Store, dir.toStdString(),
                        "cannot create the checkpoint folder; make its parent writable or set checkpoint.dir "
                        "(--set checkpoint.dir=DIR) to a writable folder");
        if (::access(QFile::encodeName(dir).constData(), W_OK | X_OK) != 0)
            throw Error(ErrorKind::Store, dir.toStdString(),
                        QString("the checkpoint folder is not writable (%1); make it writable (chmod u+w) or set "
                                "checkpoint.dir (--set checkpoint.dir=DIR) to a writable folder")
                            .arg(QString::fromLocal8Bit(std::strerror(errno)))
                            .toStdString());
    }

    // One forward pass on one batch before step 1: a model whose output does not match the
    // dataset's target is named here, not as a broadcasting error (or a silently wrong loss)
    // later. Eval mode and a saved RNG state keep the run identical to one without the probe.
    void probeShapes() {
        const std::string name = config.value("model").toObject().value("name").toString().toStdString();
        const QString dname = config.value("dataset").toObject().value("name").toString();
        const int64_t b = std::min<int64_t>(batchSize, trainX.size(0));
        const torch::Tensor x = trainX.slice(0, 0, b), y = trainY.slice(0, 0, b);
        auto gen = at::detail::getDefaultCPUGenerator();
        torch::Tensor rng;
        {
            std::lock_guard<std::mutex> lock(gen.mutex());
            rng = gen.get_state();
        }
        torch::Tensor out;
        std::string failure;
        theta->module().eval();
        try {
            torch::NoGradGuard ng;
            out = theta->forward(x);
        } catch (const c10::Error& e) {
            failure = e.what_without_backtrace();
        } catch (const std::exception& e) {
            failure = e.what();
        }
        theta->module().train();
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

    // A fixed LoRA rank must fit every adapted layer (r ≤ min(in, out)); checked before step 1
    // rather than at the switch, hours later.
    void checkLoraFits() {
        if (ctl.options().mode == "full") return;
        const auto targets = adapterTargets(theta->module(), lora.targets);
        if (targets.empty()) {
            QStringList have;
            for (const auto& n : adapterTargets(theta->module(), {"*"})) have << QString::fromStdString(n);
            throw configError("lora.targets", QString("no adaptable layer matches %1; the model has: %2")
                                                  .arg(lora.targets.join(", "), have.isEmpty() ? QString("none") : have.join(", "))
                                                  .toStdString());
        }
        if (autoRank) return;
        const auto params = theta->module().named_parameters(true);
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

    // ---- checkpoints -------------------------------------------------------
    QJsonObject stateJson() const {
        // Device totals so far, so that a resumed run's modeled cost covers the whole run.
        QJsonObject cost, perPhase, timePerPhase;
        for (const auto& [role, c] : costTotal) cost.insert(QString::fromStdString(role), costJson(c));
        for (const auto& [ph, m] : costPerPhase) {
            QJsonObject o;
            for (const auto& [role, c] : m) o.insert(QString::fromStdString(role), costJson(c));
            perPhase.insert(QString::fromStdString(ph), o);
        }
        for (const auto& [ph, t] : modeledSecondsPerPhase) timePerPhase.insert(QString::fromStdString(ph), t);
        return {{"format", 1}, {"cost", cost}, {"cost_per_phase", perPhase}, {"modeled_time_s", modeledSeconds},
                {"modeled_time_s_per_phase", timePerPhase}, {"config", config}, {"step", qint64(step)}, {"epoch", epoch},
                {"batch_in_epoch", qint64(batchInEpoch)}, {"lr", lr}, {"switch_step", qint64(switchStep)},
                {"dual_step", qint64(dualStep)}, {"lora_rank", qint64(lora.rank)},
                {"controller", ctl.state()}, {"plateau_averages", toArray(plateau.averages_)},
                {"plateau_sum", plateau.sum_}, {"plateau_count", qint64(plateau.count_)},
                {"weight_distances", toArray(wcheck->distances_)}, {"wall_s", wall()}, {"device", deviceName},
                {"has_theta", bool(theta)}, {"has_theta_prime", bool(thetaP)}, {"lr_scale", lrScale},
                {"rollbacks", rollbacks}, {"run_uuid", runUuid}, {"config_sha256", configSha256(config)}};
    }

    void writeCheckpoint(const char* why) {
        flush();
        sink.sync();
        try {
            writeCheckpointFile();
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::Store) throw;
            // Checkpoint::write leaves no partial file under a real name: the old checkpoint stays valid.
            throw Error(ErrorKind::Store, ckptDir.toStdString(),
                        QString("writing the checkpoint of step %1 failed (%2). Nothing half-written was kept; the "
                                "checkpoint before it, if any, is intact. Free space or make the folder writable (or "
                                "set checkpoint.dir to another folder), then resume from %3")
                            .arg(step).arg(QString::fromUtf8(e.what()), ckptDir)
                            .toStdString());
        }
        emitEvent("checkpoint", {{"reason", why}, {"dir", ckptDir}, {"phase", toString(ctl.phase())}});
    }

    void writeCheckpointFile() {
        Checkpoint::write(ckptDir, stateJson(), [&](torch::serialize::OutputArchive& a) {
            if (theta) {
                for (const auto& p : theta->module().named_parameters(true)) a.write("theta." + p.key(), p.value().detach().cpu());
                for (const auto& b : theta->module().named_buffers(true)) a.write("theta." + b.key(), b.value().cpu(), true);
                optTheta->save(a, "opt_theta");
            }
            if (thetaP) {
                for (const auto& p : thetaP->module().named_parameters(true)) a.write("thetap." + p.key(), p.value().detach().cpu());
                for (const auto& b : thetaP->module().named_buffers(true)) a.write("thetap." + b.key(), b.value().cpu(), true);
                optP->save(a, "opt_thetap");
            }
            if (wcheck->previous_.defined()) a.write("weight_snapshot", wcheck->previous_.cpu());
            for (const auto& [n, w] : startTargets) a.write("start_target." + n, w);
            auto gen = at::detail::getDefaultCPUGenerator();
            std::lock_guard<std::mutex> lock(gen.mutex());
            a.write("rng.cpu", gen.get_state());
        });
    }

    void resume() {
        const QString file = loadCheckpoint(opts.resumeFrom, false);
        emitEvent("resume", {{"from", file}, {"step", qint64(step)}, {"phase", toString(ctl.phase())}});
    }

    // Restores everything a checkpoint holds. rollback: the same run goes back to its last good
    // state, so the models are rebuilt from scratch (no stale gradients or optimizer buffers),
    // and wall time, the rollback count and the learning-rate scale keep their current values.
    // Returns the file read.
    QString loadCheckpoint(const QString& dir, bool rollback) {
        CheckpointData ck = Checkpoint::read(dir);
        if (!ck.rejected.isEmpty()) emitEvent("checkpoint_corrupt", {{"reason", ck.rejected}});
        const QJsonObject s = ck.state;
        // Validated before anything is restored: a crafted or foreign file is a data error, not a crash.
        const int64_t storedEpochs = s.value("config").toObject().value("training").toObject().value("epochs").toInteger(0);
        checkCheckpointState(s, ck.file, {stepsPerEpoch, std::max<int64_t>(epochs, storedEpochs)});
        checkCheckpointOwner(s, runUuid, ck.file);
        try {
            restoreCheckpoint(s, ck, rollback);
        } catch (const c10::Error& e) {
            throw dataError(ck.file.toStdString(), std::string("the checkpoint's tensors do not fit this run: ") +
                                                       e.what_without_backtrace());
        }
        return ck.file;
    }

    void restoreCheckpoint(const QJsonObject& s, CheckpointData& ck, bool rollback) {
        if (rollback) {
            theta.reset();
            optTheta.reset();
        } else {
            lrScale = s.value("lr_scale").toDouble(1);
            rollbacks = s.value("rollbacks").toInt(0);
            // Device totals continue from the checkpoint (a rollback keeps its own: the steps it
            // discards were paid for). Checkpoints from before they were stored start from zero.
            costTotal.clear();
            costPerPhase.clear();
            modeledSecondsPerPhase.clear();
            const QJsonObject cost = s.value("cost").toObject(), perPhase = s.value("cost_per_phase").toObject();
            for (auto it = cost.begin(); it != cost.end(); ++it) costTotal[it.key().toStdString()] = costFromJson(it.value().toObject());
            for (auto ph = perPhase.begin(); ph != perPhase.end(); ++ph) {
                const QJsonObject m = ph.value().toObject();
                for (auto it = m.begin(); it != m.end(); ++it)
                    costPerPhase[ph.key().toStdString()][it.key().toStdString()] = costFromJson(it.value().toObject());
            }
            modeledSeconds = s.value("modeled_time_s").toDouble(0);
            const QJsonObject tp = s.value("modeled_time_s_per_phase").toObject();
            for (auto it = tp.begin(); it != tp.end(); ++it) modeledSecondsPerPhase[it.key().toStdString()] = it.value().toDouble();
        }
        step = s.value("step").toInteger();
        epoch = s.value("epoch").toInt();
        batchInEpoch = s.value("batch_in_epoch").toInteger();
        lr = s.value("lr").toDouble();
        switchStep = s.value("switch_step").toInteger(-1);
        dualStep = s.value("dual_step").toInteger(-1);
        ctl.restore(s.value("controller").toObject());
        plateau.averages_ = fromArray(s.value("plateau_averages"));
        plateau.sum_ = s.value("plateau_sum").toDouble();
        plateau.count_ = s.value("plateau_count").toInteger();
        wcheck->distances_ = fromArray(s.value("weight_distances"));
        if (!rollback) priorWall = s.value("wall_s").toDouble();
        auto& a = ck.tensors;
        torch::NoGradGuard ng;
        auto loadModule = [&](torch::nn::Module& m, const std::string& prefix) {
            for (auto& p : m.named_parameters(true)) {
                torch::Tensor t;
                readTensorLike(a, prefix + p.key(), p.value(), t, ck.file);
                p.value().copy_(t);
            }
            for (auto& b : m.named_buffers(true)) {
                torch::Tensor t;
                readTensorLike(a, prefix + b.key(), b.value(), t, ck.file, true);
                b.value().copy_(t);
            }
        };
        for (auto& [n, w] : startTargets) {
            torch::Tensor t;
            readTensorLike(a, "start_target." + n, w, t, ck.file);
            w = t;
        }
        if (s.value("has_theta").toBool()) {
            if (!theta) theta = createModel();
            if (!optTheta) optTheta = std::make_unique<FlatAdam>(theta->module(), adamOptions());
            loadModule(theta->module(), "theta.");
            optTheta->load(a, "opt_theta");
        } else {
            theta.reset();
            optTheta.reset();
        }
        thetaP.reset();
        optP.reset();
        if (s.value("has_theta_prime").toBool()) {
            const bool wasAuto = autoRank;
            autoRank = false;  // the rank chosen then is stored
            lora.rank = s.value("lora_rank").toInteger(lora.rank);
            buildLoraCopy(nullptr);
            autoRank = wasAuto;
            loadModule(thetaP->module(), "thetap.");
            optP->load(a, "opt_thetap");
        }
        torch::Tensor snap;
        try {
            a.read("weight_snapshot", snap);
            wcheck->previous_ = snap.to(torch::kFloat64);
        } catch (const c10::Error&) {
            wcheck->previous_ = torch::Tensor();
        }
        torch::Tensor rng;
        a.read("rng.cpu", rng);
        auto gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(rng);
    }

    // ---- one step ----------------------------------------------------------
    // The update is skipped when the step diverged (see divergence()).
    StepResult trainStep(Model& m, FlatAdam& opt, const torch::Tensor& x, const torch::Tensor& y) {
        auto loss = torch::mse_loss(forecast(m, x, residualFeature), y);
        loss.backward();
        StepResult r;
        r.loss = loss.item<double>();
        if (maxGradNorm > 0 || gradClip > 0) r.gradNorm = opt.gradNorm();
        // Clipping (training.grad_clip) acts after the divergence check has seen the raw norm.
        if (gradClip > 0 && std::isfinite(r.gradNorm) && r.gradNorm > gradClip) opt.scaleGrad(gradClip / r.gradNorm);
        if (divergence(r).isEmpty()) opt.step(lr);
        else opt.zeroGrad();
        return r;
    }

    // Why a step counts as diverged ("" when it does not): a NaN/Inf loss, or a global gradient
    // norm above divergence.max_grad_norm (a NaN norm counts too).
    QString divergence(const StepResult& r) const {
        if (!std::isfinite(r.loss)) return QString("loss became %1").arg(r.loss);
        if (maxGradNorm > 0 && !(r.gradNorm <= maxGradNorm))
            return QString("gradient norm %1 exceeds divergence.max_grad_norm = %2").arg(r.gradNorm).arg(maxGradNorm);
        return {};
    }

    // The divergence policy: stop (Diverged, exit 5), or roll back to the last checkpoint with a
    // smaller learning rate. Returns normally only after a rollback.
    void onDivergence(const char* which, const QString& why, const StepResult& r) {
        const bool roll = divPolicy == "rollback" && rollbacks < maxRollbacks;
        emitEvent("diverged", {{"loss", which}, {"value", finiteOrText(r.loss)}, {"grad_norm", finiteOrText(r.gradNorm)},
                               {"max_grad_norm", maxGradNorm}, {"reason", QString("the %1 %2").arg(which, why)},
                               {"phase", toString(ctl.phase())}, {"checkpoint_dir", ckptDir}, {"policy", divPolicy},
                               {"action", roll ? "rollback" : "stop"}, {"rollbacks", rollbacks}});
        if (!roll) {
            QString msg = QString("the %1 %2 at step %3 (epoch %4) in the %5 phase")
                              .arg(which, why).arg(step).arg(epoch + 1).arg(toString(ctl.phase()));
            if (divPolicy == "rollback")
                msg += QString(", after %1 rollback(s) (divergence.max_rollbacks = %2)").arg(rollbacks).arg(maxRollbacks);
            msg += QString("; lower training.lr or check the data for extreme values, then resume from the last good "
                           "checkpoint in %1").arg(ckptDir);
            throw Error(ErrorKind::Diverged, QString("step %1").arg(step).toStdString(), msg.toStdString());
        }
        const int64_t fromStep = step;
        const double fromLr = lr;
        ++rollbacks;
        const QString file = loadCheckpoint(ckptDir, true);
        lrScale *= lrFactor;
        lr = sched.at(step + 1, epoch) * lrScale;
        refreshTraces();
        emitEvent("rollback", {{"from_step", qint64(fromStep)}, {"to_step", qint64(step)}, {"checkpoint", file},
                               {"reason", QString("the %1 %2").arg(which, why)}, {"lr_from", fromLr}, {"lr_to", lr},
                               {"lr_factor", lrFactor}, {"rollback", rollbacks}, {"max_rollbacks", maxRollbacks},
                               {"phase", toString(ctl.phase())}});
        metric("lr", lr);
    }

    // The run store (or another sink) can no longer record: stop with its error after saving
    // what can be saved, so nothing is trained that is not recorded.
    [[noreturn]] void stopForSink(const Error& f) {
        QString saved;
        try {
            writeCheckpoint("store failed");
            saved = QString(" Training stopped at step %1; a checkpoint of it is in %2: resume from it once the store is "
                            "writable.").arg(step).arg(ckptDir);
        } catch (const std::exception& e) {
            saved = QString(" Training stopped at step %1; writing its checkpoint failed too (%2), the last good "
                            "checkpoint in %3 is kept.").arg(step).arg(QString::fromUtf8(e.what()), ckptDir);
        }
        throw Error(ErrorKind::Store, f.where(), bareMessage(f) + saved.toStdString());
    }

    void addCosts(Phase p) {
        if (!coster) return;
        auto add = [&](const std::map<std::string, Cost>& m) {
            for (const auto& [role, c] : m) {
                costTotal[role] += c;
                costPerPhase[toString(p)][role] += c;
            }
        };
        std::map<std::string, Cost> stepRoles;  // in DUAL, Θ's and Θ′'s work on each role
        if (theta && p != Phase::Lora)
            for (const auto& [role, c] : coster->stepCost(traceTheta, p)) stepRoles[role] += c;
        if (thetaP)
            for (const auto& [role, c] : coster->stepCost(traceP, p)) stepRoles[role] += c;
        add(stepRoles);
        double stepS = 0;
        for (const auto& [role, c] : stepRoles) stepS = coster->mapping().overlap() ? std::max(stepS, c.seconds) : stepS + c.seconds;
        addModeledTime(p, stepS);
    }
    // Cumulative device totals, overall and per phase ("device.<role>.<PHASE>.energy_j"): the live
    // view's per-phase bars read the latter, so they equal final.devices_per_phase however sparse the samples.
    void sampleDevices() {
        for (const auto& [role, c] : costTotal) {
            metric("device." + role + ".time_s", c.seconds);
            metric("device." + role + ".energy_j", c.joules);
            metric("device." + role + ".writes", c.cellWrites);
        }
        for (const auto& [ph, m] : costPerPhase)
            for (const auto& [role, c] : m) {
                metric("device." + role + "." + ph + ".time_s", c.seconds);
                metric("device." + role + "." + ph + ".energy_j", c.joules);
            }
    }
    Trace traceTheta, traceP;
    void refreshTraces() {
        traceTheta = theta ? theta->trace(batchSize) : Trace{};
        traceP = thetaP ? thetaP->trace(batchSize) : Trace{};
    }

    void onPhaseChange(Phase from, Phase to, const char* why, QJsonObject extra = {}) {
        extra.insert("from", toString(from));
        extra.insert("to", toString(to));
        extra.insert("reason", why);
        if (thetaP) extra.insert("adapter", lastAdapter);
        refreshTraces();
        enterPhaseCosts(to);
        sampleDevices();
        emitEvent("phase", extra);
        faultPoint(fault::kPhaseSwitch);
        writeCheckpoint("phase change");
    }

    void afterStep(double lossFull, double lossLora) {
        const Phase before = ctl.phase();
        if (before == Phase::Full) plateau.addLoss(lossFull);
        if (ctl.checkDue(step)) {
            const auto pv = plateau.check();
            const auto wv = wcheck->check(theta->module());
            QJsonObject pj = pv.toJson(), wj = wv.toJson();
            QJsonArray layers;
            for (const auto& l : wcheck->layers()) layers.append(QString::fromStdString(l));
            wj.insert("layers", layers);
            emitEvent("plateau_check", pj);
            emitEvent("weight_check", wj);
            if (ctl.onCheck(pv, wv) == SwitchAction::EnterDual) {
                buildLoraCopy(theta.get());
                dualStep = step;
                onPhaseChange(before, Phase::Dual, "plateau check and weight-distance check hold");
            }
        } else if (before == Phase::Dual && ctl.addDualLosses(lossFull, lossLora)) {
            const auto r = tTest(ctl.windowFull(), ctl.windowLora(), ctl.options().alpha, ctl.options().welch);
            const SwitchAction act = ctl.onTTest(r);
            emitEvent("ttest", {{"t", r.t}, {"p", r.p}, {"df", r.df}, {"critical", r.critical}, {"alpha", r.alpha},
                                {"welch", r.welch}, {"mean_full", r.meanA}, {"mean_lora", r.meanB},
                                {"n", qint64(ctl.options().ttestWindow)}, {"significant", r.significant},
                                {"decision", toString(act)}, {"attempt", ctl.dualAttempts()}});
            if (act == SwitchAction::EnterLora) {
                theta.reset();
                optTheta.reset();
                switchStep = step;
                onPhaseChange(Phase::Dual, Phase::Lora, "t-test: no significant difference between the loss streams");
            } else if (act == SwitchAction::RebuildAdapters) {
                buildLoraCopy(theta.get());
                refreshTraces();
                emitEvent("adapter", {{"action", "rebuild"}, {"reason", "t-test found a significant difference"},
                                      {"adapter", lastAdapter}});
            } else if (act == SwitchAction::GiveUpDual) {
                thetaP.reset();
                optP.reset();
                onPhaseChange(Phase::Dual, Phase::Full, "maximum DUAL attempts reached; staying FULL",
                              {{"attempts", ctl.dualAttempts()}});
            }
        }
    }

    // The rate of the step after the current one (training.lr_schedule), times the rollback scale.
    double lrAt(int e) const { return sched.at(step + 1, e) * lrScale; }

    // ---- validation ----------------------------------------------------------
    // The model that would be tested if the run ended now: Θ′ in LORA, else Θ.
    Model* current() const { return ctl.phase() == Phase::Lora && thetaP ? thetaP.get() : theta ? theta.get() : thetaP.get(); }

    // Validation loss (normalised MSE, as the training loss) of the current model, as the
    // metric "val_loss"; with keep_best, the best weights so far are kept in memory.
    void validate() {
        if (valX.size(0) == 0 || lastValStep == step) return;
        Model* m = current();
        if (!m) return;
        lastVal = meanSquaredError(*m, valX, valY, residualFeature);
        lastValStep = step;
        metric("val_loss", lastVal);
        if (keepBest && std::isfinite(lastVal) && lastVal < bestVal) {
            bestVal = lastVal;
            bestStep = step;
            bestIsThetaP = m == thetaP.get();
            bestWeights.clear();
            for (const auto& p : m->module().named_parameters(true)) bestWeights.push_back({p.key(), p.value().detach().clone()});
            for (const auto& b : m->module().named_buffers(true)) bestWeights.push_back({b.key(), b.value().detach().clone()});
        }
    }

    // keep_best: the model to test carries the best validation weights. Θ′ weights go back into
    // Θ′ (LORA is final, so Θ′ still has their layout); Θ weights into Θ, rebuilt if the run
    // has dropped it by switching to LORA since.
    Model* bestModel() {
        if (!keepBest || bestWeights.empty()) return current();
        Model* m = bestIsThetaP ? thetaP.get() : theta.get();
        if (!m && !bestIsThetaP) {
            theta = createModel();
            m = theta.get();
        }
        if (!m) return current();
        torch::NoGradGuard ng;
        std::map<std::string, torch::Tensor> own;
        for (const auto& p : m->module().named_parameters(true)) own[p.key()] = p.value();
        for (const auto& b : m->module().named_buffers(true)) own[b.key()] = b.value();
        for (const auto& [name, w] : bestWeights)
            if (auto it = own.find(name); it != own.end()) it->second.copy_(w);
        return m;
    }

    void emitProgress() {
        Progress p;
        p.step = step;
        p.totalSteps = totalSteps;
        p.epoch = epoch + 1;
        p.epochs = epochs;
        p.phase = toString(ctl.phase());
        p.loss = lastLoss;
        const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
        const int64_t done = step - startStep;
        p.etaSeconds = done > 0 ? elapsed / double(done) * double(totalSteps - step) : 0;
        sink.progress(p);
    }
    int64_t startStep = 0;

    QJsonObject finalJson(const char* status) {
        QJsonObject f;
        f.insert("status", status);
        f.insert("steps", qint64(step));
        f.insert("epochs_completed", epoch);
        f.insert("phase", toString(ctl.phase()));
        f.insert("switch_step", qint64(switchStep));
        f.insert("dual_step", qint64(dualStep));
        f.insert("dual_attempts", ctl.dualAttempts());
        f.insert("wall_s", wall());
        f.insert("torch_device", deviceName);
        f.insert("checkpoint_dir", ckptDir);
        f.insert("target", config.value("training").toObject().value("target").toString("absolute"));
        if (valX.size(0) > 0) {
            QJsonObject v = carve.toJson(timeUnit);
            v.insert("final_loss", finiteOrText(lastVal));
            if (keepBest) {
                v.insert("best_loss", finiteOrText(bestVal));
                v.insert("best_step", qint64(bestStep));
            }
            f.insert("validation", v);
        }
        Model* best = std::string(status) == "finished" || std::string(status) == "stopped" ? bestModel() : current();
        if (best) {
            f.insert("evaluated", best == thetaP.get() ? "theta_prime" : "theta");
            if (keepBest && bestStep >= 0) f.insert("evaluated_weights", QString("best validation loss, step %1").arg(bestStep));
            f.insert("trainable_parameters", qint64(countTrainableParameters(best->module())));
            f.insert("parameters", qint64(countParameters(best->module())));
            f.insert("test", evaluate(*best, *data, 256, residualFeature, &self.stop_));
        }
        QJsonObject dev, per;
        for (const auto& [role, c] : costTotal) dev.insert(QString::fromStdString(role), costJson(c));
        for (const auto& [ph, m] : costPerPhase) {
            QJsonObject o;
            for (const auto& [role, c] : m) o.insert(QString::fromStdString(role), costJson(c));
            per.insert(QString::fromStdString(ph), o);
        }
        f.insert("devices", dev);
        f.insert("devices_per_phase", per);
        if (coster) {
            QJsonObject tp;
            for (const auto& [ph, t] : modeledSecondsPerPhase) tp.insert(QString::fromStdString(ph), t);
            f.insert("modeled_time_s", modeledSeconds);
            f.insert("modeled_time_s_per_phase", tp);
            f.insert("overlap", coster->mapping().overlap());
        }
        if (coster) f.insert("reram_wear", coster->wear());
        // What `hpt --batch` needs to re-trace the run for its gpu-only counterfactual.
        f.insert("model_shape", QJsonArray{qint64(shape.stations), qint64(shape.features), qint64(shape.outputs)});
        f.insert("lora_rank", qint64(lora.rank));
        return f;
    }

    RunStatus loop() {
        const QJsonObject m = config.value("model").toObject();
        RunStart rs;
        rs.name = (opts.runName.isEmpty() ? config.value("name").toString() : opts.runName).toStdString();
        rs.config = config;
        auto rec = [&](PluginKind k, const QString& n) {
            const PluginRecord* r = host.find(k, n);
            return r ? QJsonObject{{"name", r->name}, {"version", r->version}, {"file", r->file}} : QJsonObject{{"name", n}};
        };
        QJsonObject devs;
        for (const auto& role : config.value("devices").toObject().keys())
            devs.insert(role, rec(PluginKind::Device, config.value("devices").toObject().value(role).toObject().value("plugin").toString()));
        rs.plugins = {{"model", rec(PluginKind::Model, m.value("name").toString())},
                      {"dataset", rec(PluginKind::Dataset, config.value("dataset").toObject().value("name").toString())},
                      {"devices", devs}};
        rs.dataset = datasetInfoJson(data->info());
        QJsonObject rt = probeRuntime(false).toJson();
        rt.insert("torch_device", deviceName);
        rt.insert("threads", torch::get_num_threads());
        rt.insert("blas_threads", threadCounts.blas);
        rs.runtime = rt;
        rs.seed = seed;
        rs.checkpointDir = ckptDir.toStdString();
        rs.uuid = runUuid.toStdString();
        refreshTraces();
        if (opts.resumeFrom.isEmpty()) {
            enterPhaseCosts(ctl.phase());
            // Before the run is recorded, so every run in the store has a checkpoint to resume
            // from (a kill during this write leaves neither), and rollback has a good state to go
            // back to before the first periodic checkpoint.
            writeCheckpoint("start");
        }
        sink.runStarted(rs);
        if (!opts.resumeFrom.isEmpty()) resume();
        refreshTraces();
        startStep = step;
        emitEvent("start", {{"phase", toString(ctl.phase())}, {"total_steps", qint64(totalSteps)},
                            {"steps_per_epoch", qint64(stepsPerEpoch)}, {"torch_device", deviceName},
                            {"train_samples", qint64(trainX.size(0))}, {"validation", carve.toJson(timeUnit)},
                            {"lr_schedule", sched.kind}, {"target", residualFeature >= 0 ? "residual" : "absolute"},
                            {"parameters", qint64(countParameters((theta ? theta : thetaP)->module()))},
                            {"monitored_layers", [&] { QJsonArray a; for (auto& l : wcheck->layers()) a.append(QString::fromStdString(l)); return a; }()}});

        const int64_t n = trainX.size(0);
        auto next = Clock::now();
        lastFlush = Clock::now();
        while (step < totalSteps) {
            if (batchInEpoch >= stepsPerEpoch) {
                validate();  // per epoch (a no-op when this step was validated already)
                ++epoch;
                batchInEpoch = 0;
            }
            if (epoch >= epochs) break;
            // Data order: a permutation per epoch from (seed, epoch), so resuming needs only the position.
            auto gen = at::make_generator<at::CPUGeneratorImpl>(uint64_t(seed) * 1000003ULL + uint64_t(epoch));
            const torch::Tensor perm = torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kLong)).to(device);
            if (!sched.perStep()) {
                const double newLr = lrAt(epoch);
                if (newLr != lr || (batchInEpoch == 0 && step == 0)) {
                    if (newLr != lr) emitEvent("lr", {{"from", lr}, {"to", newLr}, {"epoch", epoch + 1}});
                    lr = newLr;
                    metric("lr", lr);
                }
            }
            for (; batchInEpoch < stepsPerEpoch && step < totalSteps; ++batchInEpoch) {
                while (self.paused_.load() && !self.stop_.load()) QThread::msleep(50);
                if (sched.perStep()) {
                    // Warm-up and cosine change the rate every step: a metric when it moved by 1 %, no events.
                    lr = lrAt(epoch);
                    if (!(std::abs(lr - lrLogged) <= 0.01 * std::abs(lrLogged))) {
                        metric("lr", lr);
                        lrLogged = lr;
                    }
                }
                const auto ts = Clock::now();
                const int64_t b0 = batchInEpoch * batchSize, b1 = std::min(n, b0 + batchSize);
                const torch::Tensor idx = perm.slice(0, b0, b1);
                const torch::Tensor x = trainX.index_select(0, idx), y = trainY.index_select(0, idx);
                ++step;
                const Phase ph = ctl.phase();
                double lf = NAN, ll = NAN;
                QString why;
                const char* which = "full";
                StepResult r;
                if (ph != Phase::Lora) {
                    r = trainStep(*theta, *optTheta, x, y);
                    lf = r.loss;
                    why = divergence(r);
                }
                if (why.isEmpty() && ph != Phase::Full) {
                    r = trainStep(*thetaP, *optP, x, y);
                    ll = r.loss;
                    why = divergence(r);
                    which = "LoRA";
                }
                if (!why.isEmpty()) {
                    onDivergence(which, why, r);  // throws unless it rolled back
                    break;                        // rolled back: continue from the checkpoint's position
                }
                lastLoss = ph == Phase::Lora ? ll : lf;
                if (ph != Phase::Lora) metric("loss.full", lf);
                if (ph != Phase::Full) metric("loss.lora", ll);
                metric("step_ms", std::chrono::duration<double, std::milli>(Clock::now() - ts).count());
                faultPoint(fault::kStep);
                addCosts(ph);
                if (idProbe->enabled()) {
                    idProbe->afterStep(step, ph == Phase::Lora ? *thetaP : *theta);
                    for (auto& m : idProbe->poll(wall())) pending.push_back(std::move(m));
                }
                const int64_t stepNow = step;
                ++batchInEpoch;  // position after this batch, so a checkpoint here resumes at the next one
                afterStep(lf, ll);
                if (ckptEvery > 0 && stepNow % ckptEvery == 0) writeCheckpoint("every");
                --batchInEpoch;
                if (Clock::now() - lastFlush > std::chrono::milliseconds(250) || stepNow == startStep + 1) {
                    sampleDevices();
                    flush();
                    emitProgress();
                }
                if (auto f = sink.failure()) {
                    ++batchInEpoch;
                    stopForSink(*f);
                }
                if (self.stop_.load()) {
                    ++batchInEpoch;
                    writeCheckpoint("stop");
                    return RunStatus::Stopped;
                }
            }
            (void)next;
        }
        if (batchInEpoch >= stepsPerEpoch || step >= totalSteps) validate();  // the last (possibly partial) epoch
        idProbe->finish();
        for (auto& m : idProbe->poll(wall())) pending.push_back(std::move(m));
        sampleDevices();
        writeCheckpoint("end");
        emitProgress();
        return RunStatus::Finished;
    }
};

Trainer::Trainer(const PluginHost& host, const QJsonObject& resolvedConfig, RunSink& sink, const TrainerOptions& options)
    : impl_(std::make_unique<Impl>(*this, host, resolvedConfig, sink, options)) {
    impl_->runUuid = options.runUuid;
    if (!options.resumeFrom.isEmpty()) {
        // The stored configuration wins, except for how long to train.
        const CheckpointData ck = Checkpoint::read(options.resumeFrom);
        impl_->resumeState = ck.state;
        impl_->resumeFile = ck.file;
        // A resumed run keeps its identity: the uuid the caller knows it by, else the checkpoint's.
        if (impl_->runUuid.isEmpty()) impl_->runUuid = ck.state.value("run_uuid").toString();
        QJsonObject stored = ck.state.value("config").toObject();
        checkCheckpointConfig(stored, ck.file);
        QJsonObject t = stored.value("training").toObject();
        const QJsonObject given = resolvedConfig.value("training").toObject();
        for (const char* k : {"max_steps", "epochs"})
            if (given.contains(k)) t.insert(k, given.value(k));
        stored.insert("training", t);
        impl_->config = stored;
        impl_->ctl = PhaseController(SwitchingOptions::fromJson(stored.value("switching").toObject()));
        // The plateau check continues with the checkpoint's τ_loss and rule, like the controller.
        impl_->plateau = Impl::plateauFrom(stored);
        if (options.checkpointDir.isEmpty()) impl_->opts.checkpointDir = options.resumeFrom;
    }
    if (impl_->runUuid.isEmpty()) impl_->runUuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
}

Trainer::~Trainer() = default;

void Trainer::pause(bool p) { paused_.store(p); }
void Trainer::stop() { stop_.store(true); }
QString Trainer::checkpointDir() const { return impl_->ckptDir; }
QString Trainer::runUuid() const { return impl_->runUuid; }

QJsonObject Trainer::checkpointConfig(const QString& dir) {
    const CheckpointData ck = Checkpoint::read(dir);
    const QJsonObject c = ck.state.value("config").toObject();
    checkCheckpointConfig(c, ck.file);
    return c;
}

RunStatus Trainer::run() {
    auto& d = *impl_;
    // The writer lock is held while this run writes, and released as soon as it ends (a resume
    // in the same process, e.g. the GUI's, may then take it).
    struct ReleaseLock {
        Impl& d;
        ~ReleaseLock() { d.lock.reset(); }
    } release{d};
    RunStatus status = RunStatus::Failed;
    try {
        d.t0 = Clock::now();
        try {
            d.setup();
        } catch (const SetupStopped&) {
            final_ = QJsonObject{{"status", "interrupted"}, {"steps", 0}, {"stopped_during", "setup"}};
            return RunStatus::Interrupted;
        }
        status = d.loop();
        d.flush();
        final_ = d.finalJson(toString(status));
        // Stopped during the final evaluation: the end checkpoint is written, a resume evaluates.
        if (status == RunStatus::Finished && final_.value("test").toObject().contains("skipped")) {
            status = RunStatus::Stopped;
            final_.insert("status", toString(status));
        }
        d.sink.runFinished(status, final_);
        return status;
    } catch (const Error& e) {
        error_ = e;
    } catch (const c10::Error& e) {
        error_ = Error(ErrorKind::Internal, "", std::string("LibTorch: ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
        error_ = Error(ErrorKind::Internal, "", e.what());
    }
    const char* kinds[] = {"config", "data", "plugin", "diverged", "store", "internal"};
    try {
        d.emitEvent("error", {{"message", error_->what()}, {"kind", kinds[int(error_->kind())]},
                              {"where", QString::fromStdString(error_->where())}});
        d.flush();
    } catch (...) {
    }
    final_ = QJsonObject{{"status", "failed"}, {"error", error_->what()}, {"error_kind", kinds[int(error_->kind())]},
                         {"where", QString::fromStdString(error_->where())}, {"steps", qint64(d.step)},
                         {"phase", toString(d.ctl.phase())}, {"checkpoint_dir", d.ckptDir}};
    d.sink.runFinished(RunStatus::Failed, final_);
    return RunStatus::Failed;
}

}  // namespace hpt
