#include "cli/Pruning.h"

#include <hpt/Error.h>

#include <QFile>
#include <QJsonDocument>
#include <QLockFile>
#include <algorithm>
#include <cmath>

namespace hpt::cli {

void addPruningOptions(QCommandLineParser& p) {
    p.addOption({"prune", "Stop runs of a sweep early: median (median stopping rule) or asha (asynchronous successive "
                          "halving), on --prune-metric at --prune-steps.", "METHOD"});
    p.addOption({"prune-metric", "Metric the pruner compares, lower is better (default loss.full; val_loss when the "
                                 "experiment validates).", "KEY", "loss.full"});
    p.addOption({"prune-steps", "Steps at which runs are compared, e.g. 50,100,200 (asha: its rungs).", "LIST"});
    p.addOption({"prune-min-runs", "median: other runs that must have reached a step before it prunes (default 3).",
                 "N", "3"});
    p.addOption({"prune-reduction", "asha: keep the best 1/N of the runs at each rung (default 3).", "N", "3"});
    p.addOption({"prune-ledger", "File the runs of one sweep share their values in (a sweep sets "
                                 "<output>/pruning.jsonl).", "FILE"});
}

PruningOptions pruningOptions(const QCommandLineParser& p) {
    PruningOptions o;
    if (!p.isSet("prune")) return o;
    o.method = p.value("prune");
    if (o.method != "median" && o.method != "asha")
        throw configError("--prune", QString("unknown method '%1'; use median or asha").arg(o.method).toStdString());
    o.metric = p.value("prune-metric");
    for (const QString& s : p.value("prune-steps").split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const qlonglong v = s.trimmed().toLongLong(&ok);
        if (!ok || v < 1) throw configError("--prune-steps", QString("'%1' is not a step >= 1; e.g. --prune-steps 50,100,200").arg(s).toStdString());
        o.steps.push_back(v);
    }
    if (o.steps.empty()) throw configError("--prune-steps", "--prune needs the steps to compare at, e.g. --prune-steps 50,100,200");
    std::sort(o.steps.begin(), o.steps.end());
    o.steps.erase(std::unique(o.steps.begin(), o.steps.end()), o.steps.end());
    bool ok1 = false, ok2 = false;
    o.minRuns = p.value("prune-min-runs").toInt(&ok1);
    o.reduction = p.value("prune-reduction").toInt(&ok2);
    if (!ok1 || o.minRuns < 1) throw configError("--prune-min-runs", "expected a whole number >= 1, e.g. 3");
    if (!ok2 || o.reduction < 2) throw configError("--prune-reduction", "expected a whole number >= 2, e.g. 3");
    o.ledger = p.value("prune-ledger");
    return o;
}

QStringList pruningArguments(const QCommandLineParser& p) {
    QStringList a;
    for (const char* o : {"prune", "prune-metric", "prune-steps", "prune-min-runs", "prune-reduction", "prune-ledger"})
        if (p.isSet(o)) a << QString("--") + o << p.value(o);
    return a;
}

bool medianPrunes(double value, std::vector<double> others, int minRuns) {
    if (int(others.size()) < minRuns || others.empty()) return false;
    std::sort(others.begin(), others.end());
    const size_t n = others.size();
    const double median = n % 2 ? others[n / 2] : 0.5 * (others[n / 2 - 1] + others[n / 2]);
    return !(value <= median);  // NaN is worse than anything
}

bool ashaPrunes(double value, std::vector<double> others, int reduction) {
    if (!std::isfinite(value)) return true;
    others.push_back(value);
    std::sort(others.begin(), others.end());
    // Promotable when within the best floor(n / reduction) (at least the best one).
    const size_t keep = std::max<size_t>(1, others.size() / size_t(reduction));
    return value > others[keep - 1];
}

PruningSink::PruningSink(PruningOptions o, RunSink& record, std::function<void()> stop)
    : o_(std::move(o)), record_(record), stop_(std::move(stop)) {}

void PruningSink::metrics(const std::vector<MetricPoint>& m) {
    if (pruned_) return;
    for (const auto& p : m) {
        if (p.key != o_.metric.toStdString()) continue;
        // The first value at or after a rung stands for it (a metric may be logged every few steps).
        while (next_ < o_.steps.size() && p.step >= o_.steps[next_]) {
            const int64_t rung = o_.steps[next_++];
            atRung(rung, p.step, p.value, p.wallTime);
            if (pruned_) return;
        }
    }
}

void PruningSink::atRung(int64_t rung, int64_t step, double value, double wall) {
    std::vector<double> others;
    {
        // One writer at a time: read what the other runs reported at this rung, then add ours.
        QLockFile lock(o_.ledger + ".lock");
        lock.setStaleLockTime(30000);
        if (!lock.tryLock(30000)) return;  // never prune on a guess
        QFile f(o_.ledger);
        if (f.open(QIODevice::ReadOnly)) {
            for (const QByteArray& line : f.readAll().split('\n')) {
                const QJsonObject e = QJsonDocument::fromJson(line).object();
                if (e.value("step").toInteger() == rung && e.value("run").toString() != o_.run &&
                    e.value("metric").toString() == o_.metric)
                    others.push_back(e.value("value").toDouble(std::nan("")));
            }
            f.close();
        }
        if (f.open(QIODevice::Append)) {
            f.write(QJsonDocument(QJsonObject{{"run", o_.run}, {"metric", o_.metric}, {"step", double(rung)},
                                              {"value", std::isfinite(value) ? QJsonValue(value) : QJsonValue()}})
                        .toJson(QJsonDocument::Compact) + '\n');
        }
    }
    const bool prune = o_.method == "median" ? medianPrunes(value, others, o_.minRuns) : ashaPrunes(value, others, o_.reduction);
    if (!prune) return;
    std::vector<double> sorted = others;
    std::sort(sorted.begin(), sorted.end());
    decision_ = QJsonObject{{"method", o_.method}, {"metric", o_.metric}, {"rung", double(rung)}, {"step", double(step)},
                            {"value", value}, {"others", int(others.size())},
                            {"best_other", sorted.empty() ? QJsonValue() : QJsonValue(sorted.front())}};
    if (o_.method == "median") {
        const size_t n = sorted.size();
        decision_.insert("median", n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]));
    } else {
        decision_.insert("reduction", o_.reduction);
    }
    RunEvent e;
    e.step = step;
    e.type = "pruned";
    e.payload = decision_;
    e.wallTime = wall;
    record_.event(e);
    pruned_ = true;
    stop_();
}

}  // namespace hpt::cli
