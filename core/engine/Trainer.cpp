#include "engine/Trainer.h"

#include "config/Experiment.h"
#include "cost/RunCosts.h"
#include "engine/Checkpoint.h"
#include "engine/CheckpointCheck.h"
#include "engine/Divergence.h"
#include "engine/RunLock.h"
#include "engine/TrainerCheckpoint.h"
#include "engine/TrainerSetup.h"
#include "engine/Evaluation.h"
#include "engine/IdProbe.h"
#include "engine/LrSchedule.h"
#include "engine/Optimizer.h"
#include "engine/RunOptions.h"
#include "engine/SwitchingRule.h"
#include "engine/ValidationSplit.h"
#include "id/AutoRank.h"
#include "lora/AdapterInjector.h"
#include "plugin/PluginHost.h"
#include "util/FaultPoint.h"
#include "util/RuntimeInfo.h"

#include <hpt/SampleTimes.h>

#include <ATen/CPUGeneratorImpl.h>

#include <QDir>
#include <QJsonArray>
#include <QThread>
#include <QUuid>
#include <chrono>
#include <cmath>

namespace hpt {

namespace {
using Clock = std::chrono::steady_clock;

// An hpt::Error's sentence without its "where: " prefix, to extend it.
std::string bareMessage(const Error& e) {
    const std::string w = e.what();
    return e.where().empty() || w.size() < e.where().size() + 2 ? w : w.substr(e.where().size() + 2);
}

QJsonValue finiteOrText(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QString::number(v)); }

// Thrown by a stop point in setup; Trainer::run() turns it into RunStatus::Interrupted.
struct SetupStopped {};

}  // namespace

struct Trainer::Impl {
    Impl(Trainer& t, const PluginHost& h, const QJsonObject& c, RunSink& s, const TrainerOptions& o)
        : self(t), host(h), config(c), sink(s), opts(o), ro(RunOptions::fromResolved(c)), rule(ro.switching) {}

    Trainer& self;
    const PluginHost& host;
    QJsonObject config;
    RunSink& sink;
    TrainerOptions opts;
    RunOptions ro;  // parsed once from `config`

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

    SwitchingRule rule;  // plateau check, weight-distance check, t-test and phase
    LoraSpec lora;
    bool autoRank = false;

    int64_t seed = 42, batchSize = 1, stepsPerEpoch = 0, totalSteps = 0, ckptEvery = 0;
    int epochs = 1, epoch = 0;
    int64_t step = 0, batchInEpoch = 0, switchStep = -1, dualStep = -1;
    double lr0 = 1e-4, lr = 1e-4, lrLogged = NAN;
    Divergence div;  // the divergence policy and its rollbacks so far
    double priorWall = 0;  // wall time of earlier segments of a resumed run
    Clock::time_point t0;
    RunCosts costs;  // device totals and modeled time (cost/RunCosts.h)
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

    std::unique_ptr<Model> createModel() { return createTrainerModel(host, config.value("model").toObject(), shape, device); }
    AdamOptions adamOptions() const { return ro.training.adam; }

