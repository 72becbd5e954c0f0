#pragma once
// The options of one run, typed and parsed once from the resolved experiment
// (resources/docs/experiment.md): the trainer, `hpt bench` (StepBenchmark) and
// `hpt cost` read this struct instead of the JSON. A key missing from the
// configuration (a checkpoint written before the key existed) takes the built-in
// default of config/Experiment.cpp; no default is written a second time here.
#include "engine/LrSchedule.h"
#include "engine/Optimizer.h"
#include "id/IdWorker.h"
#include "lora/AdapterInjector.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <cstdint>

namespace hpt {

struct TrainingOptions {
    int64_t seed = 0, batchSize = 1, maxSteps = 0, validationGap = 0;
    int epochs = 1, threads = 0;
    double validationFraction = 0, gradClip = 0;
    QString torchDevice, target;  // target: "absolute" or "residual"
    bool keepBest = false;
    AdamOptions adam;             // lr, betas, eps, weight decay, AdamW or Adam
    LrSchedule schedule;          // totalSteps is set by the trainer once the data is known
};

// The switching rule's thresholds (engine/SwitchingRule.h). The member defaults equal the
// built-in ones (a test keeps them so) for code that builds options by hand.
struct SwitchingOptions {
    QString mode = "hybrid";  // "hybrid", or the paper's baselines "full" / "lora"
    int64_t checkEvery = 365, ttestWindow = 365, minSteps = 0, maxDualAttempts = 0;
    double tauLoss = 0.1, tauW = 0.01, alpha = 0.01;
    bool welch = false;
    QString plateauRule = "within_noise";  // or "nonnegative", "literal" (the reference's)
    double plateauSe = 2.0;                // k of "within_noise": standard errors a rise must exceed
    QStringList monitoredLayers;          // [] → the model's last attention layer; ["all"] → all
    // The "switching" block; missing keys take the built-in defaults.
    static SwitchingOptions fromJson(const QJsonObject& switching);
};

struct LoraOptions {
    LoraSpec spec;          // rank 0 when autoRank
    bool autoRank = false;  // lora.rank = "auto": chosen from Θ's updates at the switch
    QJsonObject autoRule;   // lora.auto (id/AutoRank.h)
};

// Member defaults equal the built-in ones (tested), as SwitchingOptions'.
struct DivergenceOptions {
    QString policy = "stop";     // or "rollback"
    double maxGradNorm = 10000;  // 0 = off
    double lrFactor = 0.5;
    int maxRollbacks = 3;
};

struct CheckpointOptions {
    int64_t every = 0;  // steps between periodic checkpoints; 0 = only start/phase/stop/end
    QString dir;
};

struct RunOptions {
    TrainingOptions training;
    SwitchingOptions switching;
    LoraOptions lora;
    DivergenceOptions divergence;
    CheckpointOptions checkpoint;
    IdSettings id;

    // Throws hpt::Error (Config) for a bad id block (IdSettings::fromJson).
    static RunOptions fromResolved(const QJsonObject& config);
};

// A section of `config` with every built-in key it lacks filled in (nested objects merged).
QJsonObject sectionWithDefaults(const QJsonObject& config, const QString& section);

}  // namespace hpt
