// Feeds: raw bytes as wind/MS_winds.dat to the wind dataset plugin (loaded from
// the build tree, as `hpt` loads it). Test rows [20, 40) so short files reach
// windowing; the input's length modulo 3 picks the missing-value policy
// (error, fill, drop) so all three paths are fuzzed.
// Checks: only hpt::Error escapes; a loaded dataset has non-empty, consistent,
// finite train and test splits (hpt::fuzz::checkDataset).
#include "FuzzDataset.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    hpt::fuzz::pluginHost();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    hpt::fuzz::clearScratch();
    hpt::fuzz::writeScratch("wind/MS_winds.dat", QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)));
    static const char* policies[] = {"error", "fill", "drop"};
    const QJsonObject params{{"test_start", 20}, {"test_end", 40}, {"window", 4}, {"missing", policies[size % 3]}};
    hpt::fuzz::succeeds([&] {
        auto ds = hpt::fuzz::loadDataset("wind", params, hpt::fuzz::scratchDir());
        hpt::fuzz::checkDataset(*ds);
    });
    return 0;
}
