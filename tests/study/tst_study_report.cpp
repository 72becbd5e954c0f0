// The study's arithmetic: ratios and sd against numbers worked out by hand, the
// paired quality test against SciPy (paired_cases.json, gen_paired_cases.py),
// the JSON contract of a report read back from a store, steps per phase from
// the phase events, the Pareto front, arm/seed parsing and the study's sweep
// (explicit points) expanding to exactly its runs.
#include "StudyTestSupport.h"

#include "config/Sweep.h"
#include "study/PairedTest.h"
#include "study/StudyReport.h"
#include "study/StudySpec.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

using namespace hpt;
using namespace hpt::study;

namespace {

QJsonObject armOf(const QJsonObject& rep, const QString& name) {
    for (const auto& a : rep.value("arms").toArray())
        if (a.toObject().value("name").toString() == name) return a.toObject();
    return {};
}

bool near(double a, double b, double rel = 1e-9) { return std::fabs(a - b) <= rel * std::max(1.0, std::fabs(b)); }

}  // namespace

class TestStudyReport : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    void pairedTestMatchesScipy() {
        QFile f(QStringLiteral(HPT_SOURCE_DIR "/tests/study/paired_cases.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonArray cases = QJsonDocument::fromJson(f.readAll()).object().value("cases").toArray();
        QVERIFY(cases.size() >= 10);
        for (const auto& cv : cases) {
            const QJsonObject c = cv.toObject();
            std::vector<double> arm, full;
            for (const auto& v : c.value("arm").toArray()) arm.push_back(v.toDouble());
            for (const auto& v : c.value("full").toArray()) full.push_back(v.toDouble());
            const auto r = pairedTTestGreater(arm, full, 0.05);
            const QString name = c.value("name").toString();
            QVERIFY2(r.defined, qPrintable(name));
            QCOMPARE(r.df, c.value("df").toDouble());
            if (c.value("t").isString()) QVERIFY2(std::isinf(r.t) && r.t > 0, qPrintable(name));
            else QVERIFY2(near(r.t, c.value("t").toDouble(), 1e-8), qPrintable(name + QString(": t %1 vs %2").arg(r.t).arg(c.value("t").toDouble())));
            QVERIFY2(std::fabs(r.p - c.value("p").toDouble()) < 1e-10,
                     qPrintable(name + QString(": p %1 vs %2").arg(r.p, 0, 'g', 17).arg(c.value("p").toDouble(), 0, 'g', 17)));
            QCOMPARE(r.notWorse, c.value("p").toDouble() > 0.05);
        }
    }

    void pairedTestEdges() {
        const auto one = pairedTTestGreater({1.0}, {0.9}, 0.01);
        QVERIFY(!one.defined);
        QVERIFY(std::isnan(one.p));
        const auto same = pairedTTestGreater({1.0, 2.0}, {1.0, 2.0}, 0.01);
        QCOMPARE(same.p, 1.0);
        QVERIFY(same.notWorse);
        QVERIFY_THROWS_EXCEPTION(Error, pairedTTestGreater({1.0, 2.0}, {1.0}, 0.01));
        QVERIFY_THROWS_EXCEPTION(Error, pairedTTestGreater({1.0, NAN}, {1.0, 2.0}, 0.01));
        QVERIFY_THROWS_EXCEPTION(Error, pairedTTestGreater({1.0, 2.0}, {1.0, 2.0}, 1.5));
    }

    void ratiosAndSdByHand() {
        Store st(dir_.filePath("hand.sqlite"));
        for (const auto& r : test::handStudy()) test::writeFakeRun(st, "hand-1", r);
        const QJsonObject rep = reportFromStore(st, "hand-1", 0.01);

        // The contract's keys.
        for (const char* k : {"study_id", "experiment", "seeds", "arms", "ratios", "quality_test", "files"})
            QVERIFY2(rep.contains(k), k);
        QCOMPARE(rep.value("study_id").toString(), QString("hand-1"));
        QCOMPARE(rep.value("seeds").toArray(), (QJsonArray{1, 2, 3}));
        QVERIFY(rep.value("complete").toBool());
        const QJsonObject full = armOf(rep, "full"), hybrid = armOf(rep, "hybrid");
        QCOMPARE(full.value("mode").toString(), QString("full"));
        QCOMPARE(full.value("mapping").toString(), QString("gpu-only"));
        QCOMPARE(hybrid.value("mapping").toString(), QString("hpt"));
        QCOMPARE(rep.value("arms").toArray().first().toObject().value("name").toString(), QString("full"));
        for (const auto& rv : hybrid.value("runs").toArray()) {
            const QJsonObject r = rv.toObject();
            for (const char* k : {"seed", "run_id", "test_rmse", "modeled_time_s", "modeled_energy_j", "wall_s", "switch_step"})
                QVERIFY2(r.contains(k), k);
        }

        // Means and sample sd (n − 1), by hand: full RMSE 1.00, 1.10, 1.20 → 1.1 ± 0.1.
        QVERIFY(near(full.value("test_rmse").toObject().value("mean").toDouble(), 1.1));
        QVERIFY(near(full.value("test_rmse").toObject().value("sd").toDouble(), 0.1));
        QVERIFY(near(hybrid.value("test_rmse").toObject().value("sd").toDouble(), 0.09712534856222307));
        // Hybrid energy per seed = 20+5+5, 22+6+5, 30+6+6 = 30, 33, 42 J.
        QVERIFY(near(hybrid.value("modeled_energy_j").toObject().value("mean").toDouble(), 35.0));
        QVERIFY(near(hybrid.value("modeled_energy_j").toObject().value("sd").toDouble(), std::sqrt((25.0 + 4 + 49) / 2)));

        // Ratios paired by seed: energy 0.3, 0.3, 0.35; time 3.0/2.0, 3.2/2.2, 3.6/2.4.
        const QJsonObject ratios = rep.value("ratios").toObject().value("hybrid").toObject();
        const QJsonObject e = ratios.value("modeled_energy").toObject(), t = ratios.value("modeled_time").toObject();
        QVERIFY(near(e.value("mean").toDouble(), 0.31666666666666665));
        QVERIFY(near(e.value("sd").toDouble(), 0.02886751345948128));
        QVERIFY(near(e.value("of_means").toDouble(), 35.0 / 110.0));
        QCOMPARE(e.value("per_seed").toArray().size(), 3);
        QVERIFY(near(t.value("mean").toDouble(), 1.4848484848484849));
        QVERIFY(near(t.value("sd").toDouble(), 0.026243194054073875));
        QVERIFY(near(ratios.value("test_rmse").toObject().value("per_seed").toArray()[1].toObject().value("ratio").toDouble(), 1.08 / 1.10));
        QVERIFY(!rep.value("ratios").toObject().contains("full"));

        // Quality: differences 0.02, −0.02, 0.01 → t = 0.27735, p = 0.40377 (SciPy), not worse.
        const QJsonObject q = rep.value("quality_test").toObject().value("hybrid").toObject();
        QVERIFY(q.value("method").toString().contains("paired one-sided t-test"));
        QVERIFY(std::fabs(q.value("p_value").toDouble() - 0.4037749551350624) < 1e-10);
        QCOMPARE(q.value("alpha").toDouble(), 0.01);
        QCOMPARE(q.value("not_worse").toBool(), true);
        QCOMPARE(q.value("verdict").toString(), QString("not significantly worse"));

        // Steps per phase from the phase events (seed 1: FULL 10, DUAL 10, LORA 20) and skill.
        const QJsonObject r1 = hybrid.value("runs").toArray().first().toObject();
        QCOMPARE(r1.value("steps_per_phase").toObject().value("FULL").toDouble(), 10.0);
        QCOMPARE(r1.value("steps_per_phase").toObject().value("DUAL").toDouble(), 10.0);
        QCOMPARE(r1.value("steps_per_phase").toObject().value("LORA").toDouble(), 20.0);
        QCOMPARE(r1.value("switch_step").toDouble(), 20.0);
        QVERIFY(full.value("runs").toArray().first().toObject().value("switch_step").isNull());
        QVERIFY(near(r1.value("skill").toObject().value("persistence").toDouble(), 1 - 1.02 / 1.25));
        QVERIFY(near(hybrid.value("devices_per_phase_mean").toObject().value("LORA").toObject().value("reram").toObject()
                         .value("energy_j").toDouble(), (5.0 + 6 + 6) / 3));

        // Each run's per-device energy adds up to its modeled energy.
        for (const auto& av : rep.value("arms").toArray())
            for (const auto& rv : av.toObject().value("runs").toArray()) {
                const QJsonObject r = rv.toObject();
                double sum = 0;
                const QJsonObject dev = st.summary(r.value("run_id").toInteger()).final.value("devices").toObject();
                for (auto it = dev.begin(); it != dev.end(); ++it) sum += it.value().toObject().value("energy_j").toDouble();
                QVERIFY(near(sum, r.value("modeled_energy_j").toDouble()));
            }

        // Markdown and CSV carry the same numbers.
        const QString md = toMarkdown(rep);
        QVERIFY2(md.contains("| hybrid | hybrid | hpt | 3 |"), qPrintable(md));
        QVERIFY(md.contains("not significantly worse"));
        const QString csv = toCsv(rep);
        QCOMPARE(csv.count('\n'), 7);

        // ReRAM cell writes under one key, "writes" (as in a run's result); a report written with the
        // old key "cell_writes" still renders the same Markdown and CSV.
        QVERIFY(hybrid.value("reram").toObject().contains("writes"));
        QVERIFY(!hybrid.value("reram").toObject().contains("cell_writes"));
        auto oldKey = [](QJsonObject o) {
            QJsonObject w = o.value("reram").toObject();
            w.insert("cell_writes", w.take("writes"));
            o.insert("reram", w);
            return o;
        };
        QJsonObject old = rep;
        QJsonArray oldArms;
        for (const auto& av : rep.value("arms").toArray()) {
            QJsonObject a = oldKey(av.toObject());
            QJsonArray runs;
            for (const auto& rv : a.value("runs").toArray()) runs.append(oldKey(rv.toObject()));
            a.insert("runs", runs);
            oldArms.append(a);
        }
        old.insert("arms", oldArms);
        QCOMPARE(toMarkdown(old), md);
        QCOMPARE(toCsv(old), csv);
        QVERIFY(csv.startsWith("study_id,arm,mode,mapping,seed,run_id,test_rmse"));
    }

    void missingRunsAndListing() {
        Store st(dir_.filePath("missing.sqlite"));
        auto runs = test::handStudy();
        runs.pop_back();  // hybrid seed 3 never finished
        for (const auto& r : runs) test::writeFakeRun(st, "part-2", r);
        const auto studies = listStudies(st);
        QCOMPARE(studies.size(), size_t(1));
        QCOMPARE(studies[0].id, QString("part-2"));
        QCOMPARE(studies[0].runs, 5);
        QCOMPARE(studies[0].arms.size(), size_t(2));
        QCOMPARE(studies[0].arms[0].name, QString("full"));
        QCOMPARE(studies[0].seeds, (std::vector<int64_t>{1, 2, 3}));
        const QJsonObject rep = reportFromStore(st, "part-2", 0.05);
        QVERIFY(!rep.value("complete").toBool());
        QCOMPARE(rep.value("missing").toArray().size(), 1);
        QCOMPARE(rep.value("ratios").toObject().value("hybrid").toObject().value("seeds").toInt(), 2);
        QCOMPARE(rep.value("quality_test").toObject().value("hybrid").toObject().value("n").toInt(), 2);
    }

    void tagsFindTheLatestFinishedRun() {
        Store st(dir_.filePath("tags.sqlite"));
        RunStart s;
        s.name = "x-000";
        const int64_t a = st.createRun(s);
        st.finishRun(a, RunStatus::Stopped, {});
        const int64_t b = st.createRun(s);
        st.finishRun(b, RunStatus::Finished, {});
        st.setTags(b, {"mine"});
        QCOMPARE(tagStudyRun(st, "x-000", "x", "full", 4), b);
        QCOMPARE(st.summary(b).tags, (QStringList{"mine", "study:x", "arm:full", "seed:4"}));
        QVERIFY(st.summary(a).tags.isEmpty());
        QCOMPARE(tagStudyRun(st, "nope", "x", "full", 4), int64_t(0));
    }

    void paretoFrontIsMinimalInBoth() {
        const std::vector<std::pair<double, double>> pts{{10, 1.0}, {5, 1.2}, {20, 0.9}, {7, 1.3}, {5, 1.1}, {30, 0.95}};
        const auto f = paretoFront(pts);
        QCOMPARE(f, (std::vector<size_t>{4, 0, 2}));
    }

    void armsAndSeeds() {
        const auto arms = parseArms("full,hybrid,lora,reram-naive,lg=lora@gpu-only");
        QCOMPARE(arms.size(), size_t(5));
        QCOMPARE(arms[0].mapping, QString("gpu-only"));
        QCOMPARE(arms[1].mode, QString("hybrid"));
        QCOMPARE(arms[1].mapping, QString("hpt"));
        QCOMPARE(arms[3].mapping, QString("reram-naive"));
        QCOMPARE(arms[4].mode, QString("lora"));
        try {
            parseArms("full,hybird");
            QFAIL("accepted an unknown arm");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("did you mean 'hybrid'"), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, parseArms("full,full"));
        QVERIFY_THROWS_EXCEPTION(Error, parseArms("x=fast@hpt"));
        QCOMPARE(parseSeeds("3", 42), (std::vector<int64_t>{42, 43, 44}));
        QCOMPARE(parseSeeds("1,5,9", 42), (std::vector<int64_t>{1, 5, 9}));
        QVERIFY_THROWS_EXCEPTION(Error, parseSeeds("0", 1));
        QVERIFY_THROWS_EXCEPTION(Error, parseSeeds("a", 1));
    }

    void studySweepExpandsToItsRuns() {
        StudySpec s;
        s.experiment = QJsonObject{{"name", "tiny"}, {"model", QJsonObject{{"name", "testmodel"}}}};
        s.experimentName = "tiny";
        s.arms = parseArms("full,hybrid");
        s.seeds = {1, 2};
        s.id = computeId(s);
        QVERIFY(s.id.startsWith("tiny-"));
        StudySpec other = s;
        other.sets = QStringList{"training.max_steps=4"};
        QVERIFY(computeId(other) != s.id);  // a different study, a different id
        const Sweep sw = parseSweep(toSweep(s), "/tmp", "study-sweep.json");
        const auto runs = expandRuns(s);
        QCOMPARE(sw.runs.size(), runs.size());
        QCOMPARE(sw.runs.size(), size_t(4));
        for (size_t i = 0; i < runs.size(); ++i) {
            QCOMPARE(sw.runs[i].name, runName(s, int(i)));
            QStringList want, got = sw.runs[i].sets();
            for (const auto& [k, v] : runs[i].values) want << k + "=" + setValueText(v);
            want.sort();  // a point is a JSON object: its keys come back sorted
            got.sort();
            QCOMPARE(got, want);
        }
        // Seed-major: both arms of seed 1 first.
        QCOMPARE(runs[1].arm, QString("hybrid"));
        QCOMPARE(runs[1].seed, int64_t(1));
        QCOMPARE(sw.runs[2].sets(), (QStringList{"mapping.preset=gpu-only", "switching.mode=full", "training.seed=2"}));
    }

    void sweepPointsCrossTheGrid() {
        const Sweep sw = parseSweep(QJsonDocument::fromJson(R"({"name": "p", "base": {},
            "points": [{"switching.mode": "full"}, {"switching.mode": "hybrid", "lora.rank": 4}],
            "axes": {"training.seed": [1, 2]}})").object(), "/tmp", "p.json");
        QCOMPARE(sw.runs.size(), size_t(4));
        QCOMPARE(sw.runs[0].sets(), (QStringList{"switching.mode=full", "training.seed=1"}));
        QCOMPARE(sw.runs[3].sets(), (QStringList{"lora.rank=4", "switching.mode=hybrid", "training.seed=2"}));
        QVERIFY_THROWS_EXCEPTION(Error, parseSweep(QJsonDocument::fromJson(R"({"base": {}, "points": []})").object(), "/tmp", "p.json"));
        QVERIFY_THROWS_EXCEPTION(Error, parseSweep(QJsonDocument::fromJson(R"({"base": {}, "points": [3]})").object(), "/tmp", "p.json"));
    }

    void studyOverASweep() {
        QFile f(dir_.filePath("s.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"name": "ranks", "base": {"name": "b", "model": {"name": "testmodel"}}, "axes": {"lora.rank": [2, 4]}})");
        f.close();
        const StudySpec s = specFromSweep(f.fileName());
        QCOMPARE(s.arms.size(), size_t(3));
        QCOMPARE(s.arms[0].name, QString("full"));
        QCOMPARE(s.arms[2].name, QString("hybrid:lora.rank=4"));
        QCOMPARE(s.arms[2].mode, QString("hybrid"));
        QFile g(dir_.filePath("bad.json"));
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write(R"({"base": {"model": {"name": "testmodel"}}, "axes": {"mapping.preset": ["hpt", "gpu-only"]}})");
        g.close();
        QVERIFY_THROWS_EXCEPTION(Error, specFromSweep(g.fileName()));
    }
};

QTEST_GUILESS_MAIN(TestStudyReport)
#include "tst_study_report.moc"
