// `hpt info`: what this program runs on — LibTorch, the BLAS actually mapped
// into the process and its measured speed, CUDA — and where it looks for
// plugins. The same facts go into every stored run.
#include "cli/Command.h"

#include "plugin/PluginHost.h"
#include "util/RuntimeInfo.h"
#include "util/Threads.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>

namespace {

int runInfo(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Print the LibTorch version, BLAS library and speed, CUDA availability and plugin search path.");
    p.addHelpOption();
    hpt::cli::addPluginOptions(p);
    p.addOption({"json", "Print JSON."});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    // The counts a run with training.threads = 0 uses, set before the sgemm is measured.
    const hpt::ThreadCounts threads = hpt::applyThreads(0);
    const auto info = hpt::probeRuntime(true);
    const QStringList path = hpt::PluginHost::searchPath(p.values("plugin-dir"));
    if (p.isSet("json")) {
        QJsonObject o = info.toJson();
        o.insert("plugin_search_path", QJsonArray::fromStringList(path));
        o.insert("slow_blas_warning", hpt::slowBlasWarning(info));
        for (const auto& k : threads.toJson().keys()) o.insert(k, threads.toJson().value(k));
        std::fputs(QJsonDocument(o).toJson().constData(), stdout);
        return 0;
    }
    std::printf("hpt %s\nLibTorch %s\nBLAS %s (256^3 sgemm: %.1f GFLOP/s)\nCUDA %s\n", qPrintable(info.appVersion),
                qPrintable(info.torchVersion), qPrintable(info.blasLibrary.isEmpty() ? "unknown" : info.blasLibrary),
                info.sgemmGflops, info.cudaAvailable ? "available" : "not available (running on CPU)");
    std::printf("Threads: torch %d, BLAS %d (%s)\n", threads.torch, threads.blas, qPrintable(threads.rule));
    std::printf("Plugin search path:\n");
    for (const auto& d : path) std::printf("  %s\n", qPrintable(d));
    const QString warn = hpt::slowBlasWarning(info);
    if (!warn.isEmpty()) std::fprintf(stderr, "warning: %s\n", qPrintable(warn));
    return 0;
}

}  // namespace

HPT_COMMAND("info", "Show LibTorch, BLAS (measured), CUDA and plugin search path", runInfo);
