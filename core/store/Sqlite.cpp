#include "store/Sqlite.h"

#include "store/Store.h"

#include <utility>

namespace hpt::sqlite {

static QString hintFor(int rc) {
    switch (rc & 0xff) {
    case SQLITE_CORRUPT: return " The file is damaged; restore it from a backup or merge its readable runs into a new store.";
    case SQLITE_NOTADB: return " The file is not an SQLite database; point --store/HPT_STORE at a run store (.sqlite).";
    case SQLITE_FULL: return " The disk is full; free space and retry.";
    case SQLITE_READONLY: return " The file is read-only; check its permissions or open it read-only.";
    case SQLITE_BUSY: return " Another program holds a lock on the file; retry when it is done.";
    case SQLITE_CANTOPEN: return " Check that the folder exists and is writable.";
    default: return "";
    }
}

void fail(sqlite3* db, const QString& path, const QString& what) {
    const int rc = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
    const QString msg = db ? QString::fromUtf8(sqlite3_errmsg(db)) : QString("no connection");
    throwStoreError(path, QString("%1 failed: %2 (SQLite code %3).%4").arg(what, msg).arg(rc).arg(hintFor(rc)));
}

void failCode(int rc, const QString& path, const QString& what) {
    throwStoreError(path, QString("%1 failed: %2 (SQLite code %3).%4")
                              .arg(what, QString::fromUtf8(sqlite3_errstr(rc)))
                              .arg(rc)
                              .arg(hintFor(rc)));
}

void exec(sqlite3* db, const QString& path, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        const QString e = err ? QString::fromUtf8(err) : QString();
        sqlite3_free(err);
        const int rc = sqlite3_extended_errcode(db);
        throwStoreError(path, QString("'%1' failed: %2 (SQLite code %3).%4")
                                  .arg(QString::fromUtf8(sql).left(80), e)
                                  .arg(rc)
                                  .arg(hintFor(rc)));
    }
}

Stmt::Stmt(sqlite3* db, const QString& path, const char* sql) : db_(db), path_(path) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK)
        fail(db, path, QString("preparing '%1'").arg(QString::fromUtf8(sql).left(80)));
}

Stmt::~Stmt() { sqlite3_finalize(s_); }

Stmt::Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)), path_(std::move(o.path_)) {}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
    if (this != &o) {
        sqlite3_finalize(s_);
        db_ = o.db_;
        s_ = std::exchange(o.s_, nullptr);
        path_ = std::move(o.path_);
    }
    return *this;
}

Stmt& Stmt::bind(int i, const QString& v) {
    const QByteArray u = v.toUtf8();
    return bindText(i, u.constData(), int(u.size()));
}

bool Stmt::step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const QString sql = QString::fromUtf8(sqlite3_sql(s_)).left(80);
    sqlite3_reset(s_);
    fail(db_, path_, QString("'%1'").arg(sql));
}

void Stmt::check(int rc) {
    if (rc != SQLITE_OK) fail(db_, path_, "binding a value");
}

int64_t queryInt(sqlite3* db, const QString& path, const char* sql, int64_t fallback) {
    Stmt s(db, path, sql);
    return s.step() && !s.isNull(0) ? s.i64(0) : fallback;
}

}  // namespace hpt::sqlite
