#pragma once
// Checkpoint files: everything needed to continue a run bit-identically
// (Θ, Θ′, both optimizers' state, phase state, check histories, RNG state,
// data-order position). Format (resources/docs/engine.md):
//   "HPTCKPT1\n" | u64 LE n_json | JSON state | u64 LE n_tensors | torch archive | SHA-256 of all before
// Written atomically (temp file, fsync, rename); the previous checkpoint is
// kept as checkpoint.prev.hpt. read() takes the newest valid file (by step) of
// checkpoint.hpt, checkpoint.new.hpt (left by a crash between the renames) and
// checkpoint.prev.hpt; each file that fails verification is reported.
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
    static constexpr const char* kNew = "checkpoint.new.hpt";  // complete, not yet renamed into place

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
