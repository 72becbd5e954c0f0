// `hpt merge OUT.sqlite IN.sqlite...`: copies runs from other stores (e.g. one
// per cluster job) into OUT. Runs are renumbered in OUT; a run already in OUT
// (same uuid) is not copied again, so merging twice changes nothing. The
// inputs are only read.
#include "cli/Command.h"

#include "store/Store.h"

#include <QStringList>
#include <cstdio>

namespace {

int runMerge(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Merge run stores into OUT (created if missing). Inputs are never modified.");
    p.addHelpOption();
    p.addPositionalArgument("out", "The store to merge into.", "OUT.sqlite");
    p.addPositionalArgument("in", "Stores to merge from.", "IN.sqlite...");
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    const QStringList pos = p.positionalArguments();
    if (pos.size() < 2) {
        std::fprintf(stderr, "%s: give the output store and at least one input store.\nSee '%s --help'.\n",
                     qPrintable(args.value(0)), qPrintable(args.value(0)));
        return hpt::cli::BadArguments;
    }
    try {
        hpt::Store out(pos[0]);
        int total = 0;
        QStringList rejected;
        for (int i = 1; i < pos.size(); ++i) {
            QStringList here;
            const int n = out.merge(pos[i], &here);
            std::printf("%s: %d run(s) merged%s\n", qPrintable(pos[i]), n,
                        here.isEmpty() ? "" : qPrintable(QString(", %1 damaged run(s) left out").arg(here.size())));
            total += n;
            rejected << here;
        }
        std::printf("%s: %zu run(s) in total, %d new or updated\n", qPrintable(pos[0]), out.runs().size(), total);
        // Damaged rows are reported, not copied: the output stays readable and the command succeeds.
        for (const auto& r : rejected) std::fprintf(stderr, "warning: %s\n", qPrintable(r));
        return hpt::cli::Ok;
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("merge", "Merge run stores: hpt merge OUT.sqlite IN.sqlite...", runMerge);
