#pragma once
// Checks a store file's bytes before SQLite touches it, so a file that is not
// an SQLite database or was cut short is reported (and left alone) instead of
// being "repaired" or half-read.
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

}  // namespace hpt::filecheck
