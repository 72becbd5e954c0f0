// The Studies tab opens a study from the store: the list, the table with the
// ratios and the verdict, the three charts with data, and export of the files.
#include "StudyTestSupport.h"

#include "gui/MainWindow.h"
#include "gui/StudiesView.h"
#include "gui/StudyRunDialog.h"
#include "plugin/PluginHost.h"

#include <QSettings>
#include <QStandardPaths>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
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

    void runsAStudyFromSetupWithLiveRows() {
        const QJsonObject exp{
            {"name", "guistudy"},
            {"model", QJsonObject{{"name", "testmodel"}}},
            {"dataset", QJsonObject{{"name", "testdata"}, {"params", QJsonObject{{"samples", 16}}}}},
            {"training", QJsonObject{{"epochs", 1000}, {"max_steps", 4}, {"batch_size", 4}, {"seed", 5}}},
            {"devices", QJsonObject{{"gpu", QJsonObject{{"plugin", "testdevice"}}}, {"systolic", QJsonObject{{"plugin", "testdevice"}}},
                                    {"reram", QJsonObject{{"plugin", "testdevice"}}}}}};
        const QString store = dir_.filePath("gui-run.sqlite");
        gui::StudyRunDialog d(exp, store, QStringLiteral(HPT_EXE), {QStringLiteral(HPT_TEST_PLUGIN_DIR)});
        d.seeds()->setValue(1);
        QSignalSpy done(&d, &gui::StudyRunDialog::studyFinished);
        QVERIFY(d.start());
        QCOMPARE(d.runsTable()->rowCount(), 2);  // full and hybrid, seed 5
        QCOMPARE(d.runsTable()->item(1, 2)->text(), QString("5"));
        QVERIFY(done.wait(240000));
        QCOMPARE(done.first().at(1).toInt(), 0);
        for (int r = 0; r < 2; ++r) QVERIFY2(d.runsTable()->item(r, 3)->text().startsWith("finished"), qPrintable(d.runsTable()->item(r, 3)->text()));
        QVERIFY(QFileInfo(d.folder() + "/study.json").size() > 0);
        gui::StudiesView v;
        v.setStore(store);
        QCOMPARE(v.studyIds(), QStringList{d.studyId()});  // the id the dialog computed is the one `hpt study` used
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
