// Feeds: raw bytes as a .zip file to ZipArchive (plugins/datasets/common/Zip.cpp),
// which the covid dataset uses to read its county table straight from the
// download. Every member the central directory lists is read.
// Checks: only hpt::Error escapes (from opening and from each member read); a
// member read returns exactly the size and CRC the directory promised, which
// read() verifies itself; raw() is the file as written.
#include "FuzzSupport.h"

#include "Zip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char*>(data), qsizetype(size));
    const QString path = hpt::fuzz::writeScratch("fuzz.zip", bytes);
    hpt::fuzz::succeeds([&] {
        hpt::data::ZipArchive zip(path);
        HPT_FUZZ_CHECK(zip.raw() == bytes);
        for (const auto& name : zip.names())
            hpt::fuzz::succeeds([&] { (void)zip.read(name); });
    });
    return 0;
}
