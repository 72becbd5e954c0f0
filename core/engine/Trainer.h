#pragma once
// The HpT training engine: FULL → (plateau check ∧ weight-distance check) →
// DUAL (Θ and its LoRA copy Θ′ on the same batches) → (t-test: no significant
// difference) → LORA, then evaluation on the test split. Algorithm and
// checkpoint format: resources/docs/engine.md.
//
// Threading: construct anywhere (cheap, no I/O); call run() on a worker thread.
// pause()/stop() are thread-safe. Everything is reported through the RunSink
// from the worker thread.
#include "engine/RunSink.h"

#include <hpt/Error.h>

#include <QJsonObject>
#include <QString>
#include <atomic>
#include <memory>
#include <optional>

namespace hpt {

class PluginHost;

struct TrainerOptions {
    // Where checkpoints go; "" → config checkpoint.dir, else a fresh folder
    // under the system temp dir (reported in RunStart::checkpointDir).
    QString checkpointDir;
    // Resume from the newest valid checkpoint in this folder (bit-identical
    // continuation); the configuration stored in the checkpoint is used and
    // must match the one passed in except for training.max_steps/epochs.
    QString resumeFrom;
    // Overrides config training.torch_device when non-empty ("auto", "cpu", "cuda").
    QString torchDevice;
    QString runName;  // "" → config "name"
    // The run's uuid, recorded in the store and in every checkpoint ("" → a new one, or the
    // checkpoint's when resuming). A resume refuses a checkpoint of another uuid.
    QString runUuid;
};

class Trainer {
public:
    Trainer(const PluginHost& host, const QJsonObject& resolvedConfig, RunSink& sink,
            const TrainerOptions& options = {});
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Blocking. Returns Finished, Stopped (after stop(): current step finished,
    // checkpoint written) or Failed (error() says why; the sink got an "error"
    // event and runFinished(Failed, {"error": .., "error_kind": .., "where": ..})).
    // A NaN/Inf loss fails with ErrorKind::Diverged naming step and phase; the
    // last good checkpoint is kept.
    RunStatus run();

    void pause(bool paused);  // thread-safe; blocks the worker between steps
    void stop();              // thread-safe
    bool isPaused() const { return paused_.load(); }

    QString checkpointDir() const;
    QString runUuid() const;
    // The error behind a Failed run (kind maps to batch exit codes).
    const std::optional<Error>& error() const { return error_; }
    // The final JSON passed to runFinished (empty before the run ends).
    const QJsonObject& finalResult() const { return final_; }

    // The resolved configuration stored in a checkpoint folder (for resuming
    // without the original file). Throws hpt::Error (Data) when none is valid.
    static QJsonObject checkpointConfig(const QString& checkpointDir);

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
    std::atomic<bool> paused_{false}, stop_{false};
    std::optional<Error> error_;
    QJsonObject final_;
};

}  // namespace hpt
