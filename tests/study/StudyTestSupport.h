#pragma once
// A study written straight into a store (no training): runs with final reports
// whose numbers the tests choose, tagged as a study's. Used by the report and
// GUI tests; tst_study_cli trains real (tiny) runs instead.
#include "store/Store.h"
#include "study/StudySpec.h"

#include <QJsonArray>
#include <cmath>

namespace hpt::test {

struct FakeRun {
    QString arm, mode, mapping;
    int64_t seed;
    double rmse, persistenceRmse;
    double gpuJ, gpuS, reramJ, reramS, systolicJ, systolicS;
    int64_t steps, dualStep, switchStep;  // -1: never
};

inline QJsonObject cost(double s, double j, double w = 0) { return {{"time_s", s}, {"energy_j", j}, {"writes", w}, {"cycles", 0}}; }

// Writes `r` as a finished run tagged with `studyId`; returns its id.
inline int64_t writeFakeRun(Store& st, const QString& studyId, const FakeRun& r) {
    RunStart start;
    start.name = QString("%1-%2-s%3").arg(studyId, r.arm).arg(r.seed).toStdString();
    start.seed = r.seed;
    start.config = QJsonObject{{"name", QString::fromStdString(start.name)},
                               {"model", QJsonObject{{"name", "wind"}}},
                               {"dataset", QJsonObject{{"name", "wind"}}},
                               {"mapping", QJsonObject{{"preset", r.mapping}}},
                               {"switching", QJsonObject{{"mode", r.mode}}},
                               {"training", QJsonObject{{"seed", double(r.seed)}}}};
    const int64_t id = st.createRun(start);
    std::vector<MetricPoint> pts;
    for (int64_t s = 1; s <= r.steps; ++s) {
        pts.push_back({s, "loss.full", 1.0 / double(s), 0});
        if (r.dualStep >= 0 && s >= r.dualStep) pts.push_back({s, "loss.lora", 1.1 / double(s), 0});
    }
    st.appendMetrics(id, pts);
    if (r.dualStep >= 0) st.appendEvent(id, RunEvent{r.dualStep, 0, "phase", QJsonObject{{"from", "FULL"}, {"to", "DUAL"}}, 0});
    if (r.switchStep >= 0) st.appendEvent(id, RunEvent{r.switchStep, 0, "phase", QJsonObject{{"from", "DUAL"}, {"to", "LORA"}}, 0});
    const double reramWrites = r.reramJ > 0 ? 1000 : 0;
    QJsonObject devices{{"gpu", cost(r.gpuS, r.gpuJ)}, {"systolic", cost(r.systolicS, r.systolicJ)},
                        {"reram", cost(r.reramS, r.reramJ, reramWrites)}};
    // Per phase: the GPU part in FULL, the rest in LORA (enough to check the plumbing).
    QJsonObject perPhase{{"FULL", QJsonObject{{"gpu", cost(r.gpuS, r.gpuJ)}}},
                         {"LORA", QJsonObject{{"systolic", cost(r.systolicS, r.systolicJ)}, {"reram", cost(r.reramS, r.reramJ, reramWrites)}}}};
    const QJsonObject test{{"rmse", r.rmse},
                           {"skill", QJsonObject{{"persistence", QJsonObject{{"skill", 1 - r.rmse / r.persistenceRmse},
                                                                             {"baseline_rmse", r.persistenceRmse},
                                                                             {"comparable", true}}}}}};
    st.finishRun(id, RunStatus::Finished,
                 QJsonObject{{"steps", double(r.steps)}, {"switch_step", double(r.switchStep)}, {"wall_s", 2.0 + double(r.seed)},
                             {"phase", r.switchStep >= 0 ? "LORA" : "FULL"}, {"test", test}, {"devices", devices},
                             {"devices_per_phase", perPhase},
                             {"reram_wear", QJsonObject{{"cell_writes_total", reramWrites}, {"max_writes_per_cell", reramWrites > 0 ? 1.0 : 0.0},
                                                        {"endurance_used_pct", reramWrites > 0 ? 1e-4 : 0.0}}}});
    st.setTags(id, study::runTags(studyId, r.arm, r.seed));
    return id;
}

// Three seeds of full and hybrid with numbers easy to check by hand.
inline std::vector<FakeRun> handStudy() {
    return {
        {"full", "full", "gpu-only", 1, 1.00, 1.25, 100, 2.0, 0, 0, 0, 0, 40, -1, -1},
        {"hybrid", "hybrid", "hpt", 1, 1.02, 1.25, 20, 0.5, 5, 1.0, 5, 1.5, 40, 10, 20},
        {"full", "full", "gpu-only", 2, 1.10, 1.25, 110, 2.2, 0, 0, 0, 0, 40, -1, -1},
        {"hybrid", "hybrid", "hpt", 2, 1.08, 1.25, 22, 0.6, 6, 1.0, 5, 1.6, 40, 12, 22},
        {"full", "full", "gpu-only", 3, 1.20, 1.25, 120, 2.4, 0, 0, 0, 0, 40, -1, -1},
        {"hybrid", "hybrid", "hpt", 3, 1.21, 1.25, 30, 0.7, 6, 1.2, 6, 1.7, 40, 8, 16},
    };
}

}  // namespace hpt::test
