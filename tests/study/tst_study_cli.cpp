// `hpt study` end to end on the test plugins (each run takes about a second):
// the JSON contract on stdout and in study.json, every run_id a stored run
// whose per-device energy adds up to its modeled energy, ratios that agree
// with the stored runs, the files and charts, a study killed in the middle
// resumed so that only the missing runs run, and bad arguments named.
#include "TestSupport.h"

#include "store/Store.h"
#include "study/StudySpec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <csignal>

using hpt::test::runHpt;

namespace {

QJsonObject tinyExperiment(int maxSteps) {
    return QJsonObject{
        {"name", "tiny"},
        {"model", QJsonObject{{"name", "testmodel"}}},
        {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 16}}}}},
        {"training", QJsonObject{{"epochs", 100000}, {"max_steps", maxSteps}, {"batch_size", 4}, {"seed", 3}}},
        {"devices", QJsonObject{{"gpu", QJsonObject{{"plugin", "testdevice"}}},
                                {"systolic", QJsonObject{{"plugin", "testdevice"}}},
                                {"reram", QJsonObject{{"plugin", "testdevice"}}}}},
    };
}

QString writeJson(const QString& path, const QJsonObject& o) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(QJsonDocument(o).toJson());
    return path;
}

QJsonObject readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QStringList withPlugins(QStringList args) { return args << "--plugin-dir" << HPT_TEST_PLUGIN_DIR; }

bool near(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b)); }

}  // namespace

class TestStudyCli : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString path(const QString& n) const { return dir_.filePath(n); }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void contractAndStoredRuns() {
        const QString exp = writeJson(path("tiny.json"), tinyExperiment(6));
        const QString out = path("study1");
        const auto r = runHpt(withPlugins({"study", exp, "--seeds", "2", "--arms", "full,hybrid,reram-naive", "--out", out,
                                           "--json", "-j", "2"}), 300000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        const QJsonObject rep = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QVERIFY2(!rep.isEmpty(), qPrintable("stdout is not the JSON report: " + r.out.left(400)));
        QCOMPARE(rep, readJson(out + "/study.json"));
        for (const char* k : {"study_id", "experiment", "seeds", "arms", "ratios", "quality_test", "files"}) QVERIFY2(rep.contains(k), k);
        QCOMPARE(rep.value("seeds").toArray(), (QJsonArray{3, 4}));  // from the experiment's training.seed
        QVERIFY(rep.value("study_id").toString().startsWith("tiny-"));
        const QJsonArray arms = rep.value("arms").toArray();
        QCOMPARE(arms.size(), 3);

        hpt::Store st(out + "/study.sqlite", true);
        std::map<std::pair<QString, int64_t>, QJsonObject> byArmSeed;
        for (const auto& av : arms) {
            const QJsonObject a = av.toObject();
            for (const char* k : {"name", "mode", "mapping", "runs", "test_rmse", "modeled_time_s", "modeled_energy_j"})
                QVERIFY2(a.contains(k), k);
            QCOMPARE(a.value("runs").toArray().size(), 2);
            for (const auto& rv : a.value("runs").toArray()) {
                const QJsonObject run = rv.toObject();
                for (const char* k : {"seed", "run_id", "test_rmse", "modeled_time_s", "modeled_energy_j", "wall_s", "switch_step"})
                    QVERIFY2(run.contains(k), k);
                const int64_t id = run.value("run_id").toInteger();
                QVERIFY(st.hasRun(id));
                const auto sum = st.summary(id);
                QCOMPARE(sum.status, QString("finished"));
                QVERIFY(sum.tags.contains("study:" + rep.value("study_id").toString()));
                QVERIFY(sum.tags.contains("arm:" + a.value("name").toString()));
                // The run really ran with the arm's mode and mapping and the seed.
                const QJsonObject cfg = st.runConfig(id);
                QCOMPARE(cfg.value("switching").toObject().value("mode").toString(), a.value("mode").toString());
                QCOMPARE(cfg.value("mapping").toObject().value("preset").toString(), a.value("mapping").toString());
                QCOMPARE(cfg.value("training").toObject().value("seed").toInteger(), run.value("seed").toInteger());
                // Stored per-device energy (and time) add up to what the report says.
                double e = 0, t = 0;
                const QJsonObject dev = sum.final.value("devices").toObject();
                QVERIFY(!dev.isEmpty());
                for (auto it = dev.begin(); it != dev.end(); ++it) {
                    e += it.value().toObject().value("energy_j").toDouble();
                    t += it.value().toObject().value("time_s").toDouble();
                }
                QVERIFY(e > 0);
                QVERIFY(near(e, run.value("modeled_energy_j").toDouble()));
                QVERIFY(near(t, run.value("modeled_time_s").toDouble()));
                QVERIFY(near(sum.final.value("test").toObject().value("rmse").toDouble(), run.value("test_rmse").toDouble()));
                byArmSeed[{a.value("name").toString(), run.value("seed").toInteger()}] = run;
            }
        }
        // Ratios agree with the stored runs, seed by seed.
        for (const QString arm : {"hybrid", "reram-naive"}) {
            const QJsonObject ratio = rep.value("ratios").toObject().value(arm).toObject();
            double sum = 0;
            for (int64_t seed : {3, 4}) {
                const double q = byArmSeed[{arm, seed}].value("modeled_energy_j").toDouble() /
                                 byArmSeed[{"full", seed}].value("modeled_energy_j").toDouble();
                sum += q;
            }
            QVERIFY(near(ratio.value("modeled_energy").toObject().value("mean").toDouble(), sum / 2));
            const QJsonObject q = rep.value("quality_test").toObject().value(arm).toObject();
            for (const char* k : {"method", "p_value", "alpha", "not_worse"}) QVERIFY2(q.contains(k), k);
            QCOMPARE(q.value("alpha").toDouble(), 0.01);
        }
        QVERIFY(!rep.value("ratios").toObject().contains("full"));
        for (const char* f : {"study.md", "study.csv", "study.json", "cost.png", "cost.svg", "loss.png", "loss.svg", "pareto.png", "pareto.svg"})
            QVERIFY2(QFileInfo(out + "/" + f).size() > 0, f);
        QVERIFY(QFile::exists(rep.value("files").toObject().value("chart_pareto_png").toString()));

        // The same command again runs nothing and reports the same runs (--report, Markdown on stdout).
        const auto again = runHpt(withPlugins({"study", exp, "--seeds", "2", "--arms", "full,hybrid,reram-naive", "--out", out,
                                               "--report", "--no-charts"}));
        QVERIFY2(again.exitCode == 0, qPrintable(again.err));
        QVERIFY2(again.out.contains("| hybrid | hybrid | hpt | 2 |"), qPrintable(again.out));
        QCOMPARE(readJson(out + "/study.json").value("arms").toArray()[1].toObject().value("runs"), arms[1].toObject().value("runs"));
    }

