#pragma once
// Thin RAII over the sqlite3 C API, private to the store: a statement that is
// prepared once and reset after each use, and errors that name the file.
#include <QByteArray>
#include <QString>
#include <cstdint>
#include <string>

#include <sqlite3.h>

namespace hpt::sqlite {

[[noreturn]] void fail(sqlite3* db, const QString& path, const QString& what);
[[noreturn]] void failCode(int rc, const QString& path, const QString& what);

void exec(sqlite3* db, const QString& path, const char* sql);

class Stmt {
public:
    Stmt() = default;
    Stmt(sqlite3* db, const QString& path, const char* sql);
    ~Stmt();
    Stmt(Stmt&& o) noexcept;
    Stmt& operator=(Stmt&& o) noexcept;
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;

    Stmt& bind(int i, int64_t v) { check(sqlite3_bind_int64(s_, i, v)); return *this; }
    Stmt& bind(int i, int v) { return bind(i, int64_t(v)); }
    Stmt& bind(int i, double v) { check(sqlite3_bind_double(s_, i, v)); return *this; }
    Stmt& bind(int i, const QString& v);
    Stmt& bindText(int i, const char* p, int n) { check(sqlite3_bind_text(s_, i, p, n, SQLITE_TRANSIENT)); return *this; }
    Stmt& bindNull(int i) { check(sqlite3_bind_null(s_, i)); return *this; }

    // true while a row is available; throws on errors.
    bool step();
    // Runs to completion (statements without rows) and resets.
    void run() { while (step()) {} reset(); }
    void reset() { sqlite3_reset(s_); sqlite3_clear_bindings(s_); }

    int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
    double dbl(int c) const { return sqlite3_column_double(s_, c); }
    bool isNull(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
    QString text(int c) const {
        return QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(s_, c)), sqlite3_column_bytes(s_, c));
    }
    QByteArray bytes(int c) const {
        return QByteArray(reinterpret_cast<const char*>(sqlite3_column_text(s_, c)), sqlite3_column_bytes(s_, c));
    }
    std::string str(int c) const {
        return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s_, c)), sqlite3_column_bytes(s_, c));
    }
    sqlite3_stmt* get() const { return s_; }

private:
    void check(int rc);
    sqlite3* db_ = nullptr;
    sqlite3_stmt* s_ = nullptr;
    QString path_;
};

// Scalar query helpers.
int64_t queryInt(sqlite3* db, const QString& path, const char* sql, int64_t fallback = 0);

}  // namespace hpt::sqlite
