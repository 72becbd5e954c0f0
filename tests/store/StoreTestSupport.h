#pragma once
// Helpers shared by the store tests: a run to write, file hashes for "left
// unmodified" checks, and raw SQLite access for building old or foreign files.
#include "engine/RunSink.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QString>
#include <sqlite3.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace hpt::test {

inline QByteArray fileSha256(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

inline RunStart sampleStart(const std::string& name, int64_t seed = 7) {
    RunStart r;
    r.name = name;
    r.config = QJsonObject{{"name", QString::fromStdString(name)},
                           {"model", QJsonObject{{"name", "wind"}, {"preset", "compact"}}},
                           {"dataset", QJsonObject{{"name", "wind"}}},
                           {"mapping", QJsonObject{{"preset", "hpt"}}},
                           {"training", QJsonObject{{"lr", 1e-4}, {"epochs", 2}, {"seed", double(seed)}}},
                           {"lora", QJsonObject{{"rank", 8}, {"targets", QJsonArray{"*.attn.q", "*.attn.v"}}}}};
    r.plugins = QJsonObject{{"model", QJsonObject{{"name", "wind"}, {"version", "1.0"}}},
                            {"dataset", QJsonObject{{"name", "wind"}, {"version", "1.0"}}}};
    r.dataset = QJsonObject{{"name", "wind"}, {"synthetic", true}, {"path", ""}, {"sha256", ""}};
    r.runtime = QJsonObject{{"torch_version", "1.13"}, {"torch_device", "cpu"}};
    r.seed = seed;
    r.checkpointDir = "/tmp/ckpt/" + name;
    return r;
}

// `steps` steps × the given keys, value = f(step, key index).
inline std::vector<MetricPoint> samplePoints(int64_t step0, int64_t steps, const std::vector<std::string>& keys,
                                             double offset = 0) {
    std::vector<MetricPoint> pts;
    for (int64_t s = step0; s < step0 + steps; ++s)
        for (size_t k = 0; k < keys.size(); ++k)
            pts.push_back({s, keys[k], offset + double(s) * 0.5 + double(k), double(s) * 0.01});
    return pts;
}

// The v1 store layout (user_version 1), written here independently of the program's
// migration code so the test catches a changed v1 step.
inline const char* const kV1Schema = R"sql(
            CREATE TABLE runs(id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, name TEXT NOT NULL DEFAULT '',
              status TEXT NOT NULL, created_at TEXT NOT NULL, finished_at TEXT, config TEXT NOT NULL DEFAULT '{}',
              config_sha256 TEXT NOT NULL DEFAULT '', plugins TEXT NOT NULL DEFAULT '{}', dataset TEXT NOT NULL DEFAULT '{}',
              runtime TEXT NOT NULL DEFAULT '{}', seed INTEGER NOT NULL DEFAULT 0, host TEXT NOT NULL DEFAULT '',
              app_version TEXT NOT NULL DEFAULT '', checkpoint_dir TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '',
              tags TEXT NOT NULL DEFAULT '[]', final TEXT NOT NULL DEFAULT '{}');
            CREATE TABLE metrics(run INTEGER NOT NULL, step INTEGER NOT NULL, key TEXT NOT NULL, value REAL, wall_time REAL);
            CREATE INDEX metrics_run_key_step ON metrics(run, key, step);
            CREATE TABLE events(id INTEGER PRIMARY KEY, run INTEGER NOT NULL, step INTEGER NOT NULL,
              epoch INTEGER NOT NULL DEFAULT 0, type TEXT NOT NULL, payload TEXT NOT NULL DEFAULT '{}',
              wall_time REAL NOT NULL DEFAULT 0);
            CREATE INDEX events_run_step ON events(run, step);
            PRAGMA application_id = 1215321171;
            PRAGMA user_version = 1;
)sql";

// Runs SQL on a file through the raw C API (to build v1, foreign or "newer" files).
inline void rawExec(const QString& path, const char* sql) {
    sqlite3* db = nullptr;
    if (sqlite3_open(path.toUtf8().constData(), &db) != SQLITE_OK) throw std::runtime_error("open failed");
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error("sql failed: " + msg);
}

}  // namespace hpt::test
