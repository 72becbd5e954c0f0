// A device plugin with a flat price per FLOP, for tests.
#include <hpt/Device.h>

#include <QObject>

namespace {
class FlatDevice : public hpt::Device {
public:
    explicit FlatDevice(double jPerFlop) : j_(jPerFlop) {}
    hpt::Cost compute(const hpt::Op& op) const override {
        hpt::Cost c;
        c.add(hpt::Component::Compute, op.flops() * 1e-12, op.flops() * j_);
        return c;
    }
    hpt::Cost programWeights(int64_t rows, int64_t cols) const override {
        hpt::Cost c;
        c.add(hpt::Component::Memory, 0, double(rows) * cols * 1e-12);
        return c;
    }
    QJsonObject describe() const override { return {{"joules_per_flop", j_}}; }

private:
    double j_;
};
}  // namespace

class TestDevicePlugin : public QObject, public hpt::DevicePlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_DEVICE_IID FILE "testdevice.json")
    Q_INTERFACES(hpt::DevicePlugin)
public:
    std::unique_ptr<hpt::Device> create(const QJsonObject& p) const override {
        return std::make_unique<FlatDevice>(p.value("joules_per_flop").toDouble(1e-12));
    }
};

#include "TestDevicePlugin.moc"
