#include "util/FaultPoint.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <string>
#include <unistd.h>

namespace hpt {

namespace {

struct FaultPlan {
    bool armed = false;
    std::string point;
    long long nth = 0;
    std::atomic<long long> passed{0};
    int logFd = -1;
    std::mutex logMutex;

    FaultPlan() {
        if (const char* spec = std::getenv("HPT_FAULT")) {
            const char* colon = std::strrchr(spec, ':');
            if (colon && colon != spec) {
                point.assign(spec, colon);
                nth = std::atoll(colon + 1);
                armed = nth > 0;
            }
        }
        if (const char* log = std::getenv("HPT_FAULT_LOG"))
            logFd = ::open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
};

FaultPlan& plan() {
    static FaultPlan p;  // reads the environment once
    return p;
}

}  // namespace

void faultPoint(const char* name) {
    FaultPlan& p = plan();
    if (!p.armed || p.point != name) return;
    if (p.passed.fetch_add(1) + 1 == p.nth) {
        faultNote("killed_at", p.nth);
        std::raise(SIGKILL);
    }
}

void faultNote(const char* what, long long value) {
    FaultPlan& p = plan();
    if (p.logFd < 0) return;
    // One write() per line with O_APPEND: a line is either whole in the file or absent.
    char line[160];
    const int n = std::snprintf(line, sizeof line, "%s %lld\n", what, value);
    std::lock_guard<std::mutex> lock(p.logMutex);
    if (n > 0 && ::write(p.logFd, line, size_t(n)) < 0) return;
}

}  // namespace hpt
