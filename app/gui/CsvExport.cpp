#include "gui/CsvExport.h"

#include "gui/RunData.h"

#include "util/CsvText.h"

#include <hpt/Error.h>

#include <QAbstractItemModel>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTextStream>
#include <map>

namespace hpt::gui {

// Numbers as they are, text by the OWASP formula rule (util/CsvText.h).
QString csvField(const QString& s) { return csvCell(s); }

namespace {
void commit(QSaveFile& f, const QString& path) {
    if (!f.commit()) throw configError(path.toStdString(), "cannot write the CSV file; check the folder's permissions");
}
}  // namespace

void writeTableCsv(const QAbstractItemModel& model, const QString& path) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text))
        throw configError(path.toStdString(), "cannot create the CSV file; check the folder's permissions");
    QTextStream out(&f);
    QStringList row;
    for (int c = 0; c < model.columnCount(); ++c) row << csvField(model.headerData(c, Qt::Horizontal).toString());
    out << row.join(',') << '\n';
    for (int r = 0; r < model.rowCount(); ++r) {
        row.clear();
        for (int c = 0; c < model.columnCount(); ++c) row << csvField(model.data(model.index(r, c)).toString());
        out << row.join(',') << '\n';
    }
    out.flush();
    commit(f, path);
}

void writeSeriesCsv(const RunData& run, const QString& path) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Text))
        throw configError(path.toStdString(), "cannot create the CSV file; check the folder's permissions");
    QTextStream out(&f);
    std::vector<std::string> keys;
    std::map<double, std::pair<double, std::vector<QString>>> rows;  // step → (wall, values)
    for (const auto& kv : run.series()) keys.push_back(kv.first);
    for (size_t k = 0; k < keys.size(); ++k) {
        const auto& s = run.series().at(keys[k]);
        for (int i = 0; i < s.step.size(); ++i) {
            auto& row = rows[s.step[i]];
            if (row.second.empty()) row.second.resize(keys.size());
            row.first = s.wall[i];
            row.second[k] = QString::number(s.value[i], 'g', 10);
        }
    }
    out << "step,wall_time_s";
    for (const auto& k : keys) out << ',' << csvField(QString::fromStdString(k));
    out << '\n';
    for (const auto& [step, row] : rows) {
        out << QString::number(step, 'g', 15) << ',' << QString::number(row.first, 'g', 10);
        for (const auto& v : row.second) out << ',' << v;
        out << '\n';
    }
    out.flush();
    commit(f, path);
}

}  // namespace hpt::gui
