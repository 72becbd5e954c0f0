#pragma once
// Grouping compared runs, as W&B and Aim group a sweep: by one config key
// ("by training.seed": one group per seed), by everything but one key ("all but
// training.seed": the seeds of each configuration together — the useful case
// when a t-test decides on noisy losses), or by study arm (the run's "arm:" tag
// that `hpt study` sets). Pure functions, no widgets: Compare, its exports and
// the tests share them.
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <vector>

namespace hpt::gui {

struct GroupBy {
    enum Mode { None, ByKey, AllBut, ByArm } mode = None;
    QString key;  // dotted config key for ByKey / AllBut
    // "none", "arm", "by:KEY", "but:KEY" (the form saved in QSettings).
    static GroupBy parse(const QString& s);
    QString toString() const;
    QString describe() const;  // "all but training.seed"
};

struct RunGroup {
    QString label;             // "lora.rank = 8, switching.alpha = 0.05"
    std::vector<int> members;  // indices into the runs, ascending
};

// Keys that name a run rather than configure it, left out of "all but K" (a
// sweep gives each run its own name).
const QStringList& identityKeys();

// Groups in order of their first member. Mode None gives one group per run.
// ByKey: runs missing the key form the group "K = —". ByArm: runs without an
// "arm:" tag form the group "no arm".
std::vector<RunGroup> groupRuns(const std::vector<QJsonObject>& configs, const std::vector<QStringList>& tags,
                                const GroupBy& by, const QStringList& runNames = {});

}  // namespace hpt::gui
