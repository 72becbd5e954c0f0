#include "store/Store.h"

#include "config/Names.h"
#include "store/Downsample.h"
#include "store/FileCheck.h"
#include "store/Schema.h"
#include "store/Sqlite.h"
#include "store/StoreInternal.h"
#include "store/WriterLiveness.h"
#include "util/RuntimeInfo.h"

#include <hpt/Error.h>

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QUrl>
#include <QUuid>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <unistd.h>
#include <limits>
#include <unordered_map>

namespace hpt {

using sqlite::Stmt;
using namespace storeinternal;

void throwStoreError(const QString& path, const QString& message) {
    throw Error(ErrorKind::Store, path.toStdString(), message.toStdString());
}

namespace {

QByteArray compact(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

QJsonObject parseObject(const QByteArray& text) {
    const QJsonDocument d = QJsonDocument::fromJson(text);
    return d.isObject() ? d.object() : QJsonObject{};
}

QString nowIso() { return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs); }
double nowEpoch() { return double(QDateTime::currentMSecsSinceEpoch()) / 1000.0; }
QString epochToIso(double s) { return QDateTime::fromMSecsSinceEpoch(qint64(s * 1000.0), Qt::UTC).toString(Qt::ISODateWithMs); }

double secondsBetween(const QString& a, const QString& b) {
    const QDateTime ta = QDateTime::fromString(a, Qt::ISODateWithMs), tb = QDateTime::fromString(b, Qt::ISODateWithMs);
    return ta.isValid() && tb.isValid() ? double(ta.msecsTo(tb)) / 1000.0 : 0.0;
}

}  // namespace

QString Store::defaultPath() {
    const QString env = qEnvironmentVariable("HPT_STORE");
    if (!env.isEmpty()) return env;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dir);
    return dir + "/runs.sqlite";
}

