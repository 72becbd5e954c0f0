// Skill against the naive baselines: 1 − RMSE_model / RMSE_baseline, per
// baseline, with the dataset's "comparable" flag carried through and the worst
// comparable skill (the acceptance bar) ignoring baselines that know more.
#include "stats/Skill.h"

#include <QtTest>
#include <cmath>

using namespace hpt;

class TestSkill : public QObject {
    Q_OBJECT
private slots:
    void skillPerBaseline() {
        const QJsonObject baselines{{"persistence", QJsonObject{{"rmse", 2.0}, {"mae", 1.5}}},
                                    {"climatology", QJsonObject{{"rmse", 4.0}}},
                                    {"unit", "m/s"}};
        const QJsonObject s = skillScores(1.5, baselines);
        QCOMPARE(s.size(), qsizetype(2));  // "unit" is no baseline
        QCOMPARE(s.value("persistence").toObject().value("skill").toDouble(), 0.25);
        QCOMPARE(s.value("climatology").toObject().value("skill").toDouble(), 0.625);
        QCOMPARE(s.value("climatology").toObject().value("baseline_rmse").toDouble(), 4.0);
        QVERIFY(s.value("persistence").toObject().value("comparable").toBool());
        // Worse than a baseline: negative skill.
        QCOMPARE(skillScores(3.0, baselines).value("persistence").toObject().value("skill").toDouble(), -0.5);
        QCOMPARE(worstComparableSkill(s), 0.25);
    }
    void notComparableBaselinesAreShownButNotTheBar() {
        const QJsonObject baselines{{"persistence", QJsonObject{{"rmse", 1.0}, {"comparable", false}}},
                                    {"climatology", QJsonObject{{"rmse", 10.0}}}};
        const QJsonObject s = skillScores(5.0, baselines);
        QCOMPARE(s.value("persistence").toObject().value("comparable").toBool(), false);
        QCOMPARE(s.value("persistence").toObject().value("skill").toDouble(), -4.0);
        QCOMPARE(worstComparableSkill(s), 0.5);
    }
    void undefinedBaselinesAreSkipped() {
        const QJsonObject baselines{{"empty", QJsonObject{{"rmse", QJsonValue()}}}, {"zero", QJsonObject{{"rmse", 0.0}}}};
        QVERIFY(skillScores(1.0, baselines).isEmpty());
        QVERIFY(skillScores(NAN, {{"a", QJsonObject{{"rmse", 1.0}}}}).isEmpty());
        QVERIFY(std::isnan(worstComparableSkill({})));
    }
};

QTEST_GUILESS_MAIN(TestSkill)
#include "tst_skill.moc"
