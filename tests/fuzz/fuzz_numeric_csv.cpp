// Feeds: raw bytes as the numeric CSV that `hpt stats ttest` and `hpt id` read
// (core/stats/NumericCsv.cpp, readNumericCsv).
// Checks: only hpt::Error escapes; a parsed table has at least one row, every
// row the same width (the header's when there is one), only finite values;
// column("") and column("1") return one value per row; matrix() is rows x columns.
#include "FuzzSupport.h"

#include "stats/NumericCsv.h"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QString path = hpt::fuzz::writeScratch("fuzz.csv", QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)));
    hpt::fuzz::succeeds([&] {
        const hpt::NumericCsv t = hpt::readNumericCsv(path);
        HPT_FUZZ_CHECK(!t.rows.empty());
        const size_t w = t.rows.front().size();
        HPT_FUZZ_CHECK(w > 0);
        if (!t.header.isEmpty()) HPT_FUZZ_CHECK(size_t(t.header.size()) == w);
        for (const auto& r : t.rows) {
            HPT_FUZZ_CHECK(r.size() == w);
            for (double v : r) HPT_FUZZ_CHECK(std::isfinite(v));
        }
        hpt::fuzz::succeeds([&] { HPT_FUZZ_CHECK(t.column("").size() == t.rows.size()); });
        hpt::fuzz::succeeds([&] { HPT_FUZZ_CHECK(t.column("1").size() == t.rows.size()); });
        const auto m = t.matrix();
        HPT_FUZZ_CHECK(m.dim() == 2 && m.size(0) == int64_t(t.rows.size()) && m.size(1) == int64_t(w));
    });
    return 0;
}
