#include "cli/BatchPrinter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <cmath>
#include <unistd.h>

namespace hpt::cli {

namespace {

QString num(const QJsonValue& v) {
    if (v.isDouble()) return QString::number(v.toDouble(), 'g', 4);
    if (v.isBool()) return v.toBool() ? "yes" : "no";
    if (v.isString()) return v.toString();
    return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
}

// Payload keys the generic formatter prints, in a stable order.
QString keyValues(const QJsonObject& o, const QStringList& skip = {}) {
    QStringList parts;
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!skip.contains(it.key())) parts << it.key() + "=" + num(it.value());
    return parts.join(", ");
}

}  // namespace

QString formatDuration(double s) {
    if (!std::isfinite(s) || s < 0) return "?";
    const long t = long(std::lround(s));
    if (t >= 3600) return QString("%1h%2m").arg(t / 3600).arg((t % 3600) / 60, 2, 10, QChar('0'));
    if (t >= 60) return QString("%1m%2s").arg(t / 60).arg(t % 60, 2, 10, QChar('0'));
    return QString("%1s").arg(t);
}

QString formatEvent(const RunEvent& e) {
    const QString type = QString::fromStdString(e.type);
    const QJsonObject& p = e.payload;
    QString what;
    if (type == "phase" && p.contains("to")) {
        what = QString("phase %1 → %2").arg(p.value("from").toString("?"), p.value("to").toString());
        if (p.contains("reason")) what += ": " + p.value("reason").toString();
    } else if (type == "ttest" && p.contains("p")) {
        what = QString("t-test t=%1 p=%2").arg(num(p.value("t")), num(p.value("p")));
        if (p.contains("df")) what += " df=" + num(p.value("df"));
        if (p.contains("alpha")) what += " α=" + num(p.value("alpha"));
        if (p.contains("significant"))
            what += p.value("significant").toBool() ? ": losses differ" : ": no significant difference";
        if (p.contains("decision")) what += " → " + p.value("decision").toString();
    } else if (type == "plateau_check" || type == "weight_check") {
        what = type == "plateau_check" ? "plateau check" : "weight-distance check";
        if (p.value("holds").isBool()) what += p.value("holds").toBool() ? " holds" : " not yet";
        const QString rest = keyValues(p, {"holds", "layers"});
        if (!rest.isEmpty()) what += " (" + rest + ")";
    } else if (type == "lr" && p.contains("to")) {
        what = QString("learning rate %1 → %2").arg(num(p.value("from")), num(p.value("to")));
    } else if (type == "error") {
        what = "error: " + p.value("message").toString(p.value("error").toString(keyValues(p)));
    } else if (type == "checkpoint" && p.contains("dir")) {
        what = "checkpoint written to " + p.value("dir").toString();
        if (p.contains("reason")) what += " (" + p.value("reason").toString() + ")";
    } else {
        what = QString(type).replace('_', ' ');
        const QString rest = keyValues(p);
        if (!rest.isEmpty()) what += ": " + rest;
    }
    return QString("step %1 (epoch %2): %3").arg(e.step).arg(e.epoch).arg(what);
}

BatchPrinter::BatchPrinter(std::FILE* out, bool live, double plainEverySeconds, bool verbose)
    : out_(out), live_(live), plainEvery_(plainEverySeconds), verbose_(verbose) {}

bool BatchPrinter::shownByDefault(const std::string& type) {
    static const char* const shown[] = {"phase",  "ttest",  "adapter", "auto_rank",          "lr",
                                        "diverged", "rollback", "resume", "checkpoint_corrupt", "error"};
    for (const char* t : shown)
        if (type == t) return true;
    return false;
}

bool BatchPrinter::isTerminal(std::FILE* f) {
    const QByteArray term = qgetenv("TERM");
    return isatty(fileno(f)) && term != "dumb";
}

double BatchPrinter::rateLocked(const Progress& p) const {
    if (rateStep0_ < 0 || p.step <= rateStep0_) return std::nan("");
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - rateT0_).count();
    return dt > 0 ? double(p.step - rateStep0_) / dt : std::nan("");
}

