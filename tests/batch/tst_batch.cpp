// `hpt --batch` and `hpt sweep` as a script meets them: one exit code and
// message per error class, --summary-json contents, SIGTERM mid-run leaving a
// stopped run with a checkpoint that resumes, and a local sweep merged into
// one store. Uses the test plugins so each run takes about a second.
#include "TestSupport.h"

#include "cli/ResultBlock.h"
#include "store/Store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <csignal>

using hpt::test::runHpt;

namespace {

// A seconds-long experiment on the test plugins.
QJsonObject tinyExperiment(int maxSteps = 8) {
    return QJsonObject{
        {"name", "tiny"},
        {"model", QJsonObject{{"name", "testmodel"}}},
        {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 16}}}}},
        {"training", QJsonObject{{"epochs", 100000}, {"max_steps", maxSteps}, {"batch_size", 4}, {"seed", 3}}},
        {"switching", QJsonObject{{"mode", "full"}}},
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

}  // namespace

class TestBatch : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString path(const QString& name) const { return dir_.filePath(name); }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        // A run that cannot work because the engine is missing must not pretend otherwise.
        auto r = runHpt(withPlugins({"--batch", writeJson(path("probe.json"), tinyExperiment(1)), "--store",
                                     path("probe.sqlite")}));
        if (r.err.contains("not built into this version")) QSKIP("this build has no training engine yet");
    }

    void finishedRunWritesSummaryAndStore() {
        const QString store = path("ok.sqlite"), summary = path("ok-summary.json");
        auto r = runHpt(withPlugins({"--batch", writeJson(path("ok.json"), tinyExperiment()), "--store", store,
                                     "--summary-json", summary, "--set", "training.lr=0.002"}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains("LibTorch") && r.out.contains("BLAS"), qPrintable(r.out));
        QVERIFY2(r.out.contains("step 8/8"), qPrintable(r.out));  // plain progress when piped
        QVERIFY2(!r.out.contains('\r'), "a piped run must not draw a live bar");
        QVERIFY2(r.out.contains("open it in the GUI: hpt " + store), qPrintable(r.out));

        const QJsonObject s = readJson(summary);
        QCOMPARE(s.value("exit_code").toInt(-1), 0);
        QCOMPARE(s.value("status").toString(), QString("finished"));
        QCOMPARE(s.value("store").toString(), store);
        QCOMPARE(s.value("steps").toInt(), 8);
        QVERIFY(s.contains("switch_step"));
        QVERIFY2(!s.value("metrics").toObject().isEmpty(), qPrintable(QJsonDocument(s).toJson()));
        QVERIFY2(s.value("energy_j").toObject().value("gpu").toDouble() > 0, qPrintable(QJsonDocument(s).toJson()));
        const qint64 id = qint64(s.value("run_id").toDouble());
        QVERIFY(id > 0);

        hpt::Store st(store, true);
        QVERIFY(st.hasRun(id));
        QCOMPARE(st.summary(id).status, QString("finished"));
        QCOMPARE(st.runConfig(id).value("training").toObject().value("lr").toDouble(), 0.002);  // --set reached the run
        QVERIFY(st.metricCount(id) > 0);
        QVERIFY2(r.out.contains(QString("stored as run %1 in %2").arg(id).arg(store)), qPrintable(r.out));
    }

    // The result block says the stored run's numbers, and its gpu-only counterfactual is what
    // `hpt cost --mapping gpu-only` says one step of each phase costs, times the steps per phase.
    void resultBlockMatchesStoredRunAndCost() {
        const QJsonObject e{
            {"name", "hybrid"},
            {"model", QJsonObject{{"name", "testmodel"}}},
            {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 64}}}}},
            {"lora", QJsonObject{{"rank", 2}}},
            {"training", QJsonObject{{"epochs", 4}, {"lr", 1e-2}, {"batch_size", 4}, {"seed", 3}}},
            {"switching", QJsonObject{{"mode", "hybrid"}, {"check_every", 4}, {"ttest_window", 8}, {"tau_loss", 0.5},
                                      {"tau_w", 0.5}}}};  // no "devices": the default gpu, systolic and reram plugins
        const QString store = path("result.sqlite"), summary = path("result.json");
        auto r = runHpt(withPlugins({"--batch", writeJson(path("hybrid.json"), e), "--store", store, "--summary-json", summary}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        const QJsonObject res = readJson(summary).value("result").toObject();
        QVERIFY2(!res.isEmpty(), qPrintable(r.out));
        const qint64 id = res.value("run_id").toInteger();
        const QJsonObject fin = hpt::Store(store, true).runRecord(id).value("final").toObject();
        QVERIFY2(fin.value("switch_step").toInteger() > 0, "the tiny hybrid run must reach LORA");

        // Same numbers as the stored run.
        QCOMPARE(res.value("skill").toObject(), fin.value("test").toObject().value("skill").toObject());
        QCOMPARE(res.value("devices_per_phase").toObject(), fin.value("devices_per_phase").toObject());
        const qint64 dual = fin.value("dual_step").toInteger(), sw = fin.value("switch_step").toInteger();
        const qint64 steps = fin.value("steps").toInteger();
        const QJsonObject ps = res.value("phase_steps").toObject();
        QCOMPARE(ps.value("FULL").toInteger(), dual);
        QCOMPARE(ps.value("DUAL").toInteger(), sw - dual);
        QCOMPARE(ps.value("LORA").toInteger(), steps - sw);
        // … and the printed block says them.
        const QString rmse = QString::number(fin.value("test").toObject().value("rmse").toDouble(), 'g', 4);
        QVERIFY2(r.out.contains("test RMSE " + rmse), qPrintable(r.out));
        QVERIFY2(r.out.contains(QString("steps per phase: FULL %1 · DUAL %2 · LORA %3").arg(dual).arg(sw - dual).arg(steps - sw)),
                 qPrintable(r.out));
        const QJsonObject per = fin.value("devices_per_phase").toObject();
        for (auto ph = per.begin(); ph != per.end(); ++ph) {
            const QJsonObject roles = ph.value().toObject();
            for (auto role = roles.begin(); role != roles.end(); ++role) {
                const QString want = role.key() + " " + hpt::cli::si(role.value().toObject().value("time_s").toDouble(), "s") +
                                     " / " + hpt::cli::si(role.value().toObject().value("energy_j").toDouble(), "J");
                QVERIFY2(r.out.contains(want), qPrintable(want + "\n" + r.out));
            }
        }
        QVERIFY2(r.out.contains("on GPUs only this run would have cost"), qPrintable(r.out));
        if (!fin.value("test").toObject().value("skill").toObject().isEmpty()) QVERIFY2(r.out.contains("skill"), qPrintable(r.out));
        QVERIFY2(!r.out.contains("): plateau check") && !r.out.contains("): weight-distance check"), "per-check details only at --log-level info");
        const QString lastLine = r.out.trimmed().split('\n').back();
        QCOMPARE(lastLine, "open it in the GUI: hpt " + store);

        // The counterfactual against `hpt cost` for the same trace.
        const QJsonArray shape = fin.value("model_shape").toArray();
        QCOMPARE(shape.size(), qsizetype(3));
        auto c = runHpt(withPlugins({"cost", "--model", "testmodel", "--mapping", "gpu-only", "--json", "--batch", "4",
                                     "--rank", QString::number(fin.value("lora_rank").toInteger()),
                                     "--stations", QString::number(shape[0].toInteger()),
                                     "--features", QString::number(shape[1].toInteger()),
                                     "--outputs", QString::number(shape[2].toInteger())}));
        QVERIFY2(c.exitCode == 0, qPrintable(c.out + c.err));
        const QJsonObject cost = QJsonDocument::fromJson(c.out.toUtf8()).object().value("phases").toObject();
        const QJsonObject gpuPer = res.value("gpu_only").toObject().value("per_phase").toObject();
        double total = 0;
        for (const char* ph : {"FULL", "DUAL", "LORA"}) {
            const QJsonObject p = cost.value(ph).toObject();
            const double want = ps.value(ph).toDouble() * p.value("step").toObject().value("total").toObject().value("energy_j").toDouble() +
                                (QString(ph) == "FULL" ? 0.0 : p.value("enter").toObject().value("total").toObject().value("energy_j").toDouble());
            double got = 0;
            const QJsonObject roles = gpuPer.value(ph).toObject();
            for (auto it = roles.begin(); it != roles.end(); ++it) {
                QCOMPARE(it.key(), QString("gpu"));  // gpu-only: nothing anywhere else
                got += it.value().toObject().value("energy_j").toDouble();
            }
            QVERIFY2(want > 0 && std::abs(got - want) <= 1e-9 * want, qPrintable(QString("%1: %2 vs %3").arg(ph).arg(got).arg(want)));
            total += got;
        }
        const QJsonObject gt = res.value("gpu_only").toObject().value("total").toObject();
        QVERIFY(std::abs(gt.value("energy_j").toDouble() - total) <= 1e-9 * total);
        const double ratio = res.value("gpu_only").toObject().value("ratio").toObject().value("energy").toDouble();
        QVERIFY(std::abs(ratio - res.value("total").toObject().value("energy_j").toDouble() / total) < 1e-12);
    }

    // Every subcommand that reads a store takes its path as an argument too (`hpt runs STORE.sqlite`),
    // and says so when the argument and --store disagree or there are two.
    void positionalStorePaths() {
        const QString store = path("ok.sqlite");  // from finishedRunWritesSummaryAndStore
        QVERIFY(QFileInfo::exists(store));
        auto r = runHpt({"runs", store});
        QVERIFY2(r.exitCode == 0 && r.out.contains("Store: " + store) && r.out.contains("finished"), qPrintable(r.out + r.err));
        r = runHpt({"runs", store, "--store", store});  // the same file twice is fine
        QCOMPARE(r.exitCode, 0);
        r = runHpt({"runs", store, "--store", path("other.sqlite")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--store") && r.err.contains("give one of them"), qPrintable(r.err));
        r = runHpt({"runs", store, path("second.sqlite")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("second.sqlite") && r.err.contains("unexpected argument"), qPrintable(r.err));
        r = runHpt({"runs", path("missing.sqlite")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("missing.sqlite") && r.err.contains("does not exist"), qPrintable(r.err));
        r = runHpt({"export", store, "--run", "1", "--json"});
        QVERIFY2(r.exitCode == 0 && QJsonDocument::fromJson(r.out.toUtf8()).isObject(), qPrintable(r.err));
        r = runHpt({"export", path("missing.sqlite"), "--run", "1", "--json"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("does not exist"), qPrintable(r.err));
        // --batch reads a store too (--resume RUN_ID): a stray argument is rejected, not ignored.
        r = runHpt(withPlugins({"--batch", writeJson(path("pos.json"), tinyExperiment(1)), store}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("unexpected argument"), qPrintable(r.err));
    }

    void unknownKeyExits2WithHint() {
        QJsonObject e = tinyExperiment();
        e.insert("trainig", QJsonObject{{"epochs", 1}});
        const QString summary = path("bad-summary.json");
        auto r = runHpt(withPlugins({"--batch", writeJson(path("bad.json"), e), "--store", path("bad.sqlite"),
                                     "--summary-json", summary}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("trainig") && r.err.contains("did you mean 'training'"), qPrintable(r.err));
        const QJsonObject s = readJson(summary);  // a script still learns what went wrong
        QCOMPARE(s.value("exit_code").toInt(), 2);
        QCOMPARE(s.value("where").toString(), QString("trainig"));
    }

    void badSetAndBadValueExit2() {
        const QString exp = writeJson(path("set.json"), tinyExperiment());
        auto r = runHpt(withPlugins({"--batch", exp, "--store", path("set.sqlite"), "--set", "lora.rank"}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--set lora.rank") && r.err.contains("key=value"), qPrintable(r.err));
        r = runHpt(withPlugins({"--batch", exp, "--store", path("set.sqlite"), "--set", "switching.alpha=2"}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("switching.alpha"), qPrintable(r.err));
        r = runHpt(withPlugins({"--batch", exp, "--log-level", "loud"}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--log-level"), qPrintable(r.err));
        r = runHpt(withPlugins({"--batch", exp, "--torch-device", "tpu"}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--torch-device"), qPrintable(r.err));
    }

    void invalidJsonExits2WithLine() {
        QFile f(path("syntax.json"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\n  \"model\": {\"name\": \"testmodel\"},\n  \"training\": {\"epochs\": }\n}\n");
        f.close();
        auto r = runHpt(withPlugins({"--batch", f.fileName(), "--store", path("syntax.sqlite")}));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("syntax.json") && r.err.contains("3"), qPrintable(r.err));
    }

    void missingPluginExits4() {
        QJsonObject e = tinyExperiment();
        e.insert("model", QJsonObject{{"name", "testmodle"}});
        auto r = runHpt(withPlugins({"--batch", writeJson(path("plugin.json"), e), "--store", path("plugin.sqlite")}));
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("testmodle") && r.err.contains("testmodel"), qPrintable(r.err));
    }

    void dataErrorExits3() {
        // The wind plugin reads a real file; an empty data folder is a data error naming where it looked.
        auto probe = runHpt({"plugins"});
        if (!probe.out.contains(" wind ")) QSKIP("the wind dataset plugin is not built in this build tree");
        QDir().mkpath(path("nodata"));
        QJsonObject e = tinyExperiment();
        e.insert("dataset", QJsonObject{{"name", "wind"}});
        auto r = runHpt(withPlugins({"--batch", writeJson(path("data.json"), e), "--store", path("data.sqlite"),
                                     "--data-dir", path("nodata")}));
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("nodata"), qPrintable(r.err));
    }

    void divergedExits5() {
        // AdamW's decoupled decay with lr·wd = 10 multiplies every weight by −9 per step: overflow to
        // Inf within ~40 steps, whatever the gradients do.
        auto r = runHpt(withPlugins({"--batch", writeJson(path("nan.json"), tinyExperiment(400)), "--store",
                                     path("nan.sqlite"), "--summary-json", path("nan-summary.json"), "--set",
                                     "training.lr=10", "--set", "training.weight_decay=1", "--set",
                                     "training.optimizer=adamw"}));
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains("step") && r.err.contains("FULL"), qPrintable(r.err));
        const QJsonObject s = readJson(path("nan-summary.json"));
        QCOMPARE(s.value("status").toString(), QString("failed"));
        QCOMPARE(s.value("exit_code").toInt(), 5);
    }

    void sigtermStopsWithCheckpointThatResumes() {
        const QString store = path("stop.sqlite"), summary = path("stop-summary.json");
        const QString exp = writeJson(path("stop.json"), tinyExperiment(1000000));
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(HPT_EXE, withPlugins({"--batch", exp, "--store", store, "--summary-json", summary,
                                      "--progress-every", "0"}));
        QVERIFY(p.waitForStarted());
        QByteArray out;
        QElapsedTimer t;
        t.start();
        // Wait until training is under way (a progress line), then ask it to stop.
        while (!out.contains("%)  epoch") && t.elapsed() < 60000 && p.state() == QProcess::Running) {
            p.waitForReadyRead(200);
            out += p.readAll();
        }
        QVERIFY2(out.contains("%)  epoch"), out.constData());
        ::kill(pid_t(p.processId()), SIGTERM);
        QVERIFY(p.waitForFinished(60000));
        out += p.readAll();
        QCOMPARE(p.exitCode(), 143);  // 128 + SIGTERM (15)
        QVERIFY2(out.contains("resume with: hpt --resume "), out.constData());

        const QJsonObject s = readJson(summary);
        QCOMPARE(s.value("status").toString(), QString("stopped"));
        QCOMPARE(s.value("exit_code").toInt(), 143);
        const QString ckpt = s.value("checkpoint_dir").toString();
        QVERIFY2(QDir(ckpt).exists() && !QDir(ckpt).isEmpty(), qPrintable(ckpt));
        const qint64 id = qint64(s.value("run_id").toDouble());
        const qint64 stoppedAt = qint64(s.value("steps").toDouble());
        {
            hpt::Store st(store, true);
            QCOMPARE(st.summary(id).status, QString("stopped"));
        }

        // Resume by run id with a step budget just past where it stopped: it finishes.
        const QString summary2 = path("resume-summary.json");
        auto r = runHpt(withPlugins({"--resume", QString::number(id), "--store", store, "--summary-json", summary2,
                                     "--set", QString("training.max_steps=%1").arg(stoppedAt + 4)}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains("resuming from checkpoint folder"), qPrintable(r.out));
        const QJsonObject s2 = readJson(summary2);
        QCOMPARE(s2.value("status").toString(), QString("finished"));
        QCOMPARE(qint64(s2.value("steps").toDouble()), stoppedAt + 4);
        hpt::Store st(store, true);
        QCOMPARE(st.summary(qint64(s2.value("run_id").toDouble())).status, QString("finished"));
    }

    // --events-jsonl: every line of the file is one JSON object with a "kind"; the run's phase
    // switches are there as events, progress samples follow the steps, and the last line says
    // how the run ended. With "-" the stream owns stdout and the human output moves to stderr.
    void eventStreamIsJsonLinesWithPhaseSwitches() {
        const QJsonObject e{
            {"name", "stream"},
            {"model", QJsonObject{{"name", "testmodel"}}},
            {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 64}}}}},
            {"lora", QJsonObject{{"rank", 2}}},
            {"training", QJsonObject{{"epochs", 4}, {"lr", 1e-2}, {"batch_size", 4}, {"seed", 3}}},
            {"switching", QJsonObject{{"mode", "hybrid"}, {"check_every", 4}, {"ttest_window", 8}, {"tau_loss", 0.5},
                                      {"tau_w", 0.5}}},
            {"devices", QJsonObject{{"gpu", QJsonObject{{"plugin", "testdevice"}}},
                                    {"systolic", QJsonObject{{"plugin", "testdevice"}}},
                                    {"reram", QJsonObject{{"plugin", "testdevice"}}}}}};
        const QString exp = writeJson(path("stream.json"), e);
        auto parse = [](const QByteArray& text, QString* why) {
            QList<QJsonObject> lines;
            int n = 0;
            for (const QByteArray& l : text.split('\n')) {
                ++n;
                if (l.isEmpty()) continue;
                QJsonParseError err;
                const QJsonDocument d = QJsonDocument::fromJson(l, &err);
                if (err.error != QJsonParseError::NoError || !d.isObject()) {
                    *why = QString("line %1 is not a JSON object: %2").arg(n).arg(QString::fromUtf8(l.left(200)));
                    return QList<QJsonObject>{};
                }
                lines << d.object();
            }
            return lines;
        };
        const QString file = path("stream.jsonl");
        auto r = runHpt(withPlugins({"--batch", exp, "--store", path("stream.sqlite"), "--events-jsonl", file}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QString why;
        const QList<QJsonObject> lines = parse(f.readAll(), &why);
        QVERIFY2(!lines.isEmpty(), qPrintable(why));
        // The run's identity comes before its first step (the engine's start checkpoint may precede it).
        int started = -1, firstProgress = -1;
        for (int i = 0; i < lines.size(); ++i) {
            if (started < 0 && lines[i].value("kind") == "run_started") started = i;
            if (firstProgress < 0 && lines[i].value("kind") == "progress") firstProgress = i;
        }
        QVERIFY2(started >= 0 && started < firstProgress, qPrintable(QString("%1 %2").arg(started).arg(firstProgress)));
        QCOMPARE(lines[started].value("config").toObject().value("name").toString(), QString("stream"));
        QCOMPARE(lines.last().value("kind").toString(), QString("run_finished"));
        QCOMPARE(lines.last().value("status").toString(), QString("finished"));
        QStringList switches;
        int progress = 0;
        qint64 lastStep = -1;
        for (const auto& o : lines) {
            QVERIFY2(!o.value("kind").toString().isEmpty() && o.contains("time"), qPrintable(QJsonDocument(o).toJson()));
            if (o.value("kind") == "progress") {
                ++progress;
                QVERIFY(o.value("step").toInteger() >= lastStep);  // samples in step order
                lastStep = o.value("step").toInteger();
            }
            if (o.value("kind") == "event" && o.value("type") == "phase") {
                const QJsonObject pl = o.value("payload").toObject();
                switches << pl.value("from").toString() + ">" + pl.value("to").toString();
                QVERIFY(o.value("step").toInteger() > 0);
            }
        }
        QVERIFY2(progress > 0, "no progress samples");
        QVERIFY2(switches.contains("FULL>DUAL") && switches.contains("DUAL>LORA"), qPrintable(switches.join(' ')));

        // The same run to stdout: stdout is nothing but the stream, the human lines are on stderr.
        auto s = runHpt(withPlugins({"--batch", exp, "--store", path("stream2.sqlite"), "--events-jsonl", "-"}));
        QVERIFY2(s.exitCode == 0, qPrintable(s.out + s.err));
        const QList<QJsonObject> out = parse(s.out.toUtf8(), &why);
        QVERIFY2(!out.isEmpty(), qPrintable(why));
        QCOMPARE(out.last().value("kind").toString(), QString("run_finished"));
        QVERIFY2(s.err.contains("LibTorch"), qPrintable(s.err));
        QVERIFY2(!s.out.contains("LibTorch"), qPrintable(s.out));

        // An unwritable target is a usage error naming the option, before anything trains.
        auto bad = runHpt(withPlugins({"--batch", exp, "--store", path("stream3.sqlite"), "--events-jsonl",
                                       path("no/such/dir/x.jsonl")}));
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("--events-jsonl"), qPrintable(bad.err));
    }

    // Ctrl-C keeps the shell's 130 (128 + SIGINT); SIGTERM above gives 143.
    void sigintStopsWithExit130() {
        const QString summary = path("int-summary.json");
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(HPT_EXE, withPlugins({"--batch", writeJson(path("int.json"), tinyExperiment(1000000)), "--store",
                                      path("int.sqlite"), "--summary-json", summary, "--progress-every", "0"}));
        QVERIFY(p.waitForStarted());
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (!out.contains("%)  epoch") && t.elapsed() < 60000 && p.state() == QProcess::Running) {
            p.waitForReadyRead(200);
            out += p.readAll();
        }
        QVERIFY2(out.contains("%)  epoch"), out.constData());
        ::kill(pid_t(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        out += p.readAll();
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(out.contains("received SIGINT"), out.constData());
        const QJsonObject s = readJson(summary);
        QCOMPARE(s.value("status").toString(), QString("stopped"));
        QCOMPARE(s.value("exit_code").toInt(), 130);
    }

    void sweepListIsDeterministic() {
        const QString sweep = writeJson(path("sw.json"), QJsonObject{
            {"name", "sw"}, {"base", tinyExperiment()},
            {"axes", QJsonObject{{"training.lr", QJsonArray{0.001, 0.01}}}},
            {"random", QJsonObject{{"samples", 3}, {"seed", 5},
                                   {"axes", QJsonObject{{"training.weight_decay", QJsonObject{{"log_uniform", QJsonArray{1e-5, 1e-2}}}}}}}}});
        auto a = runHpt(withPlugins({"sweep", sweep, "--list", "--json"}));
        auto b = runHpt(withPlugins({"sweep", sweep, "--list", "--json"}));
        QVERIFY2(a.exitCode == 0, qPrintable(a.err));
        QCOMPARE(a.out, b.out);
        const QJsonArray runs = QJsonDocument::fromJson(a.out.toUtf8()).object().value("runs").toArray();
        QCOMPARE(int(runs.size()), 6);
        QCOMPARE(runs[5].toObject().value("name").toString(), QString("sw-005"));

        // A typo in an axis key is caught before anything runs, naming the run and the field.
        const QString bad = writeJson(path("swbad.json"), QJsonObject{
            {"base", tinyExperiment()}, {"axes", QJsonObject{{"training.lrr", QJsonArray{0.1}}}}});
        auto c = runHpt(withPlugins({"sweep", bad, "--list"}));
        QCOMPARE(c.exitCode, 2);
        QVERIFY2(c.err.contains("run 0") && c.err.contains("lrr"), qPrintable(c.err));
        auto d = runHpt(withPlugins({"sweep", sweep, "--index", "6"}));
        QCOMPARE(d.exitCode, 2);
        QVERIFY2(d.err.contains("0..5"), qPrintable(d.err));
    }

    void localSweepMergesEveryRun() {
        const QString sweep = writeJson(path("loc.json"), QJsonObject{
            {"name", "loc"}, {"base", tinyExperiment(4)},
            {"axes", QJsonObject{{"training.lr", QJsonArray{0.001, 0.01}}, {"training.seed", QJsonArray{1, 2}}}}});
        auto r = runHpt(withPlugins({"sweep", sweep, "--local", "-j", "2"}), 240000);
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        const QString merged = path("loc/loc.sqlite");
        QVERIFY2(r.out.contains("merged 4 new run(s)"), qPrintable(r.out));
        hpt::Store st(merged, true);
        const auto runs = st.runs();
        QCOMPARE(runs.size(), size_t(4));
        QStringList names;
        for (const auto& run : runs) {
            QCOMPARE(run.status, QString("finished"));
            names << run.name;
        }
        names.sort();
        QCOMPARE(names, (QStringList{"loc-000", "loc-001", "loc-002", "loc-003"}));
        // Rerunning does not redo finished runs nor duplicate them in the merged store.
        auto again = runHpt(withPlugins({"sweep", sweep, "--local", "-j", "2"}), 240000);
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(int(again.out.count("already finished earlier")), 4);
        QCOMPARE(hpt::Store(merged, true).runs().size(), size_t(4));
    }

    // Pruning in a sweep: with the runs one at a time, a run whose loss at the rung is worse than
    // the others' there stops (status "pruned", a "pruned" event with the numbers), the sweep exits 0,
    // the best configuration (lr 0.03 here) runs to its end, and a rerun counts pruned runs as done.
    void pruningSweepStopsWorseRunsAndKeepsTheBest() {
        for (const QString method : {"asha", "median"}) {
            const QString name = "pr" + method;
            const QString sweep = writeJson(path(name + ".json"), QJsonObject{
                {"name", name}, {"base", tinyExperiment(600)},
                {"axes", QJsonObject{{"training.lr", QJsonArray{0.03, 0.0001, 0.3, 0.0003}}}}});
            const QStringList args = withPlugins({"sweep", sweep, "--local", "-j", "1", "--prune", method, "--prune-steps",
                                                  "200", "--prune-reduction", "2", "--prune-min-runs", "1"});
            auto r = runHpt(args, 240000);
            QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
            hpt::Store st(path(name + "/" + name + ".sqlite"), true);
            int pruned = 0;
            qint64 steps = 0;
            for (const auto& run : st.runs()) {
                const QJsonObject rec = st.runRecord(run.id);
                steps += readJson(path(name + "/summaries/" + run.name + ".json")).value("steps").toInteger();
                const double lr = rec.value("config").toObject().value("training").toObject().value("lr").toDouble();
                if (lr == 0.03) QCOMPARE(run.status, QString("finished"));
                if (run.status != "pruned") continue;
                ++pruned;
                bool event = false;
                for (const auto& e : st.events(run.id))
                    if (e.type == "pruned") {
                        event = true;
                        QCOMPARE(e.payload.value("method").toString(), method);
                        QCOMPARE(e.payload.value("rung").toInteger(), qint64(200));
                        QVERIFY(e.payload.value("others").toInt() >= 1);
                    }
                QVERIFY2(event, qPrintable(run.name + " is pruned without a pruned event"));
            }
            QVERIFY2(pruned >= 1, qPrintable(method + ": nothing was pruned\n" + r.out));
            const QJsonObject s1 = readJson(path(name + "/summaries/" + name + "-001.json"));  // lr 1e-4: worse than 0.03
            QCOMPARE(s1.value("status").toString(), QString("pruned"));
            QCOMPARE(s1.value("exit_code").toInt(), 0);
            QVERIFY2(steps > 0 && steps < 4 * 600, qPrintable(QString::number(steps)));
            auto again = runHpt(args, 240000);
            QCOMPARE(again.exitCode, 0);
            QCOMPARE(int(again.out.count("already finished earlier")), 4);
        }
        // Pruning compares runs: alone it needs a ledger to compare in.
        auto alone = runHpt(withPlugins({"--batch", writeJson(path("pralone.json"), tinyExperiment()), "--store",
                                         path("pralone.sqlite"), "--prune", "median", "--prune-steps", "10"}));
        QCOMPARE(alone.exitCode, 2);
        QVERIFY2(alone.err.contains("--prune-ledger"), qPrintable(alone.err));
    }

    void slurmScriptHasOneTaskPerRun() {
        const QString sweep = writeJson(path("sl.json"), QJsonObject{
            {"name", "sl"}, {"base", tinyExperiment()}, {"axes", QJsonObject{{"lora.rank", QJsonArray{2, 4, 8}}}}});
        auto r = runHpt(withPlugins({"sweep", sweep, "--slurm", "--partition", "gpu", "--time", "01:00:00",
                                     "--cpus", "4", "--mem", "8G", "--gpus", "1", "--no-check"}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile f(path("sl/slurm/sl.sbatch"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString s = QString::fromUtf8(f.readAll());
        for (const char* line : {"#SBATCH --array=0-2\n", "#SBATCH --partition=gpu\n", "#SBATCH --time=01:00:00\n",
                                 "#SBATCH --cpus-per-task=4\n", "#SBATCH --mem=8G\n", "#SBATCH --gpus=1\n"})
            QVERIFY2(s.contains(line), qPrintable(s));
        QVERIFY2(s.contains("--index \"$SLURM_ARRAY_TASK_ID\""), qPrintable(s));
        QVERIFY2(s.contains("printf -v name '%s-%03d' sl \"$SLURM_ARRAY_TASK_ID\""), qPrintable(s));
        QVERIFY(QFile::exists(path("sl/sweep.json")));
        QVERIFY(QFile::exists(path("sl/slurm/sl-merge.sbatch")));
        // Near its limit a task checkpoints and requeues itself (the default grace: 180 s).
        for (const char* line : {"#SBATCH --signal=B:USR1@180\n", "#SBATCH --requeue\n", "trap on_usr1 USR1\n",
                                 "scontrol requeue \"$SLURM_JOB_ID\""})
            QVERIFY2(s.contains(line), qPrintable(s));
        auto bad = runHpt(withPlugins({"sweep", sweep, "--slurm", "--signal-grace", "soon", "--no-check"}));
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("--signal-grace"), qPrintable(bad.err));
    }

    // The generated array script as Slurm runs it (task 0, scontrol stubbed): USR1, which Slurm sends
    // --signal-grace seconds before the time limit, stops the run after its step with a checkpoint
    // (exit 143 from hpt) and requeues the task; the requeued attempt runs the same `sweep --index`,
    // which continues the stopped run from its checkpoint: one run in the store, finished, resumed once.
    void slurmTaskNearItsLimitRequeuesAndResumes() {
        const QString sweep = writeJson(path("rq.json"), QJsonObject{
            {"name", "rq"}, {"base", tinyExperiment(1000000)}, {"axes", QJsonObject{{"training.seed", QJsonArray{7}}}}});
        auto w = runHpt(withPlugins({"sweep", sweep, "--slurm", "--signal-grace", "90", "--progress-every", "0"}));
        QVERIFY2(w.exitCode == 0, qPrintable(w.err));
        const QString script = path("rq/slurm/rq.sbatch");
        QVERIFY2(QString::fromUtf8([&] { QFile f(script); f.open(QIODevice::ReadOnly); return f.readAll(); }())
                     .contains("#SBATCH --signal=B:USR1@90\n"), "grace not in the script");
        const QString stubs = path("rq-stubs");
        QVERIFY(QDir().mkpath(stubs));
        {
            QFile f(stubs + "/scontrol");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("#!/bin/bash\necho \"$@\" >> \"$(dirname \"$0\")/scontrol.calls\"\n");
            f.close();
            f.setPermissions(f.permissions() | QFileDevice::ExeOwner);
        }
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("PATH", stubs + ":" + env.value("PATH"));
        env.insert("SLURM_ARRAY_TASK_ID", "0");
        env.insert("SLURM_JOB_ID", "4243");
        QProcess p;
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(path("rq"));
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start("bash", {script});
        QVERIFY(p.waitForStarted());
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (!out.contains("%)  epoch") && t.elapsed() < 60000 && p.state() == QProcess::Running) {
            p.waitForReadyRead(200);
            out += p.readAll();
        }
        QVERIFY2(out.contains("%)  epoch"), out.constData());
        ::kill(pid_t(p.processId()), SIGUSR1);  // what --signal=B:USR1@90 does
        QVERIFY(p.waitForFinished(60000));
        out += p.readAll();
        QVERIFY2(p.exitCode() == 0, out.constData());
        QVERIFY2(out.contains("checkpointing, then requeueing task 0"), out.constData());
        QFile calls(stubs + "/scontrol.calls");
        QVERIFY2(calls.open(QIODevice::ReadOnly), "the task did not requeue itself");
        QCOMPARE(QString::fromUtf8(calls.readAll()).trimmed(), QString("requeue 4243"));
        const QString summary = path("rq/summaries/rq-000.json"), store = path("rq/stores/rq-000.sqlite");
        const QJsonObject s1 = readJson(summary);
        QCOMPARE(s1.value("status").toString(), QString("stopped"));
        QCOMPARE(s1.value("exit_code").toInt(), 143);
        const qint64 stoppedAt = s1.value("steps").toInteger();
        QVERIFY(stoppedAt > 0);
        // The checkpoint is beside the store (shared storage), not in the node's temp folder.
        QVERIFY2(s1.value("checkpoint_dir").toString().startsWith(path("rq/stores/checkpoints/")),
                 qPrintable(s1.value("checkpoint_dir").toString()));

        // The requeued attempt: the script's command, with a step budget so that it ends.
        auto r = runHpt(withPlugins({"sweep", path("rq/sweep.json"), "--index", "0", "--store", store, "--summary-json",
                                     summary, "--set", QString("training.max_steps=%1").arg(stoppedAt + 4)}));
        QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains("continuing run 1 from its checkpoint"), qPrintable(r.out));
        const QJsonObject s2 = readJson(summary);
        QCOMPARE(s2.value("status").toString(), QString("finished"));
        QCOMPARE(s2.value("steps").toInteger(), stoppedAt + 4);
        hpt::Store st(store, true);
        QCOMPARE(st.runs().size(), size_t(1));
        QCOMPARE(st.summary(1).status, QString("finished"));
        int resumes = 0;
        for (const auto& e : st.events(1)) resumes += e.type == "resume" ? 1 : 0;
        QCOMPARE(resumes, 1);
    }
};

QTEST_GUILESS_MAIN(TestBatch)
#include "tst_batch.moc"
