#include "Csv.h"

#include <hpt/Error.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <charconv>
#include <cmath>
#include <cstring>

namespace hpt::data {

CsvCursor::CsvCursor(const QByteArray& bytes, std::string file, char delimiter)
    : p_(bytes.constData()), end_(bytes.constData() + bytes.size()), file_(std::move(file)), delim_(delimiter) {
    // Spreadsheet exports often start with a UTF-8 byte-order mark.
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
}

std::string CsvCursor::where(int col) const {
    return file_ + ":" + std::to_string(line_) + ":" + std::to_string(col);
}

bool CsvCursor::next() {
    for (;;) {
        if (p_ >= end_) return false;
        ++line_;
        const char* eol = static_cast<const char*>(std::memchr(p_, '\n', size_t(end_ - p_)));
        const char* lineEnd = eol ? eol : end_;
        const char* stop = lineEnd;
        if (stop > p_ && stop[-1] == '\r') --stop;  // CRLF
        const char* s = p_;
        p_ = eol ? eol + 1 : end_;
        // Blank (or whitespace-only) lines separate nothing: skip them.
        bool blank = true;
        for (const char* q = s; q < stop; ++q)
            if (*q != ' ' && *q != '\t') { blank = false; break; }
        if (blank) continue;

        fields_.clear();
        unquoted_.clear();
        const char* f = s;
        while (true) {
            const char* q = f;
            while (q < stop && (*q == ' ' || *q == '\t')) ++q;
            if (q < stop && *q == '"') {
                // Quoted field: up to the closing quote; "" is a literal quote.
                std::string text;
                const char* r = q + 1;
                bool closed = false;
                while (r < stop) {
                    if (*r == '"') {
                        if (r + 1 < stop && r[1] == '"') { text += '"'; r += 2; continue; }
                        closed = true;
                        ++r;
                        break;
                    }
                    text += *r++;
                }
                if (!closed)
                    throw dataError(where(int(fields_.size()) + 1), "unterminated quoted field; close the quote or remove it");
                while (r < stop && (*r == ' ' || *r == '\t')) ++r;
                unquoted_.push_back(std::move(text));
                // A null view marks a quoted field; it is pointed at unquoted_ once the row is done
                // (unquoted_ may still reallocate).
                fields_.emplace_back();
                f = r;
                if (f < stop && *f == delim_) { ++f; continue; }
                if (f < stop)
                    throw dataError(where(int(fields_.size())), "text after a closing quote; expected a delimiter");
                break;
            }
            const char* d = static_cast<const char*>(std::memchr(f, delim_, size_t(stop - f)));
            const char* fe = d ? d : stop;
            fields_.emplace_back(f, size_t(fe - f));
            if (!d) break;
            f = d + 1;
        }
        // Point quoted fields at their final storage.
        if (!unquoted_.empty()) {
            size_t k = 0;
            for (auto& sv : fields_)
                if (sv.data() == nullptr && k < unquoted_.size()) sv = unquoted_[k++];
        }
        return true;
    }
}

void CsvCursor::expectColumns(size_t n, const std::string& what) const {
    if (fields_.size() == n) return;
    const int col = int(std::min(fields_.size(), n)) + (fields_.size() < n ? 0 : 1);
    throw dataError(where(std::max(col, 1)),
                    "expected " + std::to_string(n) + " columns (" + what + "), found " +
                        std::to_string(fields_.size()) + "; every row must have the same number of columns");
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool isMissingToken(std::string_view s) {
    s = trimmed(s);
    if (s.empty()) return true;
    auto eq = [&](const char* t) {
        const size_t n = std::strlen(t);
        if (s.size() != n) return false;
        for (size_t i = 0; i < n; ++i)
            if (std::tolower(static_cast<unsigned char>(s[i])) != t[i]) return false;
        return true;
    };
    return eq("na") || eq("nan") || eq("null") || eq("n/a") || eq("-nan");
}

std::optional<double> parseNumber(const CsvCursor& c, int col, const std::string& what, double lo, double hi) {
    const auto& fs = c.fields();
    std::string_view s = trimmed(fs.at(size_t(col)));
    if (isMissingToken(s)) return std::nullopt;
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    double v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    auto show = [&] { return "'" + std::string(trimmed(fs.at(size_t(col)))).substr(0, 40) + "'"; };
    if (r.ec == std::errc::result_out_of_range)
        throw dataError(c.where(col + 1), "number " + show() + " is out of range; expected " + what);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size())
        throw dataError(c.where(col + 1), "expected a number (" + what + "), found " + show());
    if (!std::isfinite(v))
        throw dataError(c.where(col + 1), "expected a finite number (" + what + "), found " + show());
    if (v < lo || v > hi) {
        char range[96];
        std::snprintf(range, sizeof range, "[%g, %g]", lo, hi);
        throw dataError(c.where(col + 1), "value " + show() + " is outside the plausible range " + range + " for " +
                                              what + "; fix the cell or remove the row");
    }
    return v;
}

}  // namespace hpt::data
