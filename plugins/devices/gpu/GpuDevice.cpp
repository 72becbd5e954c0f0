// GPU cost model: a roofline per op (Williams, Waterman & Patterson, CACM 2009)
// with kernel launches, and energy from what the op does, not from TDP × time:
// FLOPs × the energy per FLOP of the precision plus bytes × the HBM energy per
// byte. The board's static power is charged by the host for the time the GPU
// is powered. GEMM traffic assumes each operand is read once and the result
// written once (ideal on-chip reuse, a lower bound on bytes). docs/devices.md.
#include <hpt/Device.h>

#include <QObject>
#include <algorithm>

namespace {

using hpt::Component;

class GpuDevice : public hpt::Device {
public:
    explicit GpuDevice(const QJsonObject& p) : p_(p) {
        const QString prec = p.value("precision").toString("fp32");
        peakGemm_ = p.value(prec == "fp16" ? "peak_fp16_flops" : prec == "tf32" ? "peak_tf32_flops" : "peak_fp32_flops")
                        .toDouble();
        bytesPerValue_ = prec == "fp16" ? 2.0 : 4.0;
        peakVector_ = p.value("peak_fp32_flops").toDouble();
        bandwidth_ = p.value("memory_bandwidth").toDouble();
        static_ = p.value("static_power_w").toDouble();
        // Linear power model: the power above static reaches TDP at the peak
        // throughput of the precision (docs/devices.md).
        const double dynamicW = std::max(0.0, p.value("tdp_w").toDouble() - static_);
        eFlopGemm_ = peakGemm_ > 0 ? dynamicW / peakGemm_ : 0;
        eFlopVector_ = peakVector_ > 0 ? dynamicW / peakVector_ : 0;
        eByte_ = p.value("hbm_energy_per_byte_j").toDouble();
        launch_ = p.value("cuda_graphs").toBool(false) ? 0.0 : p.value("launch_overhead_s").toDouble();
        linkBw_ = p.value("link_bandwidth").toDouble();
        linkJPerByte_ = 8.0 * p.value("link_energy_per_bit_j").toDouble();
        optBytes_ = p.value("optimizer_bytes_per_element").toDouble(28);
        optFlops_ = p.value("optimizer_flops_per_element").toDouble(12);
    }

    hpt::Cost compute(const hpt::Op& op) const override {
        double flops = 0, bytes = 0, peak = peakVector_, eFlop = eFlopVector_;
        const double r = double(op.repeat);
        if (op.isGemm()) {
            flops = op.flops();
            bytes = bytesPerValue_ * r * (double(op.m) * op.k + double(op.k) * op.n + double(op.m) * op.n);
            peak = peakGemm_;
            eFlop = eFlopGemm_;
        } else if (op.kind == hpt::OpKind::OptimizerUpdate) {
            flops = optFlops_ * double(op.elements) * r;
            bytes = optBytes_ * double(op.elements) * r;
        } else {
            // Elementwise, normalisation, softmax: one fused float32 kernel
            // reading and writing each element once.
            flops = op.flops();
            bytes = 2.0 * 4.0 * double(op.elements) * r;
        }
        return priced(flops / peak, bytes / bandwidth_, flops * eFlop, bytes * eByte_);
    }

    hpt::Cost programWeights(int64_t rows, int64_t cols) const override {
        // Writing a weight into device memory: one pass over its bytes.
        const double bytes = bytesPerValue_ * double(rows) * double(cols);
        return priced(0, bytes / bandwidth_, 0, bytes * eByte_);
    }

    double staticPowerW() const override { return static_; }

    // Activations arriving from another tier over the host link, in float32.
    hpt::Cost receive(double values) const override {
        const double bytes = 4.0 * values;
        hpt::Cost c;
        c.add(Component::Interconnect, linkBw_ > 0 ? bytes / linkBw_ : 0, bytes * linkJPerByte_);
        return c;
    }

    QJsonObject describe() const override {
        QJsonObject d = p_;
        d.insert("peak_gemm_flops", peakGemm_);
        d.insert("bytes_per_value", bytesPerValue_);
        d.insert("ridge_point_flops_per_byte", peakGemm_ / bandwidth_);
        d.insert("gemm_energy_per_flop_j", eFlopGemm_);
        d.insert("vector_energy_per_flop_j", eFlopVector_);
        d.insert("effective_launch_overhead_s", launch_);
        return d;
    }

private:
    // Kernels are launched asynchronously, so a launch hides behind the
    // previous kernel: an op takes max(roofline, launch overhead); the part
    // above the roofline is launch-bound time (the board idles at static power).
    hpt::Cost priced(double computeS, double memoryS, double computeJ, double memoryJ) const {
        hpt::Cost c;
        const bool computeBound = computeS >= memoryS;
        c.add(Component::Compute, computeBound ? computeS : 0, computeJ);
        c.add(Component::Memory, computeBound ? 0 : memoryS, memoryJ);
        const double roof = std::max(computeS, memoryS);
        c.add(Component::Launch, std::max(0.0, launch_ - roof), 0);
        return c;
    }
    QJsonObject p_;
    double peakGemm_ = 0, peakVector_ = 0, bytesPerValue_ = 4, bandwidth_ = 0, static_ = 0, launch_ = 0;
    double eFlopGemm_ = 0, eFlopVector_ = 0, eByte_ = 0, linkBw_ = 0, linkJPerByte_ = 0;
    double optBytes_ = 28, optFlops_ = 12;
};

}  // namespace

class GpuDevicePlugin : public QObject, public hpt::DevicePlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DEVICE_IID FILE "gpu.json")
    Q_INTERFACES(hpt::DevicePlugin)
public:
    std::unique_ptr<hpt::Device> create(const QJsonObject& params) const override {
        return std::make_unique<GpuDevice>(params);
    }
};

#include "GpuDevice.moc"
