#pragma once
// Skill of a forecast against the dataset's naive baselines (persistence,
// climatology, last week, …): skill = 1 − RMSE_model / RMSE_baseline.
// > 0 beats the baseline, 0 ties it, < 0 loses to it. A dataset marks a
// baseline "comparable": false when it uses information the model is not
// given (e.g. SWE persistence uses yesterday's SWE); its skill is still
// computed but reports must say "not comparable". Definition and per-dataset
// notes: resources/docs/statistics.md.
#include <QJsonObject>

namespace hpt {

// baselines: {"<name>": {"rmse": x, ["comparable": bool], …}, ["unit": "…"]}
// (Dataset::baselines()). Returns {"<name>": {"skill", "baseline_rmse",
// "comparable"}} for every baseline with a finite, positive RMSE; others are
// left out.
QJsonObject skillScores(double modelRmse, const QJsonObject& baselines);

// The smallest skill over the comparable baselines (the one a result must
// beat); NaN when there is none.
double worstComparableSkill(const QJsonObject& skill);

}  // namespace hpt
