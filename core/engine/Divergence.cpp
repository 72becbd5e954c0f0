#include "engine/Divergence.h"

namespace hpt {

namespace {
QJsonValue finiteOrText(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QString::number(v)); }
}  // namespace

QString Divergence::why(const StepResult& r) const {
    if (!std::isfinite(r.loss)) return QString("loss became %1").arg(r.loss);
    if (o_.maxGradNorm > 0 && !(r.gradNorm <= o_.maxGradNorm))
        return QString("gradient norm %1 exceeds divergence.max_grad_norm = %2").arg(r.gradNorm).arg(o_.maxGradNorm);
    return {};
}

QJsonObject Divergence::divergedEvent(const char* which, const QString& why, const StepResult& r, Phase phase,
                                      const QString& checkpointDir) const {
    return {{"loss", which}, {"value", finiteOrText(r.loss)}, {"grad_norm", finiteOrText(r.gradNorm)},
            {"max_grad_norm", o_.maxGradNorm}, {"reason", QString("the %1 %2").arg(which, why)},
            {"phase", toString(phase)}, {"checkpoint_dir", checkpointDir}, {"policy", o_.policy},
            {"action", rollsBack() ? "rollback" : "stop"}, {"rollbacks", rollbacks_}};
}

Error Divergence::stopError(const char* which, const QString& why, int64_t step, int epoch, Phase phase,
                            const QString& checkpointDir) const {
    QString msg = QString("the %1 %2 at step %3 (epoch %4) in the %5 phase")
                      .arg(which, why).arg(step).arg(epoch + 1).arg(toString(phase));
    if (o_.policy == "rollback")
        msg += QString(", after %1 rollback(s) (divergence.max_rollbacks = %2)").arg(rollbacks_).arg(o_.maxRollbacks);
    msg += QString("; lower training.lr or check the data for extreme values, then resume from the last good "
                   "checkpoint in %1").arg(checkpointDir);
    return Error(ErrorKind::Diverged, QString("step %1").arg(step).toStdString(), msg.toStdString());
}

QJsonObject Divergence::rollbackEvent(int64_t fromStep, int64_t toStep, const QString& checkpoint, const char* which,
                                      const QString& why, double lrFrom, double lrTo, Phase phase) const {
    return {{"from_step", qint64(fromStep)}, {"to_step", qint64(toStep)}, {"checkpoint", checkpoint},
            {"reason", QString("the %1 %2").arg(which, why)}, {"lr_from", lrFrom}, {"lr_to", lrTo},
            {"lr_factor", o_.lrFactor}, {"rollback", rollbacks_}, {"max_rollbacks", o_.maxRollbacks},
            {"phase", toString(phase)}};
}

}  // namespace hpt
