// Systolic-array tier. Compute cycles of a GEMM (M×K)·(K×N) follow SCALE-Sim's
// closed form (Samajdar et al., arXiv:1811.02883): ⌈S_R/R⌉·⌈S_C/C⌉ folds of
// 2R + C + T − 2 cycles each, with (S_R, S_C, T) = (M, N, K) output stationary,
// (K, N, M) weight stationary, (K, M, N) input stationary. With several arrays
// the folds are spread over them. DRAM stalls are not modelled (SCALE-Sim's
// compute cycles assume buffers keep up); the memory-traffic model used for
// energy is in docs/devices.md. On-chip buffer energy per access scales with
// the buffer's size (Horowitz, ISSCC 2014: 10/20/100 pJ per 64-bit access of
// an 8 KB / 32 KB / 1 MB SRAM, interpolated log-log) unless a fixed figure is set.
#include <hpt/Device.h>

#include <QObject>
#include <algorithm>
#include <cmath>

namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

using hpt::Component;

// Horowitz, ISSCC 2014, "Computing's energy problem", memory table (45 nm):
// energy of one 64-bit access by SRAM size, log-log between the points and
// along the end segments outside them.
double sramEnergyPer64Bit(double bytes) {
    static const double kb[] = {8, 32, 1024}, pj[] = {10, 20, 100};
    const double x = std::log(std::max(bytes, 1.0) / 1024.0);
    int i = x < std::log(kb[1]) ? 0 : 1;
    const double x0 = std::log(kb[i]), x1 = std::log(kb[i + 1]);
    const double y0 = std::log(pj[i]), y1 = std::log(pj[i + 1]);
    return std::exp(y0 + (y1 - y0) * (x - x0) / (x1 - x0)) * 1e-12;
}

class SystolicDevice : public hpt::Device {
public:
    explicit SystolicDevice(const QJsonObject& p) : p_(p) {
        R_ = p.value("rows").toInt(128);
        C_ = p.value("cols").toInt(128);
        arrays_ = p.value("arrays").toInt(1);
        const QString df = p.value("dataflow").toString("os");
        dataflow_ = df == "ws" ? 1 : df == "is" ? 2 : 0;
        clock_ = p.value("clock_hz").toDouble(1e9);
        bpv_ = p.value("bytes_per_value").toInt(2);
        eMac_ = p.value("mac_energy_j").toDouble();
        ifmapBytesForEnergy_ = p.value("ifmap_sram_kb").toDouble() * 1024.0;
        eSram_ = p.value("sram_energy_model").toString("size") == "size"
                     ? sramEnergyPer64Bit(ifmapBytesForEnergy_) * double(p.value("bytes_per_value").toInt(2)) / 8.0
                     : p.value("sram_access_energy_j").toDouble();
        static_ = p.value("static_power_w").toDouble();
        linkBw_ = p.value("link_bandwidth").toDouble();
        linkJPerByte_ = 8.0 * p.value("link_energy_per_bit_j").toDouble();
        eDram_ = p.value("dram_energy_per_byte_j").toDouble();
        ifmapBytes_ = p.value("ifmap_sram_kb").toDouble() * 1024.0;
        filterBytes_ = p.value("filter_sram_kb").toDouble() * 1024.0;
        lanes_ = p.value("vector_lanes").toInt(128);
        eVec_ = p.value("vector_op_energy_j").toDouble();
        normOps_ = p.value("norm_ops_per_element").toDouble(5);
        softmaxOps_ = p.value("softmax_ops_per_element").toDouble(4);
        optOps_ = p.value("optimizer_ops_per_element").toDouble(12);
    }

    hpt::Cost compute(const hpt::Op& op) const override { return op.isGemm() ? gemm(op) : vector(op); }

    hpt::Cost programWeights(int64_t rows, int64_t cols) const override {
        // Load a weight from DRAM into the filter buffer, one array row per cycle.
        const double values = double(rows) * double(cols);
        hpt::Cost c;
        c.cycles = std::ceil(values / double(int64_t(C_) * arrays_));
        c.add(Component::Memory, c.cycles / clock_, values * bpv_ * eDram_);
        c.add(Component::Buffers, 0, values * eSram_);
        return c;
    }

    double staticPowerW() const override { return static_ * double(arrays_); }

    hpt::Cost receive(double values) const override {
        const double bytes = double(bpv_) * values;
        hpt::Cost c;
        c.add(Component::Interconnect, linkBw_ > 0 ? bytes / linkBw_ : 0, bytes * linkJPerByte_);
        return c;
    }

