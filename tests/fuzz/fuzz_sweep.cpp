// Feeds: raw bytes as a sweep file to loadSweepFile (core/config/Sweep.cpp),
// as `hpt sweep` reads it. A relative "base" resolves in the scratch folder,
// where a copy of resources/experiments/wind-compact.json is written as
// base.json so base-file sweeps parse too.
// Checks: only hpt::Error escapes; expansion is deterministic (a second parse
// gives the same runs with the same values); run indices are 0..n-1 and every
// run's sets() has one assignment per value.
#include "FuzzSupport.h"

#include "config/Sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool baseWritten = [] {
        QFile f(QStringLiteral(HPT_SOURCE_DIR) + "/resources/experiments/wind-compact.json");
        HPT_FUZZ_CHECK(f.open(QIODevice::ReadOnly));
        hpt::fuzz::writeScratch("base.json", f.readAll());
        return true;
    }();
    (void)baseWritten;
    const QString path = hpt::fuzz::writeScratch("sweep.json", QByteArray(reinterpret_cast<const char*>(data), qsizetype(size)));
    hpt::fuzz::succeeds([&] {
        const hpt::Sweep a = hpt::loadSweepFile(path);
        const hpt::Sweep b = hpt::loadSweepFile(path);
        HPT_FUZZ_CHECK(a.runs.size() == b.runs.size());
        for (size_t i = 0; i < a.runs.size(); ++i) {
            HPT_FUZZ_CHECK(a.runs[i].index == int(i));
            HPT_FUZZ_CHECK(a.runs[i].name == b.runs[i].name);
            HPT_FUZZ_CHECK(a.runs[i].values == b.runs[i].values);
            HPT_FUZZ_CHECK(a.runs[i].sets().size() == qsizetype(a.runs[i].values.size()));
        }
    });
    return 0;
}
