#pragma once
// Dataset plugins: load (or synthesise) data, split it as the reference does,
// normalise with training statistics only, and say where it came from.
#include <hpt/Api.h>

#include <torch/torch.h>

#include <QJsonObject>
#include <QString>
#include <QtPlugin>
#include <memory>
#include <string>
#include <vector>

namespace hpt {

struct Split {
    torch::Tensor x;  // [N, stations, features], float32, normalised
    torch::Tensor y;  // [N, outputs], float32, normalised
    int64_t size() const { return x.defined() ? x.size(0) : 0; }
};

struct DatasetInfo {
    std::string name;
    bool synthetic = false;      // shown everywhere the data appears
    std::string source;          // citation or generator description
    std::string path;            // file(s) read, "" when synthetic
    std::string sha256;          // of the file read, "" when synthetic
    std::vector<std::string> features;
    std::vector<std::string> stations;
    std::string target, targetUnit;
    std::string missingPolicy;   // "error", "fill", "drop"
    QJsonObject normalization;   // statistics fitted on the training split
    QJsonObject notes;           // split choices, deviations from the reference
};

class Dataset {
public:
    virtual ~Dataset() = default;
    virtual const Split& train() const = 0;
    virtual const Split& test() const = 0;
    virtual DatasetInfo info() const = 0;
    // Normalised targets [N, outputs] → real units.
    virtual torch::Tensor toRealUnits(const torch::Tensor& y) const = 0;
    // Naive baselines on the test split in real units, e.g.
    // {"persistence": {"rmse": .., "mae": ..}, "climatology": {...}}.
    virtual QJsonObject baselines() const = 0;
};

class DatasetPlugin {
public:
    virtual ~DatasetPlugin() = default;
    // `dataDir` may be empty: then the plugin looks in its default places and
    // falls back to its synthetic twin where it has one. Throws hpt::Error
    // (ErrorKind::Data) naming file, line and column on bad input.
    virtual std::unique_ptr<Dataset> load(const QJsonObject& params, const QString& dataDir) const = 0;
};

}  // namespace hpt

Q_DECLARE_INTERFACE(hpt::DatasetPlugin, HPT_DATASET_IID)
