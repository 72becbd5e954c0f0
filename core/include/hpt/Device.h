#pragma once
// Device plugins are analytical cost models: they price operations of the
// trace (hpt/Trace.h) in cycles, seconds, joules and, for ReRAM, cell writes.
// The arithmetic itself runs on the host through LibTorch; what is priced is
// what that step would cost on the modelled hardware. Every parameter is
// declared with unit, default and source in the plugin's JSON metadata, and
// every derived parameter with the published figures it comes from
// ("derivations"; docs/devices.md).
//
// One energy accounting for every device (docs/devices.md "Accounting"):
// energy = static power × the time the device is powered (added by the host,
// core/cost/StepCoster) + the dynamic energy per operation and per byte moved
// that compute() reports, split by component so a breakdown adds up.
#include <hpt/Api.h>
#include <hpt/Trace.h>

#include <QJsonObject>
#include <QtPlugin>
#include <array>
#include <memory>
#include <vector>

namespace hpt {

// Where a device's time and energy go. Every Cost keeps seconds and joules
// equal to the sums of these parts (Cost::add keeps them so).
enum class Component { Compute, Memory, Adc, Dac, Crossbar, Buffers, Interconnect, Writes, Static, Launch };
constexpr int kComponents = 10;
inline const char* toString(Component c) {
    static const char* const names[kComponents] = {"compute", "memory", "adc",    "dac",    "crossbar",
                                                   "buffers", "interconnect", "writes", "static", "launch"};
    return names[int(c)];
}

struct Cost {
    double cycles = 0;
    double seconds = 0;
    double joules = 0;
    double cellWrites = 0;  // ReRAM cells programmed (each write wears a cell)
    std::array<double, kComponents> time{};    // seconds by component
    std::array<double, kComponents> energy{};  // joules by component

    void add(Component c, double s, double j) {
        seconds += s;
        joules += j;
        time[size_t(c)] += s;
        energy[size_t(c)] += j;
    }
    Cost& operator+=(const Cost& o) {
        cycles += o.cycles; seconds += o.seconds; joules += o.joules; cellWrites += o.cellWrites;
        for (int i = 0; i < kComponents; ++i) { time[size_t(i)] += o.time[size_t(i)]; energy[size_t(i)] += o.energy[size_t(i)]; }
        return *this;
    }
    Cost scaled(double f) const {
        Cost c = *this;
        c.cycles *= f; c.seconds *= f; c.joules *= f; c.cellWrites *= f;
        for (int i = 0; i < kComponents; ++i) { c.time[size_t(i)] *= f; c.energy[size_t(i)] *= f; }
        return c;
    }
    // Replaces the time by `s` (overlap, pipelining), keeping each component's
    // share, so the parts still add up.
    void setSeconds(double s) {
        const double f = seconds > 0 ? s / seconds : 0;
        for (auto& t : time) t *= f;
        seconds = s;
    }
};

class Device {
public:
    virtual ~Device() = default;
    // Dynamic cost of one op (all `repeat` copies), by component.
    virtual Cost compute(const Op& op) const = 0;
    // Cost of storing a rows×cols weight matrix on the device (ReRAM: program
    // its cells; others: write it to device memory).
    virtual Cost programWeights(int64_t rows, int64_t cols) const = 0;
    // Write cycles a cell survives; 0 when the device does not wear.
    virtual double endurance() const { return 0; }
    // Resolved parameters plus derived facts (e.g. crossbars per weight).
    virtual QJsonObject describe() const = 0;

    // Power drawn by one chip while it is powered, busy or idle (leakage,
    // clocks, peripherals); the host charges it for the whole step.
    virtual double staticPowerW() const { return 0; }
    // Storage units (ReRAM: crossbars) that hold a rows×cols stored operand,
    // and how many one chip has; 0 capacity = held in ordinary memory, not
    // counted. Core knows no device's geometry beyond these two numbers.
    virtual double storageUnits(int64_t /*rows*/, int64_t /*cols*/) const { return 0; }
    virtual double storageCapacity() const { return 0; }
    // Cost of receiving `values` activation values from another tier over the
    // device's link (3D TSVs, chip I/O, PCIe), component Interconnect; the
    // host counts the values from the trace (docs/devices.md "Data movement").
    virtual Cost receive(double /*values*/) const { return {}; }
    // Time of the ops this device runs in one step, given their costs (same
    // order as the trace) and `replication` = storage units available per unit
    // needed (>= 1 lets a device copy weights to run faster). Default: one op
    // after another.
    virtual double stepSeconds(const std::vector<const Op*>& ops, const std::vector<Cost>& costs,
                               double /*replication*/) const {
        (void)ops;
        double s = 0;
        for (const auto& c : costs) s += c.seconds;
        return s;
    }
};

class DevicePlugin {
public:
    virtual ~DevicePlugin() = default;
    // `params` is already resolved against the metadata's schema and preset.
    virtual std::unique_ptr<Device> create(const QJsonObject& params) const = 0;
};

}  // namespace hpt

Q_DECLARE_INTERFACE(hpt::DevicePlugin, HPT_DEVICE_IID)
