#include "engine/Trainer.h"

#include "engine/CheckpointCheck.h"
#include "engine/Evaluation.h"
#include "engine/TrainerCheckpoint.h"
#include "engine/TrainerImpl.h"
#include "util/FaultPoint.h"

#include <ATen/CPUGeneratorImpl.h>

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

}  // namespace

StepResult Trainer::Impl::trainStep(Model& m, FlatAdam& opt, const torch::Tensor& x, const torch::Tensor& y) {
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

void Trainer::Impl::onDivergence(const char* which, const QString& why, const StepResult& r) {
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

void Trainer::Impl::stopForSink(const Error& f) {
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

void Trainer::Impl::onPhaseChange(Phase from, Phase to, const char* why, QJsonObject extra) {
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

void Trainer::Impl::afterStep(double lossFull, double lossLora) {
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

void Trainer::Impl::validate() {
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

Model* Trainer::Impl::bestModel() {
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

RunStatus Trainer::Impl::loop() {
    refreshTraces();
    if (opts.resumeFrom.isEmpty()) {
        enterPhaseCosts(rule.phase());
        // Before the run is recorded, so every run in the store has a checkpoint to resume
        // from (a kill during this write leaves neither), and rollback has a good state to go
        // back to before the first periodic checkpoint.
        writeCheckpoint("start");
    }
    sink.runStarted(runStart());
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
