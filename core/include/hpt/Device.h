#pragma once
// Device plugins are analytical cost models: they price operations of the
// trace (hpt/Trace.h) in cycles, seconds, joules and, for ReRAM, cell writes.
// The arithmetic itself runs on the host through LibTorch; what is priced is
// what that step would cost on the modelled hardware. Every parameter is
// declared with unit, default and source in the plugin's JSON metadata.
#include <hpt/Api.h>
#include <hpt/Trace.h>

#include <QJsonObject>
#include <QtPlugin>
#include <memory>

namespace hpt {

struct Cost {
    double cycles = 0;
    double seconds = 0;
    double joules = 0;
    double cellWrites = 0;  // ReRAM cells programmed (each write wears a cell)
    Cost& operator+=(const Cost& o) {
        cycles += o.cycles; seconds += o.seconds; joules += o.joules; cellWrites += o.cellWrites;
        return *this;
    }
};

class Device {
public:
    virtual ~Device() = default;
    // Cost of one op (all `repeat` copies).
    virtual Cost compute(const Op& op) const = 0;
    // Cost of storing a rows×cols weight matrix on the device (ReRAM: program
    // its cells; others: write it to device memory).
    virtual Cost programWeights(int64_t rows, int64_t cols) const = 0;
    // Write cycles a cell survives; 0 when the device does not wear.
    virtual double endurance() const { return 0; }
    // Resolved parameters plus derived facts (e.g. crossbars per weight).
    virtual QJsonObject describe() const = 0;
};

class DevicePlugin {
public:
    virtual ~DevicePlugin() = default;
    // `params` is already resolved against the metadata's schema and preset.
    virtual std::unique_ptr<Device> create(const QJsonObject& params) const = 0;
};

}  // namespace hpt

Q_DECLARE_INTERFACE(hpt::DevicePlugin, HPT_DEVICE_IID)
