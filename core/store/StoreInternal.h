#pragma once
// What Store.cpp and StoreMerge.cpp share: the connection behind a Store, the
// transaction guard, and the SQL that reads JSON columns without failing on a
// damaged one. Internal to core/store.
#include "store/Sqlite.h"
#include "store/Store.h"

#include <QStringList>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

namespace hpt {

struct Store::Impl {
    sqlite3* db = nullptr;
    std::unordered_map<std::string, int64_t> keyCache;
    std::unique_ptr<sqlite::Stmt> insertSample, insertEvent, bumpStep, runExists, keyInsert, keySelect;

    ~Impl() {
        insertSample.reset();
        insertEvent.reset();
        bumpStep.reset();
        runExists.reset();
        keyInsert.reset();
        keySelect.reset();
        sqlite3_close_v2(db);
    }
};

namespace storeinternal {

// Opens a transaction unless the caller already holds one (begin()).
class Txn {
public:
    Txn(sqlite3* db, const QString& path) : db_(db), path_(path), own_(sqlite3_get_autocommit(db) != 0) {
        if (own_) sqlite::exec(db_, path_, "BEGIN IMMEDIATE");
    }
    void commit() {
        if (own_) sqlite::exec(db_, path_, "COMMIT");
        own_ = false;
    }
    ~Txn() {
        if (own_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }

private:
    sqlite3* db_;
    QString path_;
    bool own_;
};

// Columns of `runs` other than id, in the order merge copies them.
inline constexpr const char* kRunColumns =
    "uuid, name, status, created_at, finished_at, config, config_sha256, plugins, dataset, runtime, seed, host, "
    "app_version, checkpoint_dir, notes, tags, final, writer_pid, writer_start, heartbeat_at, last_step";

// A row written by another program (or damaged on disk) can hold text that is not JSON in a
// JSON column. SQLite's json_extract raises an error on such text, which used to abort every
// listing of the store: these expressions read NULL instead, and the flags below name the
// damaged fields, so readers list the rest and say which field of which run is damaged.
// Nested CASE, not AND: CASE evaluates lazily, so json_type never sees invalid text.
inline std::string jsonOf(const char* column, const char* type) {
    return std::string("(CASE WHEN json_valid(") + column + ") THEN (CASE WHEN json_type(" + column + ") = '" + type +
           "' THEN " + column + " END) END)";
}
inline std::string damagedFlag(const char* column, const char* type) {
    return std::string("(CASE WHEN ") + jsonOf(column, type) + " IS NULL THEN 1 ELSE 0 END)";
}
// The JSON columns of `runs`, with the JSON type each must hold.
inline const std::pair<const char*, const char*> kJsonColumns[] = {{"config", "object"},  {"plugins", "object"},
                                                            {"dataset", "object"}, {"runtime", "object"},
                                                            {"tags", "array"},     {"final", "object"}};
inline std::string damagedFlags() {
    std::string out;
    for (const auto& [c, t] : kJsonColumns) out += ", " + damagedFlag(c, t);
    return out;
}
inline QStringList readDamaged(const sqlite::Stmt& s, int first) {
    QStringList out;
    int i = first;
    for (const auto& c : kJsonColumns) {
        if (s.i64(i++) != 0) out << c.first;
    }
    return out;
}

}  // namespace storeinternal
}  // namespace hpt
