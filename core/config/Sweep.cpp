#include "config/Sweep.h"

#include "config/Names.h"

#include <hpt/Error.h>
#include <hpt/Params.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>
#include <cmath>

namespace hpt {

namespace {

const QStringList kSweepKeys{"name", "base", "axes", "points", "random", "output", "description"};
const QStringList kRandomKeys{"samples", "seed", "axes"};
const QStringList kDistributions{"uniform", "log_uniform", "int_uniform", "choice"};

[[noreturn]] void fail(const QString& where, const QString& field, const QString& msg) {
    throw configError((where + ": " + field).toStdString(), msg.toStdString());
}

void rejectUnknown(const QJsonObject& o, const QStringList& known, const QString& where, const QString& prefix) {
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (known.contains(it.key())) continue;
        const QString near = nearestName(it.key(), known);
        fail(where, prefix + it.key(),
             QString("unknown key%1; allowed: %2")
                 .arg(near.isEmpty() ? QString() : QString(" (did you mean '%1'?)").arg(near), known.join(", ")));
    }
}

// JSON syntax errors carry an offset; users need a line and column.
QString lineColumn(const QByteArray& text, int offset) {
    int line = 1, col = 1;
    for (int i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') { ++line; col = 1; } else ++col;
    }
    return QString("line %1, column %2").arg(line).arg(col);
}

QJsonObject readJsonObject(const QString& path, const QString& what) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw configError(path.toStdString(), QString("cannot open %1: %2").arg(what, f.errorString()).toStdString());
    const QByteArray text = f.readAll();
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &err);
    if (err.error != QJsonParseError::NoError)
        throw configError(QString("%1:%2").arg(path, lineColumn(text, err.offset)).toStdString(),
                          QString("invalid JSON in %1: %2").arg(what, err.errorString()).toStdString());
    if (!doc.isObject())
        throw configError(path.toStdString(), QString("%1 must be a JSON object {...}").arg(what).toStdString());
    return doc.object();
}

// Random values are rounded to 6 significant digits so the --set text and the
// value used are the same number, and listings stay readable.
double round6(double x) { return QString::number(x, 'g', 6).toDouble(); }

struct RandomAxis {
    QString key, kind;
    double lo = 0, hi = 0;
    QJsonArray choices;
};

RandomAxis parseRandomAxis(const QString& key, const QJsonValue& v, const QString& where) {
    const QString field = "random.axes." + key;
    if (!v.isObject() || v.toObject().size() != 1)
        fail(where, field, QString("expected one distribution, e.g. {\"log_uniform\": [0.001, 0.05]}; one of %1")
                               .arg(kDistributions.join(", ")));
    const QJsonObject o = v.toObject();
    RandomAxis a;
    a.key = key;
    a.kind = o.begin().key();
    if (!kDistributions.contains(a.kind)) {
        const QString near = nearestName(a.kind, kDistributions);
        fail(where, field + "." + a.kind,
             QString("unknown distribution%1; one of %2")
                 .arg(near.isEmpty() ? QString() : QString(" (did you mean '%1'?)").arg(near), kDistributions.join(", ")));
    }
    const QJsonArray arr = o.begin().value().toArray();
    if (a.kind == "choice") {
        if (arr.isEmpty()) fail(where, field + ".choice", "expected a non-empty list of values");
        a.choices = arr;
        return a;
    }
    if (arr.size() != 2 || !arr[0].isDouble() || !arr[1].isDouble())
        fail(where, field + "." + a.kind, "expected [low, high] with two numbers");
    a.lo = arr[0].toDouble();
    a.hi = arr[1].toDouble();
    if (!(a.lo <= a.hi)) fail(where, field + "." + a.kind, QString("low %1 is above high %2").arg(a.lo).arg(a.hi));
    if (a.kind == "log_uniform" && a.lo <= 0)
        fail(where, field + ".log_uniform", "bounds must be > 0 (the logarithm is sampled uniformly)");
    if (a.kind == "int_uniform" && (a.lo != std::floor(a.lo) || a.hi != std::floor(a.hi)))
        fail(where, field + ".int_uniform", "bounds must be integers");
    return a;
}

