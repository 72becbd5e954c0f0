#pragma once
// Reads one member of a .zip archive (stored or deflated) into memory, so
// datasets shipped zipped need no manual unzip. Parses the end-of-central-
// directory record and the central directory, then inflates with zlib.
#include <QByteArray>
#include <QString>
#include <QStringList>

namespace hpt::data {

class ZipArchive {
public:
    // Throws hpt::Error(Data) naming the file when it is missing or not a zip.
    explicit ZipArchive(const QString& path);
    QStringList names() const;
    // The uncompressed bytes of `name`; throws if absent, encrypted, an
    // unsupported method, or when the CRC-32 does not match.
    QByteArray read(const QString& name) const;
    const QByteArray& raw() const { return bytes_; }  // the archive as read (for checksums)

private:
    struct Entry {
        QString name;
        quint16 method = 0, flags = 0;
        quint32 crc = 0;
        quint64 compressedSize = 0, size = 0, localHeader = 0;
    };
    QString path_;
    QByteArray bytes_;
    std::vector<Entry> entries_;
};

}  // namespace hpt::data
