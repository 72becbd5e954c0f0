#include "engine/Evaluation.h"

#include "stats/Metrics.h"
#include "stats/Skill.h"

#include <cmath>

namespace hpt {

static QJsonObject toJson(const RegressionMetrics& m) {
    return {{"mse", m.mse}, {"rmse", m.rmse}, {"mae", m.mae}, {"r2", m.r2}, {"nse", m.nse}, {"n", qint64(m.n)}};
}

QJsonObject regressionReport(const torch::Tensor& pred, const torch::Tensor& truth, const std::vector<std::string>& names) {
    QJsonObject out = toJson(regressionMetrics(pred, truth));
    if (pred.dim() == 2 && pred.size(1) > 1) {
        const auto cols = perColumnMetrics(pred, truth);
        QJsonObject per;
        for (size_t i = 0; i < cols.size(); ++i)
            per.insert(names.size() == cols.size() ? QString::fromStdString(names[i]) : QString::number(i), toJson(cols[i]));
        out.insert("per_station", per);
    }
    return out;
}

torch::Tensor forecast(Model& model, const torch::Tensor& x, int64_t residualFeature) {
    torch::Tensor out = model.forward(x);
    if (residualFeature >= 0) out = out + x.select(2, residualFeature);
    return out;
}

double meanSquaredError(Model& model, const torch::Tensor& x, const torch::Tensor& y, int64_t residualFeature,
                        int64_t chunk) {
    if (x.size(0) == 0) return std::nan("");
    torch::NoGradGuard ng;
    auto& m = model.module();
    const bool wasTraining = m.is_training();
    m.eval();
    double sum = 0;
    for (int64_t i = 0; i < x.size(0); i += chunk) {
        const int64_t j = std::min(i + chunk, x.size(0));
        sum += (forecast(model, x.slice(0, i, j), residualFeature) - y.slice(0, i, j)).pow(2).sum().item<double>();
    }
    m.train(wasTraining);
    return sum / double(y.numel());
}

QJsonObject evaluate(Model& model, const Dataset& data, int64_t chunk, int64_t residualFeature,
                     const std::atomic<bool>* stop) {
    const Split& test = data.test();
    torch::NoGradGuard ng;
    auto& m = model.module();
    const bool wasTraining = m.is_training();
    m.eval();
    const auto device = m.parameters().empty() ? torch::Device(torch::kCPU) : m.parameters().front().device();
    std::vector<torch::Tensor> preds;
    for (int64_t i = 0; i < test.size(); i += chunk) {
        if (stop && stop->load()) {
            m.train(wasTraining);
            return QJsonObject{{"skipped", "stopped during the final evaluation; resume the run to evaluate it"}};
        }
        preds.push_back(
            forecast(model, test.x.slice(0, i, std::min(i + chunk, test.size())).to(device), residualFeature).to(torch::kCPU));
    }
    m.train(wasTraining);
    const torch::Tensor pred = data.toRealUnits(torch::cat(preds));
    const torch::Tensor truth = data.toRealUnits(test.y);
    const DatasetInfo info = data.info();
    QJsonObject r = regressionReport(pred, truth, info.stations);
    r.insert("unit", QString::fromStdString(info.targetUnit));
    const QJsonObject baselines = data.baselines();
    r.insert("baselines", baselines);
    r.insert("skill", skillScores(r.value("rmse").toDouble(), baselines));
    return r;
}

}  // namespace hpt
