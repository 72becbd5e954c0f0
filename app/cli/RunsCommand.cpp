// `hpt runs [STORE.sqlite | --store FILE] [--json] [--recover] [--where QUERY]`: the runs in a
// store, one line each (or JSON for scripts). --recover first marks runs whose writer is gone
// as interrupted; --where keeps the runs a query matches (resources/docs/query.md).
#include "cli/Command.h"
#include "cli/StoreArgument.h"
#include "cli/WhereOption.h"

#include "config/Names.h"
#include "store/Store.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>

namespace {

QString duration(double s) {
    if (s <= 0) return "-";
    const qint64 t = qint64(s + 0.5);
    if (t < 60) return QString("%1s").arg(t);
    if (t < 3600) return QString("%1m%2s").arg(t / 60).arg(t % 60, 2, 10, QChar('0'));
    return QString("%1h%2m").arg(t / 3600).arg((t % 3600) / 60, 2, 10, QChar('0'));
}

QJsonObject toJson(const hpt::RunSummary& r) {
    return {{"id", double(r.id)},         {"uuid", r.uuid},
            {"name", r.name},             {"status", r.status},
            {"model", r.model},           {"dataset", r.dataset},
            {"synthetic", r.synthetic},   {"mapping", r.mapping},
            {"created_at", r.createdAt},  {"finished_at", r.finishedAt},
            {"duration_s", r.durationS},  {"last_step", double(r.lastStep)},
            {"tags", QJsonArray::fromStringList(r.tags)}, {"notes", r.notes},
            {"final", r.final}, {"damaged", QJsonArray::fromStringList(r.damaged)}};
}

int runRuns(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("List the runs in a run store.");
    p.addHelpOption();
    hpt::cli::addStoreOption(p);
    p.addOption({"json", "Print JSON (an array of runs) for scripts."});
    p.addOption({"recover", "First mark runs whose writer process is gone as interrupted (writes to the store)."});
    hpt::cli::addWhereOption(p);
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    hpt::Query where;
    try {
        where = hpt::cli::whereArgument(p);  // before the store opens: a typo costs nothing
    } catch (const hpt::QueryError& e) {
        return hpt::cli::reportQueryError(e, p.value("where"));
    }
    try {
        bool named = false;
        const QString path = hpt::cli::storeArgument(p, &named);
        std::vector<hpt::RunSummary> runs;
        if (QFileInfo::exists(path)) {
            // Read-write when allowed so an older schema is migrated; listing itself writes nothing.
            hpt::Store store(path, !QFileInfo(path).isWritable());
            if (p.isSet("recover")) {
                const int n = store.recoverInterrupted();
                if (n > 0) std::fprintf(stderr, "marked %d run(s) interrupted (their writer is gone)\n", n);
            }
            runs = hpt::queryRuns(store, where);
            // A damaged row is listed with what could be read, and named, so the rest stays usable.
            for (const auto& r : runs)
                if (!r.damaged.isEmpty())
                    std::fprintf(stderr, "warning: damaged: field %s of run %lld is not valid JSON; listed with what "
                                         "could be read\n", qPrintable(r.damaged.join(", ")), static_cast<long long>(r.id));
        } else if (named) {
            std::fprintf(stderr, "error: %s: does not exist; check the path.\n", qPrintable(path));
            return hpt::cli::BadArguments;
        }
        if (p.isSet("json")) {
            QJsonArray a;
            for (const auto& r : runs) a.append(toJson(r));
            std::fputs(QJsonDocument(a).toJson().constData(), stdout);
            return hpt::cli::Ok;
        }
        std::printf("Store: %s\n", qPrintable(path));
        if (runs.empty()) {
            std::printf(where.empty() ? "No runs yet.\n" : "No run matches --where.\n");
            return hpt::cli::Ok;
        }
        std::printf("%5s  %-11s  %-24s  %-10s  %-18s  %-8s  %-19s  %9s  %9s\n", "ID", "STATUS", "NAME", "MODEL",
                    "DATASET", "MAPPING", "CREATED (UTC)", "DURATION", "LAST STEP");
        // Stored text is printed with control characters escaped: a name must not drive the terminal.
        using hpt::escapeControl;
        for (const auto& r : runs) {
            const QString dataset = escapeControl(r.synthetic ? r.dataset + " (synthetic)" : r.dataset);
            std::printf("%5lld  %-11s  %-24s  %-10s  %-18s  %-8s  %-19s  %9s  %9lld\n", static_cast<long long>(r.id),
                        qPrintable(escapeControl(r.status)), qPrintable(escapeControl(r.name).left(24)),
                        qPrintable(escapeControl(r.model).left(10)), qPrintable(dataset.left(18)),
                        qPrintable(escapeControl(r.mapping).left(8)),
                        qPrintable(escapeControl(r.createdAt.left(19).replace('T', ' '))), qPrintable(duration(r.durationS)),
                        static_cast<long long>(r.lastStep));
        }
        return hpt::cli::Ok;
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("runs", "List the runs in a run store (STORE.sqlite or --store FILE, --json, --where QUERY)", runRuns);