Store::Store(const QString& path, bool readOnly) : readOnly_(readOnly), d_(std::make_unique<Impl>()) {
    if (path.isEmpty()) throwStoreError("store", "no store file given; pass --store FILE or set HPT_STORE.");
    path_ = QFileInfo(path).absoluteFilePath();
    const filecheck::Header h = filecheck::inspect(path_);
    if (!h.exists) {
        if (readOnly) throwStoreError(path_, "does not exist; check the path (hpt runs --store FILE).");
        const QString dir = QFileInfo(path_).absolutePath();
        if (!QDir().mkpath(dir)) throwStoreError(path_, QString("cannot create the folder %1; check permissions.").arg(dir));
    }
    if (readOnly && h.fileSize == 0) throwStoreError(path_, "is empty, not a run store yet.");
    if (!readOnly) filecheck::requireWritable(path_, h.exists);
    int version = 0;
    if (h.fileSize > 0) version = filecheck::probe(path_).version;
    if (readOnly && version < kSchemaVersion)
        throwStoreError(path_, QString("has store schema v%1; it needs an upgrade to v%2, which writes. Open it once "
                                       "read-write (e.g. `hpt runs --store FILE`) to migrate.")
                                   .arg(version)
                                   .arg(kSchemaVersion));

    const int flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_URI;
    if (sqlite3_open_v2(path_.toUtf8().constData(), &d_->db, flags, nullptr) != SQLITE_OK)
        sqlite::fail(d_->db, path_, "opening");
    sqlite3_busy_timeout(d_->db, 10000);
    sqlite3_extended_result_codes(d_->db, 1);
    // WAL: readers never block the writer and a killed writer loses at most its open
    // transaction; synchronous=NORMAL keeps every commit across a process crash (only a
    // power cut can lose the last commits).
    if (!readOnly) sqlite::exec(d_->db, path_, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    sqlite::exec(d_->db, path_, "PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 268435456;");
    if (!readOnly) schema::migrate(d_->db, path_, version, kSchemaVersion);
}

Store::~Store() = default;

int Store::schemaVersion() const { return int(sqlite::queryInt(d_->db, path_, "PRAGMA user_version")); }

void Store::begin() { sqlite::exec(d_->db, path_, "BEGIN IMMEDIATE"); }
void Store::commit() { sqlite::exec(d_->db, path_, "COMMIT"); }
void Store::rollback() {
    sqlite3_exec(d_->db, "ROLLBACK", nullptr, nullptr, nullptr);
    d_->keyCache.clear();  // keys inserted in the rolled-back transaction are gone
}

bool Store::hasRun(int64_t run) const {
    if (!d_->runExists) d_->runExists = std::make_unique<Stmt>(d_->db, path_, "SELECT 1 FROM runs WHERE id = ?");
    d_->runExists->bind(1, run);
    const bool found = d_->runExists->step();
    d_->runExists->reset();
    return found;
}

void Store::requireRun(int64_t run, const char* what) const {
    if (!hasRun(run))
        throwStoreError(path_, QString("%1: there is no run %2 in this store; `hpt runs --store %3` lists the runs.")
                                   .arg(what)
                                   .arg(run)
                                   .arg(path_));
}

int64_t Store::keyId(const std::string& key) {
    auto it = d_->keyCache.find(key);
    if (it != d_->keyCache.end()) return it->second;
    if (!d_->keyInsert) {
        d_->keyInsert = std::make_unique<Stmt>(d_->db, path_, "INSERT OR IGNORE INTO metric_keys(name) VALUES (?)");
        d_->keySelect = std::make_unique<Stmt>(d_->db, path_, "SELECT id FROM metric_keys WHERE name = ?");
    }
    d_->keyInsert->bindText(1, key.data(), int(key.size())).run();
    d_->keySelect->bindText(1, key.data(), int(key.size()));
    d_->keySelect->step();
    const int64_t id = d_->keySelect->i64(0);
    d_->keySelect->reset();
    d_->keyCache.emplace(key, id);
    return id;
}

int64_t Store::createRun(const RunStart& r) {
    QString name = QString::fromStdString(r.name);
    if (name.isEmpty()) name = r.config.value("name").toString();
    const QByteArray config = compact(r.config);
    Stmt s(d_->db, path_,
           "INSERT INTO runs(uuid, name, status, created_at, config, config_sha256, plugins, dataset, runtime, seed, "
           "host, app_version, checkpoint_dir, writer_pid, writer_start, heartbeat_at) "
           "VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    // The engine's uuid when it gave one: its checkpoints carry the same, so a resume can tell
    // its own checkpoints from another run's.
    s.bind(1, r.uuid.empty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : QString::fromStdString(r.uuid))
        .bind(2, name)
        .bind(3, nowIso())
        .bindText(4, config.constData(), int(config.size()))
        .bind(5, QString::fromLatin1(QCryptographicHash::hash(config, QCryptographicHash::Sha256).toHex()))
        .bind(6, QString::fromUtf8(compact(r.plugins)))
        .bind(7, QString::fromUtf8(compact(r.dataset)))
        .bind(8, QString::fromUtf8(compact(r.runtime)))
        .bind(9, int64_t(r.seed))
        .bind(10, QSysInfo::machineHostName())
        .bind(11, appVersion())
        .bind(12, QString::fromStdString(r.checkpointDir))
        .bind(13, liveness::currentPid())
        .bind(14, liveness::processStartTime(liveness::currentPid()))
        .bind(15, nowEpoch());
    s.run();
    return sqlite3_last_insert_rowid(d_->db);
}

void Store::appendMetrics(int64_t run, const std::vector<MetricPoint>& points) {
    if (points.empty()) return;
    requireRun(run, "appending metrics");
    Txn txn(d_->db, path_);
    try {
        if (!d_->insertSample)
            d_->insertSample = std::make_unique<Stmt>(
                d_->db, path_, "INSERT OR REPLACE INTO samples(run, key_id, step, value, wall_time) VALUES (?, ?, ?, ?, ?)");
        Stmt& ins = *d_->insertSample;
        sqlite3_stmt* st = ins.get();
        // Insert in (key, step) order, the table's own order: each key's rows then go to the
        // same few B-tree leaves one after another instead of hopping between keys every row.
        std::vector<std::pair<int64_t, const MetricPoint*>> order;
        order.reserve(points.size());
        const std::string* lastKey = nullptr;
        int64_t lastId = 0;
        for (const MetricPoint& p : points) {
            if (!lastKey || p.key != *lastKey) {  // points come grouped by step, so keys repeat
                lastId = keyId(p.key);
                lastKey = &p.key;
            }
            order.emplace_back(lastId, &p);
        }
        std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first < b.first : a.second->step < b.second->step;
        });
        int64_t maxStep = -1;
        for (const auto& [id, pp] : order) {
            const MetricPoint& p = *pp;
            sqlite3_bind_int64(st, 1, run);
            sqlite3_bind_int64(st, 2, id);
            sqlite3_bind_int64(st, 3, p.step);
            if (std::isnan(p.value)) sqlite3_bind_null(st, 4);  // SQLite stores NaN as NULL anyway
            else sqlite3_bind_double(st, 4, p.value);
            sqlite3_bind_double(st, 5, p.wallTime);
            if (sqlite3_step(st) != SQLITE_DONE) {
                sqlite3_reset(st);
                sqlite::fail(d_->db, path_, "inserting metrics");
            }
            sqlite3_reset(st);
            maxStep = std::max(maxStep, p.step);
        }
        if (!d_->bumpStep)
            d_->bumpStep = std::make_unique<Stmt>(d_->db, path_,
                                                  "UPDATE runs SET last_step = max(last_step, ?) WHERE id = ?");
        d_->bumpStep->bind(1, maxStep).bind(2, run).run();
        txn.commit();
    } catch (...) {
        d_->keyCache.clear();
        throw;
    }
}

