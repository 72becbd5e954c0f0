#pragma once
// The run store: one SQLite file holding every run, its resolved
// configuration, metrics, events and final numbers. Schema, versions and
// guarantees are described in resources/docs/store.md.
//
// One Store is one SQLite connection: use one Store per thread. Writers that
// must never block training go through StoreSink (its own writer thread).
#include "engine/RunSink.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

struct sqlite3;

namespace hpt {

struct RunSummary {
    int64_t id = 0;
    QString uuid;
    QString name, status, model, dataset, mapping, createdAt, finishedAt;  // times: ISO 8601 UTC
    QStringList tags;
    QString notes;
    bool synthetic = false;  // the run trained on a synthetic dataset twin
    QJsonObject final;       // test metrics, baselines, energy per device, switch step
    double durationS = 0;    // finished − created, or last heartbeat − created while running
    int64_t lastStep = -1;
    // JSON fields of the row that are not valid JSON of their type ("config", "plugins",
    // "dataset", "runtime", "tags", "final"): read as empty, reported as damaged.
    QStringList damaged;
};

class Store {
public:
    // Current schema version (PRAGMA user_version); see resources/docs/store.md.
    static constexpr int kSchemaVersion = 2;
    // PRAGMA application_id of a run store ("HpTS"), so other SQLite files are told apart.
    static constexpr int kApplicationId = 0x48705453;

    // $HPT_STORE, else QStandardPaths::AppDataLocation + "/runs.sqlite" (the folder is created).
    static QString defaultPath();

    // Creates or opens the file and migrates it forward. Throws hpt::Error(ErrorKind::Store)
    // naming the file and the fix when it is not an SQLite file, is truncated or corrupt, is
    // another program's database, or has a newer schema than this program; such a file is
    // never modified. readOnly opens without writing anything (an older schema is then an
    // error, because migrating would write).
    explicit Store(const QString& path, bool readOnly = false);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    const QString& path() const { return path_; }
    bool readOnly() const { return readOnly_; }

    // --- writing a run ---------------------------------------------------------------
    // Status "running"; stores config JSON + its SHA-256, plugins, dataset identity, runtime,
    // seed, host, app version, checkpoint folder, a uuid and this process as the writer.
    int64_t createRun(const RunStart&);
    // One transaction per call (batch many points). One value per (run, key, step): a point
    // repeated at the same step replaces the earlier one.
    void appendMetrics(int64_t run, const std::vector<MetricPoint>&);
    void appendEvent(int64_t run, const RunEvent&);
    void finishRun(int64_t run, RunStatus, const QJsonObject& final);
    // Deletes the run's metrics and events after `step`: a run resumed from a checkpoint at
    // `step` recomputes them, and rows a killed process left there must not be kept twice.
    void discardAfter(int64_t run, int64_t step);
    // Proves the writer is alive to other processes (StoreSink calls it with each batch).
    void heartbeat(int64_t run);

    // Explicit transactions, so callers can group many appends into one commit.
    void begin();
    void commit();
    void rollback();

    // --- reading ---------------------------------------------------------------------
    std::vector<RunSummary> runs() const;
    RunSummary summary(int64_t run) const;
    bool hasRun(int64_t run) const;
    QJsonObject runConfig(int64_t run) const;
    // Every run's resolved configuration by id, in one read (the run query reads it only
    // when a query names a config key).
    std::map<int64_t, QJsonObject> configs() const;
    // Everything about a run except its metric values: identity, config, plugins, dataset,
    // runtime, seed, host, versions, status, times, notes, tags, final, metric keys, counts.
    QJsonObject runRecord(int64_t run) const;
    QStringList metricKeys(int64_t run) const;
    int64_t metricCount(int64_t run) const;

    // A series for plotting, ordered by step. x is the step, or the wall time (s since run
    // start) with byWallTime. maxPoints > 0 downsamples to at most maxPoints points (the min
    // and max of each x bucket, plus the first and last point), so spikes stay visible.
    struct Series {
        std::vector<double> x, y;
    };
    Series series(int64_t run, const QString& key, bool byWallTime = false, int maxPoints = 0) const;
    // Every point of one key ("" = all keys, ordered by key then step), for export.
    void forEachMetric(int64_t run, const QString& key, const std::function<void(const MetricPoint&)>& fn) const;
    std::vector<RunEvent> events(int64_t run) const;
    int64_t lastStep(int64_t run) const;  // highest step with a metric or event, -1 if none

    // --- editing ---------------------------------------------------------------------
    void setName(int64_t run, const QString& name);
    void setNotes(int64_t run, const QString& notes);
    void setTags(int64_t run, const QStringList& tags);
    void deleteRun(int64_t run);
    void markStatus(int64_t run, RunStatus status);

    // Runs found "running" whose writer is gone are marked "interrupted"; returns how many.
    // The writer is gone when it ran on this host and its process (pid + start time) no
    // longer exists, or ran elsewhere and its heartbeat is older than staleAfterS. Not called
    // by the constructor: the GUI and batch mode call it when they open a store.
    int recoverInterrupted(double staleAfterS = 600);

    // Merges another store into this one (one transaction): runs get new ids here, a run
    // whose uuid is already present is skipped, except that a copy still "running" or
    // "interrupted" here is replaced by a source copy that has since ended. Returns the
    // number of runs copied. The other file is only read (an older schema is migrated in a
    // temporary copy).
    int merge(const QString& otherPath);
    // The same; rows of the other store that cannot be read (a JSON field that is not JSON, no
    // uuid, an unknown status) are not copied and each is described in `rejected` as
    // "run N of FILE: damaged: ...". A failure caused by a damaged input file names that file.
    int merge(const QString& otherPath, QStringList* rejected);

    // PRAGMA integrity_check: "ok" or the problems found.
    QString integrityCheck() const;
    int schemaVersion() const;

private:
    struct Impl;
    void requireRun(int64_t run, const char* what) const;
    int64_t keyId(const std::string& key);

    QString path_;
    bool readOnly_ = false;
    std::unique_ptr<Impl> d_;
};

// Thrown as hpt::Error(ErrorKind::Store, path, msg).
[[noreturn]] void throwStoreError(const QString& path, const QString& message);

}  // namespace hpt
