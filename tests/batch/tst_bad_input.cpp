// Bad input through `hpt --batch`, as a script meets it (issue 11; the audit of
// every case and where it is tested is tests/BAD_INPUT.md). Each case asserts the
// exit code and the sentence naming the file, field or plugin; a store that
// already holds a run is used throughout and must keep it.
//  - the dataset bad-input corpus (tests/datasets/bad/cases.json), plus a 10 MB
//    single-line file generated here;
//  - plugins: wrong API version, a constructor that throws, a factory that
//    throws, a model whose output has the wrong shape or whose forward throws
//    (caught by the shape probe before step 1), a LoRA rank larger than the
//    adapted layer, targets that match nothing;
//  - store files: not SQLite, truncated, written by a newer program (left unchanged).
#include "TestSupport.h"

#include "store/Store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include <sqlite3.h>

using hpt::test::ProcResult;
using hpt::test::runHpt;

namespace {

QJsonObject tinyExperiment(const QJsonObject& model = QJsonObject{{"name", "testmodel"}}) {
    return QJsonObject{
        {"name", "bad-input"},
        {"model", model},
        {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 16}}}}},
        {"training", QJsonObject{{"epochs", 1000}, {"max_steps", 4}, {"batch_size", 4}, {"seed", 3}}},
        {"switching", QJsonObject{{"mode", "full"}}},
        {"devices", QJsonObject{}},
    };
}

QString writeJson(const QString& path, const QJsonObject& o) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(QJsonDocument(o).toJson());
    return path;
}

QByteArray sha(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256) : QByteArray();
}

QStringList withPlugins(QStringList args) {
    return args << "--plugin-dir" << HPT_TEST_PLUGIN_DIR << "--plugin-dir" << HPT_FAULTY_PLUGIN_DIR;
}

QString describe(const ProcResult& r) { return QString("exit %1\nstdout: %2\nstderr: %3").arg(r.exitCode).arg(r.out.right(600), r.err); }

}  // namespace

