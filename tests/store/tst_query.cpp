// The run query language (core/store/Query.cpp): what parses, what it matches,
// and where a bad query is reported. Grammar: resources/docs/query.md.
#include "StoreTestSupport.h"
#include "store/Query.h"
#include "store/Store.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

using namespace hpt;

namespace {

RunSummary run(int64_t id, const QString& name, const QString& status, double rmse, const QStringList& tags = {}) {
    RunSummary r;
    r.id = id;
    r.name = name;
    r.status = status;
    r.model = "wind";
    r.dataset = "wind";
    r.mapping = "hpt";
    r.tags = tags;
    r.createdAt = "2026-12-0" + QString::number(id) + "T10:00:00Z";
    QJsonObject test{{"rmse", rmse},
                     {"skill", QJsonObject{{"persistence", QJsonObject{{"skill", 1 - rmse}, {"comparable", true}}}}}};
    r.final = QJsonObject{{"test", test}, {"devices", QJsonObject{{"device.reram.energy_j", 2.5}}}};
    return r;
}

QJsonObject config(int rank, double lr, const QString& optimizer = "adamw") {
    return {{"lora", QJsonObject{{"rank", rank}, {"targets", QJsonArray{"*.attn.q", "*.attn.v"}}}},
            {"training", QJsonObject{{"lr", lr}, {"optimizer", optimizer}}}};
}

bool matches(const QString& q, const RunSummary& r, const QJsonObject& c = {}) { return Query::parse(q).matches(r, c); }

}  // namespace

class TestQuery : public QObject {
    Q_OBJECT
private slots:
    void comparisonsOnConfigAndFinal() {
        const RunSummary a = run(1, "compact-r2", "finished", 0.8);
        const QJsonObject ca = config(8, 1e-4);
        QVERIFY(matches("config.lora.rank = 8", a, ca));
        QVERIFY(matches("config.lora.rank == 8", a, ca));
        QVERIFY(!matches("config.lora.rank = 4", a, ca));
        QVERIFY(matches("config.lora.rank != 4", a, ca));
        QVERIFY(matches("config.lora.rank >= 8 and config.lora.rank <= 8", a, ca));
        QVERIFY(!matches("config.lora.rank > 8", a, ca));
        QVERIFY(matches("config.training.lr < 1e-3", a, ca));
        QVERIFY(matches("final.test.rmse < 1.0", a));
        QVERIFY(!matches("final.test.rmse < 0.5", a));
        QVERIFY(matches("final.test.skill.persistence.skill > 0.1", a));
        QVERIFY(matches("final.test.skill.persistence.comparable = true", a));
        QVERIFY(matches("config.lora.rank = 8 and final.test.rmse < 1.0", a, ca));  // the example
        // A stored key holding dots is still found.
        QVERIFY(matches("final.devices.device.reram.energy_j = 2.5", a));
        // Text that reads as a number compares as one; text compares as text.
        QVERIFY(matches("config.lora.rank = '8'", a, ca));
        QVERIFY(matches("config.training.optimizer = adamw", a, ca));
        QVERIFY(matches("config.training.optimizer = \"adamw\"", a, ca));
        QVERIFY(!matches("config.training.optimizer = sgd", a, ca));
        QVERIFY(matches("created_at >= 2026-12-01 and created_at < 2026-12-02", a));
        // Array elements: any element matches; != means none does.
        QVERIFY(matches("config.lora.targets = '*.attn.q'", a, ca));
        QVERIFY(matches("config.lora.targets.1 = '*.attn.v'", a, ca));
        QVERIFY(!matches("config.lora.targets != '*.attn.q'", a, ca));
    }

    void missingKeysAreNull() {
        const RunSummary a = run(1, "a", "finished", 0.8);
        const QJsonObject ca = config(8, 1e-4);
        QVERIFY(!matches("config.lora.alpha = 16", a, ca));
        QVERIFY(!matches("config.lora.alpha < 16", a, ca));
        QVERIFY(matches("config.lora.alpha != 16", a, ca));
        QVERIFY(matches("config.lora.alpha = null", a, ca));
        QVERIFY(!matches("config.lora.rank = null", a, ca));
        QVERIFY(matches("config.lora.rank != null", a, ca));
        QVERIFY(!matches("final.test.nse > 0", a));
        // A run without a final report (still running) does not pass a threshold on it.
        RunSummary running = run(2, "b", "running", 0);
        running.final = {};
        QVERIFY(!matches("final.test.rmse < 1", running));
    }

    void tagsStatusAndRegex() {
        const RunSummary a = run(1, "compact-r2", "finished", 0.8, {"study:abc", "arm:hpt", "seed:3"});
        const RunSummary b = run(2, "full-r8", "interrupted", 1.2, {"baseline"});
        QVERIFY(matches("tags = 'arm:hpt'", a));
        QVERIFY(matches("tag = baseline", b));
        QVERIFY(!matches("tags = baseline", a));
        QVERIFY(matches("tags ~ '^study:'", a));
        QVERIFY(!matches("tags ~ '^study:'", b));
        QVERIFY(matches("tags !~ '^study:'", b));
        QVERIFY(matches("status = finished", a));
        QVERIFY(matches("status = finished or status = interrupted", b));
        QVERIFY(matches("name ~ 'r[0-9]+$'", a));
        QVERIFY(matches("name ~ '(?i)COMPACT'", a));
        QVERIFY(!matches("name ~ 'COMPACT'", a));  // case-sensitive unless asked
        QVERIFY(matches("name ~ '\\d$'", a));      // a backslash class survives quoting
        QVERIFY(matches("final.test.rmse ~ '^0\\.8$'", a));
        QVERIFY(matches("id = 2", b) && !matches("id = 2", a));
    }