QJsonValue draw(const RandomAxis& a, SweepRandom& rng) {
    const double u = rng.uniform01();
    if (a.kind == "choice") return a.choices[std::min<int>(int(u * a.choices.size()), a.choices.size() - 1)];
    if (a.kind == "int_uniform") {
        const double n = a.hi - a.lo + 1;
        return QJsonValue(a.lo + std::min(std::floor(u * n), n - 1));
    }
    if (a.kind == "log_uniform") return QJsonValue(round6(std::exp(std::log(a.lo) + u * (std::log(a.hi) - std::log(a.lo)))));
    return QJsonValue(round6(a.lo + u * (a.hi - a.lo)));
}

}  // namespace

uint64_t SweepRandom::next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double SweepRandom::uniform01() { return double(next() >> 11) * 0x1.0p-53; }

QString setValueText(const QJsonValue& v) {
    if (v.isString()) return v.toString();
    return QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
}

QStringList SweepRun::sets() const {
    QStringList out;
    for (const auto& [k, v] : values) out << k + "=" + setValueText(v);
    return out;
}

Sweep parseSweep(const QJsonObject& o, const QString& baseDir, const QString& where) {
    rejectUnknown(o, kSweepKeys, where, "");
    Sweep s;
    s.source = o;

    if (o.contains("name") && !o.value("name").isString()) fail(where, "name", "expected a string");
    s.name = o.value("name").toString();
    if (s.name.isEmpty()) s.name = "sweep";
    // The name becomes a folder, a Slurm job name and the prefix of every run name: data, never code.
    if (const QString why = nameProblem(s.name, NameKind::Sweep); !why.isEmpty())
        fail(where, "name", QString("'%1' %2; it becomes a folder and run-name prefix, so use %3")
                                .arg(escapeControl(s.name.left(80)), why, safeNameRule(NameKind::Sweep)));

    const QJsonValue base = o.value("base");
    if (base.isString()) {
        s.baseFile = QFileInfo(QDir(baseDir), base.toString()).absoluteFilePath();
        s.base = readJsonObject(s.baseFile, "base experiment (sweep field 'base')");
        s.source.insert("base", s.base);
    } else if (base.isObject()) {
        s.base = base.toObject();
    } else {
        fail(where, "base", "expected an experiment file name (relative to the sweep file) or an inline experiment object");
    }

    const QJsonValue out = o.value("output");
    if (!out.isUndefined() && !out.isString()) fail(where, "output", "expected a folder name");
    s.output = QDir::cleanPath(QFileInfo(QDir(baseDir), out.toString(s.name)).absoluteFilePath());

    // Grid axes: keys in sorted order (QJsonObject's order), the last varies fastest.
    std::vector<std::pair<QString, QJsonArray>> grid;
    const QJsonValue axes = o.value("axes");
    if (!axes.isUndefined() && !axes.isObject()) fail(where, "axes", "expected {\"dotted.key\": [values...], ...}");
    const QJsonObject gridAxes = axes.toObject();
    for (auto it = gridAxes.begin(); it != gridAxes.end(); ++it) {
        if (it.key().isEmpty()) fail(where, "axes", "an axis key is empty; use a dotted key like \"lora.rank\"");
        if (!it.value().isArray() || it.value().toArray().isEmpty())
            fail(where, "axes." + it.key(), "expected a non-empty list of values, e.g. [4, 8]");
        for (const auto& v : it.value().toArray())
            if (v.isNull()) fail(where, "axes." + it.key(), "null is not a value; leave the key out instead");
        grid.emplace_back(it.key(), it.value().toArray());
    }

    // Explicit points: bundles of values that belong together (a study's arm sets
    // switching.mode and mapping.preset at once), crossed with the grid like one axis.
    std::vector<std::vector<std::pair<QString, QJsonValue>>> points;
    const QJsonValue pts = o.value("points");
    if (!pts.isUndefined()) {
        if (!pts.isArray() || pts.toArray().isEmpty())
            fail(where, "points", "expected a non-empty list of {\"dotted.key\": value, ...} objects");
        const QJsonArray arr = pts.toArray();
        for (int i = 0; i < arr.size(); ++i) {
            const QString field = QString("points[%1]").arg(i);
            if (!arr[i].isObject()) fail(where, field, "expected an object {\"dotted.key\": value, ...}");
            const QJsonObject po = arr[i].toObject();
            std::vector<std::pair<QString, QJsonValue>> bundle;
            for (auto it = po.begin(); it != po.end(); ++it) {
                if (it.key().isEmpty()) fail(where, field, "a key is empty; use a dotted key like \"lora.rank\"");
                if (it.value().isNull()) fail(where, field + "." + it.key(), "null is not a value; leave the key out instead");
                if (gridAxes.contains(it.key()))
                    fail(where, field + "." + it.key(), "is also a grid axis; sweep each key one way");
                bundle.emplace_back(it.key(), it.value());
            }
            points.push_back(std::move(bundle));
        }
    }

    std::vector<RandomAxis> random;
    int samples = 0;
    uint64_t seed = 0;
    const QJsonValue rnd = o.value("random");
    if (!rnd.isUndefined()) {
        if (!rnd.isObject()) fail(where, "random", "expected {\"samples\": N, \"seed\": S, \"axes\": {...}}");
        const QJsonObject r = rnd.toObject();
        rejectUnknown(r, kRandomKeys, where, "random.");
        const QJsonValue n = r.value("samples");
        if (!n.isDouble() || n.toDouble() < 1 || n.toDouble() != std::floor(n.toDouble()) || n.toDouble() > 100000)
            fail(where, "random.samples", "expected an integer in [1, 100000]");
        samples = n.toInt();
        const QJsonValue sd = r.value("seed");
        if (!sd.isUndefined() && (!sd.isDouble() || sd.toDouble() < 0 || sd.toDouble() != std::floor(sd.toDouble())))
            fail(where, "random.seed", "expected a non-negative integer");
        seed = uint64_t(sd.toDouble(0));
        if (!r.value("axes").isObject() || r.value("axes").toObject().isEmpty())
            fail(where, "random.axes", "expected at least one axis, e.g. {\"switching.alpha\": {\"log_uniform\": [0.001, 0.05]}}");
        const QJsonObject ra = r.value("axes").toObject();
        for (auto it = ra.begin(); it != ra.end(); ++it) {
            if (gridAxes.contains(it.key()))
                fail(where, "random.axes." + it.key(), "is also a grid axis; sweep each key one way");
            random.push_back(parseRandomAxis(it.key(), it.value(), where));
        }
    }

    size_t gridSize = std::max<size_t>(points.size(), 1);
    for (const auto& g : grid) {
        gridSize *= size_t(g.second.size());
        if (gridSize > 1000000) fail(where, "axes", "the grid expands to more than 1 000 000 runs");
    }
    const size_t total = gridSize * size_t(std::max(samples, 1));
    if (total > 1000000) fail(where, "random.samples", "the sweep expands to more than 1 000 000 runs");

    // Random samples are drawn once, in sample order then axis order, so adding a
    // grid axis does not change which random points are used.
    std::vector<std::vector<QJsonValue>> drawn(static_cast<size_t>(samples));
    SweepRandom rng(seed);
    for (auto& d : drawn)
        for (const auto& a : random) d.push_back(draw(a, rng));

    const int width = std::max(3, int(QString::number(qulonglong(total - 1)).size()));
    for (size_t g = 0; g < gridSize; ++g) {
        for (size_t r = 0; r < size_t(std::max(samples, 1)); ++r) {
            SweepRun run;
            run.index = int(s.runs.size());
            run.name = QString("%1-%2").arg(s.name).arg(run.index, width, 10, QChar('0'));
            size_t rest = g;
            std::vector<std::pair<QString, QJsonValue>> gv(grid.size());
            for (size_t a = grid.size(); a-- > 0;) {
                const auto& vals = grid[a].second;
                gv[a] = {grid[a].first, vals[int(rest % size_t(vals.size()))]};
                rest /= size_t(vals.size());
            }
            // Points vary slowest: all grid values of point 0 come first.
            if (!points.empty()) run.values = points[rest];
            run.values.insert(run.values.end(), gv.begin(), gv.end());
            if (samples > 0)
                for (size_t a = 0; a < random.size(); ++a) run.values.emplace_back(random[a].key, drawn[r][a]);
            s.runs.push_back(std::move(run));
        }
    }
    return s;
}

Sweep loadSweepFile(const QString& path) {
    const QFileInfo fi(path);
    if (!fi.isFile())
        throw configError(path.toStdString(), "no such sweep file; pass the path of a sweep JSON (see resources/sweeps/)");
    QJsonObject o = readJsonObject(fi.absoluteFilePath(), "sweep file");
    if (!o.contains("name"))
        o.insert("name", fi.completeBaseName().replace(QRegularExpression("[^A-Za-z0-9_.-]"), "-"));
    return parseSweep(o, fi.absolutePath(), fi.fileName());
}

}  // namespace hpt
