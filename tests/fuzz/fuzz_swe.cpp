// Feeds: the SWE dataset's real files to the swe plugin (loaded from the build
// tree). The input holds up to 9 parts separated by a line "%%": part 1 is
// Snotel_Locations_Filtered_v3.csv (station metadata), parts 2..9 the wide
// forcing CSVs in sweForcingFiles() order (VE_37 ... SWE); missing parts repeat
// the last one given. source=files, so the reader (not the synthetic twin) runs.
// Checks: only hpt::Error escapes; a loaded dataset has non-empty, consistent,
// finite splits (hpt::fuzz::checkDataset).
#include "FuzzDataset.h"

namespace {
const char* kFiles[] = {"VE_37_Collection.csv",   "VE_19_Collection.csv",    "TB_Diff_Collection.csv",
                        "Precipitation_Collection.csv", "Max_Temp_Collection.csv", "Min_Temp_Collection.csv",
                        "Obs_Temp_Collection.csv", "SWE_Collection.csv"};
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    hpt::fuzz::pluginHost();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    hpt::fuzz::clearScratch();
    const auto parts = hpt::fuzz::splitParts(data, size, 9);
    hpt::fuzz::writeScratch("swe/Snotel_Locations_Filtered_v3.csv", parts[0]);
    for (size_t k = 0; k < 8; ++k)
        hpt::fuzz::writeScratch(QString("swe/") + kFiles[k], parts[std::min(k + 1, parts.size() - 1)]);
    static const char* policies[] = {"error", "fill", "drop"};
    const QJsonObject params{{"source", "files"}, {"first_water_year", 2005}, {"last_water_year", 2006},
                             {"test_years", QJsonArray{2006}}, {"missing", policies[size % 3]},
                             {"extra_stations", size % 2 ? "error" : "ignore"}};
    hpt::fuzz::succeeds([&] {
        auto ds = hpt::fuzz::loadDataset("swe", params, hpt::fuzz::scratchDir());
        hpt::fuzz::checkDataset(*ds);
    });
    return 0;
}