class TestBadInput : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString store_;
    QByteArray storeRuns_;
    QString builtPlugins_;
    QString path(const QString& n) const { return dir_.filePath(n); }

    // Runs a batch on the shared store; it must fail with `code` and every fragment in stderr.
    ProcResult expectFailure(const QStringList& args, int code, const QStringList& fragments) {
        auto r = runHpt(withPlugins(QStringList{"--batch"} << args << "--store" << store_));
        [&] {
            QVERIFY2(r.exitCode == code, qPrintable(QString("expected exit %1; ").arg(code) + describe(r)));
            for (const auto& f : fragments) QVERIFY2(r.err.contains(f), qPrintable("'" + f + "' not in: " + describe(r)));
            QVERIFY2(!r.err.contains("Segmentation") && !r.err.contains("terminate called"), qPrintable(r.err));
        }();
        return r;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        store_ = path("runs.sqlite");
        auto r = runHpt(withPlugins({"--batch", writeJson(path("ok.json"), tinyExperiment()), "--store", store_}));
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        builtPlugins_ = runHpt({"plugins"}).out;
    }

    void cleanupTestCase() {
        // No case added, changed or lost a stored run.
        hpt::Store st(store_, true);
        QCOMPARE(st.integrityCheck(), QString("ok"));
        const auto runs = st.runs();
        QCOMPARE(runs.size(), size_t(1));
        QCOMPARE(runs[0].status, QString("finished"));
    }

    // ---- data -------------------------------------------------------------------
    void datasetCorpus_data() {
        QTest::addColumn<QJsonObject>("spec");
        QFile f(QStringLiteral(HPT_SOURCE_DIR) + "/tests/datasets/bad/cases.json");
        QVERIFY(f.open(QIODevice::ReadOnly));
        for (const auto& c : QJsonDocument::fromJson(f.readAll()).object().value("cases").toArray())
            if (!c.toObject().value("ok").toBool())
                QTest::newRow(qPrintable(c.toObject().value("name").toString())) << c.toObject();
    }
    void datasetCorpus() {
        QFETCH(QJsonObject, spec);
        const QString name = spec.value("dataset").toString();
        if (!builtPlugins_.contains(" " + name + " ")) QSKIP(qPrintable("the " + name + " plugins are not built here"));
        const QString data = path("data-" + spec.value("name").toString());
        const QString bad = QStringLiteral(HPT_SOURCE_DIR) + "/tests/datasets/bad/";
        const auto files = spec.value("files").toObject();
        for (auto it = files.begin(); it != files.end(); ++it) {
            const QString dest = data + "/" + it.key();
            QDir().mkpath(QFileInfo(dest).absolutePath());
            QVERIFY(QFile::copy(bad + it.value().toString(), dest));
        }
        QDir().mkpath(data);
        QJsonObject e = tinyExperiment(QJsonObject{{"name", name}, {"preset", "compact"}});
        e.insert("dataset", QJsonObject{{"name", name}, {"params", spec.value("params").toObject()}});
        QStringList fragments;
        for (const auto& x : spec.value("expect").toArray()) fragments << x.toString();
        const int code = spec.value("kind").toString("data") == "config" ? 2 : 3;
        expectFailure({writeJson(path(spec.value("name").toString() + ".json"), e), "--data-dir", data}, code, fragments);
    }

    void tenMegabyteSingleLine() {
        if (!builtPlugins_.contains(" wind ")) QSKIP("the wind plugins are not built here");
        // One 10 MB line without a newline: read, counted and refused, not a hang or a crash.
        const QString data = path("data-10mb");
        QDir().mkpath(data + "/wind");
        QFile f(data + "/wind/MS_winds.dat");
        QVERIFY(f.open(QIODevice::WriteOnly));
        const QByteArray cell("1.0000,");
        QByteArray line;
        line.reserve(10 * 1024 * 1024 + 8);
        while (line.size() < 10 * 1024 * 1024) line += cell;
        line += "1.0000";
        f.write(line);
        f.close();
        QJsonObject e = tinyExperiment(QJsonObject{{"name", "wind"}, {"preset", "compact"}});
        e.insert("dataset", QJsonObject{{"name", "wind"}});
        QElapsedTimer t;
        t.start();
        expectFailure({writeJson(path("10mb.json"), e), "--data-dir", data}, 3, {"MS_winds.dat:1:", "expected 57 columns"});
        qInfo("10 MB line refused in %lld ms", static_cast<long long>(t.elapsed()));
    }

    // ---- configuration ------------------------------------------------------------
    void configuration_data() {
        QTest::addColumn<QString>("set");
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("words");
        QTest::newRow("wrong type: string for a number") << "training.lr=\"fast\"" << "training.lr" << "expected a number";
        QTest::newRow("wrong type: number for a list") << "lora.targets=3" << "lora.targets" << "expected a list of strings";
        QTest::newRow("wrong type: object expected") << "switching=1" << "switching" << "expected an object";
        QTest::newRow("alpha = 0") << "switching.alpha=0" << "switching.alpha" << "out of range (0, 1)";
        QTest::newRow("alpha = 1") << "switching.alpha=1" << "switching.alpha" << "out of range (0, 1)";
        QTest::newRow("alpha > 1") << "switching.alpha=1.5" << "switching.alpha" << "out of range (0, 1)";
        QTest::newRow("negative threshold") << "switching.tau_loss=-0.1" << "switching.tau_loss" << "out of range";
        QTest::newRow("rank = 0") << "lora.rank=0" << "lora.rank" << "out of range";
        QTest::newRow("rank < 0") << "lora.rank=-2" << "lora.rank" << "out of range";
        QTest::newRow("rank > d") << "lora.rank=9" << "lora.rank" << "exceeds the model width d_model = 8";
        QTest::newRow("non-integer rank") << "lora.rank=2.5" << "lora.rank" << "expected an integer";
        QTest::newRow("unknown key") << "training.lerning_rate=1" << "training.lerning_rate" << "unknown key";
        QTest::newRow("unknown key, hint") << "traning.lr=1" << "traning" << "did you mean 'training'";
        QTest::newRow("plugin parameter out of range") << "model.params.d_model=0" << "model.params.d_model" << "out of range";
        QTest::newRow("negative max_grad_norm") << "divergence.max_grad_norm=-1" << "divergence.max_grad_norm" << "out of range";
    }
    void configuration() {
        QFETCH(QString, set);
        QFETCH(QString, where);
        QFETCH(QString, words);
        expectFailure({writeJson(path("config.json"), tinyExperiment()), "--set", set}, 2, {"error: " + where + ": ", words});
    }

    void missingPlugin() {
        expectFailure({writeJson(path("missing.json"), tinyExperiment(QJsonObject{{"name", "tetsmodel"}}))}, 4,
                      {"model.name", "no model plugin 'tetsmodel'", "did you mean 'testmodel'"});
        QJsonObject e = tinyExperiment();
        e.insert("dataset", QJsonObject{{"name", "nodata"}});
        expectFailure({writeJson(path("missing-data.json"), e)}, 4, {"dataset.name", "no dataset plugin 'nodata'"});
    }

    // ---- plugins ----------------------------------------------------------------
    void wrongApiVersion() {
        expectFailure({writeJson(path("api.json"), tinyExperiment(QJsonObject{{"name", "wrongapi"}}))}, 4,
                      {"model.name", "wrongapi", "built against plugin API 0"});
    }

    void throwingConstructor() {
        expectFailure({writeJson(path("ctor.json"), tinyExperiment(QJsonObject{{"name", "throwingctor"}}))}, 4,
                      {"throwingctor", "its constructor threw", "cannot initialise"});
        // The host itself survives it: the other plugins are listed, this one with its reason.
        auto r = runHpt(withPlugins({"plugins"}));
        QVERIFY2(r.exitCode == 0 && r.out.contains("testmodel") && r.out.contains("its constructor threw"), qPrintable(describe(r)));
    }

    void throwingFactory() {
        const QJsonObject m{{"name", "faultymodel"}, {"params", QJsonObject{{"fault", "create"}}}};
        expectFailure({writeJson(path("create.json"), tinyExperiment(m))}, 4,
                      {"faultymodel: creating the model threw", "create() failed on purpose"});
    }

    void wrongOutputShapeCaughtBeforeStepOne() {
        const QJsonObject m{{"name", "faultymodel"}, {"params", QJsonObject{{"fault", "shape"}}}};
        auto r = expectFailure({writeJson(path("shape.json"), tinyExperiment(m))}, 4,
                               {"faultymodel: forward() returns shape [4, 1]", "testdata", "input [4, 5, 3]",
                                "target has shape [4, 5]"});
        QVERIFY2(!r.out.contains("step 1/"), qPrintable(r.out));  // before any training step
    }

    void throwingForwardCaughtBeforeStepOne() {
        const QJsonObject m{{"name", "faultymodel"}, {"params", QJsonObject{{"fault", "forward"}}}};
        auto r = expectFailure({writeJson(path("fwd.json"), tinyExperiment(m))}, 4,
                               {"faultymodel: forward() failed on one batch of testdata", "failed on purpose"});
        QVERIFY2(!r.out.contains("step 1/"), qPrintable(r.out));
    }

    void rankLargerThanAdaptedLayer() {
        // faultymodel's width is not called d_model, so only the engine's check can see it.
        QJsonObject e = tinyExperiment(QJsonObject{{"name", "faultymodel"}, {"params", QJsonObject{{"width", 4}}}});
        e.insert("switching", QJsonObject{{"mode", "hybrid"}});
        e.insert("lora", QJsonObject{{"rank", 6}, {"modules_to_save", QJsonArray{"embed", "decoder"}}});
        auto r = expectFailure({writeJson(path("rank.json"), e)}, 2,
                               {"lora.rank: rank 6 exceeds the smallest dimension of the adapted layer layers.0.attn.q (4 × 4)",
                                "choose 1..4"});
        QVERIFY2(!r.out.contains("step 1/"), qPrintable(r.out));
        // The resolver already refuses rank > d_model for models that declare it.
        e.insert("model", QJsonObject{{"name", "testmodel"}});
        e.insert("lora", QJsonObject{{"rank", 9}});
        expectFailure({writeJson(path("rank-d.json"), e)}, 2, {"lora.rank", "d_model = 8"});
    }

    void targetsMatchingNothing() {
        QJsonObject e = tinyExperiment();
        e.insert("switching", QJsonObject{{"mode", "hybrid"}});
        e.insert("lora", QJsonObject{{"targets", QJsonArray{"*.attn.query"}}});
        expectFailure({writeJson(path("targets.json"), e)}, 2, {"lora.targets", "*.attn.query", "layers.0.attn.q"});
    }

    // ---- store files --------------------------------------------------------------
    void badStoreFiles() {
        const QString exp = writeJson(path("store.json"), tinyExperiment());
        auto check = [&](const QString& file, const QStringList& fragments) {
            const QByteArray before = sha(file);
            auto r = runHpt(withPlugins({"--batch", exp, "--store", file}));
            QVERIFY2(r.exitCode == 1, qPrintable(describe(r)));
            for (const auto& f : fragments) QVERIFY2(r.err.contains(f), qPrintable("'" + f + "' not in: " + describe(r)));
            QCOMPARE(sha(file), before);
        };
        const QString text = path("notes.sqlite");
        {
            QFile f(text);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("step,loss\n1,0.5\n2,0.4\n");
        }
        check(text, {text, "is not an SQLite database", "--store"});

        // Truncated: the shared store cut short, as a failed copy leaves it.
        const QString cut = path("cut.sqlite");
        {
            QFile src(store_);
            QVERIFY(src.open(QIODevice::ReadOnly));
            const QByteArray all = src.readAll();
            QFile c(cut);
            QVERIFY(c.open(QIODevice::WriteOnly));
            c.write(all.left(all.size() / 2 + 100));
        }
        check(cut, {cut, "truncated"});

        // Written by a newer program.
        const QString newer = path("newer.sqlite");
        QVERIFY(QFile::copy(store_, newer));
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(newer.toUtf8().constData(), &db), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "PRAGMA journal_mode = DELETE; PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
        check(newer, {newer, "newer HpT Workbench", "v99", "not modified"});
    }
};

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_bad_input.moc"
