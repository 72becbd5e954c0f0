#include "stats/NumericCsv.h"

#include <hpt/Error.h>

#include <QFile>
#include <QRegularExpression>
#include <QTextStream>
#include <cmath>

namespace hpt {

namespace {

QStringList splitCells(const QString& line) {
    static const QRegularExpression sep(QStringLiteral("\\s*[,;\\t]\\s*|\\s+"));
    return line.trimmed().split(sep);
}

}  // namespace

NumericCsv readNumericCsv(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        throw dataError(path.toStdString(), "cannot open (" + f.errorString().toStdString() + ")");
    NumericCsv csv;
    csv.file = path;
    QTextStream in(&f);
    int lineNo = 0;
    bool first = true;
    while (!in.atEnd()) {
        const QString line = in.readLine();
        ++lineNo;
        if (line.trimmed().isEmpty() || line.trimmed().startsWith('#')) continue;
        const QStringList cells = splitCells(line);
        std::vector<double> row;
        row.reserve(size_t(cells.size()));
        bool numeric = true, text = false;
        int badColumn = 0;
        for (int c = 0; c < cells.size(); ++c) {
            bool ok = false;
            const double v = cells[c].toDouble(&ok);
            text = text || !ok;  // "nan"/"inf" parse: they are bad values, not a header
            if (!ok || !std::isfinite(v)) {
                numeric = false;
                if (!badColumn) badColumn = c + 1;
            }
            row.push_back(v);
        }
        const std::string at = path.toStdString() + ":" + std::to_string(lineNo) + ":" + std::to_string(badColumn);
        if (!numeric) {
            if (first && text) {  // a header line
                csv.header = cells;
                first = false;
                continue;
            }
            const QString cell = cells[badColumn - 1];
            bool ok = false;
            cell.toDouble(&ok);
            throw dataError(at, ok ? "value '" + cell.toStdString() + "' is NaN or infinite (remove or impute it)"
                                   : "'" + cell.toStdString() + "' is not a number (one numeric value per cell; "
                                                                "only the first line may be a header)");
        }
        first = false;
        const size_t width = csv.rows.empty() ? (csv.header.isEmpty() ? row.size() : size_t(csv.header.size()))
                                              : csv.rows.front().size();
        if (row.size() != width)
            throw dataError(path.toStdString() + ":" + std::to_string(lineNo),
                            "has " + std::to_string(row.size()) + " values but the " +
                                (csv.rows.empty() ? std::string("header has ") : std::string("first row has ")) +
                                std::to_string(width) + " (every row needs the same number of columns)");
        csv.rows.push_back(std::move(row));
    }
    if (csv.rows.empty()) throw dataError(path.toStdString(), "contains no numeric rows");
    return csv;
}

std::vector<double> NumericCsv::column(const QString& which) const {
    int64_t c = 0;
    if (!which.isEmpty()) {
        bool isIndex = false;
        const int idx = which.toInt(&isIndex);
        if (isIndex) c = idx - 1;
        else c = header.indexOf(which);
        if (c < 0 || c >= columns())
            throw dataError(file.toStdString(),
                            "has no column '" + which.toStdString() + "' (" + std::to_string(columns()) +
                                " column(s)" +
                                (header.isEmpty() ? std::string("") : ": " + header.join(", ").toStdString()) +
                                "; give a header name or a 1-based index)");
    }
    std::vector<double> out;
    out.reserve(rows.size());
    for (const auto& r : rows) out.push_back(r[size_t(c)]);
    return out;
}

torch::Tensor NumericCsv::matrix() const {
    auto m = torch::empty({int64_t(rows.size()), columns()}, torch::kDouble);
    auto a = m.accessor<double, 2>();
    for (size_t i = 0; i < rows.size(); ++i)
        for (size_t j = 0; j < rows[i].size(); ++j) a[int64_t(i)][int64_t(j)] = rows[i][j];
    return m;
}

}  // namespace hpt
