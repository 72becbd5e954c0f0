#pragma once
// The missing-value policy every dataset shares (parameter "missing"):
//   error — the first missing cell stops loading, naming file:line:col;
//   fill  — last observation carried forward along time (the next valid one for
//           leading gaps); a column with no value at all is an error;
//   drop  — samples (windows/days) touching a missing value are left out.
#include <cstdint>
#include <string>
#include <vector>

namespace hpt::data {

enum class MissingPolicy { Error, Fill, Drop };
MissingPolicy parseMissingPolicy(const std::string& s);  // throws Config on unknown text
const char* toString(MissingPolicy p);

// Row-major [rows, cols] with NaN for missing; carries values forward along rows.
// Returns how many cells were filled; throws Data naming `what` and the column
// when a column holds no value at all.
int64_t fillForward(std::vector<double>& v, int64_t rows, int64_t cols, const std::string& what,
                    const std::vector<std::string>& columnNames = {});

// The error for a missing cell under policy "error".
[[noreturn]] void throwMissingCell(const std::string& where, const std::string& what);

}  // namespace hpt::data
