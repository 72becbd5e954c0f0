#pragma once
// Many runs as tidy tables for analysis code (pandas, R, DuckDB): one row per
// observation, one column per variable, the run id in every table so tables
// join on it. `hpt export --all [--where Q] --format csv|jsonl DIR` writes them;
// the recipe that reads them is resources/docs/analysis.md.
//
//   runs     run, uuid, name, status, model, dataset, synthetic, mapping, created_at, finished_at, duration_s, last_step, notes
//   tags     run, tag
//   configs  run, key, value      (the resolved configuration flattened: lora.rank, training.lr, lora.targets.0 …)
//   final    run, key, value      (the final report flattened: test.rmse, test.skill.persistence.skill …)
//   metrics  run, key, step, value, wall_time_s
//   events   run, step, epoch, type, wall_time_s, payload (JSON text)
//
// Parquet is not offered: Debian 12 packages no Arrow/Parquet C++ library (see analysis.md).
#include "store/Store.h"

#include <QString>
#include <QStringList>
#include <vector>

namespace hpt {

enum class TidyFormat { Csv, JsonLines };

// Parses "csv" or "jsonl"; throws hpt::Error(Config) naming --format and the choices
// (and why "parquet" is not one).
TidyFormat parseTidyFormat(const QString& text);

// Writes the six tables for `runs` into `dir` (created if missing) and returns the file
// names written. Every file is checked before the first is written, so a refusal (an
// existing file without `overwrite`, a symlink) leaves the folder as it was.
QStringList writeTidyTables(const Store& store, const std::vector<RunSummary>& runs, const QString& dir,
                            TidyFormat format, bool overwrite);

}  // namespace hpt
