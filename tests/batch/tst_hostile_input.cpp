// Hostile input (issue 23; the list of cases is the "Hostile input" section of
// tests/BAD_INPUT.md): names that try to be code or paths, stores with damaged
// rows, exports into folders with symlinks, crafted checkpoints, two runs on one
// checkpoint folder and a resume racing a live writer. Each case asserts that
// nothing runs, nothing outside the intended folder is touched and nothing
// stored is lost, and the sentence the user reads.
#include "TestSupport.h"

#include "store/Store.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <functional>
#include <sqlite3.h>

using hpt::test::ProcResult;
using hpt::test::runHpt;

namespace {

QJsonObject tinyExperiment(int maxSteps = 2, const QString& name = "tiny") {
    return QJsonObject{
        {"name", name},
        {"model", QJsonObject{{"name", "testmodel"}}},
        {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 16}}}}},
        {"training", QJsonObject{{"epochs", 100000}, {"max_steps", maxSteps}, {"batch_size", 4}, {"seed", 3}}},
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

void writeText(const QString& path, const QByteArray& text, bool executable = false) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(text);
    f.close();
    if (executable) f.setPermissions(f.permissions() | QFileDevice::ExeOwner | QFileDevice::ExeUser);
}

QStringList withPlugins(QStringList args) { return args << "--plugin-dir" << HPT_TEST_PLUGIN_DIR; }

QString describe(const ProcResult& r) {
    return QString("exit %1\nstdout: %2\nstderr: %3").arg(r.exitCode).arg(r.out.right(800), r.err.right(1500));
}

// Every file and folder under `root` (relative paths), symlinks not followed.
QStringList tree(const QString& root) {
    QStringList out;
    QDirIterator it(root, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) out << QDir(root).relativeFilePath(it.next());
    out.sort();
    return out;
}

void execSql(const QString& store, const QByteArray& sql) {
    sqlite3* db = nullptr;
    QVERIFY(sqlite3_open(store.toUtf8().constData(), &db) == SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.constData(), nullptr, nullptr, &err);
    const QString msg = err ? QString::fromUtf8(err) : QString();
    sqlite3_free(err);
    sqlite3_close(db);
    QVERIFY2(rc == SQLITE_OK, qPrintable(msg));
}


// Rewrites the JSON state of dir/checkpoint.hpt with `change` applied and a recomputed SHA-256
// (what a crafted file looks like), and removes the other checkpoint files so it is the one read.
void craftCheckpoint(const QString& dir, const std::function<void(QJsonObject&)>& change) {
    QFile f(dir + "/checkpoint.hpt");
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray b = f.readAll();
    f.close();
    const QByteArray magic("HPTCKPT1\n");
    QVERIFY(b.startsWith(magic));
    auto u64 = [&](qsizetype at) {
        quint64 v = 0;
        for (int i = 0; i < 8; ++i) v |= quint64(quint8(b[at + i])) << (8 * i);
        return v;
    };
    const quint64 nJson = u64(magic.size());
    QJsonObject state = QJsonDocument::fromJson(b.mid(magic.size() + 8, qsizetype(nJson))).object();
    QVERIFY(!state.isEmpty());
    const QByteArray tensors = b.mid(magic.size() + 8 + qsizetype(nJson), b.size() - 32 - (magic.size() + 8 + qsizetype(nJson)));
    change(state);
    const QByteArray json = QJsonDocument(state).toJson(QJsonDocument::Compact);
    QByteArray out = magic;
    auto put = [&](quint64 v) {
        for (int i = 0; i < 8; ++i) out.append(char((v >> (8 * i)) & 0xff));
    };
    put(quint64(json.size()));
    out.append(json);
    out.append(tensors);  // still carries its own u64 length prefix
    out.append(QCryptographicHash::hash(out, QCryptographicHash::Sha256));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(out);
    f.close();
    QFile::remove(dir + "/checkpoint.prev.hpt");
    QFile::remove(dir + "/checkpoint.new.hpt");
}

QByteArray fileSha(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256) : QByteArray();
}