    void booleanStructure() {
        const RunSummary a = run(1, "a", "finished", 0.8), b = run(2, "b", "failed", 1.5);
        const QString q = "not (status = failed or final.test.rmse > 1) and (name = a or name = b)";
        QVERIFY(matches(q, a));
        QVERIFY(!matches(q, b));
        // and binds tighter than or.
        QVERIFY(matches("status = failed or status = finished and name = a", a));
        QVERIFY(matches("status = failed or status = finished and name = a", b));
        QVERIFY(!matches("(status = failed or status = finished) and name = a", b));
        QVERIFY(matches("not not name = a", a));
        QVERIFY(matches("NAME = a AND Status = finished", a));  // keywords and column names ignore case
    }

    void freeTextAsBefore() {
        // The filter box's old behaviour: a word matches name, model, dataset, status, tags or notes.
        RunSummary a = run(1, "compact-r2", "finished", 0.8, {"baseline"});
        a.notes = "LR too high";
        QVERIFY(matches("compact-r2", a));
        QVERIFY(matches("COMPACT", a));
        QVERIFY(matches("baseline", a));
        QVERIFY(matches("finished", a));
        QVERIFY(matches("'lr too'", a));
        QVERIFY(matches("compact baseline", a));  // words narrow: an implicit and
        QVERIFY(!matches("compact nothere", a));
        QVERIFY(matches("compact and final.test.rmse < 1", a));
        QVERIFY(Query::parse("").empty());
        QVERIFY(Query::parse("   ").matches(a));
    }

    void errorsNamePosition_data() {
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("position");
        QTest::addColumn<QString>("says");
        QTest::newRow("no value") << "final.test.rmse <" << 17 << "expected a value";
        QTest::newRow("unknown field") << "rmse < 1" << 0 << "unknown field 'rmse'";
        QTest::newRow("bare config") << "config = 1" << 0 << "needs a key path";
        QTest::newRow("unclosed paren") << "(status = finished" << 18 << "missing ')'";
        QTest::newRow("extra paren") << "status = finished)" << 17 << "without a matching '('";
        QTest::newRow("unclosed quote") << "name = 'abc" << 7 << "no closing";
        // PCRE finds the missing ')' at the pattern's end, which is where the error points.
        QTest::newRow("bad regex") << "name ~ '(ab'" << 11 << "invalid regular expression";
        QTest::newRow("dangling and") << "status = finished and" << 21 << "query ends";
        QTest::newRow("leading op") << "= 3" << 0 << "needs a field";
        QTest::newRow("bang") << "name ! a" << 5 << "'!' must be followed";
        QTest::newRow("null order") << "final.test.rmse < null" << 18 << "null can only";
        QTest::newRow("number field") << "8 = config.lora.rank" << 0 << "must be a field";
        QTest::newRow("empty parens") << "status = a and ()" << 16 << "empty parentheses";
        QTest::newRow("or first") << "or name = a" << 0 << "needs a condition";
    }

    void errorsNamePosition() {
        QFETCH(QString, query);
        QFETCH(int, position);
        QFETCH(QString, says);
        try {
            Query::parse(query);
            QFAIL("parsed a bad query");
        } catch (const QueryError& e) {
            QVERIFY2(e.detail().contains(says), qPrintable(e.detail()));
            QCOMPARE(e.position(), position);
            QVERIFY(QString(e.what()).startsWith(QString("query: at character %1:").arg(position + 1)));
            QCOMPARE(e.kind(), ErrorKind::Config);
        }
    }

    void queryRunsReadsConfigOnlyWhenNamed() {
        QTemporaryDir tmp;
        Store s(tmp.filePath("q.sqlite"));
        std::vector<int64_t> ids;
        for (int i = 0; i < 6; ++i) {
            RunStart st = test::sampleStart("run" + std::to_string(i), i);
            st.config["lora"] = QJsonObject{{"rank", 1 << i}};
            ids.push_back(s.createRun(st));
            s.finishRun(ids.back(), i % 2 ? RunStatus::Finished : RunStatus::Failed,
                        QJsonObject{{"test", QJsonObject{{"rmse", 0.1 * i}}}});
        }
        const auto hits = queryRuns(s, Query::parse("config.lora.rank >= 4 and final.test.rmse < 0.35"));
        QCOMPARE(int(hits.size()), 2);
        QCOMPARE(hits[0].id, ids[2]);
        QCOMPARE(hits[1].id, ids[3]);
        QVERIFY(Query::parse("config.lora.rank >= 4").needsConfig());
        QVERIFY(!Query::parse("final.test.rmse < 1 and run3").needsConfig());
        QCOMPARE(int(queryRuns(s, Query::parse("status = finished")).size()), 3);
        QCOMPARE(int(queryRuns(s, Query::parse("")).size()), 6);
    }
};

QTEST_GUILESS_MAIN(TestQuery)
#include "tst_query.moc"
