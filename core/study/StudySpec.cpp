#include "study/StudySpec.h"

#include "config/Sweep.h"

#include <hpt/Error.h>
#include <hpt/Params.h>

#include <QCryptographicHash>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <algorithm>
#include <set>

namespace hpt::study {

namespace {

struct Preset {
    const char* name;
    const char* mode;
    const char* mapping;
};
// The paper's baseline and HpT itself, plus the two ablations the paper discusses.
const Preset kPresets[] = {
    {"full", "full", "gpu-only"},
    {"hybrid", "hybrid", "hpt"},
    {"lora", "lora", "hpt"},
    {"reram-naive", "hybrid", "reram-naive"},
};
const QStringList kModes{"full", "hybrid", "lora"};
const QStringList kMappings{"gpu-only", "hpt", "reram-naive"};

QJsonArray valuesJson(const std::vector<std::pair<QString, QJsonValue>>& values) {
    QJsonArray a;
    for (const auto& [k, v] : values) a.append(k + "=" + setValueText(v));
    return a;
}

}  // namespace

QJsonObject Arm::toJson() const {
    return {{"name", name}, {"mode", mode}, {"mapping", mapping}, {"sets", valuesJson(values)}};
}

QStringList armPresetNames() {
    QStringList n;
    for (const auto& p : kPresets) n << p.name;
    return n;
}

Arm parseArm(const QString& text) {
    const QString t = text.trimmed();
    for (const auto& p : kPresets)
        if (t == p.name) return Arm{p.name, p.mode, p.mapping, {}};
    static const QRegularExpression custom("^([A-Za-z0-9_.-]+)=([a-z]+)@([a-z-]+)$");
    const auto m = custom.match(t);
    if (!m.hasMatch()) {
        const QString near = nearestName(t, armPresetNames());
        throw configError("--arms", QString("unknown arm '%1'%2; use %3, or NAME=MODE@MAPPING (e.g. lora-gpu=lora@gpu-only)")
                                        .arg(t, near.isEmpty() ? QString() : QString(" (did you mean '%1'?)").arg(near),
                                             armPresetNames().join(", "))
                                        .toStdString());
    }
    if (!kModes.contains(m.captured(2)))
        throw configError("--arms", QString("arm '%1': mode '%2' is none of %3").arg(t, m.captured(2), kModes.join(", ")).toStdString());
    if (!kMappings.contains(m.captured(3)))
        throw configError("--arms", QString("arm '%1': mapping '%2' is none of %3").arg(t, m.captured(3), kMappings.join(", ")).toStdString());
    return Arm{m.captured(1), m.captured(2), m.captured(3), {}};
}

std::vector<Arm> parseArms(const QString& list) {
    std::vector<Arm> arms;
    std::set<QString> seen;
    for (const auto& part : list.split(',', Qt::SkipEmptyParts)) {
        Arm a = parseArm(part);
        if (!seen.insert(a.name).second)
            throw configError("--arms", QString("arm '%1' is listed twice").arg(a.name).toStdString());
        arms.push_back(std::move(a));
    }
    if (arms.empty()) throw configError("--arms", "no arms given; e.g. --arms full,hybrid");
    return arms;
}

std::vector<int64_t> parseSeeds(const QString& text, int64_t first) {
    std::vector<int64_t> seeds;
    const auto bad = [&] {
        return configError("--seeds", QString("'%1' is neither a count (e.g. 3) nor a list of seeds (e.g. 1,5,9)")
                                          .arg(text).toStdString());
    };
    if (!text.contains(',')) {
        bool ok = false;
        const int n = text.toInt(&ok);
        if (!ok) throw bad();
        if (n < 1 || n > 1000) throw configError("--seeds", QString("%1 seeds: use 1 to 1000").arg(n).toStdString());
        for (int i = 0; i < n; ++i) seeds.push_back(first + i);
        return seeds;
    }
    std::set<int64_t> seen;
    for (const auto& part : text.split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const qlonglong s = part.trimmed().toLongLong(&ok);
        if (!ok || s < 0) throw bad();
        if (!seen.insert(s).second) throw configError("--seeds", QString("seed %1 is listed twice").arg(s).toStdString());
        seeds.push_back(s);
    }
    if (seeds.empty()) throw bad();
    return seeds;
}

QStringList reservedKeys() { return {"switching.mode", "mapping.preset", "training.seed", "name"}; }

QString computeId(const StudySpec& s) {
    QJsonArray arms, seeds;
    for (const auto& a : s.arms) arms.append(a.toJson());
    for (auto v : s.seeds) seeds.append(double(v));
    const QJsonObject what{{"experiment", s.experiment}, {"arms", arms}, {"seeds", seeds},
                           {"sets", QJsonArray::fromStringList(s.sets)}, {"data_dir", s.dataDir}};
    const QByteArray h = QCryptographicHash::hash(QJsonDocument(what).toJson(QJsonDocument::Compact),
                                                  QCryptographicHash::Sha256).toHex().left(8);
    QString name = s.experimentName;
    name.replace(QRegularExpression("[^A-Za-z0-9_.-]"), "-");
    if (name.isEmpty()) name = "study";
    return name + "-" + QString::fromLatin1(h);
}

std::vector<StudyRun> expandRuns(const StudySpec& s) {
    std::vector<StudyRun> runs;
    for (auto seed : s.seeds) {
        for (const auto& a : s.arms) {
            StudyRun r;
            r.index = int(runs.size());
            r.arm = a.name;
            r.seed = seed;
            r.values = {{"switching.mode", a.mode}, {"mapping.preset", a.mapping}, {"training.seed", double(seed)}};
            r.values.insert(r.values.end(), a.values.begin(), a.values.end());
            runs.push_back(std::move(r));
        }
    }
    return runs;
}

QJsonObject toSweep(const StudySpec& s) {
    QJsonArray points;
    for (const auto& r : expandRuns(s)) {
        QJsonObject p;
        for (const auto& [k, v] : r.values) p.insert(k, v);
        points.append(p);
    }
    QJsonObject o{{"name", s.id}, {"points", points},
                  {"description", QString("study %1: arms × seeds of %2").arg(s.id, s.experimentName)}};
    o.insert("base", s.experimentFile.isEmpty() ? QJsonValue(s.experiment) : QJsonValue(s.experimentFile));
    return o;
}

QString runName(const StudySpec& s, int index) {
    const size_t total = s.arms.size() * s.seeds.size();
    const int width = std::max(3, int(QString::number(qulonglong(total == 0 ? 0 : total - 1)).size()));
    return QString("%1-%2").arg(s.id).arg(index, width, 10, QChar('0'));
}

StudySpec specFromSweep(const QString& sweepFile) {
    const Sweep sw = loadSweepFile(sweepFile);
    StudySpec s;
    s.sweepFile = QFileInfo(sweepFile).absoluteFilePath();
    s.experimentFile = sw.baseFile;
    s.experiment = sw.base;
    s.experimentName = sw.name;
    s.arms.push_back(parseArm("full"));
    const QStringList reserved = reservedKeys();
    for (const auto& r : sw.runs) {
        Arm a = parseArm("hybrid");
        QStringList label;
        for (const auto& [k, v] : r.values) {
            if (reserved.contains(k))
                throw configError(QFileInfo(sweepFile).fileName().toStdString() + ": " + k.toStdString(),
                                  "a study sets this key itself (arms and seeds); sweep other keys");
            a.values.emplace_back(k, v);
            label << k + "=" + setValueText(v);
        }
        a.name = "hybrid:" + label.join(',');
        s.arms.push_back(std::move(a));
    }
    return s;
}

QStringList runTags(const QString& studyId, const QString& arm, int64_t seed) {
    return {"study:" + studyId, "arm:" + arm, "seed:" + QString::number(seed)};
}

QString tagValue(const QStringList& tags, const QString& prefix) {
    for (const auto& t : tags)
        if (t.startsWith(prefix + ":")) return t.mid(prefix.size() + 1);
    return {};
}

}  // namespace hpt::study
