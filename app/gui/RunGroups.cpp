#include "gui/RunGroups.h"

#include "gui/ConfigDiff.h"

#include <map>

namespace hpt::gui {

GroupBy GroupBy::parse(const QString& s) {
    GroupBy g;
    if (s == "arm") g.mode = ByArm;
    else if (s.startsWith("by:")) { g.mode = ByKey; g.key = s.mid(3); }
    else if (s.startsWith("but:")) { g.mode = AllBut; g.key = s.mid(4); }
    if ((g.mode == ByKey || g.mode == AllBut) && g.key.isEmpty()) g.mode = None;
    return g;
}

QString GroupBy::toString() const {
    switch (mode) {
    case None: return "none";
    case ByArm: return "arm";
    case ByKey: return "by:" + key;
    case AllBut: return "but:" + key;
    }
    return "none";
}

QString GroupBy::describe() const {
    switch (mode) {
    case None: return "no grouping";
    case ByArm: return "by study arm";
    case ByKey: return "by " + key;
    case AllBut: return "all but " + key;
    }
    return {};
}

const QStringList& identityKeys() {
    static const QStringList keys{"name", "checkpoint.dir"};
    return keys;
}

std::vector<RunGroup> groupRuns(const std::vector<QJsonObject>& configs, const std::vector<QStringList>& tags,
                                const GroupBy& by, const QStringList& runNames) {
    std::vector<RunGroup> groups;
    const int n = int(configs.size());
    if (by.mode == GroupBy::None) {
        for (int i = 0; i < n; ++i)
            groups.push_back({i < runNames.size() ? runNames[i] : QString("run %1").arg(i + 1), {i}});
        return groups;
    }
    // "All but K": the label shows only the keys that differ between the groups, not the whole config.
    std::vector<QString> differing;
    if (by.mode == GroupBy::AllBut)
        for (const auto& row : configDiff(configs))
            if (row.key != by.key && !identityKeys().contains(row.key)) differing.push_back(row.key);
    std::map<QString, int> index;  // group identity → position in `groups`
    for (int i = 0; i < n; ++i) {
        const auto flat = flattenConfig(configs[size_t(i)]);
        QString id, label;
        switch (by.mode) {
        case GroupBy::None: break;
        case GroupBy::ByArm: {
            const QStringList& t = i < int(tags.size()) ? tags[size_t(i)] : QStringList();
            for (const auto& tag : t)
                if (tag.startsWith("arm:")) { id = tag.mid(4); break; }
            label = id.isEmpty() ? QString("no arm") : "arm " + id;
            break;
        }
        case GroupBy::ByKey: {
            const auto it = flat.find(by.key);
            id = it == flat.end() ? QString("—") : displayValue(it->second);
            label = by.key + " = " + id;
            break;
        }
        case GroupBy::AllBut: {
            QStringList parts;
            for (const auto& [k, v] : flat)
                if (k != by.key && !identityKeys().contains(k)) id += k + "=" + displayValue(v) + "\n";
            for (const auto& k : differing) {
                const auto it = flat.find(k);
                parts << k + " = " + (it == flat.end() ? QString("—") : displayValue(it->second));
            }
            label = parts.isEmpty() ? QString("all runs") : parts.join(", ");
            break;
        }
        }
        const auto it = index.find(id);
        if (it == index.end()) {
            index.emplace(id, int(groups.size()));
            groups.push_back({label, {i}});
        } else {
            groups[size_t(it->second)].members.push_back(i);
        }
    }
    return groups;
}

}  // namespace hpt::gui
