#pragma once
// Torch intra-op threads and BLAS threads, chosen together. LibTorch's
// at::parallel_for (OpenMP) and OpenBLAS (pthreads) keep separate pools; when
// both are as wide as the machine, torch's spinning OpenMP workers and
// OpenBLAS's workers fight for the same cores (PyTorch eager on this 2-core
// machine ran 2x slower with 2 torch threads). Every training entry point goes
// through applyThreads() so the two counts never multiply past the cores.
#include <QJsonObject>
#include <QString>

namespace hpt {

struct ThreadCounts {
    int torch = 1;  // at::get_num_threads()
    int blas = 1;   // openblas_get_num_threads(); -1 when the BLAS has no such call
    QString rule;   // why these counts ("training.threads = 2", "best for this machine: ...")
    QJsonObject toJson() const { return {{"torch_threads", torch}, {"blas_threads", blas}, {"thread_rule", rule}}; }
};

// Cores this process may run on (sched_getaffinity), at least 1.
int usableCores();
// The BLAS's own thread count, or -1 when the mapped BLAS does not expose one (reference BLAS, MKL).
int blasThreads();
// Sets the BLAS pool width; false when the BLAS has no such call.
bool setBlasThreads(int n);

// requested > 0: that many torch threads, and BLAS threads = max(1, cores / requested), so
// torch × BLAS never exceeds the cores. requested = 0: the best combination measured on this
// machine class (resources/docs/engine.md, "Threads"): torch 1, BLAS = all cores — the step
// time is GEMM time, which OpenBLAS splits well, while torch's OpenMP pool only spins.
ThreadCounts applyThreads(int requested);
// Torch and BLAS counts set exactly (the benchmark's grid); rule says "explicit".
ThreadCounts applyThreadPair(int torchThreads, int blasThreadCount);
ThreadCounts currentThreads();

}  // namespace hpt
