#pragma once
// `--where QUERY` of `hpt runs` and `hpt export`: the run query language
// (core/store/Query.h, resources/docs/query.md), with a bad query shown under
// a caret at the position the parser names.
#include "store/Query.h"

#include <QCommandLineParser>

namespace hpt::cli {

void addWhereOption(QCommandLineParser& p);
// The parsed --where (an empty query when not given). Throws QueryError.
Query whereArgument(const QCommandLineParser& p);
// Prints the error, the query and a caret under the offending character; returns exit 2.
int reportQueryError(const QueryError& e, const QString& query);

}  // namespace hpt::cli