void Store::appendEvent(int64_t run, const RunEvent& e) {
    requireRun(run, "appending an event");
    Txn txn(d_->db, path_);
    if (!d_->insertEvent)
        d_->insertEvent = std::make_unique<Stmt>(
            d_->db, path_, "INSERT INTO events(run, step, epoch, type, payload, wall_time) VALUES (?, ?, ?, ?, ?, ?)");
    const QByteArray payload = compact(e.payload);
    d_->insertEvent->bind(1, run)
        .bind(2, int64_t(e.step))
        .bind(3, e.epoch)
        .bindText(4, e.type.data(), int(e.type.size()))
        .bindText(5, payload.constData(), int(payload.size()))
        .bind(6, e.wallTime)
        .run();
    if (!d_->bumpStep)
        d_->bumpStep = std::make_unique<Stmt>(d_->db, path_, "UPDATE runs SET last_step = max(last_step, ?) WHERE id = ?");
    d_->bumpStep->bind(1, int64_t(e.step)).bind(2, run).run();
    txn.commit();
}

void Store::finishRun(int64_t run, RunStatus status, const QJsonObject& final) {
    requireRun(run, "finishing a run");
    Stmt s(d_->db, path_, "UPDATE runs SET status = ?, finished_at = ?, final = ?, heartbeat_at = ? WHERE id = ?");
    s.bind(1, QString(toString(status)))
        .bind(2, nowIso())
        .bind(3, QString::fromUtf8(compact(final)))
        .bind(4, nowEpoch())
        .bind(5, run)
        .run();
}

void Store::discardAfter(int64_t run, int64_t step) {
    requireRun(run, "discarding rows after a checkpoint");
    Txn txn(d_->db, path_);
    Stmt(d_->db, path_, "DELETE FROM samples WHERE run = ? AND step > ?").bind(1, run).bind(2, step).run();
    // Events at the checkpoint's own step that came after it (an lr change at an epoch
    // boundary) are recomputed too: keep only those up to its "checkpoint" event.
    Stmt last(d_->db, path_, "SELECT max(id) FROM events WHERE run = ? AND step = ? AND type = 'checkpoint'");
    last.bind(1, run).bind(2, step);
    const int64_t keepUpTo = last.step() && !last.isNull(0) ? last.i64(0) : -1;
    if (keepUpTo >= 0)
        Stmt(d_->db, path_, "DELETE FROM events WHERE run = ? AND (step > ? OR (step = ? AND id > ?))")
            .bind(1, run).bind(2, step).bind(3, step).bind(4, keepUpTo).run();
    else
        Stmt(d_->db, path_, "DELETE FROM events WHERE run = ? AND step > ?").bind(1, run).bind(2, step).run();
    Stmt(d_->db, path_, "UPDATE runs SET last_step = min(last_step, ?) WHERE id = ?").bind(1, step).bind(2, run).run();
    txn.commit();
}

void Store::heartbeat(int64_t run) {
    Stmt s(d_->db, path_, "UPDATE runs SET heartbeat_at = ? WHERE id = ?");
    s.bind(1, nowEpoch()).bind(2, run).run();
}

