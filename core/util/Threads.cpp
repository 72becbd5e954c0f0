#include "util/Threads.h"

#include <ATen/Parallel.h>

#include <dlfcn.h>
#include <sched.h>

#include <algorithm>
#include <thread>

namespace hpt {

namespace {
// OpenBLAS exports these from libblas.so.3 when Debian's alternative points at it.
using SetFn = void (*)(int);
using GetFn = int (*)();
SetFn blasSet() { return reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")); }
GetFn blasGet() { return reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")); }
}  // namespace

int usableCores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

int blasThreads() {
    auto get = blasGet();
    return get ? get() : -1;
}

bool setBlasThreads(int n) {
    auto set = blasSet();
    if (!set) return false;
    set(std::max(1, n));
    return true;
}

ThreadCounts currentThreads() { return {at::get_num_threads(), blasThreads(), {}}; }

ThreadCounts applyThreadPair(int torchThreads, int blasThreadCount) {
    at::set_num_threads(std::max(1, torchThreads));
    setBlasThreads(blasThreadCount);
    ThreadCounts c = currentThreads();
    c.rule = "explicit";
    return c;
}

ThreadCounts applyThreads(int requested) {
    const int cores = usableCores();
    ThreadCounts c;
    if (requested > 0) {
        c = applyThreadPair(requested, std::max(1, cores / requested));
        c.rule = QString("training.threads = %1 on %2 cores: BLAS gets cores / threads").arg(requested).arg(cores);
    } else {
        c = applyThreadPair(1, cores);
        c.rule = QString("best for this machine (%1 cores): torch 1, BLAS %1").arg(cores);
    }
    return c;
}

}  // namespace hpt