QString BatchPrinter::progressText(const Progress& p, bool bar, double itPerSec) const {
    QString s;
    const double frac = p.totalSteps > 0 ? std::clamp(double(p.step) / double(p.totalSteps), 0.0, 1.0) : 0.0;
    if (bar) {
        const int width = 24, filled = int(frac * width);
        s = "[" + QString(filled, QChar('#')) + QString(width - filled, QChar('-')) + "] ";
    }
    s += QString("step %1/%2 (%3%)  epoch %4/%5  %6  loss %7")
             .arg(p.step)
             .arg(p.totalSteps > 0 ? QString::number(p.totalSteps) : QString("?"))
             .arg(int(frac * 100))
             .arg(p.epoch)
             .arg(p.epochs)
             .arg(QString::fromStdString(p.phase))
             .arg(QString::number(p.loss, 'g', 5));
    if (std::isfinite(valLoss_)) s += "  val " + QString::number(valLoss_, 'g', 5);
    if (std::isfinite(itPerSec)) s += QString("  %1 it/s").arg(QString::number(itPerSec, 'f', itPerSec < 10 ? 1 : 0));
    s += "  ETA " + formatDuration(p.etaSeconds);
    return s;
}

void BatchPrinter::clearLocked() {
    if (live_ && barShown_) {
        std::fputs("\r\033[K", out_);
        barShown_ = false;
    }
}

void BatchPrinter::redrawLocked() {
    if (!live_ || !haveProgress_) return;
    std::fprintf(out_, "\r\033[K%s", qPrintable(progressText(last_, true, rateLocked(last_))));
    std::fflush(out_);
    barShown_ = true;
    lastDraw_ = std::chrono::steady_clock::now();
}

void BatchPrinter::line(const QString& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    clearLocked();
    std::fprintf(out_, "%s\n", qPrintable(text));
    redrawLocked();
    std::fflush(out_);
}

void BatchPrinter::runStarted(const RunStart& r) {
    QString text = QString("run '%1' started").arg(QString::fromStdString(r.name));
    if (!r.checkpointDir.empty()) text += QString(", checkpoints in %1").arg(QString::fromStdString(r.checkpointDir));
    if (r.dataset.value("synthetic").toBool())
        text += QString("\nnote: dataset '%1' is SYNTHETIC (no data files were read)").arg(r.dataset.value("name").toString());
    line(text);
}

void BatchPrinter::metrics(const std::vector<MetricPoint>& m) {
    std::lock_guard<std::mutex> lock(mutex_);
    // A validation loss, whatever the engine calls it ("loss.val", "loss.validation", "val_loss").
    for (const auto& p : m)
        if (p.key.rfind("loss.val", 0) == 0 || p.key.rfind("val_loss", 0) == 0 || p.key.rfind("val.loss", 0) == 0)
            valLoss_ = p.value;
}

void BatchPrinter::event(const RunEvent& e) {
    if (verbose_ || shownByDefault(e.type)) line(formatEvent(e));
}

void BatchPrinter::progress(const Progress& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const bool first = !haveProgress_;
    last_ = p;
    haveProgress_ = true;
    if (first) {
        rateStep0_ = p.step;
        rateT0_ = now;
    }
    if (live_) {
        if (first || p.step == p.totalSteps || now - lastDraw_ > std::chrono::milliseconds(100)) redrawLocked();
        return;
    }
    const bool epochChanged = p.epoch != lastEpoch_;
    lastEpoch_ = p.epoch;
    double every = plainEvery_;
    if (spread_ > 0 && rateStep0_ >= 0) {
        // The run's expected length from its ETA, so a long run prints about spread_ lines, not one per interval.
        const double elapsed = std::chrono::duration<double>(now - rateT0_).count();
        if (std::isfinite(p.etaSeconds) && p.etaSeconds > 0) every = std::max(every, (elapsed + p.etaSeconds) / spread_);
    }
    const bool due = std::chrono::duration<double>(now - lastPlain_).count() >= every;
    if (first || epochChanged || due || (p.totalSteps > 0 && p.step == p.totalSteps)) {
        std::fprintf(out_, "%s\n", qPrintable(progressText(p, false, rateLocked(p))));
        std::fflush(out_);
        lastPlain_ = now;
    }
}

void BatchPrinter::runFinished(RunStatus st, const QJsonObject& final) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (live_ && haveProgress_) {
        redrawLocked();
        std::fputs("\n", out_);
        barShown_ = false;
    }
    // A finished run is summed up by the result block; anything else says how it ended here.
    if (st != RunStatus::Finished || final.contains("error")) {
        std::fprintf(out_, "run %s", toString(st));
        if (final.contains("error")) std::fprintf(out_, ": %s", qPrintable(final.value("error").toString()));
        std::fputs("\n", out_);
    }
    std::fflush(out_);
}

}  // namespace hpt::cli
