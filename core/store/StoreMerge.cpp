// Store::merge: copies the runs of another store into this one (sweeps gather their
// per-run stores this way), leaving the input untouched and every damaged row out.
#include "store/Store.h"

#include "config/Names.h"
#include "store/FileCheck.h"
#include "store/Sqlite.h"
#include "store/StoreInternal.h"

#include <hpt/Error.h>

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QUrl>

namespace hpt {

using sqlite::Stmt;
using namespace storeinternal;

int Store::merge(const QString& otherPath) { return merge(otherPath, nullptr); }

int Store::merge(const QString& otherPath, QStringList* rejected) {
    if (readOnly_) throwStoreError(path_, "merging writes into this store; open it read-write.");
    const QString other = QFileInfo(otherPath).absoluteFilePath();
    if (!QFileInfo::exists(other)) throwStoreError(other, "does not exist; check the path of the store to merge.");
    if (QFileInfo(other).canonicalFilePath() == QFileInfo(path_).canonicalFilePath())
        throwStoreError(other, "is the output store itself; merge other stores into it.");
    if (filecheck::inspect(other).fileSize == 0) return 0;  // an empty file holds no runs
    QString source = other;
    QTemporaryDir tmp;
    if (filecheck::probe(other).version < kSchemaVersion) {
        // Migrating writes, and the input must stay untouched: upgrade a copy.
        if (!tmp.isValid()) throwStoreError(other, "cannot create a temporary folder to upgrade a copy of it.");
        source = tmp.filePath("upgrade.sqlite");
        for (const QString& sfx : {QString(), QString("-wal")})
            if (QFileInfo::exists(other + sfx) && !QFile::copy(other + sfx, source + sfx))
                throwStoreError(other, "cannot copy it to upgrade its older schema; check free disk space.");
        Store upgraded(source);
    } else {
        Store check(other, true);  // same validation a reader gets (header, identity, version)
    }

    const QByteArray uri = (QUrl::fromLocalFile(source).toString(QUrl::FullyEncoded) + "?mode=ro").toUtf8();
    Stmt attach(d_->db, path_, "ATTACH DATABASE ? AS src");
    attach.bindText(1, uri.constData(), int(uri.size())).run();
    int copied = 0;
    try {
        Txn txn(d_->db, path_);
        sqlite::exec(d_->db, path_, "INSERT OR IGNORE INTO main.metric_keys(name) SELECT name FROM src.metric_keys");
        // Each incoming row is validated before it is copied: one whose JSON fields are damaged
        // would make the target unreadable for every older reader, so it is left out and named.
        Stmt srcRuns(d_->db, path_, ("SELECT id, uuid, status" + damagedFlags() + " FROM src.runs ORDER BY id").c_str());
        Stmt find(d_->db, path_, "SELECT id, status FROM main.runs WHERE uuid = ?");
        const std::string cols = kRunColumns;
        Stmt insert(d_->db, path_,
                    ("INSERT INTO main.runs(" + cols + ") SELECT " + cols + " FROM src.runs WHERE id = ?").c_str());
        Stmt replace(d_->db, path_,
                     ("UPDATE main.runs SET (" + cols + ") = (SELECT " + cols + " FROM src.runs WHERE id = ?) WHERE id = ?")
                         .c_str());
        Stmt dropSamples(d_->db, path_, "DELETE FROM main.samples WHERE run = ?");
        Stmt dropEvents(d_->db, path_, "DELETE FROM main.events WHERE run = ?");
        Stmt copySamples(d_->db, path_,
                         "INSERT INTO main.samples(run, key_id, step, value, wall_time) "
                         "SELECT ?, mk.id, s.step, s.value, s.wall_time FROM src.samples s "
                         "JOIN src.metric_keys sk ON sk.id = s.key_id JOIN main.metric_keys mk ON mk.name = sk.name "
                         "WHERE s.run = ?");
        Stmt copyEvents(d_->db, path_,
                        "INSERT INTO main.events(run, step, epoch, type, payload, wall_time) "
                        "SELECT ?, step, epoch, type, payload, wall_time FROM src.events WHERE run = ? ORDER BY id");
        while (srcRuns.step()) {
            const int64_t srcId = srcRuns.i64(0);
            const QString uuid = srcRuns.text(1), srcStatus = srcRuns.text(2);
            const QStringList damaged = readDamaged(srcRuns, 3);
            static const QStringList kStatuses{"running", "finished", "stopped", "failed", "interrupted"};
            if (!damaged.isEmpty() || uuid.isEmpty() || !kStatuses.contains(srcStatus)) {
                if (rejected)
                    *rejected << QString("run %1 of %2: %3; not merged").arg(srcId).arg(other,
                        !damaged.isEmpty() ? QString("damaged: field %1 is not valid JSON").arg(damaged.join(", "))
                        : uuid.isEmpty() ? QString("damaged: it has no uuid")
                                         : QString("damaged: unknown status '%1'").arg(escapeControl(srcStatus.left(40))));
                continue;
            }
            find.bind(1, uuid);
            int64_t dst = 0;
            if (find.step()) {
                const QString dstStatus = find.text(1);
                const int64_t existing = find.i64(0);
                find.reset();
                const bool staleCopy = (dstStatus == "running" || dstStatus == "interrupted") &&
                                       srcStatus != "running" && srcStatus != dstStatus;
                if (!staleCopy) continue;  // already merged
                dropSamples.bind(1, existing).run();
                dropEvents.bind(1, existing).run();
                replace.bind(1, srcId).bind(2, existing).run();
                dst = existing;
            } else {
                find.reset();
                insert.bind(1, srcId).run();
                dst = sqlite3_last_insert_rowid(d_->db);
            }
            copySamples.bind(1, dst).bind(2, srcId).run();
            copyEvents.bind(1, dst).bind(2, srcId).run();
            ++copied;
        }
        srcRuns.reset();
        txn.commit();
    } catch (const Error& e) {
        // A failure while copying is usually the input's fault (a damaged page): check it, so the
        // message names the file to fix, not the intact output (the transaction rolled back).
        QString check;
        {
            sqlite3_stmt* q = nullptr;
            if (sqlite3_prepare_v2(d_->db, "PRAGMA src.quick_check", -1, &q, nullptr) == SQLITE_OK) {
                QStringList lines;
                while (sqlite3_step(q) == SQLITE_ROW && lines.size() < 3)
                    lines << QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))).simplified();
                check = lines.join("; ");
            } else {
                check = QString::fromUtf8(sqlite3_errmsg(d_->db));
            }
            sqlite3_finalize(q);
        }
        sqlite3_exec(d_->db, "DETACH DATABASE src", nullptr, nullptr, nullptr);
        if (check.trimmed() != "ok")
            throwStoreError(other, QString("is damaged (%1); nothing was merged from it and %2 is unchanged. Recover it "
                                           "with 'sqlite3 FILE .recover' or merge the other stores without it")
                                       .arg(check.trimmed().left(300), path_));
        throw;
    } catch (...) {
        sqlite3_exec(d_->db, "DETACH DATABASE src", nullptr, nullptr, nullptr);
        throw;
    }
    sqlite::exec(d_->db, path_, "DETACH DATABASE src");
    return copied;
}

}  // namespace hpt
