// Example device plugin: an idealised accelerator with a fixed throughput and
// a fixed energy per FLOP. Shows the shape of a cost model: parameters come
// resolved from the metadata schema; compute() prices one op of the trace.
#include <hpt/Device.h>

#include <QObject>

namespace {

class FlatDevice : public hpt::Device {
public:
    explicit FlatDevice(const QJsonObject& p)
        : flops_(p.value("peak_flops").toDouble()), jPerFlop_(p.value("energy_per_flop_j").toDouble()), params_(p) {}
    hpt::Cost compute(const hpt::Op& op) const override {
        hpt::Cost c;  // add() keeps the per-component breakdown summing to the totals
        c.add(hpt::Component::Compute, op.flops() / flops_, op.flops() * jPerFlop_);
        return c;
    }
    hpt::Cost programWeights(int64_t rows, int64_t cols) const override {
        hpt::Cost c;  // a plain memory write: one FLOP-equivalent per value
        c.add(hpt::Component::Memory, 0, double(rows) * double(cols) * jPerFlop_);
        return c;
    }
    QJsonObject describe() const override { return params_; }

private:
    double flops_, jPerFlop_;
    QJsonObject params_;
};

}  // namespace

class ExampleDevicePlugin : public QObject, public hpt::DevicePlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DEVICE_IID FILE "example_flat.json")
    Q_INTERFACES(hpt::DevicePlugin)
public:
    std::unique_ptr<hpt::Device> create(const QJsonObject& p) const override { return std::make_unique<FlatDevice>(p); }
};

#include "ExampleDevice.moc"
