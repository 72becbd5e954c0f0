// A tiny model plugin for host and engine tests: one attention layer over the
// stations, q/k/v/out as AdaptableLinear, then a per-station linear head.
#include <hpt/Model.h>

#include <QObject>

namespace {

struct AttnImpl : torch::nn::Module {
    AttnImpl(int64_t d) {
        q = register_module("q", hpt::AdaptableLinear(d, d));
        k = register_module("k", hpt::AdaptableLinear(d, d));
        v = register_module("v", hpt::AdaptableLinear(d, d));
        out = register_module("out", hpt::AdaptableLinear(d, d));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        auto s = torch::softmax(torch::matmul(q(x), k(x).transpose(1, 2)) / std::sqrt(double(x.size(2))), -1);
        return out(torch::matmul(s, v(x)));
    }
    hpt::AdaptableLinear q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr};
};
TORCH_MODULE(Attn);

struct TinyImpl : torch::nn::Module {
    TinyImpl(int64_t f, int64_t d) {
        embed = register_module("embed", torch::nn::Linear(f, d));
        auto layers = register_module("layers", torch::nn::ModuleList());
        auto layer = std::make_shared<torch::nn::Module>();
        attn = layer->register_module("attn", Attn(d));
        layers->push_back(layer);
        head = register_module("decoder", torch::nn::Linear(d, 1));
    }
    torch::nn::Linear embed{nullptr}, head{nullptr};
    Attn attn{nullptr};
};
TORCH_MODULE(Tiny);

class TinyModel : public hpt::Model {
public:
    TinyModel(const hpt::ModelShape& s, int64_t d) : net_(s.features, d), d_(d), shape_(s) {}
    torch::nn::Module& module() override { return *net_; }
    torch::Tensor hidden(const torch::Tensor& x) override {
        auto h = net_->embed(x);
        return h + net_->attn(h);
    }
    torch::Tensor forward(const torch::Tensor& x) override { return net_->head(hidden(x)).squeeze(-1); }
    std::vector<std::string> attentionLayers() const override { return {"layers.0.attn"}; }
    hpt::Trace trace(int64_t batch) const override {
        hpt::Trace t;
        hpt::Op op;
        op.kind = hpt::OpKind::WeightGemm;
        op.m = batch * shape_.stations;
        op.k = d_;
        op.n = d_;
        op.param = "layers.0.attn.q.weight";
        t.ops.push_back(op);
        return t;
    }

private:
    Tiny net_;
    int64_t d_;
    hpt::ModelShape shape_;
};

}  // namespace

class TestModelPlugin : public QObject, public hpt::ModelPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_MODEL_IID FILE "testmodel.json")
    Q_INTERFACES(hpt::ModelPlugin)
public:
    std::unique_ptr<hpt::Model> create(const hpt::ModelShape& s, const QJsonObject& p) const override {
        return std::make_unique<TinyModel>(s, p.value("d_model").toInt(8));
    }
};

#include "TestModelPlugin.moc"
