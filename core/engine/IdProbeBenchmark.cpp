#include "engine/IdProbeBenchmark.h"

#include "engine/BenchLearner.h"
#include "engine/IdProbe.h"
#include "util/Threads.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <chrono>
#include <ctime>

#include <sys/resource.h>

namespace hpt {

namespace {

double processCpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

struct Block {
    double wall = 0, cpu = 0, threadCpu = 0;  // seconds per step
};

}  // namespace

QJsonObject runIdProbeBenchmark(const PluginHost& host, const StepBenchmarkOptions& o, int blocks, int estimatesPerBlock) {
    if (o.mode != "full" && o.mode != "lora") throw configError("--mode", "the probe benchmark times full or lora steps");
    if (blocks < 1 || estimatesPerBlock < 1) throw configError("--blocks", "must be a positive integer");
    const ThreadCounts threads = o.torchThreads > 0 && o.blasThreads > 0 ? applyThreadPair(o.torchThreads, o.blasThreads)
                                                                           : applyThreads(std::max(0, o.torchThreads));
    const BenchSetup b = benchSetup(host, o);
    const IdSettings& id = b.run.id;
    if (id.every <= 0)
        throw configError("id.every", "is 0 in this experiment (probes off), so there is nothing to time; "
                                      "switch them on, e.g. --set id.every=50");
    auto L = makeBenchLearner(host, o, b, o.mode == "lora");
    // The trainer hands the probe its training inputs and the probe keeps the first
    // ceil(probe_samples / stations) samples: random ones of the same shape cost the same.
    const int64_t need = (id.probeSamples + b.shape.stations - 1) / b.shape.stations;
    IdProbe probe(id, b.run.lora.spec.targets, torch::randn({std::max<int64_t>(need, 1), b.shape.stations, b.shape.features}));

    auto step = [&] {
        L->forwardBackward(b.x, b.y);
        L->update();
    };
    const int64_t perBlock = int64_t(estimatesPerBlock) * id.every;
    int64_t probeStep = 0;  // the probe's own step count: each "on" block holds estimatesPerBlock due steps
    auto block = [&](bool on) {
        const double c0 = processCpuSeconds(), t0c = threadCpuSeconds();
        const auto w0 = std::chrono::steady_clock::now();
        for (int64_t s = 0; s < perBlock; ++s) {
            step();
            if (!on) continue;
            probe.afterStep(++probeStep, *L->model);
            (void)probe.poll(0);
        }
        Block r;
        r.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
        r.threadCpu = threadCpuSeconds() - t0c;
        // Training never waits for the worker, but an estimate still running at the end of the
        // block is this block's work: its CPU time is counted here, its wall time is not.
        if (on) {
            probe.finish();
            (void)probe.poll(0);
        }
        r.cpu = processCpuSeconds() - c0;
        r.wall /= double(perBlock);
        r.cpu /= double(perBlock);
        r.threadCpu /= double(perBlock);
        return r;
    };
    // Warm-up: allocator, thread pools, the probe's first reference weights and one estimate.
    for (int i = 0; i < 2; ++i) step();
    probe.afterStep(0, *L->model);
    block(true);
    const IdProbe::Cost warm = probe.cost();

    std::vector<double> wallOff, wallOn, cpuOff, cpuOn, tcOff, tcOn, wallRatio, cpuRatio;
    QJsonArray pairs;  // every pair of blocks, for a reader who wants the spread
    for (int r = 0; r < blocks; ++r) {
        // Alternate which goes first, so a trend in the load does not favour one side.
        Block off, on;
        if (r % 2 == 0) {
            off = block(false);
            on = block(true);
        } else {
            on = block(true);
            off = block(false);
        }
        wallOff.push_back(off.wall * 1e3), wallOn.push_back(on.wall * 1e3);
        cpuOff.push_back(off.cpu * 1e3), cpuOn.push_back(on.cpu * 1e3);
        tcOff.push_back(off.threadCpu * 1e3), tcOn.push_back(on.threadCpu * 1e3);
        wallRatio.push_back(on.wall / off.wall - 1);
        cpuRatio.push_back(on.cpu / off.cpu - 1);
        pairs.append(QJsonObject{{"wall_ms_off", off.wall * 1e3}, {"wall_ms_on", on.wall * 1e3},
                                 {"cpu_ms_off", off.cpu * 1e3}, {"cpu_ms_on", on.cpu * 1e3}});
    }
    const IdProbe::Cost& c = probe.cost();
    const double snaps = double(c.snapshots - warm.snapshots), ests = double(c.estimates - warm.estimates);
    const double snapshotMs = snaps > 0 ? (c.snapshotSeconds - warm.snapshotSeconds) / snaps * 1e3 : 0;
    const double estimateMs = ests > 0 ? (c.estimateSeconds - warm.estimateSeconds) / ests * 1e3 : 0;
    const double estimateCpuMs = ests > 0 ? (c.estimateCpuSeconds - warm.estimateCpuSeconds) / ests * 1e3 : 0;
    QJsonArray methods;
    if (id.spectrum) methods.append("spectrum");
    if (id.twonn) methods.append("twonn");
    if (id.mle) methods.append("mle");
    QJsonObject out{{"model", b.model}, {"preset", b.config.value("model").toObject().value("preset").toString()},
                    {"experiment", o.experiment}, {"mode", o.mode}, {"batch", qint64(b.rows)}, {"every", qint64(id.every)},
                    {"methods", methods}, {"probe_samples", qint64(id.probeSamples)}, {"blocks", blocks},
                    {"steps_per_block", qint64(perBlock)},
                    {"wall_ms_per_step_off", benchMedian(wallOff)}, {"wall_ms_per_step_on", benchMedian(wallOn)},
                    {"cpu_ms_per_step_off", benchMedian(cpuOff)}, {"cpu_ms_per_step_on", benchMedian(cpuOn)},
                    {"train_thread_cpu_ms_per_step_off", benchMedian(tcOff)}, {"train_thread_cpu_ms_per_step_on", benchMedian(tcOn)},
                    {"wall_overhead", benchMedian(wallRatio)}, {"cpu_overhead", benchMedian(cpuRatio)},
                    {"snapshot_ms", snapshotMs}, {"estimate_ms", estimateMs}, {"estimate_cpu_ms", estimateCpuMs},
                    {"parts_overhead", (snapshotMs + estimateCpuMs) / (double(id.every) * benchMedian(wallOff))},
                    {"snapshots", snaps}, {"dropped", double(c.dropped - warm.dropped)}, {"estimates", ests},
                    {"pairs", pairs}, {"load_average", loadAverage1()}};
    for (const auto& k : threads.toJson().keys()) out.insert(k, threads.toJson().value(k));
    return out;
}

}  // namespace hpt
