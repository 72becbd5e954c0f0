// Runs the pandas recipe of resources/docs/analysis.md, as written, on a hand-made
// store and the tables `hpt export --all` writes from it, and checks its numbers:
// the mean test RMSE per LoRA rank from the tables and from SQLite directly.
// Skips with a message when the system python has no pandas (apt install python3-pandas).
#include "TestSupport.h"
#include "store/Store.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

using namespace hpt;

namespace {

// The ```python blocks of the page, in order, as one script.
QString recipe() {
    QFile f(QStringLiteral(HPT_SOURCE_DIR) + "/resources/docs/analysis.md");
    if (!f.open(QIODevice::ReadOnly)) return {};
    QString script;
    bool in = false;
    for (const QString& line : QString::fromUtf8(f.readAll()).split('\n')) {
        if (!in && line.trimmed() == "```python") in = true;
        else if (in && line.trimmed() == "```") in = false;
        else if (in) script += line + '\n';
    }
    return script;
}

// Debian's python3-pandas is for the system interpreter; prefer it over one first in PATH.
QString python() {
    if (QFile::exists("/usr/bin/python3")) return "/usr/bin/python3";
    return QStandardPaths::findExecutable("python3");
}

QMap<QString, double> meanByRank(const QString& csv) {
    QMap<QString, double> out;
    QFile f(csv);
    if (!f.open(QIODevice::ReadOnly)) return out;
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    for (int i = 1; i < lines.size(); ++i) {  // rank,mean,std,count
        const QStringList c = lines[i].split(',');
        out[QString::number(c.value(0).toDouble())] = c.value(1).toDouble();
    }
    return out;
}

}  // namespace

class TestAnalysisRecipe : public QObject {
    Q_OBJECT
private slots:
    void recipeRunsOnExportedTables() {
        const QString py = python();
        if (py.isEmpty()) QSKIP("no python3: the recipe in resources/docs/analysis.md was not run");
        if (QProcess::execute(py, {"-c", "import pandas"}) != 0)
            QSKIP("python3 has no pandas (apt install python3-pandas): the recipe in resources/docs/analysis.md was not run");
        const QString script = recipe();
        QVERIFY2(script.contains("read_csv") && script.contains("sqlite3"), "analysis.md lost its python blocks");

        QTemporaryDir tmp;
        {
            Store s(tmp.filePath("runs.sqlite"));
            // Rank 4: RMSE 0.5 and 0.7; rank 8: 0.9 and 1.1; a failed rank-8 run that must not count.
            const std::pair<int, double> runs[] = {{4, 0.5}, {4, 0.7}, {8, 0.9}, {8, 1.1}, {8, 9.0}};
            int i = 0;
            for (const auto& [rank, rmse] : runs) {
                RunStart r;
                r.name = "r" + std::to_string(i);
                r.config = QJsonObject{{"lora", QJsonObject{{"rank", rank}}}, {"training", QJsonObject{{"optimizer", "adamw"}}}};
                const int64_t id = s.createRun(r);
                std::vector<MetricPoint> pts;
                for (int step = 0; step < 5; ++step) pts.push_back({step, "loss.full", 1.0 / (step + 1), step * 0.1});
                s.appendMetrics(id, pts);
                QJsonObject skill{{"persistence", QJsonObject{{"skill", 1 - rmse}}}};
                s.finishRun(id, ++i == 5 ? RunStatus::Failed : RunStatus::Finished,
                            QJsonObject{{"test", QJsonObject{{"rmse", rmse}, {"skill", skill}}}});
            }
        }
        for (const QString fmt : {"csv", "jsonl"}) {
            const auto r = test::runHpt({"export", "--store", tmp.filePath("runs.sqlite"), "--all", "--format", fmt,
                                         tmp.filePath("tables"), "--force"});
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        }
        QProcess p;
        p.setWorkingDirectory(tmp.path());
        p.start(py, {"-c", script});
        QVERIFY(p.waitForFinished(120000));
        const QString out = QString::fromUtf8(p.readAllStandardOutput()), err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, qPrintable(err + out));
        for (const QString csv : {"rmse_by_rank.csv", "rmse_by_rank_sqlite.csv"}) {
            const auto m = meanByRank(tmp.filePath(csv));
            QCOMPARE(m.size(), 2);
            QVERIFY2(std::abs(m.value("4") - 0.6) < 1e-9, qPrintable(csv));
            QVERIFY2(std::abs(m.value("8") - 1.0) < 1e-9, qPrintable(csv));  // the failed run is left out
        }
    }
};

QTEST_GUILESS_MAIN(TestAnalysisRecipe)
#include "tst_analysis_recipe.moc"
