#pragma once
// The trainer's state and steps, shared by the files that implement it (private to
// core/engine; not an API):
//   Trainer.cpp            the training loop: steps, the switching rule's actions, divergence
//   TrainerSetup.cpp       setup before step 1, building Θ′
//   TrainerCheckpoint.cpp  writing and restoring checkpoints
//   TrainerReport.cpp      what the run reports: its start record, progress, final result
#include "cost/RunCosts.h"
#include "engine/Checkpoint.h"
#include "engine/Divergence.h"
#include "engine/IdProbe.h"
#include "engine/LrSchedule.h"
#include "engine/Optimizer.h"
#include "engine/RunLock.h"
#include "engine/RunOptions.h"
#include "engine/SwitchingRule.h"
#include "engine/Trainer.h"
#include "engine/TrainerSetup.h"
#include "engine/ValidationSplit.h"
#include "lora/AdapterInjector.h"
#include "util/Threads.h"

#include <hpt/Dataset.h>
#include <hpt/Model.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hpt {

// Thrown by a stop point in setup; Trainer::run() turns it into RunStatus::Interrupted.
struct SetupStopped {};

struct Trainer::Impl {
    using Clock = std::chrono::steady_clock;

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
    // training.keep_best: the weights with the lowest validation loss so far (kept in checkpoints too).
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

    // Set from RunOptions in setup().
    int64_t seed = 0, batchSize = 1, stepsPerEpoch = 0, totalSteps = 0, ckptEvery = 0;
    int epochs = 1, epoch = 0;
    int64_t step = 0, batchInEpoch = 0, switchStep = -1, dualStep = -1;
    double lr0 = 0, lr = 0, lrLogged = NAN;
    Divergence div;  // the divergence policy and its rollbacks so far
    ThreadCounts threadCounts;  // torch intra-op and BLAS threads of this run (util/Threads)
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
    void buildLoraCopy(Model* from);
    QJsonObject lastAdapter;

    void enterPhaseCosts(Phase p) { costs.enterPhase(p, theta ? &traceTheta : nullptr, thetaP ? &traceP : nullptr); }

    void setup();  // TrainerSetup.cpp

    // A stop request during setup (loading data, building models, matching LoRA targets) ends the
    // run before it starts: nothing is recorded, nothing needs resuming.
    void stopPoint() const {
        if (self.stop_.load()) throw SetupStopped{};
    }

    // ---- checkpoints (TrainerCheckpoint.cpp) ----------------------------------
    QJsonObject stateJson() const;
    void writeCheckpoint(const char* why);
    void writeCheckpointFile();
    void resume();

    // Restores everything a checkpoint holds. rollback: the same run goes back to its last good
    // state, so the models are rebuilt from scratch (no stale gradients or optimizer buffers),
    // and wall time, the rollback count and the learning-rate scale keep their current values.
    // Returns the file read.
    QString loadCheckpoint(const QString& dir, bool rollback);

    void restoreCheckpoint(const QJsonObject& s, CheckpointData& ck, bool rollback);

    // ---- one step ----------------------------------------------------------
    // The update is skipped when the step diverged (Divergence::why).
    StepResult trainStep(Model& m, FlatAdam& opt, const torch::Tensor& x, const torch::Tensor& y);

    // The divergence policy: stop (Diverged, exit 5), or roll back to the last checkpoint with a
    // smaller learning rate. Returns normally only after a rollback.
    void onDivergence(const char* which, const QString& why, const StepResult& r);

    // The run store (or another sink) can no longer record: stop with its error after saving
    // what can be saved, so nothing is trained that is not recorded.
    [[noreturn]] void stopForSink(const Error& f);

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

    void onPhaseChange(Phase from, Phase to, const char* why, QJsonObject extra = {});

    // The switching rule judges the step; the trainer builds or drops models as it decides.
    void afterStep(double lossFull, double lossLora);

    // The rate of the step after the current one (training.lr_schedule), times the rollback scale.
    double lrAt(int e) const { return sched.at(step + 1, e) * div.lrScale(); }

    // ---- validation ----------------------------------------------------------
    // The model that would be tested if the run ended now: Θ′ in LORA, else Θ.
    Model* current() const { return rule.phase() == Phase::Lora && thetaP ? thetaP.get() : theta ? theta.get() : thetaP.get(); }

    // Validation loss (normalised MSE, as the training loss) of the current model, as the
    // metric "val_loss"; with keep_best, the best weights so far are kept in memory.
    void validate();

    // keep_best: the model to test carries the best validation weights. Θ′ weights go back into
    // Θ′ (LORA is final, so Θ′ still has their layout); Θ weights into Θ, rebuilt if the run
    // has dropped it by switching to LORA since.
    Model* bestModel();
    void restoreBestWeights(const QJsonObject& best, torch::serialize::InputArchive& a);

    // ---- reports (TrainerReport.cpp) -------------------------------------------
    void emitProgress();
    int64_t startStep = 0;
    QJsonObject finalJson(const char* status);

    // What the run store records when the run starts: plugins, dataset, runtime, identity.
    RunStart runStart() const;

    RunStatus loop();
};

}  // namespace hpt
