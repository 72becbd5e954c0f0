#include "engine/CheckpointCheck.h"

#include "engine/Phase.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QStringList>
#include <cmath>

namespace hpt {

namespace {

// 2^53: the largest step a JSON number holds exactly; any real run is far below.
constexpr double kMaxStep = 9007199254740992.0;

[[noreturn]] void bad(const QString& file, const QString& field, const QString& why) {
    throw dataError(file.toStdString(), QString("the checkpoint is not one this run can continue: %1 %2; resume from "
                                                "the run's own checkpoint folder, or start the run again")
                                            .arg(field, why)
                                            .toStdString());
}

int64_t integer(const QJsonObject& s, const char* key, double lo, double hi, const QString& file) {
    const QJsonValue v = s.value(key);
    if (!v.isDouble()) bad(file, key, "is missing or not a number");
    const double x = v.toDouble();
    if (!std::isfinite(x) || x != std::floor(x)) bad(file, key, QString("is %1, not a whole number").arg(x));
    if (x < lo || x > hi) bad(file, key, QString("is %1, outside [%2, %3]").arg(x, 0, 'g', 15).arg(lo, 0, 'g', 15).arg(hi, 0, 'g', 15));
    return int64_t(x);
}

QString shapeText(c10::IntArrayRef s) {
    QStringList p;
    for (auto d : s) p << QString::number(d);
    return "[" + p.join(", ") + "]";
}

}  // namespace

void checkCheckpointState(const QJsonObject& s, const QString& file, const CheckpointBounds& b) {
    if (s.value("format").toInt(-1) != 1) bad(file, "format", "is not 1 (written by another version?)");
    const bool positions = b.stepsPerEpoch > 0 && b.epochs > 0;
    const double maxStep = positions ? double(b.stepsPerEpoch) * double(b.epochs) : kMaxStep;
    const int64_t step = integer(s, "step", 0, maxStep, file);
    integer(s, "epoch", 0, positions ? double(b.epochs) : kMaxStep, file);
    integer(s, "batch_in_epoch", 0, positions ? double(b.stepsPerEpoch) : kMaxStep, file);
    integer(s, "switch_step", -1, double(step), file);
    integer(s, "dual_step", -1, double(step), file);
    const double lr = s.value("lr").toDouble(NAN);
    if (!std::isfinite(lr) || lr <= 0) bad(file, "lr", "is not a finite positive learning rate");
    if (!s.value("controller").isObject()) bad(file, "controller", "is missing");
    Phase phase;
    const QString ph = s.value("controller").toObject().value("phase").toString();
    if (!parsePhase(ph.toStdString(), &phase)) bad(file, "controller.phase", QString("'%1' is not FULL, DUAL or LORA").arg(ph.left(20)));
    if (!s.value("has_theta").isBool() || !s.value("has_theta_prime").isBool())
        bad(file, "has_theta/has_theta_prime", "are missing");
    const bool theta = s.value("has_theta").toBool(), thetaP = s.value("has_theta_prime").toBool();
    if ((phase == Phase::Full || phase == Phase::Dual) && !theta)
        bad(file, "has_theta", QString("is false, but phase %1 trains the full model Θ").arg(ph));
    if ((phase == Phase::Dual || phase == Phase::Lora) && !thetaP)
        bad(file, "has_theta_prime", QString("is false, but phase %1 trains the LoRA copy Θ′").arg(ph));
    if (!theta && !thetaP) bad(file, "has_theta", "and has_theta_prime are both false: the checkpoint holds no model");
    if (thetaP) integer(s, "lora_rank", 1, 1 << 20, file);
    for (const char* k : {"plateau_averages", "weight_distances"})
        if (!s.value(k).isUndefined() && !s.value(k).isArray()) bad(file, k, "is not a list");
    if (!s.value("wall_s").isUndefined() && !(s.value("wall_s").toDouble(-1) >= 0)) bad(file, "wall_s", "is negative");
}

void checkCheckpointConfig(const QJsonObject& c, const QString& file) {
    for (const char* k : {"model", "dataset", "training"})
        if (!c.value(k).isObject())
            throw dataError(file.toStdString(), QString("the checkpoint's configuration has no '%1' section; it was not "
                                                        "written by a run of this program").arg(k).toStdString());
}

void readTensorLike(torch::serialize::InputArchive& a, const std::string& name, const torch::Tensor& like,
                    torch::Tensor& out, const QString& file, bool buffer) {
    try {
        a.read(name, out, buffer);
    } catch (const c10::Error&) {
        throw dataError(file.toStdString(), QString("the checkpoint has no tensor '%1' that the model needs; it was "
                                                    "written for another model or configuration")
                                                .arg(QString::fromStdString(name)).toStdString());
    }
    if (!out.defined() || out.sizes() != like.sizes())
        throw dataError(file.toStdString(), QString("tensor '%1' has shape %2 in the checkpoint, but the model's is %3; "
                                                    "it was written for another model or configuration")
                                                .arg(QString::fromStdString(name),
                                                     out.defined() ? shapeText(out.sizes()) : QString("(none)"),
                                                     shapeText(like.sizes()))
                                                .toStdString());
}

}  // namespace hpt
