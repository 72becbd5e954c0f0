#include "store/FileCheck.h"

#include "store/Sqlite.h"
#include "store/Store.h"

#include <QFile>
#include <QFileInfo>
#include <QUrl>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace hpt::filecheck {

// https://www.sqlite.org/fileformat.html#the_database_header
static uint32_t be32(const unsigned char* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

Header inspect(const QString& path) {
    Header h;
    QFileInfo fi(path);
    if (!fi.exists()) return h;
    h.exists = true;
    if (fi.isDir()) throwStoreError(path, "is a folder, not a run store file; give a file name such as runs.sqlite.");
    h.fileSize = fi.size();
    if (h.fileSize == 0) return h;  // SQLite's empty database: becomes a new store
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throwStoreError(path, QString("cannot be read (%1); check its permissions.").arg(f.errorString()));
    const QByteArray head = f.read(100);
    static const char magic[] = "SQLite format 3";  // 16 bytes with the terminating NUL
    if (head.size() < 16 || std::memcmp(head.constData(), magic, 16) != 0) {
        QString start = QString::fromLatin1(head.left(16));
        for (QChar& c : start)
            if (!c.isPrint()) c = '.';
        throwStoreError(path, QString("is not an SQLite database (it starts with \"%1\"); point --store or HPT_STORE "
                                      "at a run store (.sqlite) or at a new file name.")
                                  .arg(start));
    }
    if (head.size() < 100)
        throwStoreError(path, QString("is truncated: %1 bytes, shorter than the 100-byte SQLite header. Restore it from "
                                      "a backup or start a new store.")
                                  .arg(h.fileSize));
    const auto* u = reinterpret_cast<const unsigned char*>(head.constData());
    const int ps = (u[16] << 8 | u[17]) == 1 ? 65536 : (u[16] << 8 | u[17]);
    if (ps < 512 || ps > 65536 || (ps & (ps - 1)) != 0)
        throwStoreError(path, QString("has a damaged SQLite header (page size %1). Restore it from a backup.").arg(ps));
    h.pageSize = ps;
    // The in-header page count is valid when "version-valid-for" equals the change counter.
    if (be32(u + 92) == be32(u + 24)) h.pageCount = be32(u + 28);
    // A pending write-ahead log may legitimately hold pages the main file lacks.
    const bool walPending = QFileInfo(path + "-wal").size() > 0;
    const bool partialPage = h.fileSize % ps != 0;
    const bool shortFile = h.pageCount > 0 && h.pageCount * int64_t(ps) > h.fileSize;
    if (!walPending && (partialPage || shortFile))
        throwStoreError(path, QString("is truncated: %1 bytes, but its header describes %2 pages of %3 bytes (%4 bytes). "
                                      "It was cut short (copy or disk full?); restore it from a backup or merge its "
                                      "source stores again.")
                                  .arg(h.fileSize)
                                  .arg(h.pageCount)
                                  .arg(ps)
                                  .arg(h.pageCount * int64_t(ps)));
    return h;
}

Probe probe(const QString& path) {
    // Without a pending write-ahead log the main file is the whole truth: open it immutable,
    // which takes no locks and creates no -wal/-shm files beside it.
    const bool walPending = QFileInfo(path + "-wal").size() > 0;
    const QByteArray name = walPending ? path.toUtf8()
                                       : (QUrl::fromLocalFile(path).toString(QUrl::FullyEncoded) + "?immutable=1").toUtf8();
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(name.constData(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
    Probe p;
    try {
        if (rc != SQLITE_OK) sqlite::fail(db, path, "opening");
        p.tables = sqlite::queryInt(db, path, "SELECT count(*) FROM sqlite_master");
        p.version = int(sqlite::queryInt(db, path, "PRAGMA user_version"));
        p.appId = sqlite::queryInt(db, path, "PRAGMA application_id");
    } catch (...) {
        sqlite3_close_v2(db);
        throw;
    }
    sqlite3_close_v2(db);
    if (p.appId != Store::kApplicationId && !(p.appId == 0 && p.tables == 0 && p.version == 0))
        throwStoreError(path, QString("is an SQLite database but not an HpT run store (application_id %1, %2 tables); "
                                      "give --store a run store or a new file name.")
                                  .arg(p.appId)
                                  .arg(p.tables));
    if (p.version > Store::kSchemaVersion)
        throwStoreError(path, QString("was written by a newer HpT Workbench (store schema v%1; this program reads up to "
                                      "v%2). It was not modified; open it with a newer hpt.")
                                  .arg(p.version)
                                  .arg(Store::kSchemaVersion));
    return p;
}

// Writing needs the file and its folder (SQLite creates FILE-wal and FILE-shm beside it). Said
// up front, so a read-only store is refused untouched instead of failing half-way into a run.
void requireWritable(const QString& path, bool exists) {
    const QString dir = QFileInfo(path).absolutePath();
    if (exists && ::access(QFile::encodeName(path).constData(), W_OK) != 0)
        throwStoreError(path, QString("is read-only (%1), so no run can be recorded in it. Make it writable (chmod u+w %2) "
                                      "or pass --store with another file; hpt runs and hpt export read it as it is.")
                                  .arg(QString::fromLocal8Bit(std::strerror(errno)), path));
    if (::access(QFile::encodeName(dir).constData(), W_OK | X_OK) != 0)
        throwStoreError(path, QString("its folder %1 is not writable (%2); SQLite keeps its write-ahead log beside the "
                                      "store. Make the folder writable (chmod u+w %1) or pass --store with a file in a "
                                      "writable folder.")
                                  .arg(dir, QString::fromLocal8Bit(std::strerror(errno))));
}

}  // namespace hpt::filecheck