static const std::string kSummarySelect =
    "SELECT id, uuid, name, status, created_at, coalesce(finished_at, ''), "
    "coalesce(json_extract(" + jsonOf("plugins", "object") + ", '$.model.name'), json_extract(" +
    jsonOf("config", "object") + ", '$.model.name'), ''), "
    "coalesce(json_extract(" + jsonOf("plugins", "object") + ", '$.dataset.name'), json_extract(" +
    jsonOf("dataset", "object") + ", '$.name'), json_extract(" + jsonOf("config", "object") + ", '$.dataset.name'), ''), "
    "coalesce(json_extract(" + jsonOf("config", "object") + ", '$.mapping.preset'), ''), "
    "coalesce(json_extract(" + jsonOf("dataset", "object") + ", '$.synthetic'), 0), tags, notes, final, heartbeat_at, "
    "last_step" + damagedFlags() + " FROM runs ";

static RunSummary readSummary(const Stmt& s) {
    RunSummary r;
    r.id = s.i64(0);
    r.uuid = s.text(1);
    r.name = s.text(2);
    r.status = s.text(3);
    r.createdAt = s.text(4);
    r.finishedAt = s.text(5);
    r.model = s.text(6);
    r.dataset = s.text(7);
    r.mapping = s.text(8);
    r.synthetic = s.i64(9) != 0;
    for (const auto& t : QJsonDocument::fromJson(s.bytes(10)).array()) r.tags << t.toString();
    r.notes = s.text(11);
    r.final = parseObject(s.bytes(12));
    const double heartbeat = s.dbl(13);
    r.lastStep = s.i64(14);
    r.damaged = readDamaged(s, 15);
    if (!r.finishedAt.isEmpty()) r.durationS = secondsBetween(r.createdAt, r.finishedAt);
    else if (heartbeat > 0) r.durationS = std::max(0.0, secondsBetween(r.createdAt, epochToIso(heartbeat)));
    return r;
}

std::vector<RunSummary> Store::runs() const {
    Stmt s(d_->db, path_, (kSummarySelect + "ORDER BY id").c_str());
    std::vector<RunSummary> out;
    while (s.step()) out.push_back(readSummary(s));
    return out;
}

RunSummary Store::summary(int64_t run) const {
    Stmt s(d_->db, path_, (kSummarySelect + "WHERE id = ?").c_str());
    s.bind(1, run);
    if (!s.step()) requireRun(run, "reading a run");
    return readSummary(s);
}

QJsonObject Store::runConfig(int64_t run) const {
    Stmt s(d_->db, path_, "SELECT config FROM runs WHERE id = ?");
    s.bind(1, run);
    if (!s.step()) requireRun(run, "reading a run's configuration");
    return parseObject(s.bytes(0));
}

std::map<int64_t, QJsonObject> Store::configs() const {
    Stmt s(d_->db, path_, "SELECT id, config FROM runs");
    std::map<int64_t, QJsonObject> out;
    while (s.step()) out.emplace(s.i64(0), parseObject(s.bytes(1)));
    return out;
}

QJsonObject Store::runRecord(int64_t run) const {
    Stmt s(d_->db, path_,
           (std::string("SELECT id, uuid, name, status, created_at, finished_at, config, config_sha256, plugins, "
                        "dataset, runtime, ") + "seed, host, app_version, checkpoint_dir, notes, tags, final, writer_pid, heartbeat_at, last_step" +
            damagedFlags() + " FROM runs WHERE id = ?").c_str());
    s.bind(1, run);
    if (!s.step()) requireRun(run, "reading a run");
    QJsonObject o{{"id", double(s.i64(0))},
                  {"uuid", s.text(1)},
                  {"name", s.text(2)},
                  {"status", s.text(3)},
                  {"created_at", s.text(4)},
                  {"finished_at", s.isNull(5) ? QJsonValue() : QJsonValue(s.text(5))},
                  {"config", parseObject(s.bytes(6))},
                  {"config_sha256", s.text(7)},
                  {"plugins", parseObject(s.bytes(8))},
                  {"dataset", parseObject(s.bytes(9))},
                  {"runtime", parseObject(s.bytes(10))},
                  {"seed", double(s.i64(11))},
                  {"host", s.text(12)},
                  {"app_version", s.text(13)},
                  {"checkpoint_dir", s.text(14)},
                  {"notes", s.text(15)},
                  {"tags", QJsonDocument::fromJson(s.bytes(16)).array()},
                  {"final", parseObject(s.bytes(17))},
                  {"writer_pid", double(s.i64(18))},
                  {"heartbeat_at", s.dbl(19) > 0 ? QJsonValue(epochToIso(s.dbl(19))) : QJsonValue()},
                  {"last_step", double(s.i64(20))},
                  {"store", path_},
                  {"schema_version", kSchemaVersion}};
    // Fields that could not be read as JSON (listed as {} above): "damaged: field X of run N".
    if (const QStringList damaged = readDamaged(s, 21); !damaged.isEmpty())
        o["damaged"] = QJsonArray::fromStringList(damaged);
    o["metric_keys"] = QJsonArray::fromStringList(metricKeys(run));
    o["metric_points"] = double(metricCount(run));
    Stmt events(d_->db, path_, "SELECT count(*) FROM events WHERE run = ?");
    events.bind(1, run).step();
    o["event_count"] = double(events.i64(0));
    return o;
}

