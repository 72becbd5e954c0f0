// Feeds: raw bytes (as UTF-8) as a run query to Query::parse (core/store/Query.cpp), as
// `hpt runs --where` and the run browser's filter box read it.
// Checks: only hpt::QueryError escapes, and its position lies within the text (the GUI
// underlines it); a parsed query evaluates without throwing on a run with and without a
// final report, gives the same answer twice, and `not (q)` gives the opposite answer.
#include "FuzzSupport.h"

#include "store/Query.h"
#include "store/Store.h"

#include <QJsonArray>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
    static const hpt::RunSummary full = [] {
        hpt::RunSummary r;
        r.id = 7;
        r.name = "compact-r2";
        r.status = "finished";
        r.model = r.dataset = "wind";
        r.tags = QStringList{"study:abc", "seed:3"};
        r.final = QJsonObject{{"test", QJsonObject{{"rmse", 0.8}, {"skill", QJsonObject{{"persistence", QJsonObject{{"skill", 0.2}}}}}}}};
        return r;
    }();
    static const QJsonObject config{{"lora", QJsonObject{{"rank", 8}, {"targets", QJsonArray{"*.attn.q"}}}},
                                    {"training", QJsonObject{{"lr", 1e-4}}}};
    hpt::Query q;
    try {
        q = hpt::Query::parse(text);
    } catch (const hpt::QueryError& e) {
        HPT_FUZZ_CHECK(e.position() >= 0 && e.position() <= text.size());
        return 0;
    }
    for (const hpt::RunSummary& r : {full, hpt::RunSummary{}}) {
        const bool a = q.matches(r, config);
        HPT_FUZZ_CHECK(a == q.matches(r, config));
        if (!q.empty()) {
            // Wrapping in not (...) must parse and invert (the query is a complete expression).
            const hpt::Query n = hpt::Query::parse("not (" + text + "\n)");
            HPT_FUZZ_CHECK(n.matches(r, config) == !a);
        }
    }
    return 0;
}
