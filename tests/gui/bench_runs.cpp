// Not a test: open, filter and sort times with a store of 10 000 runs, for `hpt runs` (the
// process as a user starts it, and the core calls it makes) and for the GUI's run browser
// (RunBrowser over RunsModel, shown offscreen, events processed after each step). Numbers:
// resources/docs/store.md "Scale".
//   cmake --build build --target bench_runs hpt && build/tests/gui/bench_runs [RUNS] [SCRATCH_DIR]
// Each run is like a sweep's: a configuration with lora/training/model sections, a final
// report with test RMSE, NSE, skill against two baselines and device energy, study tags on
// a quarter of them, and 40 metric points.
#include "gui/RunBrowser.h"
#include "gui/RunsModel.h"
#include "store/Query.h"
#include "store/Store.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QProcess>
#include <QSortFilterProxyModel>
#include <QTableView>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>

namespace {

void build(const QString& path, int n) {
    QFile::remove(path);
    hpt::Store s(path);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    const int ranks[] = {2, 4, 8, 16};
    s.begin();
    for (int i = 0; i < n; ++i) {
        hpt::RunStart r;
        r.name = "sweep-" + std::to_string(i);
        const int rank = ranks[i % 4];
        const double lr = 1e-4 * (1 + i % 10);
        r.config = QJsonObject{
            {"model", QJsonObject{{"name", "wind"}, {"preset", i % 2 ? "compact" : "full"}}},
            {"dataset", QJsonObject{{"name", "wind"}}},
            {"mapping", QJsonObject{{"preset", "hpt"}}},
            {"training", QJsonObject{{"lr", lr}, {"epochs", 3}, {"seed", i % 5}, {"optimizer", "adamw"}}},
            {"lora", QJsonObject{{"rank", rank}, {"alpha", 2 * rank}, {"targets", QJsonArray{"*.attn.q", "*.attn.v"}}}},
            {"switching", QJsonObject{{"plateau_window", 50}, {"ttest_alpha", 0.05}}}};
        r.seed = i % 5;
        const int64_t id = s.createRun(r);
        std::vector<hpt::MetricPoint> pts;
        for (int step = 0; step < 40; ++step) pts.push_back({step, "loss.full", 1.0 / (1 + step) + 0.01 * u(rng), step * 0.1});
        s.appendMetrics(id, pts);
        const double rmse = 0.3 + u(rng);
        const QJsonObject skill{{"persistence", QJsonObject{{"skill", 1 - rmse / 1.1}, {"baseline_rmse", 1.1}, {"comparable", true}}},
                                {"climatology", QJsonObject{{"skill", 1 - rmse / 1.5}, {"baseline_rmse", 1.5}, {"comparable", true}}}};
        s.finishRun(id, i % 50 == 0 ? hpt::RunStatus::Failed : hpt::RunStatus::Finished,
                    QJsonObject{{"test", QJsonObject{{"rmse", rmse}, {"nse", 1 - rmse * rmse}, {"skill", skill}}},
                                {"switch_step", 100 + i % 300},
                                {"devices", QJsonObject{{"reram", QJsonObject{{"energy_j", 10 * u(rng)}, {"time_s", u(rng)}}},
                                                        {"gpu", QJsonObject{{"energy_j", 100 * u(rng)}, {"time_s", u(rng)}}}}}});
        if (i % 4 == 0) s.setTags(id, {"study:s" + QString::number(i / 400), "arm:hpt", "seed:" + QString::number(i % 5)});
        if ((i + 1) % 1000 == 0) {
            s.commit();
            s.begin();
        }
    }
    s.commit();
}

// Best of 3 in ms (the first call of a series also shown when it differs: caches, first config read).
double timeMs(const std::function<void()>& f, double* first = nullptr) {
    double best = 1e300;
    for (int k = 0; k < 3; ++k) {
        QElapsedTimer t;
        t.start();
        f();
        const double ms = double(t.nsecsElapsed()) / 1e6;
        if (k == 0 && first) *first = ms;
        best = std::min(best, ms);
    }
    return best;
}

void line(const char* what, double ms, double first = -1) {
    if (first >= 0) std::printf("  %-62s %9.1f ms   (first %.1f ms)\n", what, ms, first);
    else std::printf("  %-62s %9.1f ms\n", what, ms);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
    const QString dir = argc > 2 ? QString(argv[2]) : QDir::tempPath() + "/hpt-bench-runs";
    QDir().mkpath(dir);
    const QString path = dir + "/runs.sqlite";
    QElapsedTimer t;
    t.start();
    build(path, n);
    std::printf("store: %s, %d runs, built in %.1f s, %.1f MB\n", qPrintable(path), n, t.elapsed() / 1000.0,
                QFileInfo(path).size() / 1e6);
    const QString qFinal = "final.test.rmse < 0.5 and status = finished";
    const QString qConfig = "config.lora.rank = 8 and final.test.skill.persistence.skill > 0.5";
    const QString qText = "sweep-12";

    std::printf("hpt runs (the process, best of 3, output to a pipe):\n");
    auto hpt = [&](const QStringList& extra) {
        QProcess p;
        p.start(HPT_EXE, QStringList{"runs", "--store", path} + extra);
        p.waitForFinished(600000);
        if (p.exitCode() != 0) std::fprintf(stderr, "hpt runs failed: %s\n", p.readAllStandardError().constData());
    };
    line("hpt runs --help (process start only: libraries, no store)", timeMs([&] { hpt({"--help"}); }));
    line("hpt runs", timeMs([&] { hpt({}); }));
    line("hpt runs --json", timeMs([&] { hpt({"--json"}); }));
    line(qPrintable("hpt runs --where '" + qFinal + "'"), timeMs([&] { hpt({"--where", qFinal}); }));
    line(qPrintable("hpt runs --where '" + qConfig + "'"), timeMs([&] { hpt({"--where", qConfig}); }));

    std::printf("the calls behind it (in process):\n");
    line("open: Store(path, readOnly) + runs()", timeMs([&] {
             hpt::Store s(path, true);
             (void)s.runs();
         }));
    const hpt::Store store(path, true);
    line("filter: queryRuns(final …)", timeMs([&] { (void)hpt::queryRuns(store, hpt::Query::parse(qFinal)); }));
    line("filter: queryRuns(config … and final …), reads every config",
         timeMs([&] { (void)hpt::queryRuns(store, hpt::Query::parse(qConfig)); }));
    auto all = store.runs();
    line("sort: by final.test.rmse (key per run, then std::sort of indices)", timeMs([&] {
             std::vector<std::pair<double, size_t>> key(all.size());
             for (size_t i = 0; i < all.size(); ++i)
                 key[i] = {all[i].final.value("test").toObject().value("rmse").toDouble(), i};
             std::sort(key.begin(), key.end());
         }));

    std::printf("GUI run browser (RunBrowser + RunsModel, offscreen, 1400x900, events processed):\n");
    hpt::Store gstore(path);
    hpt::gui::RunBrowser b;
    b.resize(1400, 900);
    b.show();
    QApplication::processEvents();
    line("open: setStore (read runs, fill the model, sort by id, paint)", timeMs([&] {
             b.setStore(nullptr);
             b.setStore(&gstore);
             QApplication::processEvents();
         }));
    auto filter = [&](const QString& q) {
        b.setFilter(q);
        QApplication::processEvents();
    };
    line(qPrintable("filter: '" + qText + "' (free text)"), timeMs([&] { filter(qText); filter(""); }));
    line(qPrintable("filter: '" + qFinal + "'"), timeMs([&] { filter(qFinal); filter(""); }));
    double first = 0;
    const double cfg = timeMs([&] { filter(qConfig); filter(""); }, &first);
    line("filter: config query (first reads every config once)", cfg, first);
    for (int col : {hpt::gui::RunsModel::Rmse, hpt::gui::RunsModel::Name, hpt::gui::RunsModel::Skill}) {
        const QString what = "sort: by " + b.runsModel()->headerData(col, Qt::Horizontal, Qt::DisplayRole).toString();
        line(qPrintable(what), timeMs([&] {
                 b.table()->sortByColumn(col, Qt::AscendingOrder);
                 QApplication::processEvents();
                 b.table()->sortByColumn(col, Qt::DescendingOrder);
                 QApplication::processEvents();
             }) / 2);
    }
    std::printf("(%d of %d rows shown after the last filter)\n", b.proxy()->rowCount(), n);
    return 0;
}
