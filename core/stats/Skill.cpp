#include "stats/Skill.h"

#include <cmath>
#include <limits>

namespace hpt {

QJsonObject skillScores(double modelRmse, const QJsonObject& baselines) {
    QJsonObject out;
    for (auto it = baselines.begin(); it != baselines.end(); ++it) {
        if (!it.value().isObject()) continue;  // e.g. "unit"
        const QJsonObject b = it.value().toObject();
        const double rmse = b.value("rmse").toDouble(std::numeric_limits<double>::quiet_NaN());
        if (!std::isfinite(rmse) || rmse <= 0 || !std::isfinite(modelRmse)) continue;
        out.insert(it.key(), QJsonObject{{"skill", 1.0 - modelRmse / rmse},
                                         {"baseline_rmse", rmse},
                                         {"comparable", b.value("comparable").toBool(true)}});
    }
    return out;
}

double worstComparableSkill(const QJsonObject& skill) {
    double worst = std::numeric_limits<double>::quiet_NaN();
    for (auto it = skill.begin(); it != skill.end(); ++it) {
        const QJsonObject s = it.value().toObject();
        if (!s.value("comparable").toBool(true)) continue;
        const double v = s.value("skill").toDouble();
        if (std::isnan(worst) || v < worst) worst = v;
    }
    return worst;
}

}  // namespace hpt