    QJsonObject describe() const override {
        QJsonObject d = p_;
        d.insert("peak_macs_per_s", double(R_) * C_ * arrays_ * clock_);
        d.insert("sram_energy_per_value_j", eSram_);
        d.insert("fold_cycles_formula", "folds * (2R + C + T - 2), folds = ceil(S_R/R) * ceil(S_C/C)");
        return d;
    }

private:
    hpt::Cost gemm(const hpt::Op& op) const {
        const int64_t M = op.m, K = op.k, N = op.n;
        int64_t SR, SC, T;
        switch (dataflow_) {
        case 1: SR = K; SC = N; T = M; break;  // weight stationary
        case 2: SR = K; SC = M; T = N; break;  // input stationary
        default: SR = M; SC = N; T = K; break;  // output stationary
        }
        const int64_t nfr = ceilDiv(SR, R_), nfc = ceilDiv(SC, C_);
        const double folds = double(nfr) * double(nfc) * double(op.repeat);
        const double foldCycles = double(2 * R_ + C_ + T - 2);

        // On-chip buffer accesses (values), summed over folds in closed form:
        // a fold with r used rows and c used columns streams r·T and c·T values
        // into the array (OS) or holds r·c stationary values and streams r·T in,
        // c·T partial sums out (WS/IS; partial sums are read back on later row folds).
        double sram = 0;
        if (dataflow_ == 0) sram = double(T) * (double(SR) * nfc + double(SC) * nfr) + double(SR) * SC;
        else sram = double(SR) * SC + double(T) * SR * nfc + double(T) * SC * (2.0 * nfr - 1.0);

        // DRAM: A (M×K) and B (K×N) are fetched once when they fit their buffer,
        // else once per fold along the dimension that reuses them; C written once.
        const double foldsAlongN = dataflow_ == 2 ? 1.0 : double(nfc);
        const double foldsAlongM = dataflow_ == 0 ? double(nfr) : dataflow_ == 2 ? double(nfc) : 1.0;
        const double aBytes = double(bpv_) * M * K, bBytes = double(bpv_) * K * N, cBytes = double(bpv_) * M * N;
        const double dram = aBytes * (aBytes > ifmapBytes_ ? foldsAlongN : 1.0) +
                            bBytes * (bBytes > filterBytes_ ? foldsAlongM : 1.0) + cBytes;

        hpt::Cost c;
        c.cycles = std::ceil(folds / double(arrays_)) * foldCycles;
        c.add(Component::Compute, c.cycles / clock_, op.macs() * eMac_);
        c.add(Component::Buffers, 0, double(op.repeat) * sram * eSram_);
        c.add(Component::Memory, 0, double(op.repeat) * dram * eDram_);
        return c;
    }

    hpt::Cost vector(const hpt::Op& op) const {
        double opsPerElement = 1, accessesPerElement = 2;  // read + write
        switch (op.kind) {
        case hpt::OpKind::Normalization: opsPerElement = normOps_; break;
        case hpt::OpKind::Softmax: opsPerElement = softmaxOps_; break;
        case hpt::OpKind::OptimizerUpdate: opsPerElement = optOps_; accessesPerElement = 7; break;  // w, g, m, v in; w, m, v out
        default: break;
        }
        const double elements = double(op.elements) * double(op.repeat);
        hpt::Cost c;
        c.cycles = std::ceil(elements * opsPerElement / double(int64_t(lanes_) * arrays_));
        c.add(Component::Compute, c.cycles / clock_, elements * opsPerElement * eVec_);
        c.add(Component::Buffers, 0, elements * accessesPerElement * eSram_);
        return c;
    }

    QJsonObject p_;
    int R_ = 128, C_ = 128, arrays_ = 1, dataflow_ = 0, bpv_ = 2, lanes_ = 128;
    double clock_ = 1e9, eMac_ = 0, eSram_ = 0, eDram_ = 0, ifmapBytes_ = 0, filterBytes_ = 0, eVec_ = 0;
    double normOps_ = 5, softmaxOps_ = 4, optOps_ = 12, static_ = 0, ifmapBytesForEnergy_ = 0, linkBw_ = 0, linkJPerByte_ = 0;
};

}  // namespace

class SystolicDevicePlugin : public QObject, public hpt::DevicePlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DEVICE_IID FILE "systolic.json")
    Q_INTERFACES(hpt::DevicePlugin)
public:
    std::unique_ptr<hpt::Device> create(const QJsonObject& params) const override {
        return std::make_unique<SystolicDevice>(params);
    }
};

#include "SystolicDevice.moc"
