// The Studies tab opens a study from the store: the list, the table with the
// ratios and the verdict, the three charts with data, and export of the files.
#include "StudyTestSupport.h"

#include "gui/MainWindow.h"
#include "gui/StudiesView.h"
#include "plugin/PluginHost.h"

#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>
#include <qcustomplot.h>

using namespace hpt;

class TestGuiStudy : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString store_;

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QStandardPaths::setTestModeEnabled(true);  // the window's QSettings go to the test location
        QSettings().clear();
        store_ = dir_.filePath("studies.sqlite");
        Store st(store_);
        for (const auto& r : test::handStudy()) test::writeFakeRun(st, "hand-1", r);
        RunStart other;
        other.name = "not a study run";
        st.finishRun(st.createRun(other), RunStatus::Finished, {});
    }

    void opensAStudy() {
        gui::StudiesView v;
        v.resize(1200, 800);
        v.setStore(store_);
        QCOMPARE(v.studyIds(), QStringList{"hand-1"});
        QVERIFY(!v.openStudy("nope"));
        QVERIFY(v.openStudy("hand-1"));
        QCOMPARE(v.report().value("study_id").toString(), QString("hand-1"));
        const QString text = v.table()->toPlainText();
        QVERIFY2(text.contains("hybrid") && text.contains("not significantly worse"), qPrintable(text));
        QVERIFY(v.chart("cost")->plottableCount() >= 3);  // one stacked bar set per device
        QVERIFY(v.chart("loss")->graphCount() >= 6);      // Θ of 6 runs, Θ′ of 3
        QCustomPlot* pareto = v.chart("pareto");
        QCOMPARE(pareto->graph(0)->data()->size(), 3);     // full: one point per seed
        QCOMPARE(pareto->graph(pareto->graphCount() - 1)->name(), QString("Pareto front"));
        // Export writes the same files as `hpt study`.
        const QString out = dir_.filePath("export");
        QVERIFY(v.exportTo(out));
        for (const char* f : {"study.md", "study.csv", "study.json", "cost.png", "cost.svg", "loss.png", "pareto.svg"})
            QVERIFY2(QFileInfo(out + "/" + f).size() > 0, f);
    }

    void windowHasAStudiesTab() {
        PluginHost host;
        gui::MainWindow w(host);
        QVERIFY(w.openStore(store_));
        int tab = -1;
        for (int i = 0; i < w.tabs()->count(); ++i)
            if (w.tabs()->tabText(i) == "Studies") tab = i;
        QVERIFY(tab >= 0);
        w.tabs()->setCurrentIndex(tab);
        auto* v = qobject_cast<gui::StudiesView*>(w.tabs()->widget(tab));
        QVERIFY(v);
        QCOMPARE(v->studyIds(), QStringList{"hand-1"});
        QCOMPARE(v->report().value("study_id").toString(), QString("hand-1"));
    }
};

QTEST_MAIN(TestGuiStudy)
#include "tst_gui_study.moc"
