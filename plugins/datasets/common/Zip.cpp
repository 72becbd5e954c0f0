#include "Zip.h"

#include <hpt/Error.h>

#include <QFile>
#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace hpt::data {

namespace {
quint16 u16(const char* p) { return quint16(quint8(p[0]) | quint8(p[1]) << 8); }
quint32 u32(const char* p) { return quint32(u16(p)) | quint32(u16(p + 2)) << 16; }
quint64 u64(const char* p) { return quint64(u32(p)) | quint64(u32(p + 4)) << 32; }
// [off, off + len) lies inside n bytes. Offsets and sizes come from the file (64-bit in zip64),
// so `off + len > n` could wrap around and pass: compare without adding.
bool fits(quint64 off, quint64 len, quint64 n) { return off <= n && len <= n - off; }
}  // namespace

ZipArchive::ZipArchive(const QString& path) : path_(path) {
    const std::string where = path.toStdString();
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) throw dataError(where, "cannot open zip archive: " + f.errorString().toStdString());
    bytes_ = f.readAll();
    const char* b = bytes_.constData();
    const qint64 n = bytes_.size();
    auto bad = [&](const std::string& why) {
        return dataError(where, "not a readable zip archive (" + why + "); download it again (datasets/download)");
    };
    if (n < 22) throw bad("file is only " + std::to_string(n) + " bytes");
    // End of central directory: last record with signature PK\5\6 (a comment may follow it).
    qint64 eocd = -1;
    for (qint64 i = n - 22; i >= std::max<qint64>(0, n - 22 - 65535); --i)
        if (u32(b + i) == 0x06054b50) { eocd = i; break; }
    if (eocd < 0) throw bad("no end-of-central-directory record");
    quint64 count = u16(b + eocd + 10);
    quint64 cdSize = u32(b + eocd + 12), cdOffset = u32(b + eocd + 16);
    // Zip64: the locator sits just before the classic record.
    if ((cdOffset == 0xFFFFFFFFu || count == 0xFFFF) && eocd >= 20 && u32(b + eocd - 20) == 0x07064b50) {
        const quint64 z64 = u64(b + eocd - 20 + 8);
        if (!fits(z64, 56, quint64(n)) || u32(b + z64) != 0x06064b50) throw bad("broken zip64 record");
        count = u64(b + z64 + 32);
        cdSize = u64(b + z64 + 40);
        cdOffset = u64(b + z64 + 48);
    }
    if (!fits(cdOffset, cdSize, quint64(n))) throw bad("central directory lies outside the file (truncated download?)");
    quint64 p = cdOffset;
    for (quint64 k = 0; k < count; ++k) {
        if (!fits(p, 46, quint64(n)) || u32(b + p) != 0x02014b50) throw bad("corrupt central directory entry " + std::to_string(k));
        Entry e;
        e.flags = u16(b + p + 8);
        e.method = u16(b + p + 10);
        e.crc = u32(b + p + 16);
        e.compressedSize = u32(b + p + 20);
        e.size = u32(b + p + 24);
        const quint16 nameLen = u16(b + p + 28), extraLen = u16(b + p + 30), commentLen = u16(b + p + 32);
        e.localHeader = u32(b + p + 42);
        if (!fits(p + 46, quint64(nameLen) + extraLen, quint64(n))) throw bad("truncated central directory");
        e.name = QString::fromUtf8(b + p + 46, nameLen);
        // Zip64 extended information replaces the saturated 32-bit fields, in this order.
        const char* x = b + p + 46 + nameLen;
        const char* xe = x + extraLen;
        while (x + 4 <= xe) {
            const quint16 id = u16(x);
            // A field claiming more bytes than the extra block holds ends at the block.
            const char* fe = x + 4 + std::min<std::ptrdiff_t>(u16(x + 2), xe - (x + 4));
            if (id == 0x0001) {
                const char* q = x + 4;
                if (e.size == 0xFFFFFFFFu && fe - q >= 8) { e.size = u64(q); q += 8; }
                if (e.compressedSize == 0xFFFFFFFFu && fe - q >= 8) { e.compressedSize = u64(q); q += 8; }
                if (e.localHeader == 0xFFFFFFFFu && fe - q >= 8) { e.localHeader = u64(q); }
            }
            x = fe;
        }
        entries_.push_back(e);
        p += 46 + nameLen + extraLen + commentLen;
    }
}

QStringList ZipArchive::names() const {
    QStringList out;
    for (const auto& e : entries_) out << e.name;
    return out;
}

QByteArray ZipArchive::read(const QString& name) const {
    const std::string where = path_.toStdString() + "!" + name.toStdString();
    const Entry* e = nullptr;
    for (const auto& c : entries_)
        if (c.name == name) e = &c;
    if (!e) throw dataError(path_.toStdString(), "zip archive has no member '" + name.toStdString() + "'; it holds: " +
                                                     names().join(", ").toStdString());
    if (e->flags & 1) throw dataError(where, "member is encrypted; supply an unencrypted archive");
    const char* b = bytes_.constData();
    const quint64 n = quint64(bytes_.size());
    if (!fits(e->localHeader, 30, n) || u32(b + e->localHeader) != 0x04034b50)
        throw dataError(where, "corrupt local file header; download the archive again");
    const quint64 data = e->localHeader + 30 + u16(b + e->localHeader + 26) + u16(b + e->localHeader + 28);
    if (!fits(data, e->compressedSize, n)) throw dataError(where, "member data runs past the end of the archive (truncated?)");
    if (e->size > (quint64(1) << 31)) throw dataError(where, "member is larger than 2 GiB; unzip it and point the dataset at the file");
    if (e->method != 0 && e->method != 8)
        throw dataError(where, "compression method " + std::to_string(e->method) +
                                   " is not supported (only stored and deflate); re-zip it with deflate");
    // The size is allocated before inflating, so check it against what the data can hold first:
    // a 200-byte archive must not make us allocate gigabytes (deflate expands at most 1032:1).
    if (e->method == 0 && e->compressedSize != e->size) throw dataError(where, "stored member has inconsistent sizes");
    if (e->method == 8 && e->size > e->compressedSize * 1032 + 1024)
        throw dataError(where, "declared size " + std::to_string(e->size) + " is impossible for " +
                                   std::to_string(e->compressedSize) + " compressed bytes; the archive is corrupt");
    QByteArray out;
    out.resize(qsizetype(e->size));
    if (e->method == 0) {
        std::memcpy(out.data(), b + data, e->size);
    } else {  // deflate
        z_stream zs{};
        // Negative window bits: raw deflate data, no zlib header (as zip stores it).
        if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw dataError(where, "zlib failed to initialise");
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(b + data));
        zs.avail_in = uInt(e->compressedSize);
        zs.next_out = reinterpret_cast<Bytef*>(out.data());
        zs.avail_out = uInt(e->size);
        const int rc = inflate(&zs, Z_FINISH);
        const uLong got = zs.total_out;
        inflateEnd(&zs);
        if (rc != Z_STREAM_END || got != e->size)
            throw dataError(where, "deflate stream is corrupt (zlib code " + std::to_string(rc) + "); download the archive again");
    }
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(out.constData()), uInt(out.size()));
    if (crc != e->crc) throw dataError(where, "CRC-32 mismatch; the archive is damaged, download it again");
    return out;
}

}  // namespace hpt::data
