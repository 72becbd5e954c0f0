#pragma once
// The answer at the end of `hpt --batch`: test error against each baseline
// with skill, steps per phase and the switch steps, modeled time and energy
// per device and phase, what the same steps would have cost on GPUs only, ReRAM
// writes and wear, and where the run is stored. One JSON object (the summary's
// "result") and the ≤ 20 lines printed from it, so both say the same numbers.
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace hpt {
class PluginHost;
}

namespace hpt::cli {

// final: the engine's final block; segments: BatchSummary::segments().
// {"run_id", "status", "steps", "wall_s", "test": {rmse, mae, nse, unit}, "skill": final.test.skill,
//  "phase_steps": {"FULL": n, …}, "dual_step", "switch_step", "devices", "devices_per_phase",
//  "gpu_only": priceOnMapping(…) + {"ratio": {"time", "energy"}} or {"error": why},
//  "reram": {"writes", "max_writes_per_cell", "endurance_used_pct", "projected_lifetime_runs"},
//  "store", "gui"}
QJsonObject resultJson(const PluginHost& host, const QJsonObject& config, const QJsonObject& final,
                       const QJsonArray& segments, const QString& storePath, int64_t runId);

// The result block (at most 20 lines), from resultJson's object alone.
QStringList resultLines(const QJsonObject& result, const QString& runName = QString());

// 325.5 J, 12.3 mJ, 4.56 kJ: four significant digits with an SI prefix.
QString si(double value, const QString& unit);

}  // namespace hpt::cli
