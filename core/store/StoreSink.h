#pragma once
// The RunSink that records a run in the store. The engine's calls only append
// to an in-memory queue; a writer thread commits the queue in one transaction
// every ~100 ms (or sooner when many rows are waiting), so training never waits
// on the disk. A process killed with SIGKILL loses at most the batch that was
// not yet committed; flush() returns once everything queued so far is durable.
#include "engine/RunSink.h"

#include <QString>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace hpt {

class Store;

class StoreSink : public RunSink {
public:
    struct Options {
        int flushIntervalMs = 100;        // a batch is committed at least this often
        size_t flushRows = 50000;         // ... or as soon as this many rows wait
        size_t maxQueuedRows = 5000000;   // metrics() blocks beyond this (bounded memory if the disk stalls)
        double heartbeatEveryS = 30;      // proof of life for recoverInterrupted() while no rows arrive
    };
    // Opens (creates, migrates) the store; throws hpt::Error(ErrorKind::Store) on a bad file.
    explicit StoreSink(const QString& path);
    StoreSink(const QString& path, Options options);
    // Drains the queue. A run that started but never got runFinished() is marked interrupted.
    ~StoreSink() override;

    // Creates the run synchronously (one small transaction), so runId() is valid on return.
    void runStarted(const RunStart&) override;
    void metrics(const std::vector<MetricPoint>&) override;
    void event(const RunEvent&) override;
    void runFinished(RunStatus, const QJsonObject& final) override;

    // Continue an existing run (resume from a checkpoint) instead of runStarted(): marks it
    // running with this process as its writer.
    void resume(int64_t runId);

    int64_t runId() const;
    // Blocks until every row queued before the call is committed (or a write failed).
    void flush();
    void sync() override { flush(); }
    // The first write error ("" if none). After an error the sink drops further rows.
    QString lastError() const;
    // The same as an hpt::Error (ErrorKind::Store) naming the store file and the fix; the
    // engine stops the run when it appears.
    std::optional<Error> failure() const override;
    // Highest step of a metric row committed so far (-1 if none): every row up to it is durable.
    int64_t committedStep() const;
    int64_t committedRows() const;  // metric rows + events committed so far
    const QString& path() const { return path_; }

private:
    struct Pending;
    void writerLoop();
    void noteCommitted(const Pending& batch);  // writer thread only

    QString path_;
    Options opt_;
    std::unique_ptr<Store> store_;
    std::mutex storeMutex_;  // the store is used by the writer thread and by runStarted()/resume()

    mutable std::mutex m_;
    std::condition_variable wake_, done_;
    std::unique_ptr<Pending> pending_;
    uint64_t enqueued_ = 0, committed_ = 0;  // sequence numbers of queued / committed calls
    int64_t committedRows_ = 0;
    int64_t durableStep_ = -1;  // highest committed metric step (under m_), for committedStep()
    int64_t notedMetricRows_ = 0, notedStep_ = -1;  // writer thread only (fault notes)
    int64_t runId_ = 0;
    bool finished_ = false, stop_ = false, flushNow_ = false;
    QString error_;
    std::optional<Error> failure_;
    std::thread writer_;
};

}  // namespace hpt
