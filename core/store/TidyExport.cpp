#include "store/TidyExport.h"

#include "util/CsvText.h"
#include "util/SafeWrite.h"

#include <hpt/Error.h>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>
#include <cmath>
#include <functional>

namespace hpt {

TidyFormat parseTidyFormat(const QString& text) {
    const QString t = text.toLower();
    if (t == "csv") return TidyFormat::Csv;
    if (t == "jsonl" || t == "json-lines") return TidyFormat::JsonLines;
    if (t == "parquet")
        throw configError("--format", "parquet is not available: Debian 12 packages no Parquet library for C++; "
                                      "use --format csv or jsonl (pandas reads both; resources/docs/analysis.md)");
    throw configError("--format", "'" + text.toStdString() + "' is not a table format; use csv or jsonl");
}

namespace {

// One table, written as CSV (header + rows) or as JSON Lines (one object per row, keeping
// JSON types: a config value 8 stays a number, "8" stays text).
class Table {
public:
    Table(TidyFormat f, QStringList columns) : f_(f), columns_(std::move(columns)) {
        if (f_ == TidyFormat::Csv) out_ = columns_.join(',').toUtf8() + '\n';
    }
    void row(const std::vector<QJsonValue>& cells) {
        if (f_ == TidyFormat::JsonLines) {
            QJsonObject o;
            for (size_t i = 0; i < cells.size(); ++i) o.insert(columns_[int(i)], cells[i]);
            out_ += QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
            return;
        }
        for (size_t i = 0; i < cells.size(); ++i) {
            if (i) out_ += ',';
            out_ += cell(cells[i]);
        }
        out_ += '\n';
    }
    const QByteArray& bytes() const { return out_; }

private:
    // Numbers as numbers (NaN and null empty), text through the spreadsheet-safe rule.
    static QByteArray cell(const QJsonValue& v) {
        if (v.isDouble()) return std::isfinite(v.toDouble()) ? QByteArray::number(v.toDouble(), 'g', 17) : QByteArray();
        if (v.isBool()) return v.toBool() ? "true" : "false";
        if (v.isString()) return csvTextCell(v.toString()).toUtf8();
        if (v.isObject() || v.isArray())
            return csvTextCell(QString::fromUtf8(v.isObject() ? QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact)
                                                              : QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)))
                .toUtf8();
        return {};
    }
    TidyFormat f_;
    QStringList columns_;
    QByteArray out_;
};

// Leaves of a JSON tree as dotted keys (array elements by index); empty objects and arrays
// have no leaves and give no row.
void flatten(const QJsonValue& v, const QString& prefix, const std::function<void(const QString&, const QJsonValue&)>& fn) {
    auto child = [&](const QString& k) { return prefix.isEmpty() ? k : prefix + '.' + k; };
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) flatten(it.value(), child(it.key()), fn);
    } else if (v.isArray()) {
        const QJsonArray a = v.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) flatten(a.at(i), child(QString::number(i)), fn);
    } else if (!v.isUndefined()) {
        fn(prefix, v);
    }
}

QJsonValue num(double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(); }

}  // namespace

QStringList writeTidyTables(const Store& store, const std::vector<RunSummary>& runs, const QString& dir,
                            TidyFormat format, bool overwrite) {
    const QString ext = format == TidyFormat::Csv ? ".csv" : ".jsonl";
    const QStringList names{"runs", "tags", "configs", "final", "metrics", "events"};
    if (!QDir().mkpath(dir))
        throw Error(ErrorKind::Config, dir.toStdString(), "cannot create this folder; check the path and its permissions.");
    for (const QString& n : names)
        if (const QString why = noFollowProblem(QDir(dir).filePath(n + ext), overwrite); !why.isEmpty())
            throw Error(ErrorKind::Store, QDir(dir).filePath(n + ext).toStdString(), why.toStdString());

    Table runsT(format, {"run", "uuid", "name", "status", "model", "dataset", "synthetic", "mapping", "created_at",
                         "finished_at", "duration_s", "last_step", "notes"});
    Table tagsT(format, {"run", "tag"});
    Table configsT(format, {"run", "key", "value"});
    Table finalT(format, {"run", "key", "value"});
    Table metricsT(format, {"run", "key", "step", "value", "wall_time_s"});
    Table eventsT(format, {"run", "step", "epoch", "type", "wall_time_s", "payload"});
    const auto configs = store.configs();
    for (const RunSummary& r : runs) {
        const QJsonValue id = double(r.id);
        runsT.row({id, r.uuid, r.name, r.status, r.model, r.dataset, r.synthetic, r.mapping, r.createdAt,
                   r.finishedAt.isEmpty() ? QJsonValue() : QJsonValue(r.finishedAt), num(r.durationS), double(r.lastStep),
                   r.notes});
        for (const QString& t : r.tags) tagsT.row({id, t});
        if (const auto it = configs.find(r.id); it != configs.end())
            flatten(it->second, {}, [&](const QString& k, const QJsonValue& v) { configsT.row({id, k, v}); });
        flatten(r.final, {}, [&](const QString& k, const QJsonValue& v) { finalT.row({id, k, v}); });
        store.forEachMetric(r.id, {}, [&](const MetricPoint& m) {
            metricsT.row({id, QString::fromStdString(m.key), double(m.step), num(m.value), num(m.wallTime)});
        });
        for (const RunEvent& e : store.events(r.id))
            eventsT.row({id, double(e.step), e.epoch, QString::fromStdString(e.type), num(e.wallTime),
                         format == TidyFormat::Csv ? QJsonValue(QString::fromUtf8(QJsonDocument(e.payload).toJson(QJsonDocument::Compact)))
                                                   : QJsonValue(e.payload)});
    }
    QStringList written;
    const Table* tables[] = {&runsT, &tagsT, &configsT, &finalT, &metricsT, &eventsT};
    for (int i = 0; i < names.size(); ++i) {
        writeFileNoFollow(QDir(dir).filePath(names[i] + ext), tables[i]->bytes(), overwrite);
        written << names[i] + ext;
    }
    return written;
}

}  // namespace hpt
