// Feeds: raw bytes as the county table CSV inside the covid dataset's zip. The
// target wraps the bytes in a valid stored (uncompressed) zip, so the fuzzer
// spends its time in the table reader, not in the zip checks (fuzz_zip covers
// those). The covid plugin is loaded from the build tree; the input's length
// modulo 3 picks the missing-value policy (error, fill, drop).
// Checks: only hpt::Error escapes; a loaded dataset has non-empty, consistent,
// finite splits (hpt::fuzz::checkDataset).
#include "FuzzDataset.h"

#include <zlib.h>

namespace {

void put16(QByteArray& b, quint16 v) { b.append(char(v & 0xff)).append(char(v >> 8)); }
void put32(QByteArray& b, quint32 v) { put16(b, quint16(v & 0xffff)); put16(b, quint16(v >> 16)); }

// One stored member `name` holding `data` (PKZIP APPNOTE 4.3: local header,
// data, central directory entry, end record).
QByteArray storedZip(const QByteArray& name, const QByteArray& data) {
    const quint32 crc = quint32(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(data.constData()), uInt(data.size())));
    QByteArray z;
    put32(z, 0x04034b50); put16(z, 20); put16(z, 0); put16(z, 0); put16(z, 0); put16(z, 0);
    put32(z, crc); put32(z, quint32(data.size())); put32(z, quint32(data.size()));
    put16(z, quint16(name.size())); put16(z, 0);
    z.append(name).append(data);
    const quint32 cd = quint32(z.size());
    put32(z, 0x02014b50); put16(z, 20); put16(z, 20); put16(z, 0); put16(z, 0); put16(z, 0); put16(z, 0);
    put32(z, crc); put32(z, quint32(data.size())); put32(z, quint32(data.size()));
    put16(z, quint16(name.size())); put16(z, 0); put16(z, 0); put16(z, 0); put16(z, 0); put32(z, 0); put32(z, 0);
    z.append(name);
    const quint32 cdSize = quint32(z.size()) - cd;
    put32(z, 0x06054b50); put16(z, 0); put16(z, 0); put16(z, 1); put16(z, 1);
    put32(z, cdSize); put32(z, cd); put16(z, 0);
    return z;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    hpt::fuzz::pluginHost();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    hpt::fuzz::clearScratch();
    const QByteArray csv(reinterpret_cast<const char*>(data), qsizetype(size));
    hpt::fuzz::writeScratch("covid/Covid19_01262020_09262020.zip", storedZip("county_table.csv", csv));
    static const char* policies[] = {"error", "fill", "drop"};
    const QJsonObject params{{"counties", 2}, {"county_sample", 0.5}, {"county_order", "file"}, {"missing", policies[size % 3]}};
    hpt::fuzz::succeeds([&] {
        auto ds = hpt::fuzz::loadDataset("covid", params, hpt::fuzz::scratchDir());
        hpt::fuzz::checkDataset(*ds);
    });
    return 0;
}
