#pragma once
// Loads the built device plugins (only those) and creates devices with
// resolved parameters, as the StepCoster does.
#include "plugin/PluginHost.h"

#include <hpt/Params.h>

#include <QtTest>
#include <memory>

namespace hpt::test {

inline PluginHost& deviceHost() {
    static PluginHost host;
    static bool loaded = false;
    if (!loaded) {
        host.loadFrom({QStringLiteral(HPT_BUILD_PLUGIN_DIR) + "/devices", QStringLiteral(HPT_TEST_PLUGIN_DIR)});
        loaded = true;
    }
    return host;
}

inline std::unique_ptr<Device> makeDevice(const QString& name, const QString& preset = {},
                                          const QJsonObject& overrides = {}) {
    const auto& rec = deviceHost().require(PluginKind::Device, name);
    const QJsonObject params =
        resolveParams(rec.params, rec.meta.value("presets").toObject(), preset, overrides, "devices." + name);
    return deviceHost().device(name)->create(params);
}

inline Op gemm(int64_t m, int64_t k, int64_t n, OpKind kind = OpKind::WeightGemm, Pass pass = Pass::Forward,
               bool frozen = false, const std::string& param = {}, int64_t repeat = 1) {
    Op op;
    op.kind = kind;
    op.pass = pass;
    op.m = m;
    op.k = k;
    op.n = n;
    op.weightFrozen = frozen;
    op.param = param;
    op.repeat = repeat;
    return op;
}

inline Op vectorOp(OpKind kind, int64_t elements, int64_t repeat = 1) {
    Op op;
    op.kind = kind;
    op.pass = kind == OpKind::OptimizerUpdate ? Pass::Update : Pass::Forward;
    op.elements = elements;
    op.repeat = repeat;
    return op;
}

}  // namespace hpt::test
