// `hpt --batch EXPERIMENT.json`: run an experiment without a display.
// Exit codes (resources/docs/batch.md): 0 finished, 2 bad arguments or
// configuration, 3 data error, 4 plugin error, 5 diverged, 130 interrupted.
#include "cli/Batch.h"

#include "cli/BatchPrinter.h"
#include "cli/BatchSummary.h"
#include "cli/Command.h"
#include "cli/ResultBlock.h"
#include "cli/SignalHandling.h"
#include "config/Experiment.h"
#include "plugin/PluginHost.h"
#include "util/Log.h"
#include "util/RuntimeInfo.h"
#include "util/ShellQuote.h"

#include <hpt/Error.h>

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>
#include <atomic>
#include <csignal>
#include <cstdio>

#include "config/ResumeCheck.h"
#include "engine/Checkpoint.h"
#include "engine/CheckpointCheck.h"
#include "engine/RunLock.h"
#include "engine/Trainer.h"
#include "store/ResumingStoreSink.h"
#include "store/Store.h"
#include "store/StoreSink.h"

namespace hpt::cli {

void addRunOptions(QCommandLineParser& p) {
    p.addOption({"store", "Run store file (default: $HPT_STORE or the user's data folder).", "FILE"});
    p.addOption({"set", "Override a configuration key, e.g. --set training.epochs=2 (repeatable).", "key=value"});
    p.addOption({"data-dir", "Read the dataset from DIR (overrides dataset.data_dir).", "DIR"});
    p.addOption({"summary-json", "Write a JSON summary of the run to FILE (run id, status, final metrics, switch step, "
                                 "per-device energy, store path).", "FILE"});
    p.addOption({"log-level", "trace, debug, info, warn, error or off (default warn).", "LEVEL", "warn"});
    p.addOption({"log-file", "Also write the log to FILE.", "FILE"});
    p.addOption({"torch-device", "auto, cpu or cuda (default: the experiment's training.torch_device).", "DEVICE"});
    p.addOption({"resume", "Continue a stopped run: its checkpoint folder, or its run id in --store.", "DIR|RUN_ID"});
    p.addOption({"progress-every", "Seconds between progress lines when the output is not a terminal (default: 10, "
                                   "stretched so a long run prints about 15).",
                 "SECONDS", "10"});
}

void addBatchOptions(QCommandLineParser& p) {
    p.addOption({"batch", "Run EXPERIMENT.json headless (no display needed). Exit codes: 0 finished, 2 bad "
                          "configuration, 3 data error, 4 plugin error, 5 diverged, 130 interrupted.",
                 "EXPERIMENT.json"});
    addRunOptions(p);
}

namespace {

void say(const QString& s) {
    std::fprintf(stdout, "%s\n", qPrintable(s));
    std::fflush(stdout);
}

// "key=value" with a dotted key; anything else is a usage error caught before any work.
void checkSets(const QStringList& sets) {
    for (const auto& s : sets) {
        const int eq = s.indexOf('=');
        if (eq <= 0)
            throw configError("--set " + s.toStdString(), "expected key=value with a dotted key, e.g. --set lora.rank=4");
    }
}

struct ResumeTarget {
    QString dir;        // checkpoint folder
    int64_t runId = 0;  // the stored run it belongs to, 0 when the store does not know it
    QString uuid;       // that run's uuid ("" when the store does not know it)
    QString name;       // and its name, for messages
    QJsonObject storedConfig;  // its fully resolved configuration as stored
};

ResumeTarget resolveResume(const QString& resume, const QString& storePath) {
    ResumeTarget t;
    bool isId = false;
    const qlonglong id = resume.toLongLong(&isId);
    if (!isId || QFileInfo(resume).isDir()) {
        if (!QFileInfo(resume).isDir())
            throw configError("--resume", QString("'%1' is neither a checkpoint folder nor a run id; pass the folder "
                                                  "printed when the run stopped, or the run id from 'hpt runs'")
                                              .arg(resume).toStdString());
        t.dir = QFileInfo(resume).canonicalFilePath();
    }
    if (!QFileInfo::exists(storePath)) {
        if (isId) throw configError("--resume", QString("no store at %1 to look run %2 up in; pass --store or the "
                                                        "checkpoint folder").arg(storePath).arg(id).toStdString());
        return t;
    }
    Store store(storePath, true);
    if (t.dir.isEmpty()) {
        if (!store.hasRun(id))
            throw configError("--resume", QString("run %1 is not in %2; check --store or list runs with 'hpt runs "
                                                  "--store %2'").arg(id).arg(storePath).toStdString());
        t.dir = store.runRecord(id).value("checkpoint_dir").toString();
        if (t.dir.isEmpty() || !QFileInfo(t.dir).isDir())
            throw configError("--resume", QString("run %1 has no checkpoint folder on this machine ('%2'); pass the "
                                                  "folder itself").arg(id).arg(t.dir).toStdString());
        t.runId = id;
    } else {
        // A folder: continue the stored run that wrote it, if this store has it: by the run uuid the
        // checkpoint records (the folder may have moved), else by the folder the run recorded.
        QString owner;
        try {
            owner = Checkpoint::read(t.dir).state.value("run_uuid").toString();
        } catch (const Error&) {
        }
        for (const auto& r : store.runs())
            if ((!owner.isEmpty() && r.uuid == owner) ||
                (owner.isEmpty() && QFileInfo(store.runRecord(r.id).value("checkpoint_dir").toString()).canonicalFilePath() == t.dir))
                t.runId = r.id;
    }
    if (t.runId > 0) {
        const QJsonObject rec = store.runRecord(t.runId);
        if (rec.value("damaged").toArray().contains(QJsonValue("config")))
            throw dataError(storePath.toStdString(), QString("damaged: field config of run %1 is not valid JSON, so the "
                                                             "run cannot be resumed exactly").arg(t.runId).toStdString());
        t.uuid = rec.value("uuid").toString();
        t.name = rec.value("name").toString();
        t.storedConfig = rec.value("config").toObject();
    }
    return t;
}

// Resume is exact (config/ResumeCheck.h): the run continues from its own checkpoint with the
// configuration it was stored with. Returns the configuration to hand the trainer. Refuses a
// checkpoint of another run (naming both), a folder another live process is writing, and a
// given experiment file or --set that changes what trains (listing the differences).
QJsonObject prepareResume(const ResumeTarget& t, const ExperimentSource& src, const QStringList& sets,
                          const PluginHost& host, const QString& storePath) {
    if (const QString holder = RunLock::liveHolder(t.dir); !holder.isEmpty())
        throw configError("--resume", QString("the run is still being written by %1 (checkpoint folder %2); one run "
                                              "has one writer. Wait for it to finish, or stop it first")
                                          .arg(holder, t.dir).toStdString());
    const CheckpointData ck = Checkpoint::read(t.dir);
    const QJsonObject ckConfig = ck.state.value("config").toObject();
    checkCheckpointConfig(ckConfig, ck.file);
    const QString owner = ck.state.value("run_uuid").toString();
    if (t.runId > 0) {
        const QString runText = QString("run %1 (%2, '%3') of %4").arg(t.runId).arg(t.uuid, t.name, storePath);
        if (!owner.isEmpty() && owner != t.uuid)
            throw configError("--resume", QString("the checkpoint %1 belongs to run %2 ('%3', step %4), not to %5; a run "
                                                  "continues only from its own checkpoints")
                                              .arg(ck.file, owner, ckConfig.value("name").toString())
                                              .arg(ck.state.value("step").toInteger(-1))
                                              .arg(runText).toStdString());
        // Checkpoints of older versions carry no uuid: their configuration must be the run's.
        if (const QStringList d = resumeDifferences(t.storedConfig, ckConfig); !d.isEmpty())
            throw configError("--resume", QString("the checkpoint %1 was written with another configuration than %2 "
                                                  "(%3); a run continues only from its own checkpoints")
                                              .arg(ck.file, runText, d.mid(0, 5).join("; ")).toStdString());
    }
    const QJsonObject stored = t.runId > 0 ? t.storedConfig : ckConfig;
    if (src.file.isEmpty() && src.experiment.isEmpty() && sets.isEmpty()) return ckConfig;
    const QJsonObject user = !src.file.isEmpty() ? loadExperimentFile(src.file) : !src.experiment.isEmpty() ? src.experiment : stored;
    const QJsonObject given = resolveForBatch(user, host, sets);
    if (const QStringList d = resumeDifferences(stored, given); !d.isEmpty())
        throw configError("--resume", QString("resuming continues %1 exactly as it was configured, but the given "
                                              "configuration changes what trains:\n  %2\nOnly %3 may differ. Resume "
                                              "with: hpt --resume %4 --store %5 (the stored configuration), or start "
                                              "a new run with hpt --batch")
                                          .arg(t.runId > 0 ? QString("run %1").arg(t.runId) : QString("the run"),
                                               d.join("\n  "), resumeAllowedKeys().join(", "),
                                               t.runId > 0 ? QString::number(t.runId) : shellQuote(t.dir),
                                               shellQuote(storePath))
                                          .toStdString());
    return given;
}

}  // namespace

QJsonObject resolveForBatch(const QJsonObject& user, const PluginHost& host, const QStringList& sets) {
    try {
        return resolveExperiment(user, host, sets);
    } catch (const Error& e) {
        // The resolver reports a plugin the experiment names but nobody installed as an error on that
        // field; batch mode calls it a plugin error (exit 4), so scripts can tell "fix the file" from
        // "install or build the plugin".
        const QString where = QString::fromStdString(e.where());
        const bool pluginField = where == "model.name" || where == "dataset.name" ||
                                 (where.startsWith("devices.") && where.endsWith(".plugin"));
        const QString what = QString::fromUtf8(e.what());
        if (e.kind() == ErrorKind::Config && pluginField && what.contains(" plugin '"))
            throw Error(ErrorKind::Plugin, e.where(), what.mid(where.size() + 2).toStdString());
        throw;
    }
}

int runHeadless(const QCommandLineParser& p, const ExperimentSource& src) {
    const QString storePathOpt = p.value("store");
    const QString summaryPath = p.value("summary-json");
    QJsonObject summary;
    QString storePath;
    auto finish = [&](int code) {
        if (!summaryPath.isEmpty()) {
            summary.insert("exit_code", code);
            summary.insert("store", storePath);
            summary.insert("experiment", src.file);
            try {
                writeJsonFile(summaryPath, summary);
            } catch (const std::exception& e) {
                return code == Ok ? reportError(e) : (reportError(e), code);
            }
        }
        return code;
    };

    try {
        configureLogging(p.value("log-level").toStdString(), p.value("log-file").toStdString());
        QStringList sets = src.extraSets;
        sets << p.values("set");
        if (p.isSet("data-dir")) sets << "dataset.data_dir=" + QFileInfo(p.value("data-dir")).absoluteFilePath();
        if (!src.runName.isEmpty()) sets << "name=" + src.runName;
        checkSets(sets);
        bool okEvery = false;
        const double every = p.value("progress-every").toDouble(&okEvery);
        if (!okEvery || every < 0)
            throw configError("--progress-every", "expected a number of seconds >= 0, e.g. --progress-every 30");
        const QString device = p.value("torch-device");
        if (p.isSet("torch-device") && device != "auto" && device != "cpu" && device != "cuda")
            throw configError("--torch-device", QString("unknown device '%1'; use auto, cpu or cuda").arg(device).toStdString());

        // Installed before anything slow, so a Ctrl-C while plugins load or data is read is handled
        // too: before training it ends the command (exit 130), during training it stops the trainer.
        std::atomic<Trainer*> running{nullptr};
        std::atomic<BatchPrinter*> shown{nullptr};
        StopOnSignal guard([&](int sig) {
            const QString msg = QString("received %1: stopping after the current step and writing a checkpoint "
                                        "(send it again to exit at once)").arg(sig == SIGINT ? "SIGINT" : "SIGTERM");
            if (auto* pr = shown.load()) pr->line(msg);
            else std::fprintf(stderr, "%s\n", qPrintable(msg));
            if (auto* t = running.load()) t->stop();
        });
        auto interruptedBeforeTraining = [&] {
            if (!guard.received()) return false;
            std::fprintf(stderr, "hpt --batch: interrupted before training started; nothing was run\n");
            summary.insert("status", "not run");
            summary.insert("error", "interrupted before training started");
            return true;
        };

        // What this run computes on, so numbers can be trusted (and slow BLAS is noticed before hours pass).
        const RuntimeInfo rt = probeRuntime(true);
        say(QString("hpt %1 · LibTorch %2 · BLAS %3 (%4 GFLOP/s sgemm 256³) · torch device %5")
                .arg(rt.appVersion, rt.torchVersion, rt.blasLibrary.isEmpty() ? QString("unknown") : rt.blasLibrary)
                .arg(rt.sgemmGflops, 0, 'f', 1)
                .arg(p.isSet("torch-device") ? device : QString("from the experiment (training.torch_device)")));
        const QString warn = slowBlasWarning(rt);
        if (!warn.isEmpty()) std::fprintf(stderr, "warning: %s\n", qPrintable(warn));

        auto host = loadPlugins(p);

        storePath = storePathOpt.isEmpty() ? Store::defaultPath() : QFileInfo(storePathOpt).absoluteFilePath();
        TrainerOptions opts;
        if (p.isSet("torch-device")) opts.torchDevice = device;
        ResumeTarget resume;
        QJsonObject config;
        if (p.isSet("resume")) {
            // The run's own stored configuration; a given file or --set may only change output keys.
            resume = resolveResume(p.value("resume"), storePath);
            opts.resumeFrom = resume.dir;
            opts.runUuid = resume.uuid;
            config = prepareResume(resume, src, sets, *host, storePath);
        } else {
            // The experiment: the file, or the sweep's inline copy.
            QJsonObject user;
            if (!src.file.isEmpty()) user = loadExperimentFile(src.file);
            else if (!src.experiment.isEmpty()) user = src.experiment;
            else throw configError("--batch", "needs an experiment file, e.g. hpt --batch resources/experiments/default.json");
            config = resolveForBatch(user, *host, sets);
            // A run owns its checkpoint folder: by default one per run uuid beside the store (not the
            // node-local temp folder, which a cluster job loses with the node).
            opts.runUuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
            if (config.value("checkpoint").toObject().value("dir").toString().isEmpty())
                opts.checkpointDir = QFileInfo(storePath).absolutePath() + "/checkpoints/" + opts.runUuid;
        }
        if (interruptedBeforeTraining()) return finish(Interrupted);
        if (!opts.resumeFrom.isEmpty()) say("resuming from checkpoint folder " + opts.resumeFrom);

        // Per-check details are for --log-level info or lower; the store keeps them always.
        const QString level = p.value("log-level").toLower();
        const bool verbose = level == "info" || level == "debug" || level == "trace";
        BatchPrinter printer(stdout, BatchPrinter::isTerminal(stdout), every, verbose);
        if (!p.isSet("progress-every")) printer.spreadPlainLines(15);  // a log of a long run stays short
        BatchSummary record;
        FanOutSink sinks;
        sinks.add(&printer);
        sinks.add(&record);
        {
            Store s(storePath);  // creates/migrates the file and reports a bad one before training starts
            if (const int n = s.recoverInterrupted()) say(QString("marked %1 abandoned run(s) in the store as interrupted").arg(n));
        }
        StoreSink store(storePath);
        ResumingStoreSink storeSink(store, resume.runId);
        sinks.add(&storeSink);

        if (interruptedBeforeTraining()) return finish(Interrupted);
        Trainer trainer(*host, config, sinks, opts);
        shown = &printer;
        running = &trainer;
        if (guard.received()) trainer.stop();  // the signal came between the check and here
        const RunStatus status = trainer.run();
        running = nullptr;
        shown = nullptr;
        const int signal = guard.received();
        store.flush();
        const int64_t runId = store.runId();
        summary.insert("run_id", double(runId));
        const QJsonObject rec = record.toJson();
        for (auto it = rec.begin(); it != rec.end(); ++it) summary.insert(it.key(), it.value());
        summary.insert("checkpoint_dir", trainer.checkpointDir());

        int code = Ok;
        if (status == RunStatus::Failed) {
            if (trainer.error()) code = reportError(*trainer.error());
            else {
                std::fprintf(stderr, "error: the run failed without a reason from the engine\n");
                code = Failure;
            }
            summary.insert("error", trainer.error() ? QString::fromUtf8(trainer.error()->what()) : QString("unknown"));
            if (trainer.error()) summary.insert("where", QString::fromStdString(trainer.error()->where()));
        } else if (status == RunStatus::Stopped || status == RunStatus::Interrupted) {
            code = signal ? Interrupted : Ok;
            if (trainer.finalResult().value("stopped_during").toString() == "setup")
                say("stopped during setup, before training started; nothing was run");
            else
            // Exactly the run's id and store: resume reads the stored configuration, nothing else.
            if (store.runId() > 0)
                say(QString("stopped; resume with: hpt --resume %1 --store %2").arg(store.runId()).arg(shellQuote(storePath)));
            else
                say(QString("stopped; resume with: hpt --resume %1").arg(shellQuote(trainer.checkpointDir())));
        }
        // The run's last rows (or its final status) could not be committed: the run is not
        // recorded as finished, so the command must not succeed.
        if (status != RunStatus::Failed && store.failure()) {
            code = reportError(*store.failure());
            summary.insert("status", "failed");
            summary.insert("error", QString::fromUtf8(store.failure()->what()));
            summary.insert("where", QString::fromStdString(store.failure()->where()));
        }
        if (store.failure())
            say(QString("run %1 in %2 is recorded up to step %3 only: the store could not take the rest")
                    .arg(runId).arg(storePath).arg(store.committedStep()));
        else if (const QJsonObject final = rec.value("final").toObject();
                 runId > 0 && (final.contains("devices") || final.contains("test"))) {
            // The answer: test error and skill, phases, modeled cost against GPUs only, wear, where it is.
            const QJsonObject result = resultJson(*host, config, final, record.segments(), storePath, runId);
            summary.insert("result", result);
            for (const auto& l : resultLines(result, rec.value("run_name").toString())) say(l);
        } else if (runId > 0)
            say(QString("stored as run %1 in %2").arg(runId).arg(storePath));
        else
            say(QString("nothing was stored in %1: the run ended before it started").arg(storePath));
        if (runId > 0 && (store.failure() || !summary.contains("result")))
            say(QString("open it in the GUI: hpt %1").arg(shellQuote(storePath)));
        return finish(code);
    } catch (const std::exception& e) {
        const int code = reportError(e);
        summary.insert("status", "not run");
        summary.insert("error", QString::fromUtf8(e.what()));
        if (const auto* he = dynamic_cast<const Error*>(&e)) summary.insert("where", QString::fromStdString(he->where()));
        return finish(code);
    }
}

int runBatch(const QCommandLineParser& p) {
    const QString file = p.value("batch");
    if (file.isEmpty() && !p.isSet("resume")) {
        std::fprintf(stderr, "hpt --batch: needs an experiment file, e.g. hpt --batch resources/experiments/default.json\n");
        return BadArguments;
    }
    if (!file.isEmpty() && !QFileInfo(file).isFile()) {
        std::fprintf(stderr, "hpt --batch: cannot open experiment file '%s': no such file\n", qPrintable(file));
        return BadArguments;
    }
    if (!p.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "hpt --batch: unexpected argument '%s' (options take the form --set key=value)\n",
                     qPrintable(p.positionalArguments().first()));
        return BadArguments;
    }
    ExperimentSource src;
    src.file = file.isEmpty() ? QString() : QFileInfo(file).absoluteFilePath();
    return runHeadless(p, src);
}

}  // namespace hpt::cli
