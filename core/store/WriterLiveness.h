#pragma once
// Is the process that wrote a "running" run still alive? A pid alone can be
// reused after a crash, so the writer is identified by pid + the process start
// time the kernel reports (/proc/<pid>/stat, field 22).
#include <cstdint>

namespace hpt::liveness {

int64_t currentPid();
// Start time of `pid` in clock ticks since boot; 0 when the process does not exist,
// is a zombie, or /proc is unavailable.
int64_t processStartTime(int64_t pid);
// True when a process with this pid and start time exists on this host. start == 0
// (unknown) compares the pid only.
bool processAlive(int64_t pid, int64_t start);

}  // namespace hpt::liveness
