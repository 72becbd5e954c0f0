#include "cli/WhereOption.h"

#include "cli/Command.h"

#include <cstdio>

namespace hpt::cli {

void addWhereOption(QCommandLineParser& p) {
    p.addOption({"where", "Only runs matching QUERY, e.g. \"config.lora.rank = 8 and final.test.rmse < 1\" "
                          "(grammar: resources/docs/query.md).",
                 "QUERY"});
}

Query whereArgument(const QCommandLineParser& p) { return p.isSet("where") ? Query::parse(p.value("where")) : Query(); }

int reportQueryError(const QueryError& e, const QString& query) {
    std::fprintf(stderr, "error: --where: at character %d: %s\n", e.position() + 1, qPrintable(e.detail()));
    // One line of context: the query with control characters shown as spaces, so the caret lines up.
    QString shown = query;
    for (QChar& c : shown)
        if (c.category() == QChar::Other_Control) c = ' ';
    std::fprintf(stderr, "  %s\n  %s^\n", qPrintable(shown), qPrintable(QString(e.position(), ' ')));
    return BadArguments;
}

}  // namespace hpt::cli
