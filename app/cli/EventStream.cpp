#include "cli/EventStream.h"

#include <hpt/Error.h>

#include <QDateTime>
#include <QJsonDocument>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <unistd.h>

namespace hpt::cli {

namespace {
int gEventsFd = -1;  // the original stdout, once reserveStdoutForEvents() has run

// JSON has no NaN or Inf: a diverging loss is written as null, not as a line no parser reads.
QJsonValue number(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null); }
}  // namespace

void EventStream::reserveStdoutForEvents() {
    if (gEventsFd >= 0) return;
    std::fflush(stdout);
    gEventsFd = ::dup(STDOUT_FILENO);
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
}

EventStream::EventStream(const QString& target) {
    if (target == "-") {
        reserveStdoutForEvents();
        f_ = ::fdopen(::dup(gEventsFd), "w");
    } else {
        f_ = std::fopen(target.toLocal8Bit().constData(), "w");
    }
    if (!f_)
        throw configError("--events-jsonl", QString("cannot write '%1': %2; pass a writable file or - for standard "
                                                    "output").arg(target, QString::fromLocal8Bit(std::strerror(errno)))
                                                .toStdString());
    own_ = true;
}

EventStream::~EventStream() {
    if (f_ && own_) std::fclose(f_);
}

void EventStream::write(const QJsonObject& line) {
    QJsonObject o = line;
    o.insert("time", QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    const QByteArray b = QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    std::lock_guard<std::mutex> lock(m_);
    std::fwrite(b.constData(), 1, size_t(b.size()), f_);
    std::fflush(f_);  // a follower sees every line when it happens
}

void EventStream::runStarted(const RunStart& r) {
    write({{"kind", "run_started"}, {"name", QString::fromStdString(r.name)}, {"uuid", QString::fromStdString(r.uuid)},
           {"seed", double(r.seed)}, {"checkpoint_dir", QString::fromStdString(r.checkpointDir)}, {"config", r.config}});
}

void EventStream::metrics(const std::vector<MetricPoint>& m) {
    // One line per step, its metrics as one object.
    std::map<int64_t, std::pair<QJsonObject, double>> bySteps;
    for (const auto& p : m) {
        auto& [values, wall] = bySteps[p.step];
        values.insert(QString::fromStdString(p.key), number(p.value));
        wall = p.wallTime;
    }
    for (const auto& [step, vw] : bySteps)
        write({{"kind", "metrics"}, {"step", double(step)}, {"wall_s", number(vw.second)}, {"values", vw.first}});
}

void EventStream::event(const RunEvent& e) {
    write({{"kind", "event"}, {"type", QString::fromStdString(e.type)}, {"step", double(e.step)}, {"epoch", e.epoch},
           {"wall_s", number(e.wallTime)}, {"payload", e.payload}});
}

void EventStream::progress(const Progress& p) {
    write({{"kind", "progress"}, {"step", double(p.step)}, {"total_steps", double(p.totalSteps)}, {"epoch", p.epoch},
           {"epochs", p.epochs}, {"phase", QString::fromStdString(p.phase)}, {"loss", number(p.loss)},
           {"eta_s", number(p.etaSeconds)}});
}

void EventStream::runFinished(RunStatus st, const QJsonObject& final) {
    write({{"kind", "run_finished"}, {"status", toString(st)}, {"final", final}});
}

}  // namespace hpt::cli
