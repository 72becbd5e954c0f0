#pragma once
// The dataset fuzz targets' helpers (fuzz_wind, fuzz_covid, fuzz_swe, fuzz_weather):
// load a dataset plugin on the fuzzed files and check what it returned. Apart from
// FuzzSupport.h because hpt/Dataset.h brings torch, which the other targets do not need.
#include "FuzzSupport.h"

#include <hpt/Dataset.h>

#include <memory>

namespace hpt::fuzz {

// Loads dataset `name` from `dataDir` with the host's parameter resolution.
inline std::unique_ptr<Dataset> loadDataset(const QString& name, const QJsonObject& overrides, const QString& dataDir) {
    auto& host = pluginHost();
    const auto& rec = host.require(PluginKind::Dataset, name);
    const auto params = resolveParams(rec.params, rec.meta.value("presets").toObject(), QString(), overrides, "dataset.params");
    return host.dataset(name)->load(params, dataDir);
}

// What every successfully loaded dataset must satisfy: non-empty splits whose
// inputs and targets agree in length and hold only finite numbers (a NaN that
// slips past the missing-value policy would poison training silently).
inline void checkDataset(const Dataset& ds) {
    for (const Split* s : {&ds.train(), &ds.test()}) {
        HPT_FUZZ_CHECK(s->x.defined() && s->y.defined());
        HPT_FUZZ_CHECK(s->size() > 0 && s->y.size(0) == s->size());
        HPT_FUZZ_CHECK(s->x.isfinite().all().item<bool>());
        HPT_FUZZ_CHECK(s->y.isfinite().all().item<bool>());
    }
}

}  // namespace hpt::fuzz
