#include "store/Schema.h"

#include "store/Sqlite.h"
#include "store/Store.h"

namespace hpt::schema {

// v1: metrics keyed by text, one row per point.
const char* const kV1 = R"sql(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  config TEXT NOT NULL DEFAULT '{}',
  config_sha256 TEXT NOT NULL DEFAULT '',
  plugins TEXT NOT NULL DEFAULT '{}',
  dataset TEXT NOT NULL DEFAULT '{}',
  runtime TEXT NOT NULL DEFAULT '{}',
  seed INTEGER NOT NULL DEFAULT 0,
  host TEXT NOT NULL DEFAULT '',
  app_version TEXT NOT NULL DEFAULT '',
  checkpoint_dir TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  final TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE metrics(run INTEGER NOT NULL, step INTEGER NOT NULL, key TEXT NOT NULL, value REAL, wall_time REAL);
CREATE INDEX metrics_run_key_step ON metrics(run, key, step);
CREATE TABLE events(
  id INTEGER PRIMARY KEY,
  run INTEGER NOT NULL,
  step INTEGER NOT NULL,
  epoch INTEGER NOT NULL DEFAULT 0,
  type TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  wall_time REAL NOT NULL DEFAULT 0
);
CREATE INDEX events_run_step ON events(run, step);
)sql";

// v2: metric keys interned; points in a WITHOUT ROWID table clustered by
// (run, key, step), so a series is one contiguous range read and inserts carry
// no separate index; the writer's identity and heartbeat for crash recovery;
// the last step kept on the run (max over a big table is a scan).
static const char* const kV1toV2 = R"sql(
ALTER TABLE runs ADD COLUMN writer_pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN writer_start INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN heartbeat_at REAL NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN last_step INTEGER NOT NULL DEFAULT -1;
CREATE TABLE metric_keys(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO metric_keys(name) SELECT DISTINCT key FROM metrics ORDER BY key;
CREATE TABLE samples(
  run INTEGER NOT NULL,
  key_id INTEGER NOT NULL,
  step INTEGER NOT NULL,
  value REAL,
  wall_time REAL NOT NULL DEFAULT 0,
  PRIMARY KEY(run, key_id, step)
) WITHOUT ROWID;
INSERT OR REPLACE INTO samples(run, key_id, step, value, wall_time)
  SELECT m.run, k.id, m.step, m.value, coalesce(m.wall_time, 0) FROM metrics m JOIN metric_keys k ON k.name = m.key
  ORDER BY m.rowid;
DROP TABLE metrics;
UPDATE runs SET last_step = max(
  coalesce((SELECT max(step) FROM samples s WHERE s.run = runs.id), -1),
  coalesce((SELECT max(step) FROM events e WHERE e.run = runs.id), -1));
)sql";

void migrate(sqlite3* db, const QString& path, int from, int target) {
    static const char* const steps[] = {kV1, kV1toV2};
    static_assert(sizeof(steps) / sizeof(steps[0]) == Store::kSchemaVersion, "one migration step per version");
    if (from >= target) return;
    sqlite::exec(db, path, "BEGIN IMMEDIATE");
    try {
        // Re-read inside the write lock: another process may have migrated meanwhile.
        from = int(sqlite::queryInt(db, path, "PRAGMA user_version"));
        if (from >= target) {  // migrated meanwhile, or even newer: never write a version back
            sqlite::exec(db, path, "ROLLBACK");
            if (from > target)
                throwStoreError(path, QString("was upgraded to store schema v%1 by a newer HpT Workbench while opening; "
                                              "it was not modified. Use a newer hpt.").arg(from));
            return;
        }
        for (int v = from; v < target; ++v) sqlite::exec(db, path, steps[v]);
        const QByteArray pragmas = QString("PRAGMA application_id = %1; PRAGMA user_version = %2;")
                                       .arg(Store::kApplicationId)
                                       .arg(target)
                                       .toUtf8();
        sqlite::exec(db, path, pragmas.constData());
        sqlite::exec(db, path, "COMMIT");
    } catch (...) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

}  // namespace hpt::schema
