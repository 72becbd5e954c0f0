#pragma once
// A checkpoint is validated, not trusted. The SHA-256 only proves the bytes are
// the ones written; a file crafted with a recomputed digest (or written by a
// different run) can still describe a state this run cannot be in. These checks
// run after the checksum and before anything is restored, and turn such a file
// into a data error (exit 3) naming the file and the field, never a crash.
#include <torch/torch.h>

#include <QJsonObject>
#include <QString>
#include <cstdint>
#include <string>

namespace hpt {

// Bounds a checkpoint state is checked against: the data-order geometry of the run.
struct CheckpointBounds {
    int64_t stepsPerEpoch = 0;  // batches per epoch of this run's training split
    int64_t epochs = 0;         // the most epochs the run may train (stored or given, the larger)
};

// Structure of the JSON state: format, step/epoch/position bounds, switch and dual steps
// not after the step, a known phase whose models are present (FULL/DUAL need Θ, DUAL/LORA
// need Θ′), a positive LoRA rank with Θ′, finite positive learning rate. Throws
// hpt::Error (Data) at `file` naming the field. stepsPerEpoch = 0 skips the position bounds
// (a reader that does not know the data yet).
void checkCheckpointState(const QJsonObject& state, const QString& file, const CheckpointBounds& bounds);

// The configuration inside a checkpoint: an object with model, dataset and training objects.
void checkCheckpointConfig(const QJsonObject& config, const QString& file);

// Reads `name` from the archive into `into`'s shape: a missing tensor, or one whose shape
// differs from the model's parameter, is a data error naming the tensor and both shapes.
void readTensorLike(torch::serialize::InputArchive& a, const std::string& name, const torch::Tensor& like,
                    torch::Tensor& out, const QString& file, bool buffer = false);

}  // namespace hpt
