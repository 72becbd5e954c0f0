// The run browser's filter box and model (gui/RunBrowser, gui/RunsModel): free
// text as before, queries over config and final numbers, a bad query rejected
// with its position while the list keeps its last valid filter, and
// configurations read only when a query needs them.
#include "gui/RunBrowser.h"
#include "gui/RunsModel.h"
#include "store/Store.h"

#include <QApplication>
#include <QJsonArray>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace hpt;
using namespace hpt::gui;

class TestGuiRuns : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString path_;

private slots:
    void initTestCase() {
        path_ = tmp_.filePath("runs.sqlite");
        Store s(path_);
        // Four runs: rank 2/4/8/16, RMSE 0.4/0.8/1.2/1.6; the last is still running.
        for (int i = 0; i < 4; ++i) {
            RunStart st;
            st.name = "run-r" + std::to_string(2 << i);
            st.config = QJsonObject{{"model", QJsonObject{{"name", "wind"}}},
                                    {"lora", QJsonObject{{"rank", 2 << i}, {"targets", QJsonArray{"*.attn.q"}}}}};
            const int64_t id = s.createRun(st);
            if (i < 3)
                s.finishRun(id, RunStatus::Finished, QJsonObject{{"test", QJsonObject{{"rmse", 0.4 * (i + 1)}}}});
        }
        s.setTags(1, {"baseline"});
    }

    void filterBoxTakesQueries() {
        Store store(path_);
        RunBrowser b;
        b.setStore(&store);
        QCOMPARE(b.proxy()->rowCount(), 4);
        QVERIFY(!b.runsModel()->configsLoaded());
        b.setFilter("baseline");  // free text, as before
        QCOMPARE(b.proxy()->rowCount(), 1);
        b.setFilter("run-r8");
        QCOMPARE(b.proxy()->rowCount(), 1);
        b.setFilter("final.test.rmse < 1");
        QCOMPARE(b.proxy()->rowCount(), 2);
        QVERIFY(!b.runsModel()->configsLoaded());  // no config key named: none read
        b.setFilter("config.lora.rank >= 4 and (status = running or final.test.rmse > 1)");
        QVERIFY(b.runsModel()->configsLoaded());
        QCOMPARE(b.proxy()->rowCount(), 2);
        QVERIFY(b.filterError().isEmpty());
    }

    void badQueryShowsPositionAndKeepsList() {
        Store store(path_);
        RunBrowser b;
        b.setStore(&store);
        b.setFilter("status = finished");
        QCOMPARE(b.proxy()->rowCount(), 3);
        b.setFilter("status = finished and final.test.rmse <");
        QVERIFY2(b.filterError().startsWith("Query error at character 40: expected a value"), qPrintable(b.filterError()));
        QCOMPARE(b.proxy()->rowCount(), 3);  // the last valid filter stays
        b.setFilter("status = finished and final.test.rmse < 1");
        QVERIFY(b.filterError().isEmpty());
        QCOMPARE(b.proxy()->rowCount(), 2);
    }

    void sortsByNumberAndSelects() {
        Store store(path_);
        RunBrowser b;
        b.setStore(&store);
        b.table()->sortByColumn(RunsModel::Rmse, Qt::DescendingOrder);
        // Numbers sort as numbers; the running run (no RMSE) sorts apart from them.
        const double first = b.proxy()->data(b.proxy()->index(0, RunsModel::Rmse), RunsModel::SortRole).toDouble();
        const double second = b.proxy()->data(b.proxy()->index(1, RunsModel::Rmse), RunsModel::SortRole).toDouble();
        QVERIFY(first > second || b.proxy()->data(b.proxy()->index(0, RunsModel::Rmse), RunsModel::SortRole).isNull());
        b.selectRuns({2, 3});
        QCOMPARE(b.selectedRuns(), (std::vector<int64_t>{2, 3}));
        b.setFilter("id = 3");
        QCOMPARE(b.proxy()->rowCount(), 1);
        QCOMPARE(b.proxy()->data(b.proxy()->index(0, RunsModel::Name)).toString(), QString("run-r8"));
    }
};

QTEST_MAIN(TestGuiRuns)
#include "tst_gui_runs.moc"
