// `hpt bench`: the engine's benchmark contract (core/engine/StepBenchmark.h),
// or with --store the run store's write benchmark (core/store/StoreBenchmark.h).
#include "cli/Command.h"

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
        std::printf("%-28s %s\n", qPrintable(it.key()),
                    qPrintable(it.value().isDouble() ? QString::number(it.value().toDouble(), 'g', 6)
                               : it.value().isString()
                                   ? it.value().toString()
                                   : QString::fromUtf8(QJsonDocument(QJsonArray{it.value()}).toJson(QJsonDocument::Compact))));
}

int runBench(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Time one training step against its floor (flops / sgemm peak + optimizer bytes / copy bandwidth).");
    p.addHelpOption();
    hpt::cli::addPluginOptions(p);
    p.addOption({"model", "Model plugin.", "M"});
    p.addOption({"preset", "Model preset (e.g. compact, paper).", "P", ""});
    p.addOption({"mode", "full or lora.", "MODE", "full"});
    p.addOption({"steps", "Timed steps (after 2 warm-up steps).", "N", "10"});
    p.addOption({"batch", "Batch size (default: the experiment's training.batch_size).", "B", "0"});
    p.addOption({"set", "Override a configuration key (repeatable), as in --batch.", "key=value"});
    p.addOption({"torch-optim", "Use torch::optim::AdamW instead of the one-pass optimizer (for comparison)."});
    p.addOption({"store", "Run the run-store write benchmark instead."});
    p.addOption({"json", "Print JSON."});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    try {
        if (p.isSet("store")) {
            QTemporaryDir dir;
            print(hpt::runStoreBenchmark(dir.path()), p.isSet("json"));
            return hpt::cli::Ok;
        }
        if (!p.isSet("model")) {
            std::fprintf(stderr, "hpt bench: --model is required, e.g. hpt bench --model swe --preset compact --mode full\n");
            return hpt::cli::BadArguments;
        }
        bool okSteps = false, okBatch = false;
        hpt::StepBenchmarkOptions o;
        o.model = p.value("model");
        o.preset = p.value("preset");
        o.mode = p.value("mode");
        o.steps = p.value("steps").toInt(&okSteps);
        o.batch = p.value("batch").toLongLong(&okBatch);
        o.sets = p.values("set");
        o.torchOptim = p.isSet("torch-optim");
        if (!okSteps || !okBatch) {
            std::fprintf(stderr, "hpt bench: --steps and --batch take integers\n");
            return hpt::cli::BadArguments;
        }
        auto host = hpt::cli::loadPlugins(p);
        print(hpt::runStepBenchmark(*host, o), p.isSet("json"));
        return hpt::cli::Ok;
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("bench", "Time a training step against its floor (or --store: the run store)", runBench);