QStringList Store::metricKeys(int64_t run) const {
    // Skip scan over the (run, key_id, step) key: one index seek per key, not a pass over all points.
    Stmt next(d_->db, path_, "SELECT key_id FROM samples WHERE run = ? AND key_id > ? ORDER BY key_id LIMIT 1");
    Stmt name(d_->db, path_, "SELECT name FROM metric_keys WHERE id = ?");
    QStringList keys;
    int64_t last = std::numeric_limits<int64_t>::min();
    for (;;) {
        next.bind(1, run).bind(2, last);
        if (!next.step()) break;
        last = next.i64(0);
        next.reset();
        name.bind(1, last);
        if (name.step()) keys << name.text(0);
        name.reset();
    }
    keys.sort();
    return keys;
}

int64_t Store::metricCount(int64_t run) const {
    Stmt s(d_->db, path_, "SELECT count(*) FROM samples WHERE run = ?");
    s.bind(1, run);
    s.step();
    return s.i64(0);
}

Store::Series Store::series(int64_t run, const QString& key, bool byWallTime, int maxPoints) const {
    Series out;
    Stmt k(d_->db, path_, "SELECT id FROM metric_keys WHERE name = ?");
    k.bind(1, key);
    if (!k.step()) return out;
    const int64_t keyId = k.i64(0);
    Stmt s(d_->db, path_,
           byWallTime ? "SELECT wall_time, value FROM samples WHERE run = ? AND key_id = ? ORDER BY step"
                      : "SELECT step, value FROM samples WHERE run = ? AND key_id = ? ORDER BY step");
    s.bind(1, run).bind(2, keyId);
    std::vector<double> x, y;
    sqlite3_stmt* st = s.get();
    const int xc = 0;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    while (s.step()) {
        x.push_back(sqlite3_column_double(st, xc));
        y.push_back(sqlite3_column_type(st, 1) == SQLITE_NULL ? nan : sqlite3_column_double(st, 1));
    }
    if (maxPoints > 0 && x.size() > size_t(maxPoints)) {
        if (byWallTime)  // wall time can step back after a resume; the downsampler needs order
            for (size_t i = 1; i < x.size(); ++i) x[i] = std::max(x[i], x[i - 1]);
        minMaxDownsample(x, y, maxPoints, out.x, out.y);
    } else {
        out.x = std::move(x);
        out.y = std::move(y);
    }
    return out;
}

void Store::forEachMetric(int64_t run, const QString& key, const std::function<void(const MetricPoint&)>& fn) const {
    Stmt s(d_->db, path_,
           key.isEmpty()
               ? "SELECT k.name, s.step, s.value, s.wall_time FROM samples s JOIN metric_keys k ON k.id = s.key_id "
                 "WHERE s.run = ? ORDER BY s.run, s.key_id, s.step"
               : "SELECT k.name, s.step, s.value, s.wall_time FROM samples s JOIN metric_keys k ON k.id = s.key_id "
                 "WHERE s.run = ? AND k.name = ? ORDER BY s.run, s.key_id, s.step");
    s.bind(1, run);
    if (!key.isEmpty()) s.bind(2, key);
    MetricPoint p;
    while (s.step()) {
        p.key = s.str(0);
        p.step = s.i64(1);
        p.value = s.isNull(2) ? std::numeric_limits<double>::quiet_NaN() : s.dbl(2);
        p.wallTime = s.dbl(3);
        fn(p);
    }
}

