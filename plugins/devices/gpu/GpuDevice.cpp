// GPU cost model: a roofline per op (Williams, Waterman & Patterson, CACM 2009)
// plus a fixed kernel-launch overhead, energy = board power × busy time.
// GEMM traffic assumes each operand is read once and the result written once
// (ideal on-chip reuse, a lower bound on bytes); formulas in docs/devices.md.
#include <hpt/Device.h>

#include <QObject>
#include <algorithm>

namespace {

class GpuDevice : public hpt::Device {
public:
    explicit GpuDevice(const QJsonObject& p) : p_(p) {
        const QString prec = p.value("precision").toString("fp32");
        peakGemm_ = p.value(prec == "fp16" ? "peak_fp16_flops" : prec == "tf32" ? "peak_tf32_flops" : "peak_fp32_flops")
                        .toDouble();
        bytesPerValue_ = prec == "fp16" ? 2.0 : 4.0;
        peakVector_ = p.value("peak_fp32_flops").toDouble();
        bandwidth_ = p.value("memory_bandwidth").toDouble();
        watts_ = p.value("tdp_w").toDouble() * p.value("power_fraction").toDouble(1.0);
        launch_ = p.value("launch_overhead_s").toDouble();
        optBytes_ = p.value("optimizer_bytes_per_element").toDouble(28);
        optFlops_ = p.value("optimizer_flops_per_element").toDouble(12);
    }

    hpt::Cost compute(const hpt::Op& op) const override {
        double flops = 0, bytes = 0, peak = peakVector_;
        const double r = double(op.repeat);
        if (op.isGemm()) {
            flops = op.flops();
            bytes = bytesPerValue_ * r * (double(op.m) * op.k + double(op.k) * op.n + double(op.m) * op.n);
            peak = peakGemm_;
        } else if (op.kind == hpt::OpKind::OptimizerUpdate) {
            flops = optFlops_ * double(op.elements) * r;
            bytes = optBytes_ * double(op.elements) * r;
        } else {
            // Elementwise, normalisation, softmax: one fused float32 kernel
            // reading and writing each element once.
            flops = op.flops();
            bytes = 2.0 * 4.0 * double(op.elements) * r;
        }
        return timed(std::max(flops / peak, bytes / bandwidth_) + launch_);
    }

    hpt::Cost programWeights(int64_t rows, int64_t cols) const override {
        // Writing a weight into device memory: one pass over its bytes.
        return timed(bytesPerValue_ * double(rows) * double(cols) / bandwidth_ + launch_);
    }

    QJsonObject describe() const override {
        QJsonObject d = p_;
        d.insert("peak_gemm_flops", peakGemm_);
        d.insert("bytes_per_value", bytesPerValue_);
        d.insert("ridge_point_flops_per_byte", peakGemm_ / bandwidth_);
        d.insert("power_w", watts_);
        return d;
    }

private:
    hpt::Cost timed(double seconds) const {
        hpt::Cost c;
        c.seconds = seconds;
        c.joules = watts_ * seconds;
        return c;
    }
    QJsonObject p_;
    double peakGemm_ = 0, peakVector_ = 0, bytesPerValue_ = 4, bandwidth_ = 0, watts_ = 0, launch_ = 0;
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
