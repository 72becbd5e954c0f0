// Example model plugin: embed each station, one self-attention layer over the
// stations, a per-station linear head. Shows the SDK contract a model keeps:
//  - q/k/v/out are hpt::AdaptableLinear registered as "layers.0.attn.q" etc.,
//    so the engine can attach LoRA adapters by name;
//  - attentionLayers() lists "layers.0.attn" for the weight-distance check;
//  - trace() reports every GEMM of a training step for the device models.
#include <hpt/Error.h>
#include <hpt/Model.h>

#include <QObject>
#include <cmath>

namespace {

struct AttentionImpl : torch::nn::Module {
    explicit AttentionImpl(int64_t d)
        : q(register_module("q", hpt::AdaptableLinear(d, d))), k(register_module("k", hpt::AdaptableLinear(d, d))),
          v(register_module("v", hpt::AdaptableLinear(d, d))), out(register_module("out", hpt::AdaptableLinear(d, d))) {}
    torch::Tensor forward(const torch::Tensor& x) {
        const double scale = 1.0 / std::sqrt(double(x.size(-1)));
        auto weights = torch::softmax(torch::matmul(q(x), k(x).transpose(1, 2)) * scale, -1);
        return out(torch::matmul(weights, v(x)));
    }
    hpt::AdaptableLinear q, k, v, out;
};
TORCH_MODULE(Attention);

class ExampleModel : public hpt::Model {
public:
    ExampleModel(const hpt::ModelShape& shape, int64_t d) : shape_(shape), d_(d) {
        embed_ = net_->register_module("embed", torch::nn::Linear(shape.features, d));
        auto layers = net_->register_module("layers", torch::nn::ModuleList());
        auto layer = std::make_shared<torch::nn::Module>();
        attn_ = layer->register_module("attn", Attention(d));
        layers->push_back(layer);
        decoder_ = net_->register_module("decoder", torch::nn::Linear(d, 1));
    }
    torch::nn::Module& module() override { return *net_; }
    torch::Tensor hidden(const torch::Tensor& x) override {
        auto h = embed_(x);
        return h + attn_(h);
    }
    torch::Tensor forward(const torch::Tensor& x) override { return decoder_(hidden(x)).squeeze(-1); }
    std::vector<std::string> attentionLayers() const override { return {"layers.0.attn"}; }

    hpt::Trace trace(int64_t batch) const override {
        hpt::Trace t;
        const int64_t rows = batch * shape_.stations;
        auto linear = [&](const std::string& name, int64_t in, int64_t out, bool trains) {
            hpt::Op f;
            f.kind = hpt::OpKind::WeightGemm;
            f.m = rows, f.k = in, f.n = out, f.param = name + ".weight", f.weightFrozen = !trains;
            t.ops.push_back(f);
            hpt::Op bd = f;  // gradient w.r.t. the input
            bd.pass = hpt::Pass::BackwardData, bd.k = out, bd.n = in;
            t.ops.push_back(bd);
            if (trains) {  // frozen weights need no weight gradient
                hpt::Op bw = f;
                bw.pass = hpt::Pass::BackwardWeight, bw.m = in, bw.k = rows, bw.n = out;
                t.ops.push_back(bw);
            }
        };
        linear("embed", shape_.features, d_, embed_->weight.requires_grad());
        for (const char* p : {"q", "k", "v", "out"}) {
            auto* lin = attn_->named_children()[p]->as<hpt::AdaptableLinearImpl>();
            linear(std::string("layers.0.attn.") + p, d_, d_, lin->weight.requires_grad());
        }
        hpt::Op score;
        score.kind = hpt::OpKind::AttentionScore;
        score.m = shape_.stations, score.k = d_, score.n = shape_.stations, score.repeat = batch;
        t.ops.push_back(score);
        hpt::Op value = score;
        value.kind = hpt::OpKind::AttentionValue, value.k = shape_.stations, value.n = d_;
        t.ops.push_back(value);
        linear("decoder", d_, 1, decoder_->weight.requires_grad());
        return t;
    }

private:
    hpt::ModelShape shape_;
    int64_t d_;
    std::shared_ptr<torch::nn::Module> net_ = std::make_shared<torch::nn::Module>();
    torch::nn::Linear embed_{nullptr}, decoder_{nullptr};
    Attention attn_{nullptr};
};

}  // namespace

class ExampleModelPlugin : public QObject, public hpt::ModelPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_MODEL_IID FILE "example_attention.json")
    Q_INTERFACES(hpt::ModelPlugin)
public:
    std::unique_ptr<hpt::Model> create(const hpt::ModelShape& shape, const QJsonObject& params) const override {
        const int64_t d = params.value("d_model").toInt(32);
        if (shape.outputs != shape.stations)
            throw hpt::configError("model.name", "example_attention predicts one value per station; the dataset has " +
                                                     std::to_string(shape.outputs) + " outputs for " +
                                                     std::to_string(shape.stations) + " stations");
        return std::make_unique<ExampleModel>(shape, d);
    }
};

#include "ExampleModel.moc"