std::vector<RunEvent> Store::events(int64_t run) const {
    Stmt s(d_->db, path_, "SELECT step, epoch, type, payload, wall_time FROM events WHERE run = ? ORDER BY step, id");
    s.bind(1, run);
    std::vector<RunEvent> out;
    while (s.step()) {
        RunEvent e;
        e.step = s.i64(0);
        e.epoch = int(s.i64(1));
        e.type = s.str(2);
        e.payload = parseObject(s.bytes(3));
        e.wallTime = s.dbl(4);
        out.push_back(std::move(e));
    }
    return out;
}

int64_t Store::lastStep(int64_t run) const {
    Stmt s(d_->db, path_, "SELECT last_step FROM runs WHERE id = ?");
    s.bind(1, run);
    if (!s.step()) requireRun(run, "reading the last step");
    return s.i64(0);
}

void Store::setName(int64_t run, const QString& name) {
    requireRun(run, "renaming a run");
    Stmt(d_->db, path_, "UPDATE runs SET name = ? WHERE id = ?").bind(1, name).bind(2, run).run();
}

void Store::setNotes(int64_t run, const QString& notes) {
    requireRun(run, "setting notes");
    Stmt(d_->db, path_, "UPDATE runs SET notes = ? WHERE id = ?").bind(1, notes).bind(2, run).run();
}

void Store::markPruned(int64_t run) {
    requireRun(run, "marking it pruned");
    Stmt(d_->db, path_, "UPDATE runs SET status = 'pruned' WHERE id = ?").bind(1, run).run();
}

void Store::setTags(int64_t run, const QStringList& tags) {
    requireRun(run, "setting tags");
    const QByteArray t = QJsonDocument(QJsonArray::fromStringList(tags)).toJson(QJsonDocument::Compact);
    Stmt(d_->db, path_, "UPDATE runs SET tags = ? WHERE id = ?").bindText(1, t.constData(), int(t.size())).bind(2, run).run();
}

void Store::deleteRun(int64_t run) {
    requireRun(run, "deleting a run");
    Txn txn(d_->db, path_);
    for (const char* sql : {"DELETE FROM samples WHERE run = ?", "DELETE FROM events WHERE run = ?",
                            "DELETE FROM runs WHERE id = ?"})
        Stmt(d_->db, path_, sql).bind(1, run).run();
    txn.commit();
}

void Store::markStatus(int64_t run, RunStatus status) {
    requireRun(run, "changing a run's status");
    if (status == RunStatus::Running) {  // resumed: this process is now the writer
        Stmt(d_->db, path_,
             "UPDATE runs SET status = 'running', finished_at = NULL, host = ?, writer_pid = ?, writer_start = ?, "
             "heartbeat_at = ? WHERE id = ?")
            .bind(1, QSysInfo::machineHostName())
            .bind(2, liveness::currentPid())
            .bind(3, liveness::processStartTime(liveness::currentPid()))
            .bind(4, nowEpoch())
            .bind(5, run)
            .run();
        return;
    }
    Stmt(d_->db, path_, "UPDATE runs SET status = ?, finished_at = coalesce(finished_at, ?) WHERE id = ?")
        .bind(1, QString(toString(status)))
        .bind(2, nowIso())
        .bind(3, run)
        .run();
}

int Store::recoverInterrupted(double staleAfterS) {
    if (readOnly_) throwStoreError(path_, "recovering interrupted runs writes; open the store read-write.");
    struct Candidate {
        int64_t id;
        double heartbeat;
    };
    std::vector<Candidate> dead;
    {
        Stmt s(d_->db, path_, "SELECT id, host, writer_pid, writer_start, heartbeat_at FROM runs WHERE status = 'running'");
        const QString host = QSysInfo::machineHostName();
        const double now = nowEpoch();
        while (s.step()) {
            const double heartbeat = s.dbl(4);
            const bool alive = s.text(1) == host ? liveness::processAlive(s.i64(2), s.i64(3))
                                                 : now - heartbeat < staleAfterS;
            if (!alive) dead.push_back({s.i64(0), heartbeat});
        }
    }
    if (dead.empty()) return 0;
    Txn txn(d_->db, path_);
    Stmt u(d_->db, path_, "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'");
    for (const auto& c : dead) u.bind(1, c.heartbeat > 0 ? epochToIso(c.heartbeat) : nowIso()).bind(2, c.id).run();
    txn.commit();
    return int(dead.size());
}

QString Store::integrityCheck() const {
    Stmt s(d_->db, path_, "PRAGMA integrity_check");
    QStringList lines;
    while (s.step()) lines << s.text(0);
    return lines.join('\n');
}

}  // namespace hpt
