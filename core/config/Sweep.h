#pragma once
// Parameter sweeps: a base experiment plus axes over dotted configuration keys
// (the same keys `--set` takes). Grid axes are crossed; random axes draw
// `samples` seeded points, each crossed with every grid point. Expansion is
// deterministic: the same file gives the same runs, in the same order, with
// the same values, on every machine (own PRNG arithmetic, no std::
// distributions whose output differs between standard libraries).
// Schema and examples: resources/docs/batch.md.
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <utility>
#include <vector>

namespace hpt {

struct SweepRun {
    int index = 0;                                     // 0-based, also the Slurm array task id
    QString name;                                      // "<sweep>-003"
    std::vector<std::pair<QString, QJsonValue>> values;  // dotted key → value, axis order
    // The same values as `--set key=value` arguments, in axis order.
    QStringList sets() const;
};

struct Sweep {
    QString name;        // "name", else the sweep file's base name
    QString output;      // sweep folder (absolute); "output", else "<file dir>/<name>"
    QJsonObject base;    // the base experiment, loaded when "base" names a file
    QString baseFile;    // the file "base" named (absolute), "" when inline
    std::vector<SweepRun> runs;
    QJsonObject source;  // the sweep object as read, with "base" inlined (self-contained copy)
};

// Parses a sweep object. `baseDir` resolves a relative "base" file and
// "output"; `where` names the file in error messages. Throws hpt::Error
// (ErrorKind::Config) naming the offending field, e.g. "sweep.json: axes.lora.rank".
Sweep parseSweep(const QJsonObject& sweep, const QString& baseDir, const QString& where);
// Reads and parses a sweep file; JSON syntax errors name the file and the line/column.
Sweep loadSweepFile(const QString& path);

// How a value is written on a `--set` line: strings bare, everything else as
// compact JSON (so the experiment resolver parses it back to the same value).
QString setValueText(const QJsonValue& v);

// Splitmix64-based generator used for random axes (public so tests can pin it).
class SweepRandom {
public:
    explicit SweepRandom(uint64_t seed) : state_(seed) {}
    uint64_t next();
    double uniform01();  // [0, 1) with 53 random bits
private:
    uint64_t state_;
};

}  // namespace hpt
