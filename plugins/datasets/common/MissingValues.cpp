#include "MissingValues.h"

#include <hpt/Error.h>

#include <cmath>

namespace hpt::data {

MissingPolicy parseMissingPolicy(const std::string& s) {
    if (s == "error") return MissingPolicy::Error;
    if (s == "fill") return MissingPolicy::Fill;
    if (s == "drop") return MissingPolicy::Drop;
    throw configError("dataset.params.missing", "expected error, fill or drop, got '" + s + "'");
}

const char* toString(MissingPolicy p) {
    switch (p) {
    case MissingPolicy::Error: return "error";
    case MissingPolicy::Fill: return "fill";
    case MissingPolicy::Drop: return "drop";
    }
    return "error";
}

int64_t fillForward(std::vector<double>& v, int64_t rows, int64_t cols, const std::string& what,
                    const std::vector<std::string>& columnNames) {
    int64_t filled = 0;
    for (int64_t c = 0; c < cols; ++c) {
        int64_t firstValid = -1;
        for (int64_t r = 0; r < rows; ++r)
            if (!std::isnan(v[size_t(r * cols + c)])) { firstValid = r; break; }
        if (firstValid < 0) {
            const std::string name = size_t(c) < columnNames.size() ? columnNames[size_t(c)] : "column " + std::to_string(c + 1);
            throw dataError(what, name + " has no value at all, so missing=fill has nothing to carry forward; "
                                         "remove the column or supply data");
        }
        double last = v[size_t(firstValid * cols + c)];
        for (int64_t r = 0; r < rows; ++r) {
            double& x = v[size_t(r * cols + c)];
            if (std::isnan(x)) { x = last; ++filled; }
            else last = x;
        }
    }
    return filled;
}

void throwMissingCell(const std::string& where, const std::string& what) {
    throw dataError(where, "missing value (expected " + what +
                               "); fix the file or set the dataset parameter missing to fill or drop");
}

}  // namespace hpt::data
