#include "engine/SwitchingRule.h"

#include "stats/TTest.h"

#include <hpt/Error.h>

#include <QJsonArray>

namespace hpt {

namespace {
QJsonArray toArray(const std::vector<double>& v) {
    QJsonArray a;
    for (double x : v) a.append(x);
    return a;
}

std::vector<double> fromArray(const QJsonValue& v) {
    std::vector<double> out;
    for (const auto& x : v.toArray()) out.push_back(x.toDouble());
    return out;
}
}  // namespace

namespace {
PlateauRule plateauRule(const QString& name) {
    PlateauRule r;
    if (!parsePlateauRule(name, &r))
        throw configError("switching.plateau_rule", "'" + name.toStdString() +
                                                        "' is not a plateau rule; use \"within_noise\", \"nonnegative\" or \"literal\"");
    return r;
}
}  // namespace

SwitchingRule::SwitchingRule(const SwitchingOptions& o)
    : ctl_(o), plateau_(o.tauLoss, plateauRule(o.plateauRule), o.plateauSe), weight_(o.tauW, {}) {}

std::vector<std::string> SwitchingRule::monitoredLayers(const SwitchingOptions& o, const std::vector<std::string>& attention,
                                                        const std::string& model) {
    if (o.monitoredLayers == QStringList{"all"}) return attention;
    if (o.monitoredLayers.isEmpty()) {
        if (attention.empty()) throw pluginError(model, "the model lists no attention layers to monitor");
        return {attention.back()};
    }
    std::vector<std::string> out;
    for (const auto& c : o.monitoredLayers) out.push_back(c.toStdString());
    return out;
}

void SwitchingRule::start(const std::vector<std::string>& layers, torch::nn::Module* theta) {
    weight_ = WeightDistanceCheck(options().tauW, layers);
    if (theta) weight_.start(*theta);
}

SwitchStep SwitchingRule::afterStep(int64_t step, double lossFull, double lossLora, torch::nn::Module* theta) {
    SwitchStep out;
    const Phase before = ctl_.phase();
    if (before == Phase::Full) plateau_.addLoss(lossFull);
    if (ctl_.checkDue(step)) {
        // Both checks run at every check (and are reported), in the "full" baseline too.
        const ConvergenceVerdict pv = plateau_.check(), wv = weight_.check(*theta);
        QJsonObject wj = wv.toJson();
        QJsonArray layers;
        for (const auto& l : weight_.layers()) layers.append(QString::fromStdString(l));
        wj.insert("layers", layers);
        out.events.push_back({"plateau_check", pv.toJson()});
        out.events.push_back({"weight_check", wj});
        out.action = ctl_.onCheck(pv, wv);
    } else if (before == Phase::Dual && ctl_.addDualLosses(lossFull, lossLora)) {
        const SwitchingOptions& o = ctl_.options();
        const TTestResult r = tTest(ctl_.windowFull(), ctl_.windowLora(), o.alpha, o.welch);
        out.action = ctl_.onTTest(r);
        out.events.push_back({"ttest", {{"t", r.t}, {"p", r.p}, {"df", r.df}, {"critical", r.critical}, {"alpha", r.alpha},
                                        {"welch", r.welch}, {"mean_full", r.meanA}, {"mean_lora", r.meanB},
                                        {"n", qint64(o.ttestWindow)}, {"significant", r.significant},
                                        {"decision", toString(out.action)}, {"attempt", ctl_.dualAttempts()}}});
    }
    return out;
}

QJsonObject SwitchingRule::state() const {
    return {{"controller", ctl_.state()}, {"plateau_averages", toArray(plateau_.averages())},
            {"plateau_standard_errors", toArray(plateau_.standardErrors())}, {"plateau_sum", plateau_.windowSum()},
            {"plateau_sum_sq", plateau_.windowSumSq()}, {"plateau_count", qint64(plateau_.windowCount())},
            {"weight_distances", toArray(weight_.distances())}};
}

void SwitchingRule::restore(const QJsonObject& s, const torch::Tensor& weightSnapshot) {
    ctl_.restore(s.value("controller").toObject());
    // Checkpoints written before the plateau check kept standard errors lack "plateau_standard_errors"
    // and "plateau_sum_sq": their closed windows read as noiseless (the restore pads the errors with 0),
    // and the open window's earlier losses as all equal to their mean (Σx² = (Σx)²/n).
    const double sum = s.value("plateau_sum").toDouble();
    const qint64 count = s.value("plateau_count").toInteger();
    const double sumSq = s.contains("plateau_sum_sq") ? s.value("plateau_sum_sq").toDouble()
                         : count > 0                  ? sum * sum / double(count)
                                                      : 0.0;
    plateau_.restore(fromArray(s.value("plateau_averages")), fromArray(s.value("plateau_standard_errors")), sum, sumSq,
                     count);
    weight_.restore(fromArray(s.value("weight_distances")),
                    weightSnapshot.defined() ? weightSnapshot.to(torch::kFloat64) : torch::Tensor());
}

}  // namespace hpt
