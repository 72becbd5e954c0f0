#include "store/StoreBenchmark.h"

#include "store/Store.h"
#include "store/StoreSink.h"

#include <hpt/Error.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

#include <cmath>
#include <ctime>
#include <string>

namespace hpt {

namespace {

// A training-like stream: per step a handful of keys (losses, lr, device costs).
std::vector<std::string> benchKeys() {
    return {"loss.full",  "loss.lora", "lr", "grad_norm", "device.gpu.time_s", "device.gpu.energy_j",
            "device.reram.time_s", "device.reram.energy_j", "device.reram.writes", "device.systolic.time_s",
            "device.systolic.energy_j", "throughput.samples_per_s", "id.spectrum", "weight_distance",
            "loss.test", "phase", "memory.bytes", "step_time_s", "epoch", "batch"};
}

// CPU seconds of this process: on a shared machine wall time mostly measures the neighbours.
double cpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

void removeStore(const QString& f) {
    for (const char* sfx : {"", "-wal", "-shm"}) QFile::remove(f + sfx);
}

}  // namespace

QJsonObject runStoreBenchmark(const QString& scratchDir, int64_t rows) {
    if (!QDir().mkpath(scratchDir))
        throw Error(ErrorKind::Store, scratchDir.toStdString(), "cannot create the benchmark's scratch folder.");
    const QString file = QDir(scratchDir).filePath("hpt-store-bench.sqlite");
    removeStore(file);
    const auto keys = benchKeys();
    const int64_t nk = int64_t(keys.size());
    const int64_t steps = std::max<int64_t>(1, rows / nk);
    QJsonObject out;
    {
        Store store(file);
        RunStart start;
        start.name = "store-benchmark";
        const int64_t run = store.createRun(start);
        // 1) Store::appendMetrics in big transactions.
        std::vector<MetricPoint> batch;
        const int64_t batchSteps = 50000 / nk;
        QElapsedTimer t;
        t.start();
        double cpu0 = cpuSeconds();
        for (int64_t s0 = 0; s0 < steps; s0 += batchSteps) {
            batch.clear();
            for (int64_t s = s0; s < std::min(steps, s0 + batchSteps); ++s)
                for (int64_t k = 0; k < nk; ++k) batch.push_back({s, keys[size_t(k)], std::sin(double(s) * 1e-3) + double(k), double(s) * 0.01});
            store.appendMetrics(run, batch);
        }
        const double insertS = double(t.nsecsElapsed()) * 1e-9;
        out["insert_rows_per_s"] = std::round(double(steps * nk) / insertS);
        out["insert_rows_per_cpu_s"] = std::round(double(steps * nk) / (cpuSeconds() - cpu0));
        out["rows"] = double(steps * nk);
        out["keys"] = double(nk);

        // 3) one 1 000 000-point series: read raw, then read + downsample to 2000 points.
        const int64_t seriesN = 1000000;
        batch.clear();
        for (int64_t s = 0; s < seriesN; ++s) {
            batch.push_back({s, "bench.series_1m", std::sin(double(s) * 1e-4) + 1e-3 * double(s % 97), double(s) * 0.001});
            if (batch.size() == 100000) {
                store.appendMetrics(run, batch);
                batch.clear();
            }
        }
        store.appendMetrics(run, batch);
        double readMs = 1e300, dsMs = 1e300, dsCpuMs = 1e300;
        for (int rep = 0; rep < 3; ++rep) {  // best of three: the machine is shared
            t.restart();
            auto raw = store.series(run, "bench.series_1m");
            readMs = std::min(readMs, double(t.nsecsElapsed()) * 1e-6);
            if (raw.x.size() != size_t(seriesN))
                throw Error(ErrorKind::Internal, "store benchmark", "read back a wrong number of points");
            t.restart();
            cpu0 = cpuSeconds();
            auto ds = store.series(run, "bench.series_1m", false, 2000);
            dsMs = std::min(dsMs, double(t.nsecsElapsed()) * 1e-6);
            dsCpuMs = std::min(dsCpuMs, (cpuSeconds() - cpu0) * 1e3);
        }
        out["read_1m_ms"] = std::round(readMs * 10) / 10;
        out["downsample_1m_ms"] = std::round(dsMs * 10) / 10;
        out["downsample_1m_cpu_ms"] = std::round(dsCpuMs * 10) / 10;
    }
    {
        // 2) through StoreSink, as the engine writes: timed until everything is committed.
        StoreSink sink(file);
        RunStart start;
        start.name = "store-benchmark-sink";
        sink.runStarted(start);
        QElapsedTimer t;
        t.start();
        const double cpu0 = cpuSeconds();
        std::vector<MetricPoint> step(static_cast<size_t>(nk));
        for (int64_t s = 0; s < steps; ++s) {
            for (int64_t k = 0; k < nk; ++k) step[size_t(k)] = {s, keys[size_t(k)], double(s) + double(k), double(s) * 0.01};
            sink.metrics(step);
        }
        sink.flush();
        out["sink_rows_per_s"] = std::round(double(steps * nk) / (double(t.nsecsElapsed()) * 1e-9));
        out["sink_rows_per_cpu_s"] = std::round(double(steps * nk) / (cpuSeconds() - cpu0));  // both threads
        sink.runFinished(RunStatus::Finished, {});
    }
    out["file_mb"] = std::round(double(QFileInfo(file).size()) / 1e5) / 10;
    removeStore(file);
    return out;
}

}  // namespace hpt
