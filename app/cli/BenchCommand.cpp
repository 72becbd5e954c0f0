// `hpt bench`: the engine's benchmark contract (core/engine/StepBenchmark.h),
// or with --store the run store's write benchmark (core/store/StoreBenchmark.h).
#include "cli/Command.h"

#include "engine/IdProbeBenchmark.h"
#include "engine/StepBenchmark.h"
#include "plugin/PluginHost.h"
#include "store/StoreBenchmark.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <cstdio>

namespace {

void print(const QJsonObject& r, bool json) {
    if (json) {
        std::fputs(QJsonDocument(r).toJson().constData(), stdout);
        return;
    }
    for (auto it = r.begin(); it != r.end(); ++it)
        if (it.key() != "profile")  // printed as a table by printProfile
        std::printf("%-28s %s\n", qPrintable(it.key()),
                    qPrintable(it.value().isDouble() ? QString::number(it.value().toDouble(), 'g', 6)
                               : it.value().isString()
                                   ? it.value().toString()
                                   : QString::fromUtf8(QJsonDocument(QJsonArray{it.value()}).toJson(QJsonDocument::Compact))));
}

// The per-kind table of --profile, one block per timed learner.
void printProfile(const QJsonObject& profile) {
    for (auto it = profile.begin(); it != profile.end(); ++it) {
        std::printf("\nprofile (%s step, one profiled step):\n%-34s %10s %10s %8s %7s\n", qPrintable(it.key()), "op kind", "ms",
                    "floor ms", "x floor", "calls");
        for (const auto& v : it.value().toArray()) {
            const QJsonObject r = v.toObject();
            std::printf("%-34s %10.2f %10.2f %8.2f %7lld\n", qPrintable(r.value("kind").toString()), r.value("ms").toDouble(),
                        r.value("floor_ms").toDouble(), r.value("over_floor").toDouble(), (long long)r.value("calls").toInteger());
        }
    }
}

int runBench(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Time one training step against its floor (flops / sgemm peak + optimizer bytes / copy bandwidth).");
    p.addHelpOption();
    hpt::cli::addPluginOptions(p);
    p.addOption({"model", "Model plugin.", "M"});
    p.addOption({"experiment", "An experiment file instead of --model/--preset: its model params and batch size.", "FILE"});
    p.addOption({"preset", "Model preset (e.g. compact, paper).", "P", ""});
    p.addOption({"mode", "full, lora, dual, or all (the three interleaved in one run, with their ratios).", "MODE", "full"});
    p.addOption({"steps", "Timed steps (after 2 warm-up steps).", "N", "10"});
    p.addOption({"batch", "Batch size (default: the experiment's training.batch_size).", "B", "0"});
    p.addOption({"set", "Override a configuration key (repeatable), as in --batch.", "key=value"});
    p.addOption({"torch-optim", "Use torch::optim::AdamW instead of the one-pass optimizer (for comparison)."});
    p.addOption({"profile", "Add the time per op kind of one step, each against its own floor."});
    p.addOption({"threads", "Torch intra-op threads (0: best for this machine, as training.threads = 0).", "N", "0"});
    p.addOption({"blas-threads", "BLAS threads (with --threads > 0; default: cores / threads).", "N", "0"});
    p.addOption({"thread-grid", "Time the step for every (torch, BLAS) thread pair up to the core count."});
    p.addOption({"id-probe", "Time steps without and with the intrinsic-dimension probes (id.every), interleaved."});
    p.addOption({"blocks", "--id-probe: pairs of blocks (each 2 · id.every steps).", "N", "4"});
    p.addOption({"store", "Run the run-store write benchmark instead."});
    p.addOption({"json", "Print JSON."});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    try {
        if (p.isSet("store")) {
            QTemporaryDir dir;
            print(hpt::runStoreBenchmark(dir.path()), p.isSet("json"));
            return hpt::cli::Ok;
        }
        if (!p.isSet("model") && !p.isSet("experiment")) {
            std::fprintf(stderr, "hpt bench: --model or --experiment is required, e.g. hpt bench --model swe --preset compact "
                                 "--mode full, or hpt bench --experiment resources/experiments/swe-compact.json --mode all\n");
            return hpt::cli::BadArguments;
        }
        bool okSteps = false, okBatch = false;
        hpt::StepBenchmarkOptions o;
        o.model = p.value("model");
        o.preset = p.value("preset");
        o.experiment = p.value("experiment");
        o.mode = p.value("mode");
        o.steps = p.value("steps").toInt(&okSteps);
        o.batch = p.value("batch").toLongLong(&okBatch);
        o.sets = p.values("set");
        o.torchOptim = p.isSet("torch-optim");
        o.profile = p.isSet("profile");
        bool okT = false, okB = false, okBlocks = false;
        const int blocks = p.value("blocks").toInt(&okBlocks);
        o.torchThreads = p.value("threads").toInt(&okT);
        o.blasThreads = p.value("blas-threads").toInt(&okB);
        if (!okSteps || !okBatch || !okT || !okB || !okBlocks || o.torchThreads < 0 || o.blasThreads < 0 || blocks < 1) {
            std::fprintf(stderr, "hpt bench: --steps, --batch, --threads and --blas-threads take non-negative integers, "
                                 "--blocks a positive one\n");
            return hpt::cli::BadArguments;
        }
        auto host = hpt::cli::loadPlugins(p);
        const QJsonObject r = p.isSet("thread-grid") ? hpt::runThreadGrid(*host, o)
                              : p.isSet("id-probe")  ? hpt::runIdProbeBenchmark(*host, o, blocks)
                                                     : hpt::runStepBenchmark(*host, o);
        print(r, p.isSet("json"));
        if (!p.isSet("json")) printProfile(r.value("profile").toObject());
        return hpt::cli::Ok;
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("bench", "Time a training step against its floor (or --store: the run store)", runBench);
