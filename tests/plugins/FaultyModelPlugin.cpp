// A model plugin that misbehaves on request, for the reliability tests: create()
// throws, forward() returns the wrong shape or throws, or the n-th training
// forward scales its output by 1e6 (a deterministic exploding gradient). Its
// width parameter is not called d_model, so only the engine can check a LoRA
// rank against the adapted layers' sizes. Built into the faulty-plugin folder,
// not the normal test plugin folder.
#include <hpt/Model.h>

#include <QJsonObject>
#include <QObject>

#include <map>
#include <mutex>
#include <stdexcept>

namespace {

struct AttnImpl : torch::nn::Module {
    explicit AttnImpl(int64_t d) {
        q = register_module("q", hpt::AdaptableLinear(d, d));
        k = register_module("k", hpt::AdaptableLinear(d, d));
        v = register_module("v", hpt::AdaptableLinear(d, d));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        auto s = torch::softmax(torch::matmul(q(x), k(x).transpose(1, 2)) / std::sqrt(double(x.size(2))), -1);
        return torch::matmul(s, v(x));
    }
    hpt::AdaptableLinear q{nullptr}, k{nullptr}, v{nullptr};
};
TORCH_MODULE(Attn);

struct NetImpl : torch::nn::Module {
    NetImpl(int64_t f, int64_t d) {
        embed = register_module("embed", torch::nn::Linear(f, d));
        auto layers = register_module("layers", torch::nn::ModuleList());
        auto layer = std::make_shared<torch::nn::Module>();
        attn = layer->register_module("attn", Attn(d));
        layers->push_back(layer);
        decoder = register_module("decoder", torch::nn::Linear(d, 1));
    }
    torch::nn::Linear embed{nullptr}, decoder{nullptr};
    Attn attn{nullptr};
};
TORCH_MODULE(Net);

// Training forwards per tag, shared by every model instance of that tag.
int64_t countForward(const std::string& tag) {
    static std::mutex m;
    static std::map<std::string, int64_t> calls;
    std::lock_guard<std::mutex> lk(m);
    return ++calls[tag];
}

class FaultyModel : public hpt::Model {
public:
    FaultyModel(const hpt::ModelShape& s, const QJsonObject& p)
        : net_(s.features, p.value("width").toInt(8)), d_(p.value("width").toInt(8)), shape_(s),
          fault_(p.value("fault").toString("none").toStdString()), tag_(p.value("tag").toString().toStdString()),
          spikeAt_(p.value("spike_at").toInt(0)), spikeCount_(p.value("spike_count").toInt(1)) {}
    torch::nn::Module& module() override { return *net_; }
    torch::Tensor hidden(const torch::Tensor& x) override {
        auto h = net_->embed(x);
        return h + net_->attn(h);
    }
    torch::Tensor forward(const torch::Tensor& x) override {
        if (fault_ == "forward") throw std::runtime_error("faultymodel: forward failed on purpose");
        auto y = net_->decoder(hidden(x)).squeeze(-1);  // [batch, stations]
        if (fault_ == "shape") return y.mean(-1, true);  // [batch, 1]: broadcasts silently against [batch, stations]
        if (spikeAt_ > 0 && net_->is_training()) {
            const int64_t n = countForward(tag_);
            if (n >= spikeAt_ && n < spikeAt_ + spikeCount_) y = y * 1e6;
        }
        return y;
    }
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
    Net net_;
    int64_t d_;
    hpt::ModelShape shape_;
    std::string fault_, tag_;
    int64_t spikeAt_, spikeCount_;
};

}  // namespace

class FaultyModelPlugin : public QObject, public hpt::ModelPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_MODEL_IID FILE "faultymodel.json")
    Q_INTERFACES(hpt::ModelPlugin)
public:
    std::unique_ptr<hpt::Model> create(const hpt::ModelShape& s, const QJsonObject& p) const override {
        if (p.value("fault").toString() == "create") throw std::runtime_error("faultymodel: create() failed on purpose");
        return std::make_unique<FaultyModel>(s, p);
    }
};

#include "FaultyModelPlugin.moc"
