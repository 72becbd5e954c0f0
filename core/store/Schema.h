#pragma once
// The store's schema as a list of forward migrations: step k turns a
// version-(k−1) file into version k, in one transaction. A new file runs every
// step from 0, so the v1 layout stays exercised and every upgrade path is the
// same code.
#include <QString>

struct sqlite3;

namespace hpt::schema {

// The v1 DDL (also what tests write to build a v1 file).
extern const char* const kV1;

// Migrates from PRAGMA user_version to `target`; throws hpt::Error(Store).
void migrate(sqlite3* db, const QString& path, int from, int target);

}  // namespace hpt::schema
