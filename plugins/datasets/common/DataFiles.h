#pragma once
// Where dataset files are looked for, in this order:
//   1. the dataDir argument (experiment dataset.data_dir / --data-dir),
//   2. the plugin parameter "data_dir",
//   3. $HPT_DATA_DIR,
//   4. <GenericDataLocation>/HpT/hpt/datasets (Linux: ~/.local/share/HpT/hpt/datasets,
//      the same folder QStandardPaths::AppDataLocation gives for organisation "HpT",
//      application "hpt"; datasets/download puts files there).
// A folder may be the top-level one (holding wind/, covid/, swe/, weather/) or
// the dataset's own subfolder.
#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace hpt::data {

// Candidate folders for `subdir` ("wind"), most specific first, deduplicated.
// An explicit dataDir or data_dir is the only place searched (no silent fallback).
QStringList searchDirs(const QString& dataDir, const QJsonObject& params, const QString& subdir);
// The default download folder (4. above).
QString defaultDataHome();
// First existing `dir/relName` over `dirs`, or "".
QString findFile(const QStringList& dirs, const QString& relName);
// Throws hpt::Error(Data) saying where it looked and how to get the file.
[[noreturn]] void throwMissing(const QString& dataset, const QString& relName, const QStringList& dirs);
// Whole file; throws naming the file when unreadable or empty.
QByteArray readAll(const QString& path);
QString sha256Hex(const QByteArray& bytes);

}  // namespace hpt::data