    // Θ′ = copy of Θ (or a fresh model in the "lora" baseline) with adapters on the targets.
    void buildLoraCopy(Model* from) {
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
    QJsonObject lastAdapter;

    void enterPhaseCosts(Phase p) { costs.enterPhase(p, theta ? &traceTheta : nullptr, thetaP ? &traceP : nullptr); }

    void setup() {
        const TrainingOptions& t = ro.training;
        seed = t.seed;
        batchSize = t.batchSize;
        epochs = t.epochs;
        lr0 = lr = t.adam.lr;
        ckptEvery = ro.checkpoint.every;
        div = Divergence(ro.divergence);
        gradClip = t.gradClip;
        keepBest = t.keepBest;
        if (t.threads > 0) torch::set_num_threads(t.threads);

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

    // A stop request during setup (loading data, building models, matching LoRA targets) ends the
    // run before it starts: nothing is recorded, nothing needs resuming.
    void stopPoint() const {
        if (self.stop_.load()) throw SetupStopped{};
    }

    // ---- checkpoints -------------------------------------------------------
    QJsonObject stateJson() const {
        QJsonObject s{{"format", 1}, {"config", config}, {"step", qint64(step)}, {"epoch", epoch},
                {"batch_in_epoch", qint64(batchInEpoch)}, {"lr", lr}, {"switch_step", qint64(switchStep)},
                {"dual_step", qint64(dualStep)}, {"lora_rank", qint64(lora.rank)}, {"wall_s", wall()}, {"device", deviceName},
                {"has_theta", bool(theta)}, {"has_theta_prime", bool(thetaP)}, {"run_uuid", runUuid}, {"config_sha256", configSha256(config)}};
        // The switching rule's and the cost books' keys sit at the top level (format 1); device totals
        // so far make a resumed run's modeled cost cover the whole run.
        for (const QJsonObject& part : {rule.state(), costs.state(), div.state()})
            for (auto it = part.begin(); it != part.end(); ++it) s.insert(it.key(), it.value());
        return s;
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
        emitEvent("checkpoint", {{"reason", why}, {"dir", ckptDir}, {"phase", toString(rule.phase())}});
    }

    void writeCheckpointFile() {
        Checkpoint::write(ckptDir, stateJson(), [&](torch::serialize::OutputArchive& a) {
            if (theta) saveModel(a, theta->module(), *optTheta, "theta");
            if (thetaP) saveModel(a, thetaP->module(), *optP, "thetap");
            if (rule.weightSnapshot().defined()) a.write("weight_snapshot", rule.weightSnapshot().cpu());
            for (const auto& [n, w] : startTargets) a.write("start_target." + n, w);
            saveCpuRng(a);
        });
    }

    void resume() {
        const QString file = loadCheckpoint(opts.resumeFrom, false);
        emitEvent("resume", {{"from", file}, {"step", qint64(step)}, {"phase", toString(rule.phase())}});
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
            div.restore(s);
            // Device totals continue from the checkpoint (a rollback keeps its own: the steps it
            // discards were paid for).
            costs.restore(s);
        }
        step = s.value("step").toInteger();
        epoch = s.value("epoch").toInt();
        batchInEpoch = s.value("batch_in_epoch").toInteger();
        lr = s.value("lr").toDouble();
        switchStep = s.value("switch_step").toInteger(-1);
        dualStep = s.value("dual_step").toInteger(-1);
        if (!rollback) priorWall = s.value("wall_s").toDouble();
        auto& a = ck.tensors;
        torch::NoGradGuard ng;
        for (auto& [n, w] : startTargets) {
            torch::Tensor t;
            readTensorLike(a, "start_target." + n, w, t, ck.file);
            w = t;
        }
        if (s.value("has_theta").toBool()) {
            if (!theta) theta = createModel();
            if (!optTheta) optTheta = std::make_unique<FlatAdam>(theta->module(), adamOptions());
            loadModel(a, theta->module(), *optTheta, "theta", ck.file);
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
            loadModel(a, thetaP->module(), *optP, "thetap", ck.file);
        }
        torch::Tensor snap;
        try {
            a.read("weight_snapshot", snap);
        } catch (const c10::Error&) {
            snap = torch::Tensor();  // none taken yet (the "lora" baseline)
        }
        rule.restore(s, snap);
        loadCpuRng(a);
    }

    // ---- one step ----------------------------------------------------------
    // The update is skipped when the step diverged (see divergence()).
    StepResult trainStep(Model& m, FlatAdam& opt, const torch::Tensor& x, const torch::Tensor& y) {
        auto loss = torch::mse_loss(forecast(m, x, residualFeature), y);
        loss.backward();
        StepResult r;
        r.loss = loss.item<double>();
        if (div.watchesGradNorm() || gradClip > 0) r.gradNorm = opt.gradNorm();
        // Clipping (training.grad_clip) acts after the divergence check has seen the raw norm.
        if (gradClip > 0 && std::isfinite(r.gradNorm) && r.gradNorm > gradClip) opt.scaleGrad(gradClip / r.gradNorm);
        if (div.why(r).isEmpty()) opt.step(lr);
        else opt.zeroGrad();
        return r;
    }

    // The divergence policy: stop (Diverged, exit 5), or roll back to the last checkpoint with a
    // smaller learning rate. Returns normally only after a rollback.
    void onDivergence(const char* which, const QString& why, const StepResult& r) {
        emitEvent("diverged", div.divergedEvent(which, why, r, rule.phase(), ckptDir));
        if (!div.rollsBack()) throw div.stopError(which, why, step, epoch, rule.phase(), ckptDir);
        const int64_t fromStep = step;
        const double fromLr = lr;
        const QString file = loadCheckpoint(ckptDir, true);
        div.rolledBack();
        lr = sched.at(step + 1, epoch) * div.lrScale();
        refreshTraces();
        emitEvent("rollback", div.rollbackEvent(fromStep, step, file, which, why, fromLr, lr, rule.phase()));
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

    // Cumulative device totals as metrics: the live view's per-phase bars read them, so they
    // equal final.devices_per_phase however sparse the samples.
    void sampleDevices() {
        costs.sample([&](const std::string& key, double v) { metric(key, v); });
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

    // The switching rule judges the step; the trainer builds or drops models as it decides.
    void afterStep(double lossFull, double lossLora) {
        const SwitchStep sw = rule.afterStep(step, lossFull, lossLora, theta ? &theta->module() : nullptr);
        for (const auto& [type, payload] : sw.events) emitEvent(type, payload);
        switch (sw.action) {
        case SwitchAction::EnterDual:
            buildLoraCopy(theta.get());
            dualStep = step;
            onPhaseChange(Phase::Full, Phase::Dual, "plateau check and weight-distance check hold");
            break;
        case SwitchAction::EnterLora:
            theta.reset();
            optTheta.reset();
            switchStep = step;
            onPhaseChange(Phase::Dual, Phase::Lora, "t-test: no significant difference between the loss streams");
            break;
        case SwitchAction::RebuildAdapters:
            buildLoraCopy(theta.get());
            refreshTraces();
            emitEvent("adapter", {{"action", "rebuild"}, {"reason", "t-test found a significant difference"},
                                  {"adapter", lastAdapter}});
            break;
        case SwitchAction::GiveUpDual:
            thetaP.reset();
            optP.reset();
            onPhaseChange(Phase::Dual, Phase::Full, "maximum DUAL attempts reached; staying FULL",
                          {{"attempts", rule.dualAttempts()}});
            break;
        case SwitchAction::None: break;
        }
    }

    // The rate of the step after the current one (training.lr_schedule), times the rollback scale.
    double lrAt(int e) const { return sched.at(step + 1, e) * div.lrScale(); }

    // ---- validation ----------------------------------------------------------
    // The model that would be tested if the run ended now: Θ′ in LORA, else Θ.
    Model* current() const { return rule.phase() == Phase::Lora && thetaP ? thetaP.get() : theta ? theta.get() : thetaP.get(); }

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
        p.phase = toString(rule.phase());
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
        f.insert("phase", toString(rule.phase()));
        f.insert("switch_step", qint64(switchStep));
        f.insert("dual_step", qint64(dualStep));
        f.insert("dual_attempts", rule.dualAttempts());
        f.insert("wall_s", wall());
        f.insert("torch_device", deviceName);
        f.insert("checkpoint_dir", ckptDir);
        f.insert("target", ro.training.target);
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
        f.insert("devices", costs.devicesJson());
        f.insert("devices_per_phase", costs.devicesPerPhaseJson());
        if (coster) {
            f.insert("modeled_time_s", costs.modeledSeconds());
            f.insert("modeled_time_s_per_phase", costs.modeledSecondsPerPhaseJson());
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
        rs.runtime = rt;
        rs.seed = seed;
        rs.checkpointDir = ckptDir.toStdString();
        rs.uuid = runUuid.toStdString();
        refreshTraces();
        if (opts.resumeFrom.isEmpty()) {
            enterPhaseCosts(rule.phase());
            // Before the run is recorded, so every run in the store has a checkpoint to resume
            // from (a kill during this write leaves neither), and rollback has a good state to go
            // back to before the first periodic checkpoint.
            writeCheckpoint("start");
        }
        sink.runStarted(rs);
        if (!opts.resumeFrom.isEmpty()) resume();
        refreshTraces();
        startStep = step;
        emitEvent("start", {{"phase", toString(rule.phase())}, {"total_steps", qint64(totalSteps)},
                            {"steps_per_epoch", qint64(stepsPerEpoch)}, {"torch_device", deviceName},
                            {"train_samples", qint64(trainX.size(0))}, {"validation", carve.toJson(timeUnit)},
                            {"lr_schedule", sched.kind}, {"target", residualFeature >= 0 ? "residual" : "absolute"},
                            {"parameters", qint64(countParameters((theta ? theta : thetaP)->module()))},
                            {"monitored_layers", [&] { QJsonArray a; for (auto& l : rule.layers()) a.append(QString::fromStdString(l)); return a; }()}});

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
                const Phase ph = rule.phase();
                double lf = NAN, ll = NAN;
                QString why;
                const char* which = "full";
                StepResult r;
                if (ph != Phase::Lora) {
                    r = trainStep(*theta, *optTheta, x, y);
                    lf = r.loss;
                    why = div.why(r);
                }
                if (why.isEmpty() && ph != Phase::Full) {
                    r = trainStep(*thetaP, *optP, x, y);
                    ll = r.loss;
                    why = div.why(r);
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
                costs.step(ph, theta ? &traceTheta : nullptr, thetaP ? &traceP : nullptr);
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
        impl_->ro = RunOptions::fromResolved(stored);
        // The switching rule (τ_loss, plateau rule, τ_w, windows) continues with the checkpoint's options.
        impl_->rule = SwitchingRule(impl_->ro.switching);
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
                         {"phase", toString(d.rule.phase())}, {"checkpoint_dir", d.ckptDir}};
    d.sink.runFinished(RunStatus::Failed, final_);
    return RunStatus::Failed;
}

}  // namespace hpt
