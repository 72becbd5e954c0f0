// `hpt id --method twonn|mle|spectrum FILE.csv [--energy 0.9] [--k 10] [--json]`:
// the intrinsic-dimension estimators the engine runs during training, applied to
// a user's own point cloud (rows = points) or matrix (spectrum).
// `hpt id --bench` measures how much the background ID worker slows a training loop.
#include "cli/Command.h"

#include "id/IdWorker.h"
#include "id/MleId.h"
#include "id/TwoNN.h"
#include "id/UpdateSpectrum.h"
#include "stats/NumericCsv.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <chrono>
#include <cstdio>

namespace {

double toNumber(const QCommandLineParser& p, const char* name) {
    bool ok = false;
    const double v = p.value(name).toDouble(&ok);
    if (!ok) throw hpt::configError(std::string("--") + name, "'" + p.value(name).toStdString() + "' is not a number");
    return v;
}

// --- benchmark: a small attention encoder trained with Adam, with and without the worker ---

struct BenchModel : torch::nn::Module {
    std::vector<torch::nn::Linear> q, k, v, o, ff1, ff2;
    explicit BenchModel(int64_t layers, int64_t d) {
        for (int64_t i = 0; i < layers; ++i) {
            const std::string n = "layers." + std::to_string(i) + ".";
            q.push_back(register_module(n + "attn.q", torch::nn::Linear(d, d)));
            k.push_back(register_module(n + "attn.k", torch::nn::Linear(d, d)));
            v.push_back(register_module(n + "attn.v", torch::nn::Linear(d, d)));
            o.push_back(register_module(n + "attn.o", torch::nn::Linear(d, d)));
            ff1.push_back(register_module(n + "ff1", torch::nn::Linear(d, 2 * d)));
            ff2.push_back(register_module(n + "ff2", torch::nn::Linear(2 * d, d)));
        }
    }
    torch::Tensor forward(torch::Tensor x) {
        const double scale = 1.0 / std::sqrt(double(x.size(-1)));
        for (size_t i = 0; i < q.size(); ++i) {
            auto att = torch::softmax(q[i](x).matmul(k[i](x).transpose(1, 2)) * scale, -1);
            x = x + o[i](att.matmul(v[i](x)));
            x = x + ff2[i](torch::gelu(ff1[i](x)));
        }
        return x;
    }
};

int runBench(const QCommandLineParser& p) {
    const int64_t steps = int64_t(toNumber(p, "steps")), every = int64_t(toNumber(p, "every"));
    const int repeats = 3;
    if (steps < 1 || every < 1) throw hpt::configError("--steps/--every", "must be ≥ 1");
    torch::manual_seed(1);
    const int64_t layers = 4, d = 128, batch = 8, seq = 64;
    BenchModel model(layers, d);
    torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(1e-3));
    const auto x = torch::randn({batch, seq, d}), y = torch::randn({batch, seq, d});
    std::map<std::string, torch::Tensor> previous;
    auto targets = [&] {
        std::map<std::string, torch::Tensor> w;
        for (int64_t i = 0; i < layers; ++i) {
            w["layers." + std::to_string(i) + ".attn.q"] = model.q[size_t(i)]->weight;
            w["layers." + std::to_string(i) + ".attn.v"] = model.v[size_t(i)]->weight;
        }
        return w;
    };
    hpt::IdSettings settings;
    settings.every = every;
    settings.spectrum = true;
    settings.twonn = settings.mle = p.isSet("all-methods");
    int64_t submitted = 0, delivered = 0;
    // One block of training steps; returns seconds per step.
    auto block = [&](hpt::IdWorker* worker) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int64_t s = 1; s <= steps; ++s) {
            opt.zero_grad();
            auto out = model.forward(x);
            torch::mse_loss(out, y).backward();
            opt.step();
            if (!worker) continue;
            // What the engine does: poll each step, snapshot every `every` steps.
            delivered += int64_t(worker->poll().size());
            if (worker->due(s)) {
                torch::NoGradGuard ng;
                hpt::IdSnapshot snap;
                snap.step = s;
                for (const auto& [name, w] : targets()) {
                    auto it = previous.find(name);
                    snap.deltaW[name] = it == previous.end() ? w.detach() : w.detach() - it->second;
                    previous[name] = w.detach().clone();
                }
                if (settings.twonn || settings.mle) snap.hidden = out.detach().reshape({-1, d});
                submitted += worker->submit(std::move(snap)) ? 1 : 0;
            }
        }
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / double(steps);
    };
    block(nullptr);  // warm-up (allocator, thread pools)
    std::vector<double> base, with;
    hpt::IdWorker worker(settings);
    for (int r = 0; r < repeats; ++r) {  // interleaved so load from other processes hits both alike
        base.push_back(block(nullptr));
        with.push_back(block(&worker));
    }
    worker.waitIdle();
    delivered += int64_t(worker.poll().size());
    std::sort(base.begin(), base.end());
    std::sort(with.begin(), with.end());
    const double b = base[base.size() / 2], w = with[with.size() / 2];
    // One estimate on the training thread, for scale.
    hpt::IdSnapshot one;
    for (const auto& [name, t] : targets()) one.deltaW[name] = t.detach();
    if (settings.twonn || settings.mle) one.hidden = model.forward(x).detach().reshape({-1, d});
    const auto est = hpt::estimateId(one, settings);
    const QJsonObject o{{"steps_per_block", double(steps)},
                        {"blocks", repeats},
                        {"every", double(every)},
                        {"methods", settings.twonn ? "spectrum,twonn,mle" : "spectrum"},
                        {"targets", double(one.deltaW.size())},
                        {"step_s_without", b},
                        {"step_s_with", w},
                        {"overhead_percent", 100 * (w / b - 1)},
                        {"estimate_s", est.seconds},
                        {"snapshots_submitted", double(submitted)},
                        {"snapshots_dropped", double(worker.dropped())},
                        {"results_delivered", double(delivered)},
                        {"torch_threads", at::get_num_threads()}};
    if (p.isSet("json")) {
        std::fputs(QJsonDocument(o).toJson().constData(), stdout);
        return hpt::cli::Ok;
    }
    std::printf("ID worker benchmark: %lld-layer attention encoder (d = %lld, batch %lldx%lld), Adam, %d torch threads\n",
                static_cast<long long>(layers), static_cast<long long>(d), static_cast<long long>(batch),
                static_cast<long long>(seq), at::get_num_threads());
    std::printf("  methods %s on %zu targets every %lld steps; one estimate takes %.4f s\n",
                qPrintable(o.value("methods").toString()), one.deltaW.size(), static_cast<long long>(every), est.seconds);
    std::printf("  step time without worker %.5f s, with worker %.5f s (median of %d blocks of %lld steps)\n", b, w,
                repeats, static_cast<long long>(steps));
    std::printf("  overhead %.2f %%; snapshots submitted %lld, dropped %lld, results delivered %lld\n",
                100 * (w / b - 1), static_cast<long long>(submitted), static_cast<long long>(worker.dropped()),
                static_cast<long long>(delivered));
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
