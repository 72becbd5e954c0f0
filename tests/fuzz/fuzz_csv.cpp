// Feeds: raw bytes to the dataset plugins' CSV tokenizer (plugins/datasets/common/Csv.h).
// The first byte picks the delimiter (',', ';', tab, space); every row is split
// by CsvCursor and every cell parsed with parseNumber.
// Checks: only hpt::Error escapes; parsed numbers are finite and inside the
// asked range; where() names the cursor's line; expectColumns accepts a row of
// its own width.
#include "FuzzSupport.h"

#include "Csv.h"

#include <cmath>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static const char delims[] = {',', ';', '\t', ' '};
    const char delim = delims[data[0] % 4];
    const QByteArray bytes(reinterpret_cast<const char*>(data + 1), qsizetype(size - 1));
    hpt::fuzz::succeeds([&] {
        hpt::data::CsvCursor c(bytes, "fuzz.csv", delim);
        int64_t lastLine = 0;
        while (c.next()) {
            HPT_FUZZ_CHECK(c.line() > lastLine);
            lastLine = c.line();
            HPT_FUZZ_CHECK(!c.fields().empty());
            c.expectColumns(c.fields().size(), "fuzz");
            HPT_FUZZ_CHECK(c.where(1).rfind("fuzz.csv:" + std::to_string(c.line()) + ":", 0) == 0);
            for (size_t col = 0; col < c.fields().size(); ++col) {
                (void)hpt::data::isMissingToken(c.fields()[col]);
                hpt::fuzz::succeeds([&] {
                    const auto v = hpt::data::parseNumber(c, int(col), "fuzz value", -1e6, 1e6);
                    if (v) HPT_FUZZ_CHECK(std::isfinite(*v) && *v >= -1e6 && *v <= 1e6);
                });
            }
        }
    });
    return 0;
}
