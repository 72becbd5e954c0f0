// ReRAM processing-in-memory crossbars (ISAAC-style, Shafiee et al., ISCA 2016).
// A K×N weight is bit-sliced over cells_per_weight = ⌈weight_bits/bits_per_cell⌉
// adjacent columns and tiled over ⌈K/rows⌉·⌈N·cells_per_weight/cols⌉ crossbars.
// Each input row vector is streamed ⌈input_bits/dac_bits⌉ slices deep; every
// slice activates all crossbars of the weight at once and converts every used
// column through the ADCs. Programming writes every cell of the weight once.
// Within a step the weight GEMMs of one pass either run one after another
// ("serial") or as ISAAC's inter-layer pipeline ("layer"), optionally with the
// spare crossbars holding copies of the weights. Formulas: docs/devices.md.
#include <hpt/Device.h>
#include <hpt/Error.h>

#include <QObject>
#include <algorithm>
#include <cmath>

namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

using hpt::Component;

class ReramDevice : public hpt::Device {
public:
    explicit ReramDevice(const QJsonObject& p) : p_(p) {
        rows_ = p.value("crossbar_rows").toInt(128);
        cols_ = p.value("crossbar_cols").toInt(128);
        cellsPerWeight_ = ceilDiv(p.value("weight_bits").toInt(16), p.value("bits_per_cell").toInt(2));
        slices_ = ceilDiv(p.value("input_bits").toInt(16), p.value("dac_bits").toInt(1));
        eAdc_ = p.value("adc_energy_j").toDouble();
        tAdc_ = p.value("adc_latency_s").toDouble();
        adcs_ = p.value("adcs_per_crossbar").toInt(1);
        tRead_ = p.value("crossbar_read_latency_s").toDouble();
        eRead_ = p.value("crossbar_read_energy_j").toDouble();
        eDac_ = p.value("dac_energy_j").toDouble();
        eWrite_ = p.value("write_energy_j").toDouble();
        tWrite_ = p.value("write_latency_s").toDouble();
        parallelWrites_ = p.value("write_parallel_crossbars").toInt(168);
        endurance_ = p.value("endurance").toDouble(1e6);
        available_ = int64_t(p.value("tiles").toInt(168)) * p.value("crossbars_per_tile").toInt(96);
        static_ = p.value("static_power_w").toDouble();
        linkBw_ = p.value("link_bandwidth").toDouble();
        linkJPerByte_ = 8.0 * p.value("link_energy_per_bit_j").toDouble();
        bytesPerInput_ = double(ceilDiv(p.value("input_bits").toInt(16), 8));
        pipelined_ = p.value("pipeline").toString("layer") == "layer";
        replicate_ = p.value("replicate").toBool(true);
    }

    int64_t crossbars(int64_t k, int64_t n) const { return ceilDiv(k, rows_) * ceilDiv(n * cellsPerWeight_, cols_); }

    hpt::Cost compute(const hpt::Op& op) const override {
        if (!op.isGemm())
            throw hpt::pluginError("reram", std::string("a crossbar cannot run ") + hpt::toString(op.kind) +
                                                " ops; map them to gpu or systolic (mapping.overrides)");
        const int64_t K = op.k, N = op.n;  // the operand held in the crossbars (weight, or Wᵀ for backward data)
        const int64_t xbRow = ceilDiv(K, rows_), xbCol = ceilDiv(N * cellsPerWeight_, cols_);
        const double activations = double(op.m) * double(op.repeat) * double(slices_);
        const int64_t colsUsed = std::min<int64_t>(cols_, N * cellsPerWeight_);
        const double cycle = std::max(tRead_, double(ceilDiv(colsUsed, adcs_)) * tAdc_);
        hpt::Cost c;
        c.cycles = activations;
        // Time is the read cycle of the arrays (the ADCs keep pace within it).
        c.add(Component::Crossbar, activations * cycle, activations * double(xbRow * xbCol) * eRead_);
        c.add(Component::Adc, 0, activations * double(N * cellsPerWeight_) * double(xbRow) * eAdc_);
        c.add(Component::Dac, 0, activations * double(K) * double(xbCol) * eDac_);
        // Both operands of attention products and weight gradients are fresh
        // activations: one must be written into crossbars before every use.
        const bool dynamicOperand = op.kind == hpt::OpKind::AttentionScore || op.kind == hpt::OpKind::AttentionValue ||
                                    op.pass == hpt::Pass::BackwardWeight;
        if (dynamicOperand) c += programWeights(K, N).scaled(double(op.repeat));
        return c;
    }

