#include "store/StoreSink.h"

#include "store/Store.h"
#include "util/FaultPoint.h"
#include "util/Log.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace hpt {

struct StoreSink::Pending {
    std::vector<MetricPoint> metrics;
    std::vector<RunEvent> events;
    bool finish = false;
    RunStatus status = RunStatus::Finished;
    QJsonObject final;
    bool empty() const { return metrics.empty() && events.empty() && !finish; }
};

StoreSink::StoreSink(const QString& path) : StoreSink(path, Options{}) {}

StoreSink::StoreSink(const QString& path, Options options)
    : path_(path), opt_(options), store_(std::make_unique<Store>(path)), pending_(std::make_unique<Pending>()) {
    writer_ = std::thread([this] { writerLoop(); });
}

StoreSink::~StoreSink() {
    {
        std::lock_guard<std::mutex> lk(m_);
        stop_ = true;
    }
    wake_.notify_all();
    writer_.join();
    if (runId_ > 0 && (!finished_ || !error_.isEmpty())) {
        // After a write error (disk full) the run's last rows are missing: never leave it looking
        // finished. Marking it failed is best effort; if that cannot be written either, it stays
        // "running" and recoverInterrupted() marks it interrupted when the store is next opened.
        const RunStatus st = error_.isEmpty() ? RunStatus::Interrupted : RunStatus::Failed;
        try {
            store_->markStatus(runId_, st);
        } catch (const std::exception& e) {
            logger()->error("store {}: marking run {} {}: {}", path_.toStdString(), runId_, toString(st), e.what());
        }
    }
}

void StoreSink::runStarted(const RunStart& r) {
    flush();  // rows of a previous run on this sink must land under that run's id
    int64_t id;
    {
        std::lock_guard<std::mutex> lk(storeMutex_);
        id = store_->createRun(r);
    }
    std::lock_guard<std::mutex> lk(m_);
    runId_ = id;
    finished_ = false;
}

void StoreSink::resume(int64_t runId) {
    flush();
    {
        std::lock_guard<std::mutex> lk(storeMutex_);
        store_->markStatus(runId, RunStatus::Running);
    }
    std::lock_guard<std::mutex> lk(m_);
    runId_ = runId;
    finished_ = false;
}

int64_t StoreSink::runId() const {
    std::lock_guard<std::mutex> lk(m_);
    return runId_;
}

void StoreSink::metrics(const std::vector<MetricPoint>& points) {
    std::unique_lock<std::mutex> lk(m_);
    if (runId_ == 0 || !error_.isEmpty() || points.empty()) return;
    // Only a stalled disk makes training wait: memory stays bounded.
    done_.wait(lk, [&] { return pending_->metrics.size() < opt_.maxQueuedRows || !error_.isEmpty(); });
    pending_->metrics.insert(pending_->metrics.end(), points.begin(), points.end());
    ++enqueued_;
    if (pending_->metrics.size() >= opt_.flushRows) wake_.notify_one();
}

void StoreSink::event(const RunEvent& e) {
    std::lock_guard<std::mutex> lk(m_);
    if (runId_ == 0 || !error_.isEmpty()) return;
    pending_->events.push_back(e);
    ++enqueued_;
}

void StoreSink::runFinished(RunStatus status, const QJsonObject& final) {
    {
        std::lock_guard<std::mutex> lk(m_);
        if (runId_ == 0) return;
        pending_->finish = true;
        pending_->status = status;
        pending_->final = final;
        finished_ = true;
        ++enqueued_;
        flushNow_ = true;
    }
    wake_.notify_one();
}

void StoreSink::flush() {
    std::unique_lock<std::mutex> lk(m_);
    const uint64_t target = enqueued_;
    flushNow_ = true;
    wake_.notify_one();
    done_.wait(lk, [&] { return committed_ >= target || !error_.isEmpty(); });
}

QString StoreSink::lastError() const {
    std::lock_guard<std::mutex> lk(m_);
    return error_;
}

std::optional<Error> StoreSink::failure() const {
    std::lock_guard<std::mutex> lk(m_);
    return failure_;
}

