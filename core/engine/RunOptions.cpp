#include "engine/RunOptions.h"

#include "config/Experiment.h"

#include <QJsonArray>

namespace hpt {

namespace {
QJsonObject mergeDefaults(const QJsonObject& defaults, QJsonObject given) {
    for (auto it = defaults.begin(); it != defaults.end(); ++it) {
        if (!given.contains(it.key())) given.insert(it.key(), it.value());
        else if (it.value().isObject() && given.value(it.key()).isObject())
            given.insert(it.key(), mergeDefaults(it.value().toObject(), given.value(it.key()).toObject()));
    }
    return given;
}

QStringList strings(const QJsonValue& v) {
    QStringList out;
    for (const auto& x : v.toArray()) out << x.toString();
    return out;
}

const QJsonObject& builtin() {
    static const QJsonObject d = builtinExperimentDefaults();
    return d;
}
}  // namespace

QJsonObject sectionWithDefaults(const QJsonObject& config, const QString& section) {
    return mergeDefaults(builtin().value(section).toObject(), config.value(section).toObject());
}

SwitchingOptions SwitchingOptions::fromJson(const QJsonObject& given) {
    const QJsonObject s = mergeDefaults(builtin().value("switching").toObject(), given);
    SwitchingOptions o;
    o.mode = s.value("mode").toString();
    o.checkEvery = s.value("check_every").toInteger();
    o.ttestWindow = s.value("ttest_window").toInteger();
    o.minSteps = s.value("min_steps").toInteger();
    o.maxDualAttempts = s.value("max_dual_attempts").toInteger();
    o.tauLoss = s.value("tau_loss").toDouble();
    o.tauW = s.value("tau_w").toDouble();
    o.alpha = s.value("alpha").toDouble();
    o.welch = s.value("welch").toBool();
    o.plateauRule = s.value("plateau_rule").toString();
    o.plateauSe = s.value("plateau_se").toDouble();
    o.monitoredLayers = strings(s.value("monitored_layers"));
    return o;
}

RunOptions RunOptions::fromResolved(const QJsonObject& config) {
    RunOptions o;
    const QJsonObject t = sectionWithDefaults(config, "training");
    auto& tr = o.training;
    tr.seed = t.value("seed").toInteger();
    tr.batchSize = t.value("batch_size").toInteger();
    tr.maxSteps = t.value("max_steps").toInteger();
    tr.epochs = t.value("epochs").toInt();
    tr.threads = t.value("threads").toInt();
    tr.validationFraction = t.value("validation_fraction").toDouble();
    tr.validationGap = t.value("validation_gap").toInteger();
    tr.gradClip = t.value("grad_clip").toDouble();
    tr.torchDevice = t.value("torch_device").toString();
    tr.target = t.value("target").toString();
    tr.keepBest = t.value("keep_best").toBool();
    tr.adam.lr = t.value("lr").toDouble();
    tr.adam.weightDecay = t.value("weight_decay").toDouble();
    tr.adam.beta1 = t.value("beta1").toDouble();
    tr.adam.beta2 = t.value("beta2").toDouble();
    tr.adam.eps = t.value("eps").toDouble();
    tr.adam.decoupled = t.value("optimizer").toString() == "adamw";
    tr.schedule = LrSchedule::fromJson(t, 1);

    o.switching = SwitchingOptions::fromJson(config.value("switching").toObject());

    const QJsonObject l = sectionWithDefaults(config, "lora");
    o.lora.spec = loraSpecFromJson(l);
    o.lora.autoRank = l.value("rank").isString();
    o.lora.autoRule = l.value("auto").toObject();

    const QJsonObject dv = sectionWithDefaults(config, "divergence");
    o.divergence.policy = dv.value("policy").toString();
    o.divergence.maxGradNorm = dv.value("max_grad_norm").toDouble();
    o.divergence.lrFactor = dv.value("lr_factor").toDouble();
    o.divergence.maxRollbacks = dv.value("max_rollbacks").toInt();

    const QJsonObject ck = sectionWithDefaults(config, "checkpoint");
    o.checkpoint.every = ck.value("every").toInteger();
    o.checkpoint.dir = ck.value("dir").toString();

    o.id = IdSettings::fromJson(sectionWithDefaults(config, "id"));
    return o;
}

}  // namespace hpt
