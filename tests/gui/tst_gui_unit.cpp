// GUI pieces that need no plugins: the config diff, chart export, and the live
// view fed through its RunSink from another thread.
#include "gui/ChartExport.h"
#include "gui/ChartView.h"
#include "gui/Charts.h"
#include "gui/ConfigDiff.h"
#include "gui/CsvExport.h"
#include "gui/LiveView.h"

#include <hpt/Error.h>

#include <QApplication>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>
#include <thread>

using namespace hpt;
using namespace hpt::gui;

namespace {

std::vector<QString> keysOf(const std::vector<ConfigDiffRow>& rows) {
    std::vector<QString> k;
    for (const auto& r : rows) k.push_back(r.key);
    return k;
}

// Feeds a run through the sink the way the engine does: from a worker thread.
void feedRun(LiveSink* sink, int steps, int switchAt) {
    std::thread worker([&] {
        RunStart s;
        s.name = "fed";
        sink->runStarted(s);
        double energy = 0, writes = 0;
        for (int i = 0; i < steps; ++i) {
            std::vector<MetricPoint> m;
            m.push_back({i, "loss.full", 1.0 / (1 + i), i * 0.01});
            if (i >= switchAt) m.push_back({i, "loss.lora", 1.1 / (1 + i), i * 0.01});
            energy += 0.5;
            if (i == switchAt + 10) writes += 4096;
            m.push_back({i, "device.gpu.energy_j", energy, i * 0.01});
            m.push_back({i, "device.reram.energy_j", energy / 4, i * 0.01});
            m.push_back({i, "device.reram.writes", writes, i * 0.01});
            sink->metrics(m);
            if (i == switchAt) {
                RunEvent e;
                e.step = i;
                e.type = "phase";
                e.payload = QJsonObject{{"from", "FULL"}, {"to", "DUAL"}};
                sink->event(e);
            }
            if (i == switchAt + 10) {
                RunEvent t;
                t.step = i;
                t.type = "ttest";
                t.payload = QJsonObject{{"t", 0.42}, {"p", 0.678}, {"df", 18}, {"critical", 2.88}, {"decision", "switch"}};
                sink->event(t);
                RunEvent e;
                e.step = i;
                e.type = "phase";
                e.payload = QJsonObject{{"from", "DUAL"}, {"to", "LORA"}};
                sink->event(e);
            }
            Progress p;
            p.step = i + 1;
            p.totalSteps = steps;
            p.phase = i >= switchAt + 10 ? "LORA" : i >= switchAt ? "DUAL" : "FULL";
            sink->progress(p);
        }
        sink->runFinished(RunStatus::Finished, QJsonObject{{"test", QJsonObject{{"rmse", 0.1}}}});
    });
    worker.join();
}

QStringList phaseBands(QCustomPlot* plot) {
    QStringList out;
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* r = qobject_cast<QCPItemRect*>(plot->item(i))) out << r->objectName().mid(6);
    return out;
}

QByteArray head(const QString& path, int n) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.read(n) : QByteArray();
}

}  // namespace

class TestGuiUnit : public QObject {
    Q_OBJECT
private slots:
    void configDiffListsExactlyTheDifferingKeys() {
        const QJsonObject a{{"name", "a"},
                            {"lora", QJsonObject{{"rank", 8}, {"alpha", 64}, {"targets", QJsonArray{"*.attn.q", "*.attn.v"}}}},
                            {"switching", QJsonObject{{"alpha", 0.01}, {"welch", false}}},
                            {"training", QJsonObject{{"lr", 1e-4}}}};
        QJsonObject b = a;
        b["name"] = "b";
        QJsonObject lora = b["lora"].toObject();
        lora["rank"] = 4;
        lora["targets"] = QJsonArray{"*.attn.q"};
        b["lora"] = lora;
        QJsonObject sw = b["switching"].toObject();
        sw["welch"] = true;
        sw["extra"] = 3;  // only in b
        b["switching"] = sw;
        const auto rows = configDiff({a, b});
        QCOMPARE(keysOf(rows), (std::vector<QString>{"lora.rank", "lora.targets", "name", "switching.extra", "switching.welch"}));
        QCOMPARE(rows[0].values[0].toInt(), 8);
        QCOMPARE(rows[0].values[1].toInt(), 4);
        QVERIFY(rows[3].values[0].isUndefined());
        QCOMPARE(displayValue(rows[3].values[0]), QString("—"));
        QCOMPARE(displayValue(rows[1].values[1]), QString("[\"*.attn.q\"]"));
        // Identical configs, integer vs double spelling of one number: nothing differs.
        QJsonObject c = a;
        c["training"] = QJsonObject{{"lr", 0.0001}};
        QVERIFY(configDiff({a, c}).empty());
        QVERIFY(configDiff({a}).empty());
        // Three runs: a key differing in any one of them is listed.
        QJsonObject d = a;
        d["training"] = QJsonObject{{"lr", 3e-4}};
        QCOMPARE(keysOf(configDiff({a, c, d})), std::vector<QString>{"training.lr"});
    }