    hpt::Cost programWeights(int64_t rows, int64_t cols) const override {
        const int64_t xb = crossbars(rows, cols);
        const double cells = double(rows) * double(cols) * double(cellsPerWeight_);
        // A crossbar is written row by row (a row's cells in one pulse);
        // write_parallel_crossbars crossbars are written at the same time.
        const double rowWrites = double(std::min<int64_t>(rows, rows_)) * double(ceilDiv(xb, parallelWrites_));
        hpt::Cost c;
        c.cycles = rowWrites;
        c.add(Component::Writes, rowWrites * tWrite_, cells * eWrite_);
        c.cellWrites = cells;
        return c;
    }

    double endurance() const override { return endurance_; }
    double staticPowerW() const override { return static_; }

    // Inputs arrive at input_bits each over the chip's link (ISAAC: HyperTransport).
    hpt::Cost receive(double values) const override {
        const double bytes = bytesPerInput_ * values;
        hpt::Cost c;
        c.add(Component::Interconnect, linkBw_ > 0 ? bytes / linkBw_ : 0, bytes * linkJPerByte_);
        return c;
    }
    double storageUnits(int64_t rows, int64_t cols) const override { return double(crossbars(rows, cols)); }
    double storageCapacity() const override { return double(available_); }

    // ISAAC (§IV) gives every layer its own crossbars and lets input vectors
    // flow through the layers as a pipeline: a pass over R input vectors and L
    // layers takes (L − 1 + R) stage times instead of L·R, the stage time being
    // the slowest layer's time per input vector. Copies of the weights (spare
    // crossbars, `replicate`) divide that stage time. Passes run one after
    // another (backward data needs the loss of the forward pass); ops with a
    // dynamic operand (writes) stay serial.
    double stepSeconds(const std::vector<const hpt::Op*>& ops, const std::vector<hpt::Cost>& costs,
                       double replication) const override {
        if (!pipelined_) return Device::stepSeconds(ops, costs, replication);
        const double copies = replicate_ ? std::max(1.0, std::floor(replication)) : 1.0;
        double serial = 0;
        struct Pass { double fill = 0, slowest = 0, rows = 0; };
        Pass passes[2];
        for (size_t i = 0; i < ops.size(); ++i) {
            const hpt::Op& op = *ops[i];
            const bool pipelinable = op.kind == hpt::OpKind::WeightGemm || op.kind == hpt::OpKind::AdapterGemm;
            const int pass = op.pass == hpt::Pass::Forward ? 0 : op.pass == hpt::Pass::BackwardData ? 1 : -1;
            const double rows = double(op.m) * double(op.repeat);
            if (!pipelinable || pass < 0 || rows <= 0 || costs[i].cellWrites > 0) {
                serial += costs[i].seconds;
                continue;
            }
            const double stage = costs[i].seconds / rows;  // one input vector through this layer
            passes[pass].fill += stage;
            passes[pass].slowest = std::max(passes[pass].slowest, stage / copies);
            passes[pass].rows = std::max(passes[pass].rows, rows);
        }
        for (const auto& p : passes)
            if (p.rows > 0) serial += p.fill + (p.rows - 1) * p.slowest;
        return serial;
    }

    QJsonObject describe() const override {
        QJsonObject d = p_;
        d.insert("cells_per_weight", double(cellsPerWeight_));
        d.insert("input_slices", double(slices_));
        d.insert("crossbars_available", double(available_));
        d.insert("crossbar_formula", "ceil(K/crossbar_rows) * ceil(N*cells_per_weight/crossbar_cols)");
        return d;
    }

private:
    QJsonObject p_;
    int64_t rows_ = 128, cols_ = 128, cellsPerWeight_ = 8, slices_ = 16, adcs_ = 1, parallelWrites_ = 168, available_ = 0;
    double eAdc_ = 0, tAdc_ = 0, tRead_ = 0, eRead_ = 0, eDac_ = 0, eWrite_ = 0, tWrite_ = 0, endurance_ = 1e6;
    double static_ = 0, linkBw_ = 0, linkJPerByte_ = 0, bytesPerInput_ = 2;
    bool pipelined_ = true, replicate_ = true;
};

}  // namespace

class ReramDevicePlugin : public QObject, public hpt::DevicePlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DEVICE_IID FILE "reram.json")
    Q_INTERFACES(hpt::DevicePlugin)
public:
    std::unique_ptr<hpt::Device> create(const QJsonObject& params) const override {
        return std::make_unique<ReramDevice>(params);
    }
};

#include "ReramDevice.moc"
