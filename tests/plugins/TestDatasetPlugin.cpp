// A tiny dataset plugin for tests: y = mean of each station's features.
#include <hpt/Dataset.h>

#include <QObject>

namespace {
class TinyData : public hpt::Dataset {
public:
    TinyData(int64_t n, int64_t s, int64_t f) {
        torch::manual_seed(7);
        auto mk = [&](int64_t rows) {
            auto x = torch::randn({rows, s, f});
            return hpt::Split{x, x.mean(-1)};
        };
        train_ = mk(n);
        test_ = mk(n / 4 + 1);
    }
    const hpt::Split& train() const override { return train_; }
    const hpt::Split& test() const override { return test_; }
    hpt::DatasetInfo info() const override {
        hpt::DatasetInfo i;
        i.name = "testdata";
        i.synthetic = true;
        i.source = "random normal, test only";
        return i;
    }
    torch::Tensor toRealUnits(const torch::Tensor& y) const override { return y; }
    QJsonObject baselines() const override { return {}; }

private:
    hpt::Split train_, test_;
};
}  // namespace

class TestDatasetPlugin : public QObject, public hpt::DatasetPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DATASET_IID FILE "testdataset.json")
    Q_INTERFACES(hpt::DatasetPlugin)
public:
    std::unique_ptr<hpt::Dataset> load(const QJsonObject& p, const QString&) const override {
        return std::make_unique<TinyData>(p.value("samples").toInt(64), 5, 3);
    }
};

#include "TestDatasetPlugin.moc"
