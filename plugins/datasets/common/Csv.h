#pragma once
// A small, strict CSV tokenizer: every field knows its file, line and column,
// so bad input is reported where it is. Handles a UTF-8 BOM, CRLF, simple
// "quoted" fields and surrounding spaces; blank lines are skipped.
#include <QByteArray>
#include <QString>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hpt::data {

class CsvCursor {
public:
    // `file` names the source in error messages (e.g. "wind/MS_winds.dat").
    CsvCursor(const QByteArray& bytes, std::string file, char delimiter = ',');
    // The cursor points into `bytes`, which must outlive it: a temporary would dangle.
    CsvCursor(QByteArray&& bytes, std::string file, char delimiter = ',') = delete;
    // Advances to the next non-blank line; false at end of input.
    bool next();
    int64_t line() const { return line_; }  // 1-based
    const std::vector<std::string_view>& fields() const { return fields_; }
    const std::string& file() const { return file_; }
    // "file:line:col" for error messages (col is 1-based).
    std::string where(int col) const;
    // Throws unless the current row has exactly `n` fields; `what` says what a row holds.
    void expectColumns(size_t n, const std::string& what) const;

private:
    const char* p_;
    const char* end_;
    std::string file_;
    char delim_;
    int64_t line_ = 0;
    std::vector<std::string_view> fields_;
    std::vector<std::string> unquoted_;  // storage for fields with "" escapes
};

// Cell text that counts as a missing value: "", NA, NaN, nan, null, N/A.
bool isMissingToken(std::string_view s);

// Parses one numeric cell. Returns nullopt for a missing cell (see isMissingToken);
// throws hpt::Error(Data) naming file:line:col for text that is not a number,
// for ±Inf / overflow, and for values outside [lo, hi] (`what` names the quantity
// and its unit, e.g. "wind speed in m/s").
std::optional<double> parseNumber(const CsvCursor& c, int col, const std::string& what,
                                  double lo = -1e15, double hi = 1e15);

// Trimmed text of a field (spaces and tabs removed at both ends).
std::string_view trimmed(std::string_view s);

}  // namespace hpt::data
