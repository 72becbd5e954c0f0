#pragma once
// The run query language: one small filter over a run's configuration, final
// metrics, tags, status and name, shared by `hpt runs --where`, `hpt export
// --where` and the run browser's filter box. Grammar and semantics:
// resources/docs/query.md.
//
//   config.lora.rank = 8 and final.test.rmse < 1.0
//   (status = finished or status = interrupted) and not tags ~ '^study:'
//   compact-r2                      # a bare word: free text, as the filter box always took
#include <hpt/Error.h>

#include <QJsonObject>
#include <QString>
#include <memory>
#include <vector>

namespace hpt {

struct RunSummary;
class Store;

// A query that does not parse: `position` is the 0-based character offset of the
// offending token in the query text (what the GUI underlines), `detail` the reason.
class QueryError : public Error {
public:
    QueryError(int position, const QString& detail);
    int position() const { return position_; }
    const QString& detail() const { return detail_; }

private:
    int position_;
    QString detail_;
};

class Query {
public:
    // Throws QueryError. Empty (or blank) text gives a query that matches every run.
    static Query parse(const QString& text);
    Query();
    ~Query();
    Query(Query&&) noexcept;
    Query& operator=(Query&&) noexcept;
    Query(const Query&);
    Query& operator=(const Query&);

    bool empty() const;
    // True when some comparison names a `config.` key: only then is each run's
    // configuration read (RunSummary does not carry it).
    bool needsConfig() const;
    // `config` is the run's resolved configuration (ignored unless needsConfig()).
    bool matches(const RunSummary& run, const QJsonObject& config = {}) const;

    struct Node;

private:
    std::shared_ptr<const Node> root_;  // immutable once parsed, so copies share it
    bool needsConfig_ = false;
};

// The runs of `store` that match `query`, in id order. Configurations are read (in one
// pass) only when the query names a config key.
std::vector<RunSummary> queryRuns(const Store& store, const Query& query);

}  // namespace hpt
