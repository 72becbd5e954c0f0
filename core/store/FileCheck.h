#pragma once
// Checks a store file before it is opened for real: its bytes before SQLite
// touches it (so a file that is not an SQLite database or was cut short is
// reported and left alone instead of being "repaired" or half-read), its
// identity and version read-only, and whether it can be written.
#include <QString>
#include <cstdint>

namespace hpt::filecheck {

struct Header {
    bool exists = false;
    int64_t fileSize = 0;
    int pageSize = 0;
    int64_t pageCount = 0;  // from the header, 0 when it is not trustworthy
};

// Throws hpt::Error(ErrorKind::Store) naming the file and the fix.
Header inspect(const QString& path);

struct Probe {
    int version = 0;
    int64_t appId = 0;
    int64_t tables = 0;
};
// Reads the schema version and identity of an SQLite file through a read-only
// connection: nothing is written, so a newer or foreign file stays byte-for-byte
// unchanged. Throws (Store) for a database that is not a run store or is newer.
Probe probe(const QString& path);

// Throws (Store) unless the file (when it exists) and its folder are writable.
void requireWritable(const QString& path, bool exists);

}  // namespace hpt::filecheck
