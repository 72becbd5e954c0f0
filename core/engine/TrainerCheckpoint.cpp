#include "engine/TrainerCheckpoint.h"

#include "engine/Checkpoint.h"
#include "engine/CheckpointCheck.h"
#include "engine/Optimizer.h"
#include "engine/TrainerImpl.h"
#include "util/Log.h"

#include <hpt/Error.h>

#include <ATen/CPUGeneratorImpl.h>

#include <QCryptographicHash>
#include <QJsonArray>
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

// ---- the trainer's checkpoints ---------------------------------------------

QJsonObject Trainer::Impl::stateJson() const {
    QJsonObject s{{"format", 1}, {"config", config}, {"step", qint64(step)}, {"epoch", epoch},
            {"batch_in_epoch", qint64(batchInEpoch)}, {"lr", lr}, {"switch_step", qint64(switchStep)},
            {"dual_step", qint64(dualStep)}, {"lora_rank", qint64(lora.rank)}, {"wall_s", wall()}, {"device", deviceName},
            {"has_theta", bool(theta)}, {"has_theta_prime", bool(thetaP)}, {"run_uuid", runUuid}, {"config_sha256", configSha256(config)}};
    // The switching rule's and the cost books' keys sit at the top level (format 1); device totals
    // so far make a resumed run's modeled cost cover the whole run.
    for (const QJsonObject& part : {rule.state(), costs.state(), div.state()})
        for (auto it = part.begin(); it != part.end(); ++it) s.insert(it.key(), it.value());
    // keep_best: the best validation weights so far travel with the checkpoint (tensors "best.<name>"),
    // so a resumed run tests the same weights an uninterrupted one would.
    if (keepBest && !bestWeights.empty()) {
        QJsonArray names;
        for (const auto& [name, w] : bestWeights) names.append(QString::fromStdString(name));
        s.insert("best", QJsonObject{{"val_loss", bestVal}, {"step", qint64(bestStep)}, {"theta_prime", bestIsThetaP},
                                     {"names", names}});
    }
    return s;
}

void Trainer::Impl::writeCheckpoint(const char* why) {
    flush();
    sink.sync();
    try {
        writeCheckpointFile();
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Store) throw;
        // Checkpoint::write leaves no partial file under a real name: the old checkpoint stays valid.
        throw Error(ErrorKind::Store, ckptDir.toStdString(),
                    QString("writing the checkpoint of step %1 failed (%2). Nothing half-written was kept; the "
                            "checkpoint before it, if any, is intact. Free space or make the folder writable (or "
                            "set checkpoint.dir to another folder), then resume from %3")
                        .arg(step).arg(QString::fromUtf8(e.what()), ckptDir)
                        .toStdString());
    }
    emitEvent("checkpoint", {{"reason", why}, {"dir", ckptDir}, {"phase", toString(rule.phase())}});
}

void Trainer::Impl::writeCheckpointFile() {
    Checkpoint::write(ckptDir, stateJson(), [&](torch::serialize::OutputArchive& a) {
        if (theta) saveModel(a, theta->module(), *optTheta, "theta");
        if (thetaP) saveModel(a, thetaP->module(), *optP, "thetap");
        if (rule.weightSnapshot().defined()) a.write("weight_snapshot", rule.weightSnapshot().cpu());
        for (const auto& [n, w] : startTargets) a.write("start_target." + n, w);
        if (keepBest)
            for (const auto& [n, w] : bestWeights) a.write("best." + n, w);
        saveCpuRng(a);
    });
}

void Trainer::Impl::resume() {
    const QString file = loadCheckpoint(opts.resumeFrom, false);
    emitEvent("resume", {{"from", file}, {"step", qint64(step)}, {"phase", toString(rule.phase())}});
}

QString Trainer::Impl::loadCheckpoint(const QString& dir, bool rollback) {
    CheckpointData ck = Checkpoint::read(dir);
    if (!ck.rejected.isEmpty()) emitEvent("checkpoint_corrupt", {{"reason", ck.rejected}});
    const QJsonObject s = ck.state;
    // Validated before anything is restored: a crafted or foreign file is a data error, not a crash.
    const int64_t storedEpochs = s.value("config").toObject().value("training").toObject().value("epochs").toInteger(0);
    checkCheckpointState(s, ck.file, {stepsPerEpoch, std::max<int64_t>(epochs, storedEpochs)});
    checkCheckpointOwner(s, runUuid, ck.file);
    try {
        restoreCheckpoint(s, ck, rollback);
    } catch (const c10::Error& e) {
        throw dataError(ck.file.toStdString(), std::string("the checkpoint's tensors do not fit this run: ") +
                                                   e.what_without_backtrace());
    }
    return ck.file;
}

void Trainer::Impl::restoreCheckpoint(const QJsonObject& s, CheckpointData& ck, bool rollback) {
    if (rollback) {
        theta.reset();
        optTheta.reset();
    } else {
        div.restore(s);
        // Device totals continue from the checkpoint (a rollback keeps its own: the steps it
        // discards were paid for).
        costs.restore(s);
    }
    step = s.value("step").toInteger();
    epoch = s.value("epoch").toInt();
    batchInEpoch = s.value("batch_in_epoch").toInteger();
    lr = s.value("lr").toDouble();
    switchStep = s.value("switch_step").toInteger(-1);
    dualStep = s.value("dual_step").toInteger(-1);
    if (!rollback) priorWall = s.value("wall_s").toDouble();
    auto& a = ck.tensors;
    torch::NoGradGuard ng;
    for (auto& [n, w] : startTargets) {
        torch::Tensor t;
        readTensorLike(a, "start_target." + n, w, t, ck.file);
        w = t;
    }
    if (s.value("has_theta").toBool()) {
        if (!theta) theta = createModel();
        if (!optTheta) optTheta = std::make_unique<FlatAdam>(theta->module(), adamOptions());
        loadModel(a, theta->module(), *optTheta, "theta", ck.file);
    } else {
        theta.reset();
        optTheta.reset();
    }
    thetaP.reset();
    optP.reset();
    if (s.value("has_theta_prime").toBool()) {
        const bool wasAuto = autoRank;
        autoRank = false;  // the rank chosen then is stored
        lora.rank = s.value("lora_rank").toInteger(lora.rank);
        buildLoraCopy(nullptr);
        autoRank = wasAuto;
        loadModel(a, thetaP->module(), *optP, "thetap", ck.file);
    }
    torch::Tensor snap;
    try {
        a.read("weight_snapshot", snap);
    } catch (const c10::Error&) {
        snap = torch::Tensor();  // none taken yet (the "lora" baseline)
    }
    rule.restore(s, snap);
    // A rollback keeps the best weights it has in memory (they were validated); a resume reads them.
    if (!rollback && keepBest) restoreBestWeights(s.value("best").toObject(), a);
    loadCpuRng(a);
}

void Trainer::Impl::restoreBestWeights(const QJsonObject& best, torch::serialize::InputArchive& a) {
    bestWeights.clear();
    bestVal = INFINITY;
    bestStep = -1;
    if (best.isEmpty()) return;  // no validation yet, or a checkpoint written before best weights were kept
    for (const QJsonValue& n : best.value("names").toArray()) {
        torch::Tensor w;
        a.read("best." + n.toString().toStdString(), w);
        bestWeights.push_back({n.toString().toStdString(), w});
    }
    bestVal = best.value("val_loss").toDouble(INFINITY);
    bestStep = best.value("step").toInteger(-1);
    bestIsThetaP = best.value("theta_prime").toBool();
}

}  // namespace hpt
