#pragma once
// One writer per run. The process that trains a run holds an advisory lock on
// its checkpoint folder (flock on <folder>/writer.lock, which also records pid,
// host, process start time and run uuid for messages). A second process on the
// same folder (a resume racing the live run, a second run given the same
// checkpoint.dir) is refused naming the holder. The kernel drops the lock when
// its holder dies, so a stale lock file (dead pid) is taken over, and logged.
#include <QString>
#include <memory>

namespace hpt {

class RunLock {
public:
    static constexpr const char* kFile = "writer.lock";
    // Takes the lock of `dir` for run `uuid`. Throws hpt::Error (Config) naming the live
    // holder (pid, host, run) when another process holds it. `tookOver` (optional) receives
    // a sentence when a stale lock of a dead writer was taken over.
    static std::unique_ptr<RunLock> acquire(const QString& dir, const QString& uuid, QString* tookOver = nullptr);
    ~RunLock();  // releases the lock (removes the file while still holding it)
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    // The holder recorded in `dir`'s lock file, "" when none is alive (for messages before a run).
    static QString liveHolder(const QString& dir);

private:
    RunLock(int fd, QString path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    QString path_;
};

}  // namespace hpt
