#include "gui/RunsModel.h"

#include "gui/StoreRunData.h"
#include "stats/Skill.h"

#include <QColor>
#include <cmath>

namespace hpt::gui {

namespace {
QString number(double v, int prec = 4) { return std::isnan(v) ? QString("—") : QString::number(v, 'g', prec); }
QVariant sortNumber(double v) { return std::isnan(v) ? QVariant() : QVariant(v); }
QString duration(double s) {
    if (!(s >= 0)) return "—";
    const qint64 t = qint64(s + 0.5);
    return QString("%1:%2:%3").arg(t / 3600).arg(t / 60 % 60, 2, 10, QChar('0')).arg(t % 60, 2, 10, QChar('0'));
}
}  // namespace

RunsModel::RunsModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunsModel::setRuns(std::vector<RunSummary> runs, std::function<std::map<int64_t, QJsonObject>()> configs) {
    beginResetModel();
    rows_.clear();
    rows_.reserve(runs.size());
    for (auto& r : runs) {
        const QJsonObject skill = r.final.value("test").toObject().value("skill").toObject();
        const double rmse = finalRmse(r.final), nse = finalNse(r.final), energy = finalEnergy(r.final);
        rows_.push_back({std::move(r), rmse, nse, worstComparableSkill(skill), energy});
    }
    readConfigs_ = std::move(configs);
    configs_.clear();
    configsLoaded_ = false;
    endResetModel();
}

bool RunsModel::matches(int row, const Query& q) const {
    if (q.empty()) return true;
    const RunSummary& r = rows_[size_t(row)].summary;
    if (!q.needsConfig()) return q.matches(r);
    if (!configsLoaded_) {
        configsLoaded_ = true;
        if (readConfigs_) configs_ = readConfigs_();
    }
    const auto it = configs_.find(r.id);
    return q.matches(r, it == configs_.end() ? QJsonObject() : it->second);
}

int RunsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int RunsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RunsModel::headerData(int section, Qt::Orientation o, int role) const {
    static const QStringList names{"id",     "name",       "model",    "dataset", "mapping", "status",       "test RMSE",
                                   "test NSE", "skill",    "energy [J]", "duration", "tags",  "created (UTC)", "notes"};
    if (o == Qt::Horizontal && role == Qt::DisplayRole && section >= 0 && section < names.size()) return names[section];
    return QAbstractTableModel::headerData(section, o, role);
}

QVariant RunsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(rows_.size())) return {};
    const Row& row = rows_[size_t(index.row())];
    const RunSummary& r = row.summary;
    const int c = index.column();
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        auto text = [sort](const QString& s) -> QVariant { return sort ? s.toLower() : s; };
        switch (c) {
        case Id: return sort ? QVariant(qlonglong(r.id)) : QVariant(QString::number(r.id));
        case Name: return text(r.name);
        case Model: return text(r.model);
        case Dataset: return text(r.dataset + (r.synthetic ? "  [synthetic]" : ""));
        case Mapping: return text(r.mapping);
        case Status: return text(r.damaged.isEmpty() ? r.status : r.status + " (damaged)");
        case Rmse: return sort ? sortNumber(row.rmse) : QVariant(number(row.rmse));
        case Nse: return sort ? sortNumber(row.nse) : QVariant(number(row.nse));
        case Skill: return sort ? sortNumber(row.skill) : QVariant(number(row.skill));
        case Energy: return sort ? sortNumber(row.energy) : QVariant(number(row.energy));
        case Duration: return sort ? QVariant(r.durationS) : QVariant(duration(r.durationS));
        case Tags: return text(r.tags.join(", "));
        case Created: return text(r.createdAt);
        case Notes: return text(r.notes);
        default: return {};
        }
    }
    if (role == Qt::ForegroundRole) {
        if (c == Dataset && r.synthetic) return QColor(239, 108, 0);
        if (c == Status) {
            if (!r.damaged.isEmpty() || r.status == "failed") return QColor(198, 40, 40);
            if (r.status == "interrupted") return QColor(239, 108, 0);
            if (r.status == "running") return QColor(21, 101, 192);
        }
        return {};
    }
    if (role == Qt::ToolTipRole) {  // made when hovered, not for every run up front
        if (c == Dataset) return r.synthetic ? "trained on a synthetic twin of the dataset" : "real data";
        if (c == Status && !r.damaged.isEmpty())
            return QString("damaged: field %1 of run %2 is not valid JSON").arg(r.damaged.join(", ")).arg(r.id);
        // Skill against the hardest comparable baseline (the one a result must beat); all of them here.
        if (c == Skill) return skillText(r.final.value("test").toObject().value("skill").toObject());
        if (c == Notes && !r.notes.isEmpty()) return r.notes;
    }
    return {};
}

void RunsFilter::setQuery(Query q) {
    query_ = std::move(q);
    invalidateFilter();
}

bool RunsFilter::filterAcceptsRow(int sourceRow, const QModelIndex&) const {
    const auto* m = static_cast<const RunsModel*>(sourceModel());
    return m->matches(sourceRow, query_);
}

}  // namespace hpt::gui
