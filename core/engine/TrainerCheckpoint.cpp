#include "engine/TrainerCheckpoint.h"

#include "engine/Checkpoint.h"
#include "util/Log.h"

#include <hpt/Error.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <spdlog/spdlog.h>

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

}  // namespace hpt
