#include "engine/TrainerCheckpoint.h"

#include "engine/Checkpoint.h"
#include "engine/CheckpointCheck.h"
#include "engine/Optimizer.h"
#include "util/Log.h"

#include <hpt/Error.h>

#include <ATen/CPUGeneratorImpl.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <spdlog/spdlog.h>
#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace hpt {

QString configSha256(const QJsonObject& config) {
    return QString::fromLatin1(
        QCryptographicHash::hash(QJsonDocument(config).toJson(QJsonDocument::Compact), QCryptographicHash::Sha256).toHex());
}

void checkCheckpointOwner(const QJsonObject& state, const QString& runUuid, const QString& file) {
    const QString owner = state.value("run_uuid").toString();
    if (owner.isEmpty() || runUuid.isEmpty() || owner == runUuid) return;
    throw configError(file.toStdString(),
                      QString("this checkpoint belongs to run %1 ('%2', step %3), not to run %4 being resumed; a run "
                              "continues only from its own checkpoints. Resume run %1 with its own id, or resume run "
                              "%4 from the folder it recorded")
                          .arg(owner, state.value("config").toObject().value("name").toString("?"))
                          .arg(state.value("step").toInteger(-1))
                          .arg(runUuid)
                          .toStdString());
}

std::unique_ptr<RunLock> claimCheckpointFolder(const QString& dir, const QString& runUuid, bool resuming,
                                               const QJsonObject& resumeState) {
    QString tookOver;
    auto lock = RunLock::acquire(dir, runUuid, &tookOver);
    if (!tookOver.isEmpty()) logger()->warn("{}", tookOver.toStdString());
    if (resuming) {
        checkCheckpointOwner(resumeState, runUuid, dir);
        return lock;
    }
    // Two runs never share a folder: a second run would overwrite the first one's checkpoints
    // (and a later resume of the first would continue from the second's state).
    for (const char* name : {Checkpoint::kFile, Checkpoint::kNew, Checkpoint::kPrevious}) {
        const QString f = QDir(dir).filePath(name);
        if (!QFileInfo::exists(f) || !Checkpoint::verify(f).isEmpty()) continue;
        QString owner = "another run";
        try {
            const QJsonObject s = Checkpoint::read(dir).state;
            owner = QString("run %1 ('%2', step %3)")
                        .arg(s.value("run_uuid").toString("of an earlier version"),
                             s.value("config").toObject().value("name").toString("?"))
                        .arg(s.value("step").toInteger(-1));
        } catch (const std::exception&) {
        }
        throw configError(dir.toStdString(),
                          QString("this checkpoint folder already holds the checkpoints of %1; two runs never share "
                                  "a folder. Give this run its own (--set checkpoint.dir=DIR, or leave checkpoint.dir "
                                  "empty for a folder per run beside the store), or continue that run with --resume")
                              .arg(owner)
                              .toStdString());
    }
    return lock;
}

void requireWritableFolder(const QString& dir) {
    if (!QDir().mkpath(dir))
        throw Error(ErrorKind::Store, dir.toStdString(),
                    "cannot create the checkpoint folder; make its parent writable or set checkpoint.dir "
                    "(--set checkpoint.dir=DIR) to a writable folder");
    if (::access(QFile::encodeName(dir).constData(), W_OK | X_OK) != 0)
        throw Error(ErrorKind::Store, dir.toStdString(),
                    QString("the checkpoint folder is not writable (%1); make it writable (chmod u+w) or set "
                            "checkpoint.dir (--set checkpoint.dir=DIR) to a writable folder")
                        .arg(QString::fromLocal8Bit(std::strerror(errno)))
                        .toStdString());
}

void saveModel(torch::serialize::OutputArchive& a, torch::nn::Module& model, const FlatAdam& opt, const std::string& prefix) {
    for (const auto& p : model.named_parameters(true)) a.write(prefix + "." + p.key(), p.value().detach().cpu());
    for (const auto& b : model.named_buffers(true)) a.write(prefix + "." + b.key(), b.value().cpu(), true);
    opt.save(a, "opt_" + prefix);
}

void loadModel(torch::serialize::InputArchive& a, torch::nn::Module& model, FlatAdam& opt, const std::string& prefix,
               const QString& file) {
    torch::NoGradGuard ng;
    for (auto& p : model.named_parameters(true)) {
        torch::Tensor t;
        readTensorLike(a, prefix + "." + p.key(), p.value(), t, file);
        p.value().copy_(t);
    }
    for (auto& b : model.named_buffers(true)) {
        torch::Tensor t;
        readTensorLike(a, prefix + "." + b.key(), b.value(), t, file, true);
        b.value().copy_(t);
    }
    opt.load(a, "opt_" + prefix);
}

void saveCpuRng(torch::serialize::OutputArchive& a) {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    a.write("rng.cpu", gen.get_state());
}

void loadCpuRng(torch::serialize::InputArchive& a) {
    torch::Tensor rng;
    a.read("rng.cpu", rng);
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng);
}

}  // namespace hpt
