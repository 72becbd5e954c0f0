#pragma once
// CSV for spreadsheets and plotting scripts: any table the GUI shows, and a
// run's raw series (one row per step, one column per metric key).
#include <QString>

class QAbstractItemModel;

namespace hpt::gui {
class RunData;

// RFC 4180 quoting; header row from the model's horizontal header. Throws hpt::Error on I/O failure.
void writeTableCsv(const QAbstractItemModel& model, const QString& path);
// step, wall_time_s, then one column per key (empty where a key has no value at that step).
void writeSeriesCsv(const RunData& run, const QString& path);
QString csvField(const QString& s);

}  // namespace hpt::gui
