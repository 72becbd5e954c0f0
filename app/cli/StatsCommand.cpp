// `hpt stats ttest A.csv B.csv [--alpha A] [--welch] [--column C] [--json]`: the
// t-test the engine uses to end DUAL, applied to any two columns of numbers
// (e.g. exported loss streams), so users can check a switch decision by hand.
#include "cli/Command.h"

#include "stats/NumericCsv.h"
#include "stats/TTest.h"

#include <hpt/Error.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <cstdio>

namespace {

// JSON has no infinity: t = ±inf (both samples constant, different means) is written as a string.
QJsonValue number(double v) {
    if (std::isfinite(v)) return v;
    return std::isnan(v) ? QStringLiteral("nan") : v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
}

int runStats(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription(
        "Statistical tests used by the engine.\n\n"
        "  hpt stats ttest A.csv B.csv   two-sided two-sample t-test (Student pooled, or --welch)\n\n"
        "Each CSV holds one value per row (an optional header line; with several columns pick one with --column).\n"
        "Decision: 'no significant difference' when |t| < t_crit(1 - alpha/2, df) and p > alpha.");
    p.addHelpOption();
    p.addPositionalArgument("test", "The test to run: ttest.");
    p.addPositionalArgument("A.csv", "First sample (e.g. the full model's losses).");
    p.addPositionalArgument("B.csv", "Second sample (e.g. the LoRA copy's losses).");
    p.addOption({"alpha", "Significance level in (0, 1) (default 0.01, as switching.alpha).", "A", "0.01"});
    p.addOption({"welch", "Welch's unequal-variance test instead of Student's pooled-variance test."});
    p.addOption({"column", "Column to read from both files: header name or 1-based index (default: first).", "C"});
    p.addOption({"json", "Print JSON."});
    if (!hpt::cli::parseOrFail(p, args)) return hpt::cli::BadArguments;
    const QStringList pos = p.positionalArguments();
    if (pos.isEmpty() || pos[0] != "ttest") {
        std::fprintf(stderr, "%s: expected a test name: 'ttest' (got '%s').\nSee '%s --help'.\n",
                     qPrintable(args.value(0)), qPrintable(pos.value(0)), qPrintable(args.value(0)));
        return hpt::cli::BadArguments;
    }
    if (pos.size() != 3) {
        std::fprintf(stderr, "%s ttest: needs two CSV files, A.csv and B.csv (got %lld).\n",
                     qPrintable(args.value(0)), static_cast<long long>(pos.size() - 1));
        return hpt::cli::BadArguments;
    }
    try {
        bool ok = false;
        const double alpha = p.value("alpha").toDouble(&ok);
        if (!ok) throw hpt::configError("--alpha", "'" + p.value("alpha").toStdString() + "' is not a number");
        const bool welch = p.isSet("welch");
        const auto a = hpt::readNumericCsv(pos[1]).column(p.value("column"));
        const auto b = hpt::readNumericCsv(pos[2]).column(p.value("column"));
        const auto r = hpt::tTest(a, b, alpha, welch);
        const char* test = welch ? "welch" : "student";
        const char* decision = r.significant ? "significant difference" : "no significant difference";
        if (p.isSet("json")) {
            const QJsonObject o{{"test", test},
                                {"t", number(r.t)},
                                {"p", r.p},
                                {"df", r.df},
                                {"critical", r.critical},
                                {"alpha", r.alpha},
                                {"significant", r.significant},
                                {"decision", decision},
                                {"a", QJsonObject{{"file", pos[1]}, {"n", double(a.size())}, {"mean", r.meanA}}},
                                {"b", QJsonObject{{"file", pos[2]}, {"n", double(b.size())}, {"mean", r.meanB}}}};
            std::fputs(QJsonDocument(o).toJson().constData(), stdout);
            return hpt::cli::Ok;
        }
        std::printf("%s two-sample t-test, two-sided, alpha = %g\n", welch ? "Welch" : "Student (pooled variance)",
                    r.alpha);
        std::printf("  A: %s  n = %zu  mean = %.10g\n", qPrintable(pos[1]), a.size(), r.meanA);
        std::printf("  B: %s  n = %zu  mean = %.10g\n", qPrintable(pos[2]), b.size(), r.meanB);
        std::printf("  t = %.6g   df = %.6g   p = %.6g   critical |t| = %.6g\n", r.t, r.df, r.p, r.critical);
        std::printf("decision: %s (%s)\n", decision,
                    r.significant ? "|t| >= t_crit or p <= alpha" : "|t| < t_crit and p > alpha");
        return hpt::cli::Ok;
    } catch (const std::exception& e) {
        return hpt::cli::reportError(e);
    }
}

}  // namespace

HPT_COMMAND("stats", "Statistical tests on CSV columns (ttest: Student/Welch, as the DUAL->LORA switch uses)",
            runStats);