int64_t StoreSink::committedStep() const {
    std::lock_guard<std::mutex> lk(m_);
    return durableStep_;
}

int64_t StoreSink::committedRows() const {
    std::lock_guard<std::mutex> lk(m_);
    return committedRows_;
}

// For the crash tests (util/FaultPoint.h): what is durable so far, written after each commit.
void StoreSink::noteCommitted(const Pending& batch) {
    notedMetricRows_ += int64_t(batch.metrics.size());
    for (const auto& m : batch.metrics) notedStep_ = std::max(notedStep_, m.step);
    faultNote("store.metric_rows", notedMetricRows_);
    faultNote("store.step", notedStep_);
}

void StoreSink::writerLoop() {
    using Clock = std::chrono::steady_clock;
    auto lastHeartbeat = Clock::now();
    for (;;) {
        auto batch = std::make_unique<Pending>();
        uint64_t seq;
        int64_t run;
        bool stopping;
        {
            std::unique_lock<std::mutex> lk(m_);
            wake_.wait_for(lk, std::chrono::milliseconds(opt_.flushIntervalMs), [&] {
                return stop_ || flushNow_ || pending_->metrics.size() >= opt_.flushRows;
            });
            flushNow_ = false;
            std::swap(batch, pending_);
            seq = enqueued_;
            run = runId_;
            stopping = stop_;
        }
        done_.notify_all();  // room in the queue again
        const bool beat = run > 0 && Clock::now() - lastHeartbeat > std::chrono::duration<double>(opt_.heartbeatEveryS);
        int64_t rows = 0, maxStep = -1;
        if (run > 0 && (!batch->empty() || beat)) {
            std::lock_guard<std::mutex> slk(storeMutex_);
            try {
                store_->begin();
                // A resumed run recomputes the steps after its checkpoint: rows a killed process
                // stored for them are dropped first, so no step is stored twice. The resume event
                // is the resumed process's first message, so every metric in this batch is newer.
                for (const auto& e : batch->events)
                    if (e.type == "resume") store_->discardAfter(run, e.step);
                store_->appendMetrics(run, batch->metrics);
                for (const auto& e : batch->events) store_->appendEvent(run, e);
                store_->heartbeat(run);
                if (batch->finish) store_->finishRun(run, batch->status, batch->final);
                faultPoint(fault::kStoreCommit);
                store_->commit();
                rows = int64_t(batch->metrics.size() + batch->events.size());
                for (const auto& m : batch->metrics) maxStep = std::max(maxStep, m.step);
                noteCommitted(*batch);
                lastHeartbeat = Clock::now();
            } catch (const std::exception& e) {
                store_->rollback();
                logger()->error("store {}: writing run {} failed, later rows are dropped: {}", path_.toStdString(), run,
                                e.what());
                std::lock_guard<std::mutex> lk(m_);
                if (error_.isEmpty()) {
                    error_ = QString::fromUtf8(e.what());
                    // The SQLite message names the file and the cause; add what survived and how to go on.
                    const auto* he = dynamic_cast<const Error*>(&e);
                    const QString cause = he && !he->where().empty() ? error_.mid(int(he->where().size()) + 2) : error_;
                    failure_ = Error(ErrorKind::Store, he && !he->where().empty() ? he->where() : path_.toStdString(),
                                     (cause + QString(" Recording run %1 stopped; everything committed before it (metrics up "
                                                      "to step %2) is intact. Free space or make the store writable, then "
                                                      "resume the run from its checkpoint folder.")
                                                  .arg(run)
                                                  .arg(durableStep_))
                                         .toStdString());
                }
            }
        }
        {
            std::lock_guard<std::mutex> lk(m_);
            committed_ = seq;
            committedRows_ += rows;
            durableStep_ = std::max(durableStep_, maxStep);
        }
        done_.notify_all();
        if (stopping) {
            std::lock_guard<std::mutex> lk(m_);
            if (pending_->empty()) return;  // anything queued after the swap gets one more round
        }
    }
}

}  // namespace hpt
