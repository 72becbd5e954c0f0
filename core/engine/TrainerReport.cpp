// What a run reports besides its metrics and events: the record the store keeps when it
// starts, progress, and the final result (test metrics, device totals, what to re-trace).
#include "engine/Evaluation.h"
#include "engine/TrainerImpl.h"
#include "plugin/PluginHost.h"
#include "util/RuntimeInfo.h"

#include <QJsonArray>

namespace hpt {

namespace {
QJsonValue finiteOrText(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QString::number(v)); }
}  // namespace

void Trainer::Impl::emitProgress() {
    Progress p;
    p.step = step;
    p.totalSteps = totalSteps;
    p.epoch = epoch + 1;
    p.epochs = epochs;
    p.phase = toString(rule.phase());
    p.loss = lastLoss;
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    const int64_t done = step - startStep;
    p.etaSeconds = done > 0 ? elapsed / double(done) * double(totalSteps - step) : 0;
    sink.progress(p);
}

QJsonObject Trainer::Impl::finalJson(const char* status) {
    QJsonObject f;
    f.insert("status", status);
    f.insert("steps", qint64(step));
    f.insert("epochs_completed", epoch);
    f.insert("phase", toString(rule.phase()));
    f.insert("switch_step", qint64(switchStep));
    f.insert("dual_step", qint64(dualStep));
    f.insert("dual_attempts", rule.dualAttempts());
    f.insert("wall_s", wall());
    f.insert("torch_device", deviceName);
    f.insert("checkpoint_dir", ckptDir);
    f.insert("target", ro.training.target);
    if (valX.size(0) > 0) {
        QJsonObject v = carve.toJson(timeUnit);
        v.insert("final_loss", finiteOrText(lastVal));
        if (keepBest) {
            v.insert("best_loss", finiteOrText(bestVal));
            v.insert("best_step", qint64(bestStep));
        }
        f.insert("validation", v);
    }
    Model* best = std::string(status) == "finished" || std::string(status) == "stopped" ? bestModel() : current();
    if (best) {
        f.insert("evaluated", best == thetaP.get() ? "theta_prime" : "theta");
        if (keepBest && bestStep >= 0) f.insert("evaluated_weights", QString("best validation loss, step %1").arg(bestStep));
        f.insert("trainable_parameters", qint64(countTrainableParameters(best->module())));
        f.insert("parameters", qint64(countParameters(best->module())));
        f.insert("test", evaluate(*best, *data, 256, residualFeature, &self.stop_));
    }
    f.insert("devices", costs.devicesJson());
    f.insert("devices_per_phase", costs.devicesPerPhaseJson());
    if (coster) {
        f.insert("modeled_time_s", costs.modeledSeconds());
        f.insert("modeled_time_s_per_phase", costs.modeledSecondsPerPhaseJson());
        f.insert("overlap", coster->mapping().overlap());
    }
    if (coster) f.insert("reram_wear", coster->wear());
    // What `hpt --batch` needs to re-trace the run for its gpu-only counterfactual.
    f.insert("model_shape", QJsonArray{qint64(shape.stations), qint64(shape.features), qint64(shape.outputs)});
    f.insert("lora_rank", qint64(lora.rank));
    return f;
}

RunStart Trainer::Impl::runStart() const {
    const QJsonObject m = config.value("model").toObject();
    RunStart rs;
    rs.name = (opts.runName.isEmpty() ? config.value("name").toString() : opts.runName).toStdString();
    rs.config = config;
    auto rec = [&](PluginKind k, const QString& n) {
        const PluginRecord* r = host.find(k, n);
        return r ? QJsonObject{{"name", r->name}, {"version", r->version}, {"file", r->file}} : QJsonObject{{"name", n}};
    };
    QJsonObject devs;
    for (const auto& role : config.value("devices").toObject().keys())
        devs.insert(role, rec(PluginKind::Device, config.value("devices").toObject().value(role).toObject().value("plugin").toString()));
    rs.plugins = {{"model", rec(PluginKind::Model, m.value("name").toString())},
                  {"dataset", rec(PluginKind::Dataset, config.value("dataset").toObject().value("name").toString())},
                  {"devices", devs}};
    rs.dataset = datasetInfoJson(data->info());
    QJsonObject rt = probeRuntime(false).toJson();
    rt.insert("torch_device", deviceName);
    rt.insert("threads", torch::get_num_threads());
    rt.insert("blas_threads", threadCounts.blas);
    rs.runtime = rt;
    rs.seed = seed;
    rs.checkpointDir = ckptDir.toStdString();
    rs.uuid = runUuid.toStdString();
    return rs;
}

}  // namespace hpt