    void chartExportWritesValidFiles() {
        QCustomPlot plot;
        RunData run;
        for (int i = 0; i < 200; ++i) run.add(MetricPoint{i, "loss.full", 1.0 / (1 + i), i * 0.1});
        drawChart(plot, ChartKind::Loss, run, {});
        QTemporaryDir dir;
        const ExportSize size{640, 400, 192};
        const struct { ChartFormat f; const char* name; QByteArray magic; } cases[] = {
            {ChartFormat::Png, "c.png", QByteArray("\x89PNG\r\n\x1a\n", 8)},
            {ChartFormat::Pdf, "c.pdf", QByteArray("%PDF-")},
            {ChartFormat::Svg, "c.svg", QByteArray("<?xml")},
        };
        for (const auto& c : cases) {
            const QString path = dir.filePath(c.name);
            saveChart(plot, path, c.f, size, false);
            QCOMPARE(head(path, c.magic.size()), c.magic);
            QVERIFY2(QFileInfo(path).size() > 2000, qPrintable(QString("%1 is only %2 bytes").arg(c.name).arg(QFileInfo(path).size())));
            // Never overwrite without force.
            QVERIFY_THROWS_EXCEPTION(hpt::Error, saveChart(plot, path, c.f, size, false));
            saveChart(plot, path, c.f, size, true);
        }
        // PNG pixels follow the DPI: 640 px at 192 dpi is 1280 device pixels.
        QImage img(dir.filePath("c.png"));
        QCOMPARE(img.width(), 1280);
        QCOMPARE(img.height(), 800);
        QFile svg(dir.filePath("c.svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        const QByteArray text = svg.readAll();
        QVERIFY(text.contains("<svg"));
        QVERIFY(text.contains("<path") || text.contains("<polyline"));
        ChartFormat f;
        QVERIFY(formatFromPath("x/y.SVG", &f) && f == ChartFormat::Svg);
        QVERIFY(!parseChartFormat("jpeg", &f));
        QVERIFY_THROWS_EXCEPTION(hpt::Error, saveChart(plot, dir.filePath("no/such/dir/c.png"), ChartFormat::Png, size, false));
    }

    void liveViewGainsPointsAndPhaseBands() {
        LiveView view;
        view.resize(1200, 800);
        view.show();
        view.beginRun("fed");
        feedRun(view.sink(), 60, 30);
        view.poll();
        auto* loss = view.chart(ChartKind::Loss)->plot();
        QVERIFY(loss->graphCount() >= 2);
        QCOMPARE(loss->graph(0)->dataCount(), 60);
        QCOMPARE(loss->graph(1)->dataCount(), 30);
        QCOMPARE(phaseBands(loss), (QStringList{"FULL", "DUAL", "LORA"}));
        QCOMPARE(view.currentPhase(), QString("LORA"));
        QVERIFY(view.progressText().contains("step 60 / 60"));
        QCOMPARE(view.eventLog()->rowCount(), 3);
        // One poll drained everything: one redraw, however many points arrived.
        QCOMPARE(view.redraws(), 1);
        view.poll();
        QCOMPARE(view.redraws(), 1);

        // Hovering the t-test marker shows its p-value.
        auto* cv = view.chart(ChartKind::Loss);
        cv->plot()->replot();
        const Marker* t = nullptr;
        for (const auto& m : cv->markers()) if (m.text.contains("t-test")) t = &m;
        QVERIFY(t);
        const QPointF px(cv->plot()->xAxis->coordToPixel(t->x), cv->plot()->yAxis->coordToPixel(t->y));
        QVERIFY(cv->markerTextAt(px).contains("p = 0.678"));

        // Cumulative energy is stacked: the top band ends at gpu + reram.
        auto* energy = view.chart(ChartKind::Energy)->plot();
        QCOMPARE(energy->graphCount(), 2);
        const double top = (energy->graph(1)->data()->end() - 1)->value;
        QCOMPARE(top, 30.0 + 7.5);
        // Per-phase bars: three phases, their sum equals the last cumulative value minus the first.
        QVERIFY(energy->axisRectCount() == 2);

        // Log scale toggles the axis.
        cv->setLogScale(true);
        QCOMPARE(cv->plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    }

    // A constant learning rate, logged once at step 0, is drawn to the last step on an axis around its value.
    void constantLearningRateAutoscales() {
        RunData run;
        run.add(MetricPoint{0, "lr", 5e-4, 0.0});
        run.add(MetricPoint{100, "loss.full", 0.5, 1.0});
        QCustomPlot plot;
        plot.resize(400, 300);
        drawChart(plot, ChartKind::Lr, run, {});
        const QCPRange y = plot.yAxis->range();
        QVERIFY2(y.contains(5e-4) && y.size() < 5e-4 && y.lower > 0, qPrintable(QString("%1..%2").arg(y.lower).arg(y.upper)));
        QCOMPARE(plot.graph(0)->dataCount(), 2);  // held to step 100
        QCOMPARE(plot.xAxis->range().upper, 100.0);
    }

    void csvQuotesAndAlignsSeries() {
        QCOMPARE(csvField("a,b"), QString("\"a,b\""));
        QCOMPARE(csvField("say \"hi\""), QString("\"say \"\"hi\"\"\""));
        QCOMPARE(csvField("plain"), QString("plain"));
        // OWASP: formula-like text gets a leading '; numbers (negative ones too) are data.
        QCOMPARE(csvField("=1+1"), QString("'=1+1"));
        QCOMPARE(csvField("@SUM(A1)"), QString("'@SUM(A1)"));
        QCOMPARE(csvField("-2+3"), QString("'-2+3"));
        QCOMPARE(csvField("-0.5"), QString("-0.5"));
        QCOMPARE(csvField("+3"), QString("+3"));
        RunData run;
        run.add(MetricPoint{0, "loss.full", 1.5, 0.0});
        run.add(MetricPoint{1, "loss.full", 1.0, 0.5});
        run.add(MetricPoint{1, "lr", 0.001, 0.5});
        QTemporaryDir dir;
        writeSeriesCsv(run, dir.filePath("s.csv"));
        QFile f(dir.filePath("s.csv"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines, (QStringList{"step,wall_time_s,loss.full,lr", "0,0,1.5,", "1,0.5,1,0.001"}));
    }
};

QTEST_MAIN(TestGuiUnit)
#include "tst_gui_unit.moc"
