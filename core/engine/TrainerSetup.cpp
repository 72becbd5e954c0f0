#include "engine/TrainerSetup.h"

#include "plugin/PluginHost.h"

#include <hpt/Error.h>

#include <ATen/CPUGeneratorImpl.h>

#include <QJsonArray>
#include <QStringList>
#include <algorithm>

namespace hpt {

namespace {
QString shapeText(torch::IntArrayRef s) {
    QStringList parts;
    for (auto d : s) parts << QString::number(d);
    return "[" + parts.join(", ") + "]";
}
}  // namespace

std::unique_ptr<Model> createTrainerModel(const PluginHost& host, const QJsonObject& m, const ModelShape& shape,
                                          torch::Device device) {
    const std::string name = m.value("name").toString().toStdString();
    auto* plugin = host.model(m.value("name").toString());
    std::unique_ptr<Model> model;
    // A plugin's own bug is reported as that plugin's error (exit 4), never as a crash.
    try {
        model = plugin->create(shape, m.value("params").toObject());
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        throw pluginError(name, std::string("creating the model failed (LibTorch): ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
        throw pluginError(name, std::string("creating the model threw: ") + e.what());
    }
    if (!model) throw pluginError(name, "create() returned no model");
    model->module().to(device);
    model->module().train();
    return model;
}

std::unique_ptr<Dataset> loadTrainingData(const PluginHost& host, const QJsonObject& d) {
    std::unique_ptr<Dataset> data;
    try {
        data = host.dataset(d.value("name").toString())->load(d.value("params").toObject(), d.value("data_dir").toString());
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        // LibTorch reports a failed CPU allocation as its own error: out of memory, as below.
        const std::string why = e.what_without_backtrace();
        if (why.find("not enough memory") != std::string::npos || why.find("can't allocate") != std::string::npos)
            throw dataError((d.value("data_dir").toString().isEmpty() ? d.value("name") : d.value("data_dir")).toString().toStdString(),
                            "ran out of memory while loading dataset '" + d.value("name").toString().toStdString() +
                                "' (" + why + "); use a smaller slice of the data or a machine with more memory");
        throw pluginError(d.value("name").toString().toStdString(), "loading the dataset failed (LibTorch): " + why);
    } catch (const std::bad_alloc&) {
        // Out of memory reading the data is a data problem (too large for this machine), not a plugin bug.
        const QString where = d.value("data_dir").toString().isEmpty() ? d.value("name").toString()
                                                                        : d.value("data_dir").toString();
        throw dataError(where.toStdString(), QString("ran out of memory while loading dataset '%1' from %2; "
                                                     "use a smaller slice of the data or a machine with more memory")
                                                 .arg(d.value("name").toString(), where).toStdString());
    } catch (const std::exception& e) {
        throw pluginError(d.value("name").toString().toStdString(), std::string("loading the dataset threw: ") + e.what());
    }
    if (!data) throw pluginError(d.value("name").toString().toStdString(), "load() returned no dataset");
    return data;
}

void probeShapes(Model& theta, const torch::Tensor& x, const torch::Tensor& y, const std::string& name,
                 const QString& dname) {
    auto gen = at::detail::getDefaultCPUGenerator();
    torch::Tensor rng;
    {
        std::lock_guard<std::mutex> lock(gen.mutex());
        rng = gen.get_state();
    }
    torch::Tensor out;
    std::string failure;
    theta.module().eval();
    try {
        torch::NoGradGuard ng;
        out = theta.forward(x);
    } catch (const c10::Error& e) {
        failure = e.what_without_backtrace();
    } catch (const std::exception& e) {
        failure = e.what();
    }
    theta.module().train();
    {
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(rng);
    }
    const QString input = QString("one batch of %1 (input %2)").arg(dname, shapeText(x.sizes()));
    if (!failure.empty())
        throw pluginError(name, QString("forward() failed on %1 before training: %2")
                                    .arg(input, QString::fromStdString(failure)).toStdString());
    if (!out.defined() || out.sizes() != y.sizes())
        throw pluginError(name, QString("forward() returns shape %1 on %2, but the dataset's target has shape %3; "
                                        "the model's output layer must produce one value per target")
                                    .arg(out.defined() ? shapeText(out.sizes()) : QString("(undefined)"), input,
                                         shapeText(y.sizes()))
                                    .toStdString());
}

void checkLoraFits(torch::nn::Module& theta, const LoraSpec& lora, bool autoRank) {
    const auto targets = adapterTargets(theta, lora.targets);
    if (targets.empty()) {
        QStringList have;
        for (const auto& n : adapterTargets(theta, {"*"})) have << QString::fromStdString(n);
        throw configError("lora.targets", QString("no adaptable layer matches %1; the model has: %2")
                                              .arg(lora.targets.join(", "), have.isEmpty() ? QString("none") : have.join(", "))
                                              .toStdString());
    }
    if (autoRank) return;
    const auto params = theta.named_parameters(true);
    for (const auto& t : targets) {
        const auto* w = params.find(t + ".weight");
        if (!w || w->dim() != 2) continue;
        const int64_t lim = std::min(w->size(0), w->size(1));
        if (lora.rank > lim)
            throw configError("lora.rank", QString("rank %1 exceeds the smallest dimension of the adapted layer %2 "
                                                   "(%3 × %4); choose 1..%5 or \"auto\"")
                                               .arg(lora.rank).arg(QString::fromStdString(t))
                                               .arg(w->size(0)).arg(w->size(1)).arg(lim)
                                               .toStdString());
    }
}

QJsonObject datasetInfoJson(const DatasetInfo& i) {
    QJsonArray features, stations;
    for (const auto& f : i.features) features.append(QString::fromStdString(f));
    for (const auto& s : i.stations) stations.append(QString::fromStdString(s));
    return {{"name", QString::fromStdString(i.name)}, {"synthetic", i.synthetic},
            {"source", QString::fromStdString(i.source)}, {"path", QString::fromStdString(i.path)},
            {"sha256", QString::fromStdString(i.sha256)}, {"features", features}, {"stations", stations},
            {"target", QString::fromStdString(i.target)}, {"target_unit", QString::fromStdString(i.targetUnit)},
            {"missing_policy", QString::fromStdString(i.missingPolicy)}, {"normalization", i.normalization},
            {"notes", i.notes}};
}

}  // namespace hpt
