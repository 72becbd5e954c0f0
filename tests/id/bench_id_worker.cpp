// Prints how much the background ID worker slows a training loop (not a ctest
// test: timings depend on the machine's load). Usage:
//   bench_id_worker [steps_per_block=200] [every=50]
// runs spectrum-only and all-method settings; same numbers as `hpt id --bench --json`.
#include "id/IdBenchmark.h"

#include <QJsonDocument>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    const int64_t steps = argc > 1 ? std::atoll(argv[1]) : 200, every = argc > 2 ? std::atoll(argv[2]) : 50;
    for (const bool all : {false, true}) {
        const auto o = hpt::runIdWorkerBenchmark(steps, every, all);
        std::fputs(QJsonDocument(o).toJson(QJsonDocument::Compact).constData(), stdout);
        std::fputs("\n", stdout);
    }
    return 0;
}
