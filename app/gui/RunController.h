#pragma once
// Runs one training on a worker thread: resolves the experiment, records it
// in the store (StoreSink, its own writer thread) and feeds the live view's
// sink. The GUI thread never blocks on training: pause/stop are flags the
// Trainer reads between steps; finished() arrives as a queued signal.
#include "engine/RunSink.h"

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <memory>

class QThread;

namespace hpt {
class PluginHost;
class StoreSink;
class Trainer;
}

namespace hpt::gui {

class RunController : public QObject {
    Q_OBJECT
public:
    RunController(const PluginHost& host, QObject* parent = nullptr);
    ~RunController() override;  // stops a running training and waits for it

    // Resolves `experiment` (throws hpt::Error(Config) with where() = dotted field) and starts.
    // `storePath` "" = do not record. `live` must outlive the run.
    void start(const QJsonObject& experiment, RunSink* live, const QString& storePath);
    // Continues an interrupted stored run from its newest checkpoint (throws hpt::Error when none).
    void resume(int64_t runId, RunSink* live, const QString& storePath);

    bool isRunning() const { return running_; }
    void pause(bool paused);
    void stop();
    // Blocks until the worker ended (tests, shutdown); true when it did within `ms`.
    bool wait(int ms);
    int64_t storeRunId() const { return storeRunId_; }

signals:
    void started();
    void finished(int status, const QString& error);

private:
    void launch(const QJsonObject& resolved, RunSink* live, const QString& storePath, int64_t resumeRun,
                const QString& resumeDir);
    const PluginHost& host_;
    std::unique_ptr<Trainer> trainer_;
    std::unique_ptr<StoreSink> store_;
    std::unique_ptr<RunSink> fan_;
    std::unique_ptr<RunSink> storeFilter_;
    QThread* thread_ = nullptr;
    bool running_ = false;
    int64_t storeRunId_ = 0;
};

}  // namespace hpt::gui
