#pragma once
// Shared by the fuzz targets (tests/fuzz/fuzz_*.cpp). Most of our parsers read
// files by path, as users' data arrives; the targets write each input into a
// scratch folder on tmpfs and call the real entry point, so what is fuzzed is
// exactly what `hpt` runs. The invariant every target checks: a parser either
// succeeds or throws hpt::Error; any other exception escapes the target and
// libFuzzer (or the replay test) reports it, as it does crashes, leaks and UB.
// The dataset targets' helpers (tensors, so torch) are in FuzzDataset.h.
#include "plugin/PluginHost.h"

#include <hpt/Error.h>
#include <hpt/Params.h>

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <vector>

namespace hpt::fuzz {

// One scratch folder per process, on tmpfs when there is one. The path is never
// destroyed: the atexit handler that removes the folder runs after function-local
// statics constructed before its registration are gone (a use-after-free the gcc
// replay builds hit at exit).
inline const QString& scratchDir() {
    static const QString* dir = [] {
        const QString base = QDir("/dev/shm").exists() ? QStringLiteral("/dev/shm") : QDir::tempPath();
        auto* d = new QString(base + "/hpt-fuzz-" + QString::number(getpid()));
        QDir(*d).removeRecursively();
        QDir().mkpath(*d);
        std::atexit([] { QDir(scratchDir()).removeRecursively(); });  // replay runs leave nothing behind
        return d;
    }();
    return *dir;
}

// Empties the scratch folder (each input starts from nothing).
inline void clearScratch() {
    QDir d(scratchDir());
    d.removeRecursively();
    QDir().mkpath(scratchDir());
}

// Writes `bytes` to scratch/rel (creating folders) and returns the full path.
inline QString writeScratch(const QString& rel, const QByteArray& bytes) {
    const QString path = scratchDir() + "/" + rel;
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) {
        std::fprintf(stderr, "fuzz: cannot write %s\n", qPrintable(path));
        std::abort();
    }
    return path;
}

// Inputs holding several files separate them with a line "%%" ("\n%%\n");
// at most `maxParts` parts (the last one keeps any further separators).
inline std::vector<QByteArray> splitParts(const uint8_t* data, size_t size, int maxParts) {
    const QByteArray all(reinterpret_cast<const char*>(data), qsizetype(size));
    const QByteArray sep("\n%%\n");
    std::vector<QByteArray> parts;
    qsizetype at = 0;
    while (int(parts.size()) < maxParts - 1) {
        const qsizetype k = all.indexOf(sep, at);
        if (k < 0) break;
        parts.push_back(all.mid(at, k - at + 1));  // keep the line's newline
        at = k + sep.size();
    }
    parts.push_back(all.mid(at));
    return parts;
}

// Runs `f`; an hpt::Error is the parser rejecting bad input (fine). Anything
// else (std::out_of_range, c10::Error, ...) propagates and fails the input.
template <class F>
bool succeeds(F&& f) {
    try {
        f();
        return true;
    } catch (const hpt::Error&) {
        return false;
    }
}

// Violated invariant: print it and abort (libFuzzer saves the input).
#define HPT_FUZZ_CHECK(cond)                                                                 \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                    \
        }                                                                                    \
    } while (0)

// The plugins of the build tree, loaded once.
inline PluginHost& pluginHost() {
    static PluginHost* host = [] {
        auto* h = new PluginHost;  // never destroyed: plugins stay loaded until exit
        h->loadFrom({QStringLiteral(HPT_BUILD_PLUGIN_DIR) + "/models", QStringLiteral(HPT_BUILD_PLUGIN_DIR) + "/datasets",
                     QStringLiteral(HPT_BUILD_PLUGIN_DIR) + "/devices"});
        return h;
    }();
    return *host;
}

}  // namespace hpt::fuzz
