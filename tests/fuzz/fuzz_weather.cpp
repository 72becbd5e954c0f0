// Feeds: AgWeatherNet hourly exports to the weather plugin (loaded from the
// build tree). The input holds up to 3 station files separated by a line "%%"
// (weather/AWN_1.csv ...). source=files, so the AWN reader (not the synthetic
// twin) runs; the input's length modulo 3 picks the missing-value policy.
// Checks: only hpt::Error escapes; a loaded dataset has non-empty, consistent,
// finite splits (hpt::fuzz::checkDataset).
#include "FuzzDataset.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    hpt::fuzz::pluginHost();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    hpt::fuzz::clearScratch();
    const auto parts = hpt::fuzz::splitParts(data, size, 3);
    for (size_t k = 0; k < parts.size(); ++k)
        hpt::fuzz::writeScratch(QString("weather/AWN_%1.csv").arg(k + 1), parts[k]);
    static const char* policies[] = {"error", "fill", "drop"};
    const QJsonObject params{{"source", "files"}, {"test_years", QJsonArray{2020}}, {"missing", policies[size % 3]}};
    hpt::fuzz::succeeds([&] {
        auto ds = hpt::fuzz::loadDataset("weather", params, hpt::fuzz::scratchDir());
        hpt::fuzz::checkDataset(*ds);
    });
    return 0;
}
