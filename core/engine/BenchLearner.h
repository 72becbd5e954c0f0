#pragma once
// What `hpt bench` steps (core/engine/StepBenchmark.h, IdProbeBenchmark.h): a model built from a
// resolved experiment, its optimizer, and one fixed batch. A step's time depends on shapes only, so
// the batch is random in the model's `reference_shape` where the metadata has one.
#include "engine/Optimizer.h"
#include "engine/RunOptions.h"
#include "engine/StepBenchmark.h"

#include <hpt/Model.h>

#include <QJsonObject>
#include <memory>
#include <vector>

namespace hpt {

class PluginHost;

// One model and its optimizer, stepped on a fixed batch: what a phase trains.
struct BenchLearner {
    std::unique_ptr<Model> model;
    std::unique_ptr<FlatAdam> flat;
    std::unique_ptr<torch::optim::AdamW> ref;
    AdamOptions ao;
    int64_t trainable = 0;
    double flops = 0, optBytes = 0;

    void forwardBackward(const torch::Tensor& x, const torch::Tensor& y);
    void update();
    double floorMs(double peak, double bw) const { return (flops / (peak * 1e9) + optBytes / (bw * 1e9)) * 1e3; }
};

struct BenchSetup {
    QString model;  // the model plugin (from --model, or the experiment file's model.name)
    QJsonObject config, refShape;
    RunOptions run;  // the resolved experiment's options, parsed once (as the trainer reads them)
    ModelShape shape;
    torch::Tensor x, y;
    int64_t rows = 0;
};

// The resolved experiment (--experiment FILE, or --model/--preset) and its batch.
BenchSetup benchSetup(const PluginHost& host, const StepBenchmarkOptions& o);
std::unique_ptr<BenchLearner> makeBenchLearner(const PluginHost& host, const StepBenchmarkOptions& o, const BenchSetup& b,
                                               bool lora);

double benchMedian(std::vector<double> v);
double loadAverage1();  // 1-minute load average, -1 when unknown

}  // namespace hpt
