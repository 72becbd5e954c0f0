#pragma once
// Checkpoint files: everything needed to continue a run bit-identically
// (Θ, Θ′, both optimizers' state, phase state, check histories, RNG state,
// data-order position). Format (resources/docs/engine.md):
//   "HPTCKPT1\n" | u64 LE n_json | JSON state | u64 LE n_tensors | torch archive | SHA-256 of all before
// Written atomically (temp file, fsync, rename); the previous checkpoint is
// kept as checkpoint.prev.hpt. A file whose checksum fails is reported and the
// previous one is used.
#include <torch/torch.h>

#include <QJsonObject>
#include <QString>
#include <functional>

namespace hpt {

struct CheckpointData {
    QJsonObject state;
    torch::serialize::InputArchive tensors;
    QString file;       // the file actually read
    QString rejected;   // non-empty when the newest file was corrupt: why, and that the previous was used
};

class Checkpoint {
public:
    static constexpr const char* kFile = "checkpoint.hpt";
    static constexpr const char* kPrevious = "checkpoint.prev.hpt";

    // Writes dir/checkpoint.hpt atomically, keeping the old one as the previous.
    // Throws hpt::Error (Store) on I/O failure.
    static void write(const QString& dir, const QJsonObject& state,
                      const std::function<void(torch::serialize::OutputArchive&)>& fillTensors);
    // Reads the newest valid checkpoint. Throws hpt::Error (Data) naming both
    // files when neither is valid.
    static CheckpointData read(const QString& dir);
    // Checks one file; returns "" when valid, else the reason.
    static QString verify(const QString& file);
};

}  // namespace hpt
