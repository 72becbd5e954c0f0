#pragma once
// A study: the paper's comparison as one object. The same experiment runs
// once per (arm, seed); an arm fixes how training switches (switching.mode)
// and where each operation runs (mapping.preset). `full` on `gpu-only` is the
// baseline every other arm is compared with, seed by seed. A study expands to
// a sweep with explicit points, so it runs through the sweep machinery (local
// processes or a Slurm array). Its id is a hash of what it runs, so the same
// command finds the same study again and runs only what is missing.
// Reference: resources/docs/study.md.
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <utility>
#include <vector>

namespace hpt::study {

struct Arm {
    QString name;     // "full", "hybrid", "lora", "reram-naive", a custom name or "hybrid:<point>"
    QString mode;     // switching.mode
    QString mapping;  // mapping.preset
    // Further values of this arm (a sweep point's), dotted key → value.
    std::vector<std::pair<QString, QJsonValue>> values;
    QJsonObject toJson() const;
};

// The named arms: full = full@gpu-only, hybrid = hybrid@hpt, lora = lora@hpt,
// reram-naive = hybrid@reram-naive.
QStringList armPresetNames();
// A preset name, or "NAME=MODE@MAPPING" for any other combination. Throws
// hpt::Error (Config, "--arms") naming the presets, modes and mappings.
Arm parseArm(const QString& text);
// "full,hybrid" → arms; duplicates and an empty list are errors.
std::vector<Arm> parseArms(const QString& list);
// "3" → 3 seeds from `first`; "1,5,9" → those seeds. Throws (Config, "--seeds").
std::vector<int64_t> parseSeeds(const QString& text, int64_t first);

struct StudySpec {
    QString experimentFile;   // absolute path of the experiment (or of the sweep's base file); "" when inline
    QJsonObject experiment;   // the experiment as read
    QString experimentName;   // its "name", else the file's base name
    QString sweepFile;        // set when the study runs a sweep's points as hybrid arms
    std::vector<Arm> arms;    // the first arm named "full" is the baseline
    std::vector<int64_t> seeds;
    QStringList sets;         // the user's --set, the same for every run
    QString dataDir;          // --data-dir (absolute), "" when not given
    QString id;               // computeId()
};

// Keys the study itself sets; a --set of one of them would undo an arm.
QStringList reservedKeys();
// "<experiment name>-<8 hex of SHA-256 over experiment, arms, seeds, sets, data dir>".
QString computeId(const StudySpec& s);

struct StudyRun {
    int index = 0;  // sweep point index (also the Slurm array task id)
    QString arm;
    int64_t seed = 0;
    std::vector<std::pair<QString, QJsonValue>> values;  // every value this run sets
};
// Seed-major (every arm of seed 1, then of seed 2, ...), so an interrupted study
// has complete pairs to compare.
std::vector<StudyRun> expandRuns(const StudySpec& s);
// The sweep that runs the study: base = the experiment, one point per run, name = the id.
QJsonObject toSweep(const StudySpec& s);
// The sweep run name of run `index` ("<id>-003"), as the sweep machinery names it.
QString runName(const StudySpec& s, int index);

// A study over a sweep: the full arm plus one hybrid arm per sweep point.
// Throws hpt::Error (Config) when the sweep sets keys the study reserves.
StudySpec specFromSweep(const QString& sweepFile);

// Tags that mark a stored run as a study's: "study:<id>", "arm:<name>", "seed:<n>".
QStringList runTags(const QString& studyId, const QString& arm, int64_t seed);
QString tagValue(const QStringList& tags, const QString& prefix);  // "study" → the id, "" when absent

}  // namespace hpt::study
