#pragma once
// The study report: every (arm, seed) run read back from the store, summarised
// per arm (mean ± sd over seeds), each arm's ratios to `full` paired by seed,
// and the paired test of quality. One JSON object is the source of truth; the
// Markdown and CSV are written from it, so the three never disagree.
// Contract (resources/docs/study.md): study_id, experiment, seeds,
// arms[{name, mode, mapping, runs[{seed, run_id, test_rmse, modeled_time_s,
// modeled_energy_j, wall_s, switch_step, ...}], test_rmse{mean, sd}, ...}],
// ratios{arm{modeled_time, modeled_energy, test_rmse}}, quality_test{arm{method,
// p_value, alpha, not_worse}}, files{}.
#include "study/StudySpec.h"

#include <QJsonObject>
#include <QString>
#include <cstdint>
#include <map>
#include <vector>

namespace hpt {
class Store;
}

namespace hpt::study {

struct DeviceCost {
    double timeS = 0, energyJ = 0, writes = 0;
};

// One stored run as the study sees it.
struct RunResult {
    QString arm;
    int64_t seed = 0;
    int64_t runId = 0;
    QString status;
    QString mode, mapping;
    double testRmse = 0;         // NaN when the run has no test report
    QJsonObject skill;           // final.test.skill as stored
    double wallS = 0;            // host wall time (final.wall_s)
    int64_t switchStep = -1;     // -1: never entered LORA
    int64_t steps = 0;
    std::map<QString, DeviceCost> devices;                          // role → totals
    std::map<QString, std::map<QString, DeviceCost>> perPhase;      // phase → role → cost
    std::map<QString, int64_t> stepsPerPhase;                       // FULL/DUAL/LORA → steps
    double cellWrites = 0, maxWritesPerCell = 0, enduranceUsedPct = 0;

    double storedTimeS = -1;     // final.modeled_time_s (critical path per step with mapping.overlap); -1: absent
    // End to end: the stored modeled time; runs stored before it existed (devices one after
    // another within a step) give the sum over the roles.
    double modeledTimeS() const;
    double modeledEnergyJ() const;
};

// Reads run `id` (final report, configuration, phase events). The arm and seed
// come from the run's study tags. Throws hpt::Error (Store) for an unknown run.
RunResult readRun(const Store& store, int64_t id);

// Summarises `runs` (finished runs only; the others are listed as missing).
// `arms` gives the order and each arm's mode/mapping; the arm named "full" is
// the baseline. Pure: the tests feed it hand-made runs.
QJsonObject summarize(const QString& studyId, const QString& experiment, const std::vector<Arm>& arms,
                      const std::vector<int64_t>& seeds, const std::vector<RunResult>& runs, double alpha);

// --- studies in a store -------------------------------------------------------------
struct StudyListing {
    QString id;
    int runs = 0, finished = 0;
    std::vector<Arm> arms;        // in order of first appearance, full first
    std::vector<int64_t> seeds;   // ascending
    QString experiment;           // the runs' model/dataset
    QString createdAt;            // the first run's
};
std::vector<StudyListing> listStudies(const Store& store);

// Reads every run tagged with the study and summarises it. `arms`/`seeds` empty:
// taken from the tags (and the runs' configuration).
QJsonObject reportFromStore(const Store& store, const QString& studyId, double alpha,
                            const QString& experiment = QString(), const std::vector<Arm>& arms = {},
                            const std::vector<int64_t>& seeds = {});

// Tags the latest finished run named `runName` as the study's (arm, seed) run,
// keeping its other tags. Returns its id, or 0 when there is none.
int64_t tagStudyRun(Store& store, const QString& runName, const QString& studyId, const QString& arm, int64_t seed);

// Markdown: the per-arm table, the ratio and quality-test table, the cost per
// device and phase, steps per phase and ReRAM writes.
QString toMarkdown(const QJsonObject& report);
// One row per run.
QString toCsv(const QJsonObject& report);
// Several studies side by side (the paper's table): per study and non-full arm, the
// reductions full/arm of modeled time and energy, the RMSE ratio and the verdict.
QString toMarkdownSummary(const std::vector<QJsonObject>& reports);

// The Pareto front of (energy, error) points, both minimised: indices of the
// points no other point beats in both, ordered by energy.
std::vector<size_t> paretoFront(const std::vector<std::pair<double, double>>& energyError);

}  // namespace hpt::study
