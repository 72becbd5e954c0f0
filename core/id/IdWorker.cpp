#include "id/IdWorker.h"

#include "id/ConfigKeys.h"

#include "id/MleId.h"
#include "id/TwoNN.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <chrono>
#include <ctime>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hpt {

namespace {

std::string field(const QString& key) { return "id." + key.toStdString(); }

double number(const QJsonObject& o, const QString& key, double def) {
    if (!o.contains(key)) return def;
    if (!o.value(key).isDouble()) throw configError(field(key), "must be a number");
    return o.value(key).toDouble();
}

int64_t integer(const QJsonObject& o, const QString& key, int64_t def, int64_t min) {
    const double v = number(o, key, double(def));
    if (v != std::floor(v) || v < double(min))
        throw configError(field(key), "must be a whole number ≥ " + std::to_string(min) + ", got " +
                                          std::to_string(v));
    return int64_t(v);
}

}  // namespace

IdSettings IdSettings::fromJson(const QJsonObject& o) {
    static const QStringList known{"every", "methods", "energy", "k", "probe_samples", "discard"};
    rejectUnknownKeys(o, known, "id.");
    IdSettings s;
    s.every = integer(o, "every", s.every, 0);
    if (o.contains("methods")) {
        if (!o.value("methods").isArray())
            throw configError(field("methods"), "must be a list, e.g. [\"spectrum\", \"twonn\", \"mle\"]");
        s.spectrum = s.twonn = s.mle = false;
        for (const auto& v : o.value("methods").toArray()) {
            const QString m = v.toString();
            if (m == "spectrum") s.spectrum = true;
            else if (m == "twonn") s.twonn = true;
            else if (m == "mle") s.mle = true;
            else
                throw configError(field("methods"), "unknown method \"" + v.toVariant().toString().toStdString() +
                                                        "\" (use spectrum, twonn or mle)");
        }
    }
    s.energy = number(o, "energy", s.energy);
    if (!(s.energy > 0 && s.energy <= 1))
        throw configError(field("energy"), "energy share must lie in (0, 1], got " + std::to_string(s.energy));
    s.k = int(integer(o, "k", s.k, 2));
    s.discard = number(o, "discard", s.discard);
    if (!(s.discard >= 0 && s.discard < 1))
        throw configError(field("discard"), "must lie in [0, 1), got " + std::to_string(s.discard));
    s.probeSamples = integer(o, "probe_samples", s.probeSamples, 1);
    if ((s.twonn || s.mle) && s.probeSamples <= s.k)
        throw configError(field("probe_samples"), "must exceed k = " + std::to_string(s.k) +
                                                      " (the point-cloud estimators need more points than neighbours)");
    return s;
}

std::vector<std::pair<std::string, double>> IdResult::metrics() const {
    std::vector<std::pair<std::string, double>> m;
    int64_t maxId = -1;
    for (const auto& [name, s] : spectrum) {
        m.emplace_back("id.spectrum." + name, double(s.id));
        m.emplace_back("id.stable_rank." + name, s.stableRank);
        maxId = std::max(maxId, s.id);
    }
    if (maxId >= 0) m.emplace_back("id.spectrum.max", double(maxId));
    if (std::isfinite(twonn)) m.emplace_back("id.twonn", twonn);
    if (std::isfinite(mle)) m.emplace_back("id.mle", mle);
    return m;
}

namespace {
double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}
}  // namespace

IdResult estimateId(const IdSnapshot& snap, const IdSettings& s) {
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = threadCpuSeconds();
    IdResult r;
    r.step = snap.step;
    auto note = [&r](const std::string& what) { r.error += (r.error.empty() ? "" : "; ") + what; };
    try {
        if (s.spectrum)
            for (const auto& [name, dw] : snap.deltaW) r.spectrum[name] = spectrumId(dw, s.energy);
    } catch (const std::exception& e) {
        note(e.what());
    }
    if (snap.hidden.defined()) {
        // Representations arrive as [batch, ..., features]; every row is one point.
        const auto pts = snap.hidden.reshape({-1, snap.hidden.size(-1)});
        try {
            if (s.twonn) r.twonn = twoNnId(pts, s.discard);
        } catch (const std::exception& e) {
            note(e.what());
        }
        try {
            if (s.mle) r.mle = mleId(pts, s.k);
        } catch (const std::exception& e) {
            note(e.what());
        }
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.cpuSeconds = threadCpuSeconds() - cpu0;
    return r;
}

IdWorker::IdWorker(IdSettings settings) : settings_(std::move(settings)), thread_([this] { loop(); }) {}

IdWorker::~IdWorker() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool IdWorker::submit(IdSnapshot snap) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (busy_ || pending_) {
            ++dropped_;
            return false;
        }
    }
    // Clone outside the lock: the training thread pays only for these copies.
    torch::NoGradGuard ng;
    for (auto& [name, t] : snap.deltaW) t = t.detach().to(torch::kCPU).clone();
    if (snap.hidden.defined()) snap.hidden = snap.hidden.detach().to(torch::kCPU).clone();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_ = std::move(snap);
    }
    wake_.notify_one();
    return true;
}

std::vector<IdResult> IdWorker::poll() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(done_, {});
}

void IdWorker::waitIdle() {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return !busy_ && !pending_; });
}

void IdWorker::loop() {
    // Yield to the training thread: lowest scheduling priority for this thread
    // (Linux nice is per thread) and a single intra-op thread for its torch calls.
    setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 19);
    at::set_num_threads(1);
    for (;;) {
        IdSnapshot snap;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stop_ || pending_; });
            if (!pending_) return;  // stopping and nothing queued
            snap = std::move(*pending_);
            pending_.reset();
            busy_ = true;
        }
        IdResult r;
        try {
            r = estimateId(snap, settings_);
        } catch (const std::exception& e) {
            r.step = snap.step;
            r.error = e.what();
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            done_.push_back(std::move(r));
            busy_ = false;
        }
        idle_.notify_all();
    }
}

}  // namespace hpt
