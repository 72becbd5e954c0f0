// Feeds: raw bytes as dir/checkpoint.hpt to the checkpoint reader
// (core/engine/Checkpoint.cpp). The file ends in a SHA-256 of everything
// before it, which random bytes never match; so for inputs of even length the
// target appends the correct digest, letting the fuzzer past the checksum into
// the section lengths, the JSON state and the torch tensor archive.
// Checks: only hpt::Error escapes (Checkpoint::read) and verify() never throws;
// a file verify() rejects is never read (there is no previous checkpoint to
// fall back to); a file read() accepts is reported as the file read.
// The JSON state of every file that verifies also goes through the structural
// checks a resume applies after the checksum (engine/CheckpointCheck.h: phase vs
// models present, step bounds, ...), which may only throw hpt::Error. The
// crafted_* seeds are such states (issue 23: has_theta false, LORA without Θ′,
// negative and 10^12 steps, an unknown phase, a config without sections).
#include "FuzzSupport.h"

#include "engine/Checkpoint.h"
#include "engine/CheckpointCheck.h"

#include <QJsonDocument>

#include <QCryptographicHash>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    hpt::fuzz::clearScratch();
    QByteArray b(reinterpret_cast<const char*>(data), qsizetype(size));
    if (size % 2 == 0) b.append(QCryptographicHash::hash(b, QCryptographicHash::Sha256));
    const QString dir = hpt::fuzz::scratchDir() + "/ckpt";
    const QString file = hpt::fuzz::writeScratch("ckpt/checkpoint.hpt", b);
    const QString why = hpt::Checkpoint::verify(file);
    const bool ok = hpt::fuzz::succeeds([&] {
        const hpt::CheckpointData d = hpt::Checkpoint::read(dir);
        HPT_FUZZ_CHECK(d.file == file && d.rejected.isEmpty());
    });
    if (!why.isEmpty()) HPT_FUZZ_CHECK(!ok);
    if (why.isEmpty() && b.size() >= 17) {
        // The state section: "HPTCKPT1\n" | u64 LE length | JSON (verify() checked the lengths).
        quint64 n = 0;
        for (int i = 0; i < 8; ++i) n |= quint64(quint8(b[9 + i])) << (8 * i);
        const QJsonObject state = QJsonDocument::fromJson(b.mid(17, qsizetype(n))).object();
        hpt::fuzz::succeeds([&] { hpt::checkCheckpointState(state, file, {}); });
        hpt::fuzz::succeeds([&] { hpt::checkCheckpointState(state, file, {4, 3}); });
        hpt::fuzz::succeeds([&] { hpt::checkCheckpointConfig(state.value("config").toObject(), file); });
    }
    return 0;
}
