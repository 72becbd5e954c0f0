// `hpt id --method twonn|mle|spectrum FILE.csv [--energy 0.9] [--k 10] [--json]`:
// the intrinsic-dimension estimators the engine runs during training, applied to
// a user's own point cloud (rows = points) or matrix (spectrum).
// `hpt id --bench` measures how much the background ID worker slows a training loop.
#include "cli/Command.h"

#include "id/IdBenchmark.h"
#include "id/MleId.h"
#include "id/TwoNN.h"
#include "id/UpdateSpectrum.h"
#include "stats/NumericCsv.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <cstdio>

namespace {

double toNumber(const QCommandLineParser& p, const char* name) {
    bool ok = false;
    const double v = p.value(name).toDouble(&ok);
    if (!ok) throw hpt::configError(std::string("--") + name, "'" + p.value(name).toStdString() + "' is not a number");
    return v;
}

int runBench(const QCommandLineParser& p) {
    const auto o = hpt::runIdWorkerBenchmark(int64_t(toNumber(p, "steps")), int64_t(toNumber(p, "every")),
                                             p.isSet("all-methods"));
    if (p.isSet("json")) {
        std::fputs(QJsonDocument(o).toJson().constData(), stdout);
        return hpt::cli::Ok;
    }
    auto n = [&o](const char* k) { return o.value(k).toDouble(); };
    std::printf("ID worker benchmark: 4-layer attention encoder (d = 128, batch 8x64), Adam, %d torch threads\n",
                o.value("torch_threads").toInt());
    std::printf("  methods %s on %d targets every %d steps; one estimate takes %.4f s\n",
                qPrintable(o.value("methods").toString()), int(n("targets")), int(n("every")), n("estimate_s"));
    std::printf("  step time without worker %.5f s, with worker %.5f s (median of %d blocks of %d steps)\n",
                n("step_s_without"), n("step_s_with"), int(n("blocks")), int(n("steps_per_block")));
    std::printf("  overhead %.2f %%; snapshots submitted %d, dropped %d, results delivered %d\n",
                n("overhead_percent"), int(n("snapshots_submitted")), int(n("snapshots_dropped")),
                int(n("results_delivered")));
    return hpt::cli::Ok;
}

// --- estimates on a user's CSV ---

int runEstimate(const QCommandLineParser& p, const QString& file) {
    const QString method = p.value("method");
    const auto csv = hpt::readNumericCsv(file);
    const auto m = csv.matrix();
    QJsonObject o{{"file", file}, {"method", method}, {"rows", double(m.size(0))}, {"columns", double(m.size(1))}};
    if (method == "spectrum") {
        const double energy = toNumber(p, "energy");
        const auto s = hpt::spectrumId(m, energy);
        QJsonArray sv;
        for (double v : s.singularValues) sv.append(v);
        o.insert("energy", energy);
        o.insert("id", double(s.id));
        o.insert("stable_rank", s.stableRank);
        o.insert("singular_values", sv);
        if (!p.isSet("json")) {
            std::printf("update-spectrum ID of %s (%lld x %lld): %lld  (smallest k holding %.4g of sum sigma^2)\n",
                        qPrintable(file), static_cast<long long>(m.size(0)), static_cast<long long>(m.size(1)),
                        static_cast<long long>(s.id), energy);
            std::printf("stable rank ||M||_F^2 / ||M||_2^2: %.6g\nsingular values:", s.stableRank);
            for (size_t i = 0; i < std::min<size_t>(s.singularValues.size(), 16); ++i)
                std::printf(" %.6g", s.singularValues[i]);
            std::printf(s.singularValues.size() > 16 ? " ...\n" : "\n");
        }
    } else if (method == "twonn") {
        const double discard = toNumber(p, "discard");
        const double id = hpt::twoNnId(m, discard);
        o.insert("discard", discard);
        o.insert("id", id);
        if (!p.isSet("json"))
            std::printf("TwoNN intrinsic dimension of %s (%lld points in %lld dims, discard %.3g): %.4f\n",
                        qPrintable(file), static_cast<long long>(m.size(0)), static_cast<long long>(m.size(1)),
                        discard, id);
    } else if (method == "mle") {
        const double kd = toNumber(p, "k");
        if (kd != std::floor(kd)) throw hpt::configError("--k", "must be a whole number");
        const double id = hpt::mleId(m, int(kd));
        o.insert("k", kd);
        o.insert("id", id);
        if (!p.isSet("json"))
            std::printf("MLE intrinsic dimension of %s (%lld points in %lld dims, k = %d): %.4f\n", qPrintable(file),
                        static_cast<long long>(m.size(0)), static_cast<long long>(m.size(1)), int(kd), id);
    } else {
        throw hpt::configError("--method", "'" + method.toStdString() + "' is not one of twonn, mle, spectrum");
    }
    if (p.isSet("json")) std::fputs(QJsonDocument(o).toJson().constData(), stdout);
    return hpt::cli::Ok;
}

int runId(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "Intrinsic dimension of a point cloud (rows = points) or of a matrix.\n\n"
        "  twonn     Facco et al. 2017, second/first neighbour distance ratios\n"
        "  mle       Levina & Bickel 2004 with k neighbours, MacKay & Ghahramani averaging\n"
        "  spectrum  smallest k whose singular values hold --energy of sum sigma^2, and the stable rank\n\n"
        "--bench instead measures the background ID worker's cost to a training loop.");
    p.addHelpOption();
    p.addPositionalArgument("FILE.csv", "Numbers separated by ',', ';', tabs or spaces; optional header line.");
    p.addOption({"method", "twonn, mle or spectrum.", "METHOD"});
    p.addOption({"energy", "Spectrum: share of sum sigma^2 to keep, in (0, 1] (default 0.9).", "E", "0.9"});
    p.addOption({"k", "MLE: number of neighbours (default 10).", "K", "10"});
    p.addOption({"discard", "TwoNN: fraction of largest ratios discarded, in [0, 1) (default 0.1).", "F", "0.1"});
    p.addOption({"json", "Print JSON."});
    p.addOption({"bench", "Benchmark the ID worker against a training loop."});
    p.addOption({"steps", "Bench: steps per block (default 200).", "N", "200"});
    p.addOption({"every", "Bench: steps between snapshots (default 50).", "N", "50"});
    p.addOption({"all-methods", "Bench: also TwoNN and MLE on the encoder output (default: spectrum only)."});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    try {
        if (p.isSet("bench")) return runBench(p);
        const QStringList pos = p.positionalArguments();
        if (!p.isSet("method") || pos.size() != 1) {
            std::fprintf(stderr, "%s: needs --method twonn|mle|spectrum and one CSV file.\nSee '%s --help'.\n",
                         qPrintable(args.value(0)), qPrintable(args.value(0)));
            return hpt::cli::BadArguments;
        }
        return runEstimate(p, pos[0]);
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("id", "Intrinsic dimension of a CSV point cloud or matrix (twonn, mle, spectrum)", runId);
