#pragma once
// Loads one dataset plugin from the build tree and resolves its parameters the
// way the host does (metadata defaults ← overrides).
#include "plugin/PluginHost.h"

#include <hpt/Dataset.h>
#include <hpt/Params.h>

#include <QDir>
#include <QtTest>

namespace hpt::test {

inline PluginHost& datasetHost() {
    static PluginHost host;
    static bool loaded = false;
    if (!loaded) {
        host.loadFrom({QStringLiteral(HPT_BUILD_PLUGIN_DIR) + "/datasets"});
        loaded = true;
    }
    return host;
}

inline std::unique_ptr<Dataset> loadDataset(const QString& name, const QJsonObject& overrides, const QString& dataDir) {
    auto& host = datasetHost();
    const auto& rec = host.require(PluginKind::Dataset, name);
    const auto params = resolveParams(rec.params, rec.meta.value("presets").toObject(), QString(), overrides, "dataset.params");
    return host.dataset(name)->load(params, dataDir);
}

}  // namespace hpt::test
