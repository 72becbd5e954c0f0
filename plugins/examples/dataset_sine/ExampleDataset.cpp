// Example dataset plugin: synthetic sine waves, one phase per station. Shows
// what a dataset keeps: train/test splits with train-only normalisation, a
// real-units inverse, a naive baseline, and an honest "synthetic" label.
#include <hpt/Dataset.h>
#include <hpt/Error.h>

#include <QObject>
#include <cmath>

namespace {

class SineDataset : public hpt::Dataset {
public:
    SineDataset(int64_t stations, int64_t window, int64_t samples) : window_(window) {
        // series[t, s] = sin(0.1 t + phase_s); input = last `window` values, target = next value.
        auto t = torch::arange(samples + window + 1, torch::kFloat).unsqueeze(1);
        auto phase = torch::linspace(0, M_PI, stations).unsqueeze(0);
        series_ = torch::sin(0.1 * t + phase);  // [T, S]
        auto windows = series_.unfold(0, window + 1, 1);  // [N, S, window+1]
        auto x = windows.slice(2, 0, window), y = windows.select(2, window);
        const int64_t cut = x.size(0) * 4 / 5;
        mean_ = y.slice(0, 0, cut).mean().item<double>();
        std_ = y.slice(0, 0, cut).std().item<double>();
        train_ = {((x.slice(0, 0, cut) - mean_) / std_).contiguous(), ((y.slice(0, 0, cut) - mean_) / std_).contiguous()};
        test_ = {((x.slice(0, cut) - mean_) / std_).contiguous(), ((y.slice(0, cut) - mean_) / std_).contiguous()};
        lastTest_ = x.slice(0, cut).select(2, window - 1);
        truthTest_ = y.slice(0, cut);
    }
    const hpt::Split& train() const override { return train_; }
    const hpt::Split& test() const override { return test_; }
    hpt::DatasetInfo info() const override {
        hpt::DatasetInfo i;
        i.name = "example_sine";
        i.synthetic = true;
        i.source = "sin(0.1 t + phase per station), generated";
        i.target = "next value";
        i.missingPolicy = "error";
        i.normalization = QJsonObject{{"target_mean", mean_}, {"target_std", std_}};
        return i;
    }
    torch::Tensor toRealUnits(const torch::Tensor& y) const override { return y * std_ + mean_; }
    QJsonObject baselines() const override {
        auto err = lastTest_ - truthTest_;
        return {{"persistence", QJsonObject{{"rmse", err.pow(2).mean().sqrt().item<double>()},
                                            {"mae", err.abs().mean().item<double>()}}}};
    }

private:
    int64_t window_;
    torch::Tensor series_, lastTest_, truthTest_;
    double mean_ = 0, std_ = 1;
    hpt::Split train_, test_;
};

}  // namespace

class ExampleDatasetPlugin : public QObject, public hpt::DatasetPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DATASET_IID FILE "example_sine.json")
    Q_INTERFACES(hpt::DatasetPlugin)
public:
    std::unique_ptr<hpt::Dataset> load(const QJsonObject& p, const QString&) const override {
        return std::make_unique<SineDataset>(p.value("stations").toInt(8), p.value("window").toInt(6),
                                             p.value("samples").toInt(200));
    }
};

#include "ExampleDataset.moc"