    void resumesAfterAKill() {
        // Longer runs, one at a time, so the kill lands in the middle of the study.
        const QString exp = writeJson(path("slow.json"), tinyExperiment(300));
        const QString out = path("study2");
        const QStringList args = withPlugins({"study", exp, "--seeds", "2", "--out", out, "-j", "1", "--no-charts"});
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral(HPT_EXE), args);
        QVERIFY(p.waitForStarted());
        QString seen;
        QElapsedTimer clock;
        clock.start();
        while (!seen.contains("[1/4]") && clock.elapsed() < 240000) {
            p.waitForReadyRead(200);
            seen += QString::fromUtf8(p.readAll());
        }
        QVERIFY2(seen.contains("[1/4]"), qPrintable(seen));
        QVERIFY2(seen.contains("[1/4]") && !seen.contains("[2/4]"), qPrintable("the runs are too fast to kill between: " + seen));
        ::kill(pid_t(p.processId()), SIGKILL);  // no chance to clean up
        p.waitForFinished();

        // The same command: waits for the killed study's sweep to stop, skips the finished run.
        const auto r = runHpt(args, 300000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains("already finished earlier, skipped"), qPrintable(r.out));
        QVERIFY2(r.out.contains("3 run(s) to do") || r.out.contains("2 run(s) to do"), qPrintable(r.out));
        const QJsonObject rep = readJson(out + "/study.json");
        QVERIFY(rep.value("complete").toBool());
        hpt::Store st(out + "/study.sqlite", true);
        // Each (arm, seed) has exactly one finished, tagged run; the first run ran once.
        const QString id = rep.value("study_id").toString();
        int tagged = 0, firstRuns = 0;
        for (const auto& s : st.runs()) {
            if (s.tags.contains("study:" + id)) {
                ++tagged;
                QCOMPARE(s.status, QString("finished"));
            }
            if (s.name == id + "-000") ++firstRuns;
        }
        QCOMPARE(tagged, 4);
        QCOMPARE(firstRuns, 1);
    }

    void sweepBecomesHybridArms() {
        QJsonObject sweep{{"name", "lrs"}, {"base", tinyExperiment(4)}, {"axes", QJsonObject{{"training.lr", QJsonArray{0.001, 0.01}}}}};
        const QString file = writeJson(path("lrs.json"), sweep);
        const QString out = path("study3");
        const auto r = runHpt(withPlugins({"study", file, "--seeds", "1", "--out", out, "--json", "--chart-formats", "png"}), 300000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QJsonObject rep = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const QJsonArray arms = rep.value("arms").toArray();
        QCOMPARE(arms.size(), 3);
        QCOMPARE(arms[0].toObject().value("name").toString(), QString("full"));
        QCOMPARE(arms[2].toObject().value("name").toString(), QString("hybrid:training.lr=0.01"));
        QCOMPARE(arms[2].toObject().value("mode").toString(), QString("hybrid"));
        hpt::Store st(out + "/study.sqlite", true);
        const int64_t id = arms[2].toObject().value("runs").toArray()[0].toObject().value("run_id").toInteger();
        QCOMPARE(st.runConfig(id).value("training").toObject().value("lr").toDouble(), 0.01);
        QCOMPARE(rep.value("ratios").toObject().size(), 2);
        // One seed: ratios, but no test.
        const QJsonObject q = rep.value("quality_test").toObject().value("hybrid:training.lr=0.001").toObject();
        QVERIFY(q.value("p_value").isNull());
        QVERIFY(q.value("verdict").toString().startsWith("untested"));
        QVERIFY(QFileInfo(out + "/pareto.png").size() > 0);
        QVERIFY(!QFile::exists(out + "/pareto.svg"));
    }

    void aListOfStudiesEndsWithOneTable() {
        writeJson(path("list-exp.json"), tinyExperiment(2));
        const QString list = writeJson(path("list.json"), QJsonObject{{"studies", QJsonArray{QJsonObject{
            {"experiment", "list-exp.json"}, {"seeds", 1}, {"arms", "full,hybrid"}}}}});
        const QString out = path("study5");
        const auto r = runHpt(withPlugins({"study", list, "--out", out, "--no-charts"}), 300000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        QVERIFY2(r.out.contains("## All studies") && r.out.contains("| hybrid | 1 |"), qPrintable(r.out));
        QVERIFY(QFileInfo(out + "/list-exp/study.json").size() > 0);  // each study in <out>/<experiment name>
        QVERIFY(QFileInfo(out + "/summary.md").size() > 0);
    }

    void slurmWritesAnArrayJob() {
        const QString exp = writeJson(path("slurm.json"), tinyExperiment(2));
        const QString out = path("study4");
        const auto r = runHpt(withPlugins({"study", exp, "--seeds", "2", "--out", out, "--slurm", "--partition", "debug"}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        const QString id = readJson(out + "/study-spec.json").value("study_id").toString();
        QFile f(out + "/runs/slurm/" + id + ".sbatch");
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(r.out));
        const QString sb = QString::fromUtf8(f.readAll());
        QVERIFY(sb.contains("#SBATCH --array=0-3"));  // 2 arms × 2 seeds, one task each
        QVERIFY(sb.contains("#SBATCH --partition=debug"));
        QVERIFY(QFile::exists(out + "/runs/slurm/" + id + "-merge.sbatch"));
        QVERIFY(r.out.contains("--report"));
        QVERIFY(!QFile::exists(out + "/study.sqlite"));  // nothing ran here
    }

    void badArgumentsAreNamed() {
        const QString exp = writeJson(path("bad.json"), tinyExperiment(2));
        auto r = runHpt(withPlugins({"study", exp, "--set", "switching.mode=full", "--out", path("bad")}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("switching.mode") && r.err.contains("--arms"), qPrintable(r.err));
        r = runHpt(withPlugins({"study", exp, "--arms", "full,hybird", "--out", path("bad")}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("did you mean 'hybrid'"), qPrintable(r.err));
        r = runHpt(withPlugins({"study", exp, "--alpha", "2", "--out", path("bad")}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--alpha"), qPrintable(r.err));
        r = runHpt(withPlugins({"study", path("nope.json")}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("nope.json"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestStudyCli)
#include "tst_study_cli.moc"
