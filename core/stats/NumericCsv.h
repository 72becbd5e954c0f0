#pragma once
// Numeric CSV for the command-line tools (`hpt stats ttest`, `hpt id`): rows of
// numbers separated by ',', ';', tabs or spaces, an optional header line, '#'
// comments and blank lines ignored. Every malformed cell is an hpt::Error (Data)
// naming file:line:column and the fix.
#include <torch/torch.h>

#include <QString>
#include <QStringList>
#include <vector>

namespace hpt {

struct NumericCsv {
    QString file;
    QStringList header;                     // empty when the first line is numeric
    std::vector<std::vector<double>> rows;  // all rows have the same width
    int64_t columns() const { return rows.empty() ? 0 : int64_t(rows.front().size()); }
    // One column by header name or 1-based index ("2"); "" = the only/first column.
    std::vector<double> column(const QString& which) const;
    torch::Tensor matrix() const;  // [rows, columns], double
};

NumericCsv readNumericCsv(const QString& path);

}  // namespace hpt
