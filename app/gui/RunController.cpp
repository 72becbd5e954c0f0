#include "gui/RunController.h"

#include "config/Experiment.h"
#include "engine/RunLock.h"
#include "engine/Trainer.h"
#include "store/ResumingStoreSink.h"
#include "store/Store.h"
#include "store/StoreSink.h"

#include <hpt/Error.h>

#include <QDir>
#include <QFileInfo>
#include <QUuid>
#include <QThread>

namespace hpt::gui {

RunController::RunController(const PluginHost& host, QObject* parent) : QObject(parent), host_(host) {}

RunController::~RunController() {
    if (trainer_) trainer_->stop();
    wait(-1);
}

void RunController::start(const QJsonObject& experiment, RunSink* live, const QString& storePath) {
    if (running_) throw Error(ErrorKind::Internal, "", "a run is already in progress; stop it first");
    launch(resolveExperiment(experiment, host_), live, storePath, 0, {});
}

void RunController::resume(int64_t runId, RunSink* live, const QString& storePath) {
    if (running_) throw Error(ErrorKind::Internal, "", "a run is already in progress; stop it first");
    QString dir;
    {
        Store store(storePath);
        dir = store.runRecord(runId).value("checkpoint_dir").toString();
    }
    if (dir.isEmpty() || !QDir(dir).exists())
        throw Error(ErrorKind::Data, QString("run %1").arg(runId).toStdString(),
                    QString("its checkpoint folder '%1' is gone, so it cannot be resumed; start a new run").arg(dir).toStdString());
    // One writer per run: never attach to a run another process is still writing.
    if (const QString holder = RunLock::liveHolder(dir); !holder.isEmpty())
        throw Error(ErrorKind::Config, QString("run %1").arg(runId).toStdString(),
                    QString("it is still being written by %1; wait for it to finish or stop it first").arg(holder).toStdString());
    launch(Trainer::checkpointConfig(dir), live, storePath, runId, dir);
}

void RunController::launch(const QJsonObject& resolved, RunSink* live, const QString& storePath, int64_t resumeRun,
                           const QString& resumeDir) {
    wait(-1);
    trainer_.reset();
    auto fan = std::make_unique<FanOutSink>();
    fan->add(live);
    store_.reset();
    storeFilter_.reset();
    if (!storePath.isEmpty()) {
        store_ = std::make_unique<StoreSink>(storePath);
        storeFilter_ = std::make_unique<ResumingStoreSink>(*store_, resumeRun);  // resumeRun 0: a new run
        fan->add(storeFilter_.get());
    }
    TrainerOptions opt;
    opt.resumeFrom = resumeDir;
    // A run owns its checkpoint folder: the stored run's uuid on resume (a checkpoint of another
    // run is refused), else a new one, with a folder per uuid beside the store by default.
    if (!storePath.isEmpty()) {
        if (resumeRun > 0) {
            opt.runUuid = Store(storePath, true).runRecord(resumeRun).value("uuid").toString();
        } else {
            opt.runUuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
            if (resolved.value("checkpoint").toObject().value("dir").toString().isEmpty())
                opt.checkpointDir = QFileInfo(storePath).absolutePath() + "/checkpoints/" + opt.runUuid;
        }
    }
    trainer_ = std::make_unique<Trainer>(host_, resolved, *fan, opt);
    fan_ = std::move(fan);
    running_ = true;
    thread_ = QThread::create([this] {
        const RunStatus st = trainer_->run();
        const QString err = trainer_->error() ? QString::fromUtf8(trainer_->error()->what()) : QString();
        if (store_) store_->flush();
        QMetaObject::invokeMethod(this, [this, st, err] {
            running_ = false;
            storeRunId_ = store_ ? store_->runId() : 0;
            emit finished(int(st), err);
        }, Qt::QueuedConnection);
    });
    connect(thread_, &QThread::finished, thread_, &QObject::deleteLater);
    connect(thread_, &QObject::destroyed, this, [this] { thread_ = nullptr; });
    thread_->start();
    emit started();
}

void RunController::pause(bool paused) {
    if (trainer_ && running_) trainer_->pause(paused);
}

void RunController::stop() {
    if (trainer_ && running_) {
        trainer_->pause(false);
        trainer_->stop();
    }
}

bool RunController::wait(int ms) {
    if (!thread_) return true;
    return thread_->wait(ms < 0 ? QDeadlineTimer(QDeadlineTimer::Forever) : QDeadlineTimer(ms));
}

}  // namespace hpt::gui
