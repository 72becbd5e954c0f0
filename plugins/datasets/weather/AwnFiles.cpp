// AgWeatherNet hourly exports → daily station table. Hourly blanks are common
// in AWN exports, so they are skipped inside a day; a day with no reading of a
// variable is what the missing-value policy acts on. Daily value = mean of the
// hourly readings (precipitation: their sum). Only dates every station has are
// kept, as in the reference.
#include "Csv.h"
#include "DataFiles.h"
#include "MissingValues.h"
#include "WeatherTable.h"

#include <hpt/Error.h>

#include <QFileInfo>

#include <map>
#include <set>
#include <unordered_map>

namespace hpt::data {

WeatherTable readAwnFiles(const std::vector<std::string>& files, const std::string& policy) {
    const auto& vars = awnVariables();
    constexpr int kPrecip = 8;
    struct Acc { double sum[13] = {}; int n[13] = {}; };
    std::vector<std::map<QDate, Acc>> perStation;
    WeatherTable t;
    QByteArray all;
    for (const auto& file : files) {
        const QByteArray bytes = readAll(QString::fromStdString(file));
        all += bytes;
        CsvCursor c(bytes, file);
        if (!c.next()) throw dataError(file, "empty file; expected an AWN hourly export with a header");
        std::unordered_map<std::string, int> col;
        for (size_t k = 0; k < c.fields().size(); ++k) col[std::string(trimmed(c.fields()[k]))] = int(k);
        const size_t ncols = c.fields().size();
        auto need = [&](const std::string& n) {
            auto it = col.find(n);
            if (it == col.end()) throw dataError(c.where(1), "header has no column '" + n + "'; expected an AWN hourly export");
            return it->second;
        };
        const int cTime = need("MAX_TSTAMP_PST");
        int vc[13];
        for (int v = 0; v < 13; ++v) vc[v] = need(vars[size_t(v)]);
        std::map<QDate, Acc> days;
        bool any = false;
        while (c.next()) {
            any = true;
            c.expectColumns(ncols, "the header's columns");
            const std::string_view ts = trimmed(c.fields()[size_t(cTime)]);
            const QDate day = QDate::fromString(QString::fromUtf8(ts.data(), int(std::min<size_t>(ts.size(), 10))), "yyyy-MM-dd");
            if (!day.isValid())
                throw dataError(c.where(cTime + 1), "expected a timestamp 'YYYY-MM-DD hh:mm:ss', found '" + std::string(ts) + "'");
            Acc& a = days[day];
            for (int v = 0; v < 13; ++v) {
                const auto x = parseNumber(c, vc[v], vars[size_t(v)] + " (" + awnUnits()[size_t(v)] + ")");
                if (x) { a.sum[v] += *x; ++a.n[v]; }
            }
        }
        if (!any) throw dataError(file, "header only; expected hourly rows");
        perStation.push_back(std::move(days));
        t.stations.push_back(QFileInfo(QString::fromStdString(file)).completeBaseName().toStdString());
    }
    std::set<QDate> common;
    for (const auto& [d, a] : perStation[0]) common.insert(d);
    for (size_t s = 1; s < perStation.size(); ++s) {
        std::set<QDate> keep;
        for (const auto& d : common)
            if (perStation[s].count(d)) keep.insert(d);
        common.swap(keep);
    }
    if (common.size() < 3) throw dataError(files.front(), "the station files share fewer than 3 dates; supply overlapping exports");
    t.days.assign(common.begin(), common.end());
    const size_t D = t.days.size(), S = files.size();
    t.values.assign(D * S * 13, std::nan(""));
    int64_t missing = 0;
    for (size_t s = 0; s < S; ++s)
        for (size_t d = 0; d < D; ++d) {
            const Acc& a = perStation[s].at(t.days[d]);
            for (int v = 0; v < 13; ++v) {
                if (a.n[v] == 0) {
                    if (policy == "error")
                        throwMissingCell(files[s] + " (" + t.days[d].toString(Qt::ISODate).toStdString() + ")",
                                         "at least one hourly " + vars[size_t(v)] + " reading that day");
                    ++missing;
                    continue;
                }
                t.values[(d * S + s) * 13 + size_t(v)] = v == kPrecip ? a.sum[v] : a.sum[v] / a.n[v];
            }
        }
    int64_t filled = 0;
    if (policy == "fill" && missing)
        for (size_t s = 0; s < S; ++s) {  // carry each station's last daily value forward
            std::vector<double> block(D * 13);
            for (size_t d = 0; d < D; ++d)
                std::copy_n(t.values.begin() + long((d * S + s) * 13), 13, block.begin() + long(d * 13));
            filled += fillForward(block, int64_t(D), 13, files[s], vars);
            for (size_t d = 0; d < D; ++d)
                std::copy_n(block.begin() + long(d * 13), 13, t.values.begin() + long((d * S + s) * 13));
        }
    t.path = files.size() == 1 ? files.front() : QFileInfo(QString::fromStdString(files.front())).absolutePath().toStdString();
    t.sha256 = sha256Hex(all).toStdString();
    t.notes = QJsonObject{{"files", double(files.size())},
                          {"common_dates", double(D)},
                          {"missing_daily_values", double(missing)},
                          {"filled_daily_values", double(filled)},
                          {"sha256_of", "concatenation of the station files in name order"}};
    return t;
}

}  // namespace hpt::data