void copyFolder(const QString& from, const QString& to) {
    QDir().mkpath(to);
    for (const QString& n : QDir(from).entryList(QDir::Files)) QFile::copy(from + "/" + n, to + "/" + n);
}

}  // namespace

class TestHostileInput : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString store_;  // two finished tiny runs (ids 1 and 2); tests copy it before changing it
    QString path(const QString& n) const { return dir_.filePath(n); }

    // A store holding two finished tiny runs (ids 1 and 2).
    QString twoRunStore(const QString& name) {
        const QString store = path(name);
        const QString exp = writeJson(path(name + ".json"), tinyExperiment());
        for (int i = 0; i < 2; ++i) {
            auto r = runHpt(withPlugins({"--batch", exp, "--store", store}));
            if (r.exitCode != 0) qWarning("%s", qPrintable(describe(r)));
        }
        return store;
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        store_ = twoRunStore("base.sqlite");
        QCOMPARE(hpt::Store(store_, true).runs().size(), size_t(2));
    }

    // ---- names are data ------------------------------------------------------------------
    // Each hostile sweep name goes through `hpt sweep --slurm --submit` with sbatch/srun
    // stubbed: the stub runs the generated script as Slurm would (task 0, from a work
    // folder). A name is refused (exit 2, naming the field) or its run stays inside the
    // sweep's own folder; nothing else appears anywhere under the case folder.
    void slurmSweepWithHostileNames_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("quote-subshell") << "tiny'$(touch${IFS}PWNED)'x" << false;
        QTest::newRow("subshell") << "a$(touch${IFS}PWNED)" << false;
        QTest::newRow("backticks") << "a`touch${IFS}PWNED`" << false;
        QTest::newRow("semicolon") << "a;touch${IFS}PWNED" << false;
        QTest::newRow("pipe") << "a|touch${IFS}PWNED" << false;
        QTest::newRow("and") << "a&&touch${IFS}PWNED" << false;
        QTest::newRow("double-quote") << "a\"$(touch${IFS}PWNED)\"" << false;
        QTest::newRow("variable") << "a${IFS}b" << false;
        QTest::newRow("parent") << ".." << false;
        QTest::newRow("dot-dot-slash") << "../../escape" << false;
        QTest::newRow("hidden") << ".hidden" << false;
        QTest::newRow("option") << "-rf" << false;
        QTest::newRow("backslash") << "a\\b" << false;
        QTest::newRow("percent") << "a%jb" << false;
        QTest::newRow("newline-sbatch") << "a\n#SBATCH --wrap=touch PWNED" << false;
        QTest::newRow("ansi") << "\x1b[31mred\x1b[0m" << false;
        QTest::newRow("carriage-return") << "a\rb" << false;
        QTest::newRow("tab") << "a\tb" << false;
        QTest::newRow("too-long") << QString(65, 'a') << false;
        QTest::newRow("safe") << "safe_name-1.2+x" << true;
    }
    void slurmSweepWithHostileNames() {
        QFETCH(QString, name);
        QFETCH(bool, accepted);
        const QString caseDir = path(QString("slurm-%1").arg(QTest::currentDataTag()));
        const QString stubs = caseDir + "/stubs", work = caseDir + "/work";
        QVERIFY(QDir().mkpath(stubs) && QDir().mkpath(work));
        // sbatch only records its arguments; the test then runs each array script it was given as
        // Slurm would run task 0 (from a work folder, srun stubbed too).
        writeText(stubs + "/sbatch", "#!/bin/bash\necho \"$@\" >> \"$(dirname \"$0\")/sbatch.calls\"\necho 4242\n", true);
        writeText(stubs + "/srun", "#!/bin/bash\nexec \"$@\"\n", true);
        const QString sweep = writeJson(caseDir + "/sweep.json",
                                        QJsonObject{{"name", name}, {"base", tinyExperiment(1)},
                                                    {"axes", QJsonObject{{"training.seed", QJsonArray{1}}}}});
        const QStringList before = tree(caseDir);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("PATH", stubs + ":" + env.value("PATH"));
        QProcess proc;
        proc.setProcessEnvironment(env);
        proc.setWorkingDirectory(work);
        const ProcResult r = runHpt(proc, withPlugins({"sweep", sweep, "--slurm", "--submit", "--no-check"}), 120000);
        QString task;
        QDirIterator scripts(caseDir, {"*.sbatch"}, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (scripts.hasNext()) {
            const QString script = scripts.next();
            if (script.endsWith("-merge.sbatch")) continue;
            QProcess job;
            QProcessEnvironment je = env;
            je.insert("SLURM_ARRAY_TASK_ID", "0");
            je.insert("SLURM_CPUS_PER_TASK", "1");
            job.setProcessEnvironment(je);
            job.setWorkingDirectory(work);
            job.setProcessChannelMode(QProcess::MergedChannels);
            job.start("bash", {script});
            if (!job.waitForFinished(180000)) job.kill();
            task += QString::fromUtf8(job.readAll());
        }
        QVERIFY2(!QFileInfo::exists(work + "/PWNED") && !QFileInfo::exists(caseDir + "/PWNED"),
                 qPrintable("the name ran as code: " + describe(r) + "\ntask: " + task));
        QStringList added;
        for (const QString& f : tree(caseDir))
            if (!before.contains(f) && !f.startsWith("stubs/") && !(accepted && (f == name || f.startsWith(name + "/"))))
                added << f;
        QVERIFY2(added.isEmpty(), qPrintable("created outside the sweep folder: " + added.join(", ") + "\n" + describe(r)));
        const QStringList outside = tree(dir_.path()).filter(QRegularExpression("PWNED|escape"));
        QVERIFY2(outside.isEmpty(), qPrintable(outside.join(", ")));
        if (accepted) {
            QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
            QVERIFY2(QFileInfo::exists(caseDir + "/" + name + "/summaries/" + name + "-000.json"), qPrintable(task));
        } else {
            QVERIFY2(r.exitCode == 2, qPrintable(describe(r)));
            QVERIFY2(r.err.contains("name") && r.err.contains("A-Z a-z 0-9"), qPrintable(describe(r)));
            QVERIFY2(!r.err.contains('\x1b') && !r.err.contains('\r'), "the refusal must not replay escapes");
        }
    }

    // Options that reach #SBATCH lines: a newline would add directives of its own.
    void slurmOptionsCannotAddDirectives() {
        const QString sweep = writeJson(path("opt-sweep.json"), QJsonObject{{"name", "opt"}, {"base", tinyExperiment(1)}});
        for (const QStringList& o : {QStringList{"--partition", "gpu\n#SBATCH --wrap=touch PWNED"},
                                     QStringList{"--time", "01:00:00 --wrap=x"}, QStringList{"--mem", "$(id)"},
                                     QStringList{"--max-parallel", "2;x"}}) {
            auto r = runHpt(withPlugins(QStringList{"sweep", sweep, "--slurm", "--no-check"} << o));
            QVERIFY2(r.exitCode == 2 && r.err.contains(o[0]), qPrintable(o.join(' ') + ": " + describe(r)));
            QVERIFY2(!QFileInfo::exists(path("opt/slurm/opt.sbatch")), "nothing is written for a refused option");
        }
    }

    // `--set 'name=/../../x'`: a run name never becomes a path.
    void runNameIsNeverAPath() {
        const QString tmp = path("name-tmp");
        QVERIFY(QDir().mkpath(tmp));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("TMPDIR", tmp);
        const QString exp = writeJson(path("name.json"), tinyExperiment());
        auto r = runHpt(withPlugins({"--batch", exp, "--store", path("name.sqlite"), "--set", "name=/../../escaped"}),
                        120000, env);
        QVERIFY2(r.exitCode == 2 && r.err.contains("name") && r.err.contains("'/../../escaped'"), qPrintable(describe(r)));
        QVERIFY2(tree(dir_.path()).filter("escaped").isEmpty(), qPrintable(tree(dir_.path()).join(", ")));
    }

    // ---- stores survive bad rows ----------------------------------------------------------
    // A row whose config is not JSON, and a name full of terminal escapes: every reader lists
    // the rest, names the damaged field and run, exits 0, and prints no raw escape.
    void storeWithDamagedRowStaysReadable() {
        const QString store = path("damaged.sqlite");
        QVERIFY(QFile::copy(store_, store));
        execSql(store, "UPDATE runs SET config = '{not json' WHERE id = 1;"
                       "UPDATE runs SET name = 'evil' || char(27) || '[2J' || char(7) || 'name' WHERE id = 2;");
        auto r = runHpt({"runs", "--store", store});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("damaged: field config of run 1"), qPrintable(describe(r)));
        QVERIFY2(r.out.contains("\\x1b[2J\\x07name") && !r.out.contains('\x1b') && !r.out.contains('\x07'),
                 qPrintable(describe(r)));
        QVERIFY2(r.out.contains(QRegularExpression("\\n\\s+1\\s")) && r.out.contains(QRegularExpression("\\n\\s+2\\s")),
                 qPrintable(describe(r)));
        r = runHpt({"runs", "--store", store, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const QJsonArray a = QJsonDocument::fromJson(r.out.toUtf8()).array();
        QCOMPARE(a.size(), 2);
        QCOMPARE(a[0].toObject().value("damaged").toArray(), QJsonArray{"config"});
        r = runHpt({"export", "--store", store, "--run", "1", "--json"});
        QVERIFY2(r.exitCode == 0 && r.err.contains("damaged: field config of run 1"), qPrintable(describe(r)));

        // Merge: the damaged row is refused by run id and file; the target stays readable.
        const QString target = path("merged-from-damaged.sqlite");
        r = runHpt({"merge", target, store});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("run 1 of " + QFileInfo(store).absoluteFilePath()) && r.err.contains("config"),
                 qPrintable(describe(r)));
        r = runHpt({"runs", "--store", target, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QCOMPARE(QJsonDocument::fromJson(r.out.toUtf8()).array().size(), 1);
        QCOMPARE(hpt::Store(target, true).integrityCheck(), QString("ok"));
    }

    // A damaged input file: the merge error names the input, not the intact output.
    void mergeBlamesTheDamagedInput() {
        const QString input = path("broken-input.sqlite"), target = path("intact-target.sqlite");
        QVERIFY(QFile::copy(store_, input));
        QVERIFY(QFile::copy(store_, target));
        QFile f(input);
        QVERIFY(f.open(QIODevice::ReadWrite));
        const qint64 size = f.size();
        QVERIFY(size > 4 * 4096);
        for (qint64 at = 4096; at < size; at += 4096) {  // every page after the schema: b-tree headers garbled
            f.seek(at);
            f.write(QByteArray(64, '\x5a'));
        }
        f.close();
        const QByteArray before = [&] { QFile t(target); t.open(QIODevice::ReadOnly); return t.readAll(); }();
        auto r = runHpt({"merge", target, input});
        QVERIFY2(!r.err.contains("Segmentation"), qPrintable(describe(r)));
        if (r.exitCode != 0) {
            QVERIFY2(r.err.contains("error: " + QFileInfo(input).absoluteFilePath()) ||
                         r.err.contains("error: " + input),
                     qPrintable("the message must name the damaged input: " + describe(r)));
            QVERIFY2(!r.err.contains("error: " + target), qPrintable(describe(r)));
        }
        r = runHpt({"runs", "--store", target});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QFile t(target);
        QVERIFY(t.open(QIODevice::ReadOnly));
        QVERIFY2(t.readAll() == before || hpt::Store(target, true).runs().size() == 2, "the output lost runs");
    }

    // ---- exports never follow links or overwrite by surprise ------------------------------
    void exportNeverFollowsSymlinks() {
        const QString dir = path("export-links");
        QVERIFY(QDir().mkpath(dir));
        writeText(path("victim"), "precious\n");
        QVERIFY(QFile::link("../victim", dir + "/metrics.csv"));
        QVERIFY(QFile::link("../outside.csv", dir + "/events.csv"));  // dangling
        auto r = runHpt({"export", "--store", store_, "--run", "1", "--csv", dir});
        QVERIFY2(r.exitCode != 0 && r.err.contains("symbolic link"), qPrintable(describe(r)));
        QFile v(path("victim"));
        QVERIFY(v.open(QIODevice::ReadOnly));
        QCOMPARE(v.readAll(), QByteArray("precious\n"));
        QVERIFY2(!QFileInfo::exists(path("outside.csv")), "a dangling link created a file outside the folder");
        r = runHpt({"export", "--store", store_, "--run", "1", "--csv", dir, "--force"});  // --force never follows either
        QVERIFY2(r.exitCode != 0 && r.err.contains("symbolic link"), qPrintable(describe(r)));
        QVERIFY(!QFileInfo::exists(path("outside.csv")));
    }

    void exportRefusesExistingFilesWithoutForce() {
        const QString dir = path("export-existing");
        QVERIFY(QDir().mkpath(dir));
        writeText(dir + "/metrics.csv", "old\n");
        auto r = runHpt({"export", "--store", store_, "--run", "1", "--csv", dir});
        QVERIFY2(r.exitCode != 0 && r.err.contains("already exists") && r.err.contains("--force"), qPrintable(describe(r)));
        QFile m(dir + "/metrics.csv");
        QVERIFY(m.open(QIODevice::ReadOnly));
        QCOMPARE(m.readAll(), QByteArray("old\n"));
        m.close();
        QVERIFY2(!QFileInfo::exists(dir + "/events.csv"), "a refusal must leave the folder as it was");
        r = runHpt({"export", "--store", store_, "--run", "1", "--csv", dir, "--force"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY(m.open(QIODevice::ReadOnly));
        QVERIFY(m.readAll().startsWith("step,key,value"));
    }

    // OWASP CSV injection: formula-like text cells get a leading ', numbers stay numbers.
    void exportPrefixesFormulaCells() {
        const QString store = path("formula.sqlite"), dir = path("export-formula");
        QVERIFY(QFile::copy(store_, store));
        execSql(store, "INSERT INTO metric_keys(name) VALUES ('@SUM(A1)');"
                       "INSERT INTO samples(run, key_id, step, value, wall_time) "
                       "  SELECT 1, id, 999, -0.5, 1.0 FROM metric_keys WHERE name = '@SUM(A1)';"
                       "INSERT INTO events(run, step, epoch, type, payload, wall_time) "
                       "  VALUES (1, 999, 0, '=HYPERLINK(\"http://x\",\"y\")', '{}', 1.0);"
                       "INSERT INTO events(run, step, epoch, type, payload, wall_time) VALUES (1, 999, 0, '-2+3', '{}', 1.0);");
        auto r = runHpt({"export", "--store", store, "--run", "1", "--csv", dir});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QFile m(dir + "/metrics.csv"), e(dir + "/events.csv");
        QVERIFY(m.open(QIODevice::ReadOnly) && e.open(QIODevice::ReadOnly));
        const QByteArray metrics = m.readAll(), events = e.readAll();
        QVERIFY2(metrics.contains("999,'@SUM(A1),-0.5,"), metrics.right(300).constData());
        QVERIFY2(events.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""), events.right(300).constData());
        QVERIFY2(events.contains(",'-2+3,"), events.right(300).constData());
        for (const QByteArray& line : metrics.split('\n') + events.split('\n'))
            for (const QByteArray& cell : line.split(','))
                QVERIFY2(!cell.startsWith('=') && !cell.startsWith('@') && !cell.startsWith('+'), line.constData());
    }

    // ---- checkpoints are validated, not trusted -------------------------------------------
    // Each crafted file carries a correct SHA-256; resuming from it is a data error (exit 3)
    // naming the file, never a crash (before: SIGSEGV, or a 10^12 step taken as finished).
    void craftedCheckpointIsADataError_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("expect");
        QTest::newRow("no-theta") << "has_theta" << "has_theta";
        QTest::newRow("lora-without-copy") << "phase=LORA" << "has_theta_prime";
        QTest::newRow("negative-step") << "step=-5" << "step";
        QTest::newRow("huge-step") << "step=1e12" << "step";
        QTest::newRow("unknown-phase") << "phase=XYZ" << "controller.phase";
        QTest::newRow("tensor-shape") << "d_model=16" << "shape";
    }
    void craftedCheckpointIsADataError() {
        QFETCH(QString, field);
        QFETCH(QString, expect);
        const QString base = path("ck-base");
        if (!QFileInfo::exists(base + "/checkpoint.hpt")) {
            auto r = runHpt(withPlugins({"--batch", writeJson(path("ck-base.json"), tinyExperiment(4)), "--store",
                                         path("ck-base.sqlite"), "--set", "checkpoint.dir=" + base}));
            QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        }
        const QString dir = path(QString("ck-%1").arg(QTest::currentDataTag()));
        copyFolder(base, dir);
        craftCheckpoint(dir, [&](QJsonObject& s) {
            QJsonObject c = s.value("controller").toObject();
            if (field == "has_theta") s.insert("has_theta", false);
            if (field == "phase=LORA") c.insert("phase", "LORA");
            if (field == "phase=XYZ") c.insert("phase", "XYZ");
            if (field == "step=-5") s.insert("step", -5);
            if (field == "step=1e12") s.insert("step", 1e12);
            if (field == "d_model=16") {
                QJsonObject cfg = s.value("config").toObject(), m = cfg.value("model").toObject(),
                            p = m.value("params").toObject();
                p.insert("d_model", 16);
                m.insert("params", p);
                cfg.insert("model", m);
                s.insert("config", cfg);
            }
            s.insert("controller", c);
        });
        auto r = runHpt(withPlugins({"--resume", dir, "--store", path(QString("ck-%1.sqlite").arg(QTest::currentDataTag()))}));
        QVERIFY2(r.exitCode == 3, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(dir) && r.err.contains(expect), qPrintable(describe(r)));
    }

    // ---- a run owns its checkpoint folder -------------------------------------------------
    // Run B given run A's folder is refused naming A; A's checkpoints stay as they were.
    void twoRunsNeverShareACheckpointFolder() {
        const QString store = path("share.sqlite"), ck = path("shared-ck");
        auto a = runHpt(withPlugins({"--batch", writeJson(path("share-a.json"), tinyExperiment(6, "run-a")), "--store",
                                     store, "--set", "checkpoint.dir=" + ck}));
        QVERIFY2(a.exitCode == 0, qPrintable(describe(a)));
        const QByteArray before = fileSha(ck + "/checkpoint.hpt"), prev = fileSha(ck + "/checkpoint.prev.hpt");
        const QString uuidA = hpt::Store(store, true).runs().front().uuid;
        auto b = runHpt(withPlugins({"--batch", writeJson(path("share-b.json"), tinyExperiment(3, "run-b")), "--store",
                                     store, "--set", "checkpoint.dir=" + ck}));
        QVERIFY2(b.exitCode == 2 && b.err.contains(uuidA) && b.err.contains("'run-a'") &&
                     b.err.contains("never share"), qPrintable(describe(b)));
        QVERIFY2(!b.out.contains("stored as run 0"), qPrintable(describe(b)));
        QCOMPARE(fileSha(ck + "/checkpoint.hpt"), before);
        QCOMPARE(fileSha(ck + "/checkpoint.prev.hpt"), prev);
        QCOMPARE(hpt::Store(store, true).runs().size(), size_t(1));
    }

    // A's folder holding B's checkpoint (copied in): resuming A is refused, naming both runs.
    void resumeRefusesAnotherRunsCheckpoint() {
        const QString store = path("owner.sqlite");
        auto a = runHpt(withPlugins({"--batch", writeJson(path("owner-a.json"), tinyExperiment(4, "owner-a")),
                                     "--store", store}));
        auto b = runHpt(withPlugins({"--batch", writeJson(path("owner-b.json"), tinyExperiment(4, "owner-b")),
                                     "--store", store, "--set", "training.lr=0.001", "--set", "training.seed=7"}));
        QVERIFY2(a.exitCode == 0 && b.exitCode == 0, qPrintable(describe(a) + describe(b)));
        hpt::Store st(store, true);
        const auto runs = st.runs();
        QCOMPARE(runs.size(), size_t(2));
        const QString dirA = st.runRecord(runs[0].id).value("checkpoint_dir").toString();
        const QString dirB = st.runRecord(runs[1].id).value("checkpoint_dir").toString();
        QVERIFY2(dirA != dirB && QFileInfo(dirA).absolutePath().startsWith(QFileInfo(store).absolutePath()),
                 qPrintable(dirA + " / " + dirB + ": each run gets its own folder beside the store"));
        QVERIFY(QFile::remove(dirA + "/checkpoint.hpt"));
        QVERIFY(QFile::copy(dirB + "/checkpoint.hpt", dirA + "/checkpoint.hpt"));
        QFile::remove(dirA + "/checkpoint.prev.hpt");
        auto r = runHpt(withPlugins({"--resume", QString::number(runs[0].id), "--store", store}));
        QVERIFY2(r.exitCode == 2 && r.err.contains(runs[0].uuid) && r.err.contains(runs[1].uuid),
                 qPrintable(describe(r)));
        QCOMPARE(hpt::Store(store, true).summary(runs[0].id).status, QString("finished"));
    }

    // ---- one writer per run; resume is exact -----------------------------------------------
    // A resume started while the run's process still trains is refused naming that process;
    // the live run is not disturbed (each step stored once). Stopping it prints the exact,
    // quoted resume command; that command (with a longer budget) finishes the same run; an
    // experiment file or --set that changes what trains is refused with the differences.
    void resumeRacingALiveWriterIsRefused() {
        const QString d = path("race dir");  // a space: the printed command must quote the store
        QVERIFY(QDir().mkpath(d));
        const QString store = d + "/runs.sqlite";
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(HPT_EXE, withPlugins({"--batch", writeJson(path("race.json"), tinyExperiment(1000000, "race")), "--store",
                                      store, "--progress-every", "0"}));
        QVERIFY(p.waitForStarted());
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (!out.contains("%)  epoch") && t.elapsed() < 60000 && p.state() == QProcess::Running) {
            p.waitForReadyRead(200);
            out += p.readAll();
        }
        QVERIFY2(out.contains("%)  epoch"), out.constData());
        auto r = runHpt(withPlugins({"--resume", "1", "--store", store}));
        QVERIFY2(r.exitCode == 2 && r.err.contains(QString("process %1").arg(p.processId())) &&
                     r.err.contains("one writer"), qPrintable(describe(r)));
        ::kill(pid_t(p.processId()), SIGTERM);
        QVERIFY(p.waitForFinished(60000));
        out += p.readAll();
        QCOMPARE(p.exitCode(), 143);
        const QString want = "stopped; resume with: hpt --resume 1 --store '" + store + "'";
        QVERIFY2(out.contains(want.toUtf8()), out.constData());
        {
            hpt::Store st(store, true);
            int starts = 0;
            for (const auto& e : st.events(1)) starts += e.type == "start" ? 1 : 0;
            QCOMPARE(starts, 1);
            const auto loss = st.series(1, "loss.full");
            for (size_t i = 1; i < loss.x.size(); ++i) QVERIFY(loss.x[i] > loss.x[i - 1]);
        }
        const qint64 stoppedAt = hpt::Store(store, true).summary(1).lastStep;
        const QJsonObject configBefore = hpt::Store(store, true).runConfig(1);

        // What trains cannot change on resume: the differences are listed.
        r = runHpt(withPlugins({"--resume", "1", "--store", store, "--set", "model.params.d_model=16"}));
        QVERIFY2(r.exitCode == 2 && r.err.contains("model.params.d_model: 8 → 16"), qPrintable(describe(r)));
        QJsonObject other = tinyExperiment(1000000, "race");
        other.insert("training", QJsonObject{{"epochs", 100000}, {"max_steps", 1000000}, {"batch_size", 4}, {"seed", 3},
                                             {"lr", 0.5}});
        r = runHpt(withPlugins({"--batch", writeJson(path("race-other.json"), other), "--resume", "1", "--store", store}));
        QVERIFY2(r.exitCode == 2 && r.err.contains("training.lr"), qPrintable(describe(r)));
        QCOMPARE(hpt::Store(store, true).summary(1).status, QString("stopped"));

        // The printed command, with a step budget just past the stop, finishes the same run.
        r = runHpt(withPlugins({"--resume", "1", "--store", store, "--set",
                                QString("training.max_steps=%1").arg(stoppedAt + 4)}));
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        hpt::Store st(store, true);
        QCOMPARE(st.runs().size(), size_t(1));
        QCOMPARE(st.summary(1).status, QString("finished"));
        QCOMPARE(st.runConfig(1), configBefore);  // the stored configuration still describes the run
    }

    // A writer killed with SIGKILL leaves its lock file: the resume takes it over and says so.
    void staleLockOfADeadWriterIsTakenOver() {
        const QString store = path("stale.sqlite");
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(HPT_EXE, withPlugins({"--batch", writeJson(path("stale.json"), tinyExperiment(1000000, "stale")),
                                      "--store", store, "--progress-every", "0", "--set", "checkpoint.every=5"}));
        QVERIFY(p.waitForStarted());
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (!out.contains("%)  epoch") && t.elapsed() < 60000 && p.state() == QProcess::Running) {
            p.waitForReadyRead(200);
            out += p.readAll();
        }
        const qint64 pid = p.processId();
        p.kill();
        QVERIFY(p.waitForFinished(30000));
        const QString ck = hpt::Store(store, true).runRecord(1).value("checkpoint_dir").toString();
        QVERIFY2(QFile(ck + "/writer.lock").open(QIODevice::ReadOnly), qPrintable(ck));
        auto r = runHpt(withPlugins({"--resume", "1", "--store", store, "--set", "training.max_steps=40"}));
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("took over the stale lock") && r.err.contains(QString("process %1").arg(pid)),
                 qPrintable(describe(r)));
        QVERIFY2(!QFileInfo::exists(ck + "/writer.lock"), "a finished writer leaves no lock behind");
    }

    // ---- interruptible setup: list sizes are bounded in the schema ---------------------------
    void hugeTargetListIsRefusedAtOnce() {
        QJsonObject e = tinyExperiment();
        QJsonArray targets;
        for (int i = 0; i < 5000; ++i) targets.append(QString("layers.%1.attn.q").arg(i));
        e.insert("lora", QJsonObject{{"targets", targets}});
        auto r = runHpt(withPlugins({"--batch", writeJson(path("targets.json"), e), "--store", path("targets.sqlite")}));
        QVERIFY2(r.exitCode == 2 && r.err.contains("lora.targets") && r.err.contains("at most 1024"), qPrintable(describe(r)));
    }

    // A dataset too large for this machine is a data error naming the dataset (exit 3), not a
    // plugin bug (it was exit 4). 2e9 samples of 5×3 floats ask LibTorch for 120 GB at once.
    void outOfMemoryWhileLoadingIsADataError() {
        QJsonObject e = tinyExperiment();
        e.insert("dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 2000000000}}}});
        auto r = runHpt(withPlugins({"--batch", writeJson(path("oom.json"), e), "--store", path("oom.sqlite")}));
        QVERIFY2(r.exitCode == 3 && r.err.contains("ran out of memory while loading dataset 'testdata'"), qPrintable(describe(r)));
    }

    // `--set name=123` names the run "123" (it was silently replaced by the model name).
    void numericNameIsKept() {
        const QString store = path("numeric.sqlite");
        auto r = runHpt(withPlugins({"--batch", writeJson(path("numeric.json"), tinyExperiment()), "--store", store,
                                     "--set", "name=123"}));
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        hpt::Store s(store, true);
        QCOMPARE(s.runs().size(), size_t(1));
        QCOMPARE(s.runs().front().name, QString("123"));
    }
};

QTEST_GUILESS_MAIN(TestHostileInput)
#include "tst_hostile_input.moc"
