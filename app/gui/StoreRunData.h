#pragma once
// Reading a stored run into the charts' RunData, and the numbers of a run's
// final record that the browser and compare tables show (the engine's final
// JSON is searched under the few names it may use).
#include "gui/RunData.h"

#include <QJsonObject>
#include <QString>
#include <cstdint>

namespace hpt {
class Store;
struct RunSummary;
}

namespace hpt::gui {

// Series keep at most `maxPointsPerKey` points (every k-th plus the last), so a
// long run opens quickly; 0 keeps all.
RunData loadRunData(const Store& store, int64_t run, int maxPointsPerKey = 4000);

// A number from the final JSON by the first dotted path that exists; NaN if none.
double finalNumber(const QJsonObject& final, const QStringList& paths);
double finalRmse(const QJsonObject& final);
double finalNse(const QJsonObject& final);
double finalSwitchStep(const QJsonObject& final);
// Total energy (J) over devices: final "energy_j" or the sum of final devices.*.energy_j.
double finalEnergy(const QJsonObject& final);
// final.test.skill as one line per baseline: "persistence: skill -0.013 (its RMSE 5.6)", or
// "…: not comparable" where the dataset marks the baseline so.
QString skillText(const QJsonObject& skill);
// Per device role → value of `field` ("energy_j", "time_s", "writes").
QJsonObject finalPerDevice(const QJsonObject& final, const QString& field);

}  // namespace hpt::gui
