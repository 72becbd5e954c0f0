#pragma once
// A run owns its checkpoint folder (resources/docs/reliability.md):
//  - every checkpoint records the run's uuid and the SHA-256 of its resolved configuration;
//  - the training process holds the folder's writer lock (engine/RunLock.h) for the whole run;
//  - a new run refuses a folder that already holds another run's checkpoint;
//  - a resume refuses a checkpoint written by another run, naming both.
#include "engine/RunLock.h"

#include <torch/torch.h>

#include <QJsonObject>
#include <QString>
#include <memory>

namespace hpt {

// SHA-256 (hex) of the compact JSON of a resolved configuration: the same digest the store
// keeps as config_sha256, so a checkpoint and a stored run can be matched.
QString configSha256(const QJsonObject& config);

// Takes the writer lock of `dir` for run `runUuid` and checks the folder is this run's:
// a fresh run (resuming = false) is refused when the folder already holds a valid checkpoint;
// a resume checks `resumeState` belongs to this run. Throws hpt::Error (Config) naming the
// folder, the other run and the fix. Logs (warn) when a dead writer's stale lock is taken over.
std::unique_ptr<RunLock> claimCheckpointFolder(const QString& dir, const QString& runUuid, bool resuming,
                                               const QJsonObject& resumeState);

// Refuses a checkpoint state whose run_uuid is another run's (older checkpoints without one pass).
void checkCheckpointOwner(const QJsonObject& state, const QString& runUuid, const QString& file);

// The checkpoint folder must take files before hours of training depend on it: creates it and
// checks it is writable. Throws hpt::Error (Store) naming the folder and the fix.
void requireWritableFolder(const QString& dir);

class FlatAdam;

// One model and its optimizer in a checkpoint's tensors, the same way for Θ (prefix "theta")
// and Θ′ ("thetap"): "<prefix>.<parameter or buffer name>" and the optimizer under "opt_<prefix>".
void saveModel(torch::serialize::OutputArchive& a, torch::nn::Module& model, const FlatAdam& opt, const std::string& prefix);
// Inverse of saveModel into a model of the same layout; a missing or misshapen tensor is a data
// error naming it and `file`.
void loadModel(torch::serialize::InputArchive& a, torch::nn::Module& model, FlatAdam& opt, const std::string& prefix,
               const QString& file);

// The default CPU generator's state (dropout, initialisation), for bit-identical resumes.
void saveCpuRng(torch::serialize::OutputArchive& a);
void loadCpuRng(torch::serialize::InputArchive& a);

}  // namespace hpt
