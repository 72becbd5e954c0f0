#pragma once
// The store's speed, for `hpt bench --store [--json]`: sustained metric insert
// rate and the time to read + downsample a 1 000 000-point series for a plot.
// Writes a scratch store under scratchDir and removes it afterwards.
#include <QJsonObject>
#include <QString>

namespace hpt {

// {"insert_rows_per_s": Store::appendMetrics in 50 000-row transactions,
//  "sink_rows_per_s": through StoreSink (engine → queue → writer thread → commit),
//  "downsample_1m_ms": Store::series(run, key, false, 2000) over 1 000 000 points,
//  "read_1m_ms": the same series without downsampling, "rows": .., "keys": .., "file_mb": ..}
// `rows` scales the insert phases (default 2 000 000); the series is always 1 000 000 points.
QJsonObject runStoreBenchmark(const QString& scratchDir, int64_t rows = 2000000);

}  // namespace hpt
