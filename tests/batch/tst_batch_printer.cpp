// The batch printer (plain lines vs live bar, event sentences) and the
// --summary-json record, fed the calls an engine makes.
#include "cli/BatchPrinter.h"
#include "cli/BatchSummary.h"
#include "cli/ResultBlock.h"

#include <hpt/Error.h>

#include <QTemporaryDir>
#include <QtTest>
#include <cstdio>

using namespace hpt;
using namespace hpt::cli;

namespace {
QString readAll(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    QByteArray b;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) b.append(buf, qsizetype(n));
    return QString::fromUtf8(b);
}

Progress prog(int64_t step, int64_t total, int epoch, const char* phase) {
    Progress p;
    p.step = step;
    p.totalSteps = total;
    p.epoch = epoch;
    p.epochs = 3;
    p.phase = phase;
    p.loss = 0.5 / double(step + 1);
    p.etaSeconds = double(total - step) * 0.1;
    return p;
}

RunEvent ev(int64_t step, const char* type, QJsonObject payload) {
    RunEvent e;
    e.step = step;
    e.epoch = 1;
    e.type = type;
    e.payload = payload;
    return e;
}
}  // namespace

class TestBatchPrinter : public QObject {
    Q_OBJECT
private slots:
    void plainLinesAreThrottled() {
        std::FILE* f = std::tmpfile();
        {
            BatchPrinter pr(f, false, 1e9);  // only first, epoch changes and last
            for (int s = 1; s <= 300; ++s) pr.progress(prog(s, 300, 1 + (s - 1) / 100, "FULL"));
        }
        const QString out = readAll(f);
        std::fclose(f);
        const QStringList lines = out.split('\n', Qt::SkipEmptyParts);
        QCOMPARE(int(lines.size()), 4);  // step 1, 101 (epoch 2), 201 (epoch 3), 300 (last)
        QVERIFY2(lines[0].startsWith("step 1/300 (0%)  epoch 1/3  FULL"), qPrintable(lines[0]));
        QVERIFY2(lines[1].startsWith("step 101/300"), qPrintable(lines[1]));
        QVERIFY2(lines[3].contains("step 300/300 (100%)") && lines[3].contains("ETA 0s"), qPrintable(lines[3]));
        QVERIFY(!out.contains('\r'));
    }

    void liveBarRedrawsInPlaceAndKeepsEventsAbove() {
        std::FILE* f = std::tmpfile();
        {
            BatchPrinter pr(f, true);
            pr.progress(prog(10, 100, 1, "FULL"));
            pr.event(ev(10, "phase", {{"from", "FULL"}, {"to", "DUAL"}}));
            pr.progress(prog(100, 100, 3, "DUAL"));
            pr.runFinished(RunStatus::Finished, {});
        }
        const QString out = readAll(f);
        std::fclose(f);
        QVERIFY2(out.contains("\r\033[K[##"), qPrintable(out));
        QVERIFY2(out.contains("\r\033[Kstep 10 (epoch 1): phase FULL → DUAL\n"), qPrintable(out));
        QVERIFY2(out.contains("[########################] step 100/100"), qPrintable(out));
        // A finished run is summed up by the result block, not by a "run finished" line.
        QVERIFY2(!out.contains("run finished") && out.endsWith("\n"), qPrintable(out));
        std::FILE* g = std::tmpfile();
        {
            BatchPrinter pr(g, false);
            pr.runFinished(RunStatus::Stopped, {});
        }
        QCOMPARE(readAll(g), QString("run stopped\n"));
        std::fclose(g);
    }

    void checkDetailsOnlyWhenVerbose() {
        for (bool verbose : {false, true}) {
            std::FILE* f = std::tmpfile();
            {
                BatchPrinter pr(f, false, 10, verbose);
                pr.event(ev(20, "plateau_check", {{"holds", false}}));
                pr.event(ev(20, "weight_check", {{"holds", false}}));
                pr.event(ev(20, "checkpoint", {{"dir", "/tmp/x"}, {"reason", "every"}}));
                pr.event(ev(40, "phase", {{"from", "FULL"}, {"to", "DUAL"}}));
                pr.event(ev(80, "ttest", {{"t", 0.4}, {"p", 0.7}, {"significant", false}, {"decision", "enter_lora"}}));
            }
            const QStringList lines = readAll(f).split('\n', Qt::SkipEmptyParts);
            std::fclose(f);
            QCOMPARE(int(lines.size()), verbose ? 5 : 2);  // phase change and t-test verdict: one line each
            QVERIFY2(lines.back().contains("t-test") && lines.back().contains("no significant difference"),
                     qPrintable(lines.back()));
        }
    }

    void progressShowsValidationLossAndRate() {
        std::FILE* f = std::tmpfile();
        {
            BatchPrinter pr(f, false, 0);
            pr.progress(prog(1, 100, 1, "FULL"));
            QTest::qWait(50);
            pr.metrics({{50, "loss.val", 0.125, 1.0}});
            pr.progress(prog(50, 100, 1, "DUAL"));
        }
        const QStringList lines = readAll(f).split('\n', Qt::SkipEmptyParts);
        std::fclose(f);
        QCOMPARE(int(lines.size()), 2);
        QVERIFY2(!lines[0].contains("val") && !lines[0].contains("it/s"), qPrintable(lines[0]));
        QVERIFY2(lines[1].contains("  DUAL  loss ") && lines[1].contains("val 0.125") && lines[1].contains(" it/s  ETA "),
                 qPrintable(lines[1]));
    }

    void segmentsFollowPhaseEvents() {
        BatchSummary s;
        s.event(ev(0, "start", {{"phase", "FULL"}}));
        s.event(ev(30, "phase", {{"from", "FULL"}, {"to", "DUAL"}}));
        s.event(ev(60, "phase", {{"from", "DUAL"}, {"to", "FULL"}}));
        s.event(ev(90, "phase", {{"from", "FULL"}, {"to", "DUAL"}}));
        s.event(ev(120, "phase", {{"from", "DUAL"}, {"to", "LORA"}}));
        s.runFinished(RunStatus::Finished, {{"steps", 150}});
        const QJsonArray seg = s.segments();
        QCOMPARE(seg.size(), qsizetype(5));
        QCOMPARE(seg[0].toObject().value("last").toInt(), 30);  // the step of a switch belongs to the phase it leaves
        QCOMPARE(seg[1].toObject().value("first").toInt(), 31);
        QCOMPARE(seg[4].toObject().value("phase").toString(), QString("LORA"));
        QCOMPARE(seg[4].toObject().value("steps").toInt(), 30);
        // Resumed at step 100 (in the second DUAL): the steps before it are split at the engine's switch steps.
        BatchSummary r;
        r.event(ev(100, "start", {{"phase", "DUAL"}}));
        r.event(ev(120, "phase", {{"from", "DUAL"}, {"to", "LORA"}}));
        r.runFinished(RunStatus::Finished, {{"steps", 150}, {"dual_step", 90}, {"switch_step", 120}});
        int total = 0;
        QStringList phases;
        for (const auto& v : r.segments()) {
            total += v.toObject().value("steps").toInt();
            phases << v.toObject().value("phase").toString();
        }
        QCOMPARE(total, 150);
        QCOMPARE(phases, QStringList({"FULL", "DUAL", "DUAL", "LORA"}));
    }

    void resultBlockIsShortAndSaysNotComparable() {
        const QJsonObject gpu{{"time_s", 2.0}, {"energy_j", 300.0}, {"writes", 0}};
        const QJsonObject result{
            {"run_id", 3}, {"status", "finished"}, {"steps", 1500}, {"wall_s", 151},
            {"test", QJsonObject{{"rmse", 5.674}, {"mae", 4.4}, {"nse", 0.91}, {"unit", "°F"}}},
            {"skill", QJsonObject{{"persistence", QJsonObject{{"skill", -0.0125}, {"baseline_rmse", 5.6}, {"comparable", true}}},
                                  {"yesterday_swe", QJsonObject{{"skill", 0.5}, {"baseline_rmse", 9.0}, {"comparable", false}}}}},
            {"phase_steps", QJsonObject{{"FULL", 440}, {"DUAL", 80}, {"LORA", 980}}},
            {"dual_step", 440}, {"switch_step", 520},
            {"devices_per_phase", QJsonObject{{"FULL", QJsonObject{{"gpu", gpu}}},
                                              {"LORA", QJsonObject{{"systolic", QJsonObject{{"time_s", 0.012}, {"energy_j", 5.5}}},
                                                                   {"reram", QJsonObject{{"time_s", 1e-3}, {"energy_j", 0.25}}}}}}},
            {"total", QJsonObject{{"time_s", 2.013}, {"energy_j", 305.75}}},
            {"gpu_only", QJsonObject{{"total", QJsonObject{{"time_s", 4.0}, {"energy_j", 611.5}}},
                                     {"ratio", QJsonObject{{"time", 0.50325}, {"energy", 0.5}}}}},
            {"reram", QJsonObject{{"writes", 1.5e6}, {"max_writes_per_cell", 1}, {"endurance_used_pct", 1e-6}}},
            {"store", "/tmp/x.sqlite"}, {"gui", "hpt /tmp/x.sqlite"}};
        const QStringList lines = resultLines(result, "default");
        QVERIFY2(lines.size() <= 20, qPrintable(lines.join('\n')));
        const QString all = lines.join('\n');
        QVERIFY2(all.contains("test RMSE 5.674 °F"), qPrintable(all));
        QVERIFY2(all.contains("vs persistence: RMSE 5.6 °F, skill -0.013 (worse than persistence)"), qPrintable(all));
        QVERIFY2(all.contains("vs yesterday_swe: RMSE 9 °F, not comparable"), qPrintable(all));
        QVERIFY2(all.contains("steps per phase: FULL 440 · DUAL 80 · LORA 980; switched to DUAL at step 440, LORA at step 520"),
                 qPrintable(all));
        QVERIFY2(all.contains("FULL  gpu 2 s / 300 J"), qPrintable(all));
        QVERIFY2(all.contains("LORA  systolic 12 ms / 5.5 J · reram 1 ms / 250 mJ"), qPrintable(all));
        QVERIFY2(all.contains("on GPUs only this run would have cost 4 s / 611.5 J: this run took 0.50× the time and 0.50× the energy"),
                 qPrintable(all));
        QVERIFY2(all.contains("ReRAM: 1.5e+06 cell writes, at most 1 per cell"), qPrintable(all));
        QVERIFY2(lines.back() == "open it in the GUI: hpt /tmp/x.sqlite", qPrintable(all));
        QCOMPARE(si(325.5, "J"), QString("325.5 J"));
        QCOMPARE(si(0.0123, "s"), QString("12.3 ms"));
        QCOMPARE(si(4560, "J"), QString("4.56 kJ"));
    }

    void eventsReadAsSentences() {
        QCOMPARE(formatEvent(ev(730, "phase", {{"from", "FULL"}, {"to", "DUAL"}})),
                 QString("step 730 (epoch 1): phase FULL → DUAL"));
        QCOMPARE(formatEvent(ev(730, "phase", {{"from", "DUAL"}, {"to", "LORA"}, {"reason", "t-test"},
                                               {"adapter", QJsonObject{{"rank", 8}}}})),
                 QString("step 730 (epoch 1): phase DUAL → LORA: t-test"));
        const QString t = formatEvent(ev(1095, "ttest", {{"t", 0.42}, {"p", 0.67}, {"df", 364}, {"alpha", 0.01},
                                                         {"significant", false}, {"decision", "enter LORA"}}));
        QVERIFY2(t.endsWith("t-test t=0.42 p=0.67 df=364 α=0.01: no significant difference → enter LORA"), qPrintable(t));
        const QString c = formatEvent(ev(365, "plateau_check", {{"holds", false}, {"slowing", true}}));
        QVERIFY2(c.endsWith("plateau check not yet (slowing=yes)"), qPrintable(c));
        const QString g = formatEvent(ev(5, "lr_change", {{"lr", 6e-5}}));
        QVERIFY2(g.endsWith("lr change: lr=6e-05"), qPrintable(g));
        QCOMPARE(formatDuration(3725), QString("1h02m"));
        QCOMPARE(formatDuration(192), QString("3m12s"));
        QCOMPARE(formatDuration(-1), QString("?"));
    }

    void summaryKeepsSwitchStepAndDeviceTotals() {
        BatchSummary s;
        RunStart r;
        r.name = "t";
        r.seed = 7;
        s.runStarted(r);
        s.metrics({{10, "device.reram.energy_j", 1.0, 0}, {10, "device.reram.time_s", 2.0, 0}, {10, "loss.full", 0.3, 0}});
        s.metrics({{20, "device.reram.energy_j", 3.5, 0}, {20, "device.reram.DUAL.energy_j", 9.0, 0},
                   {20, "device.gpu.energy_j", 4.0, 0}});
        s.event(ev(30, "phase", {{"from", "FULL"}, {"to", "DUAL"}}));
        s.event(ev(60, "phase", {{"from", "DUAL"}, {"to", "FULL"}}));  // failed t-test, back to FULL
        s.event(ev(90, "phase", {{"from", "FULL"}, {"to", "DUAL"}}));
        s.event(ev(120, "phase", {{"from", "DUAL"}, {"to", "LORA"}}));
        s.progress(prog(150, 150, 3, "LORA"));
        s.runFinished(RunStatus::Finished, {{"test", QJsonObject{{"rmse", 0.25}, {"nse", 0.8}}}});
        const QJsonObject o = s.toJson();  // no "devices"/"switch_step" in final: taken from metrics and events
        QCOMPARE(o.value("status").toString(), QString("finished"));
        QCOMPARE(o.value("switch_step").toDouble(), 120.0);
        QCOMPARE(o.value("phase_steps").toObject().value("DUAL").toDouble(), 30.0);
        QCOMPARE(o.value("energy_j").toObject().value("reram").toDouble(), 3.5);  // last cumulative, not per phase
        QCOMPARE(o.value("energy_j").toObject().value("gpu").toDouble(), 4.0);
        QCOMPARE(o.value("time_s").toObject().value("reram").toDouble(), 2.0);
        QCOMPARE(o.value("metrics").toObject().value("nse").toDouble(), 0.8);
        QCOMPARE(o.value("steps").toDouble(), 150.0);
        QCOMPARE(o.value("seed").toDouble(), 7.0);
    }

    void summaryPrefersTheEnginesFinalBlock() {
        BatchSummary s;
        s.metrics({{20, "device.gpu.energy_j", 4.0, 0}});
        s.event(ev(120, "phase", {{"from", "DUAL"}, {"to", "LORA"}}));
        s.runFinished(RunStatus::Finished, {{"switch_step", 118}, {"devices", QJsonObject{{"gpu", QJsonObject{
                                                                       {"energy_j", 5.5}, {"time_s", 0.25}}}}}});
        const QJsonObject o = s.toJson();
        QCOMPARE(o.value("switch_step").toDouble(), 118.0);
        QCOMPARE(o.value("energy_j").toObject().value("gpu").toDouble(), 5.5);
        QCOMPARE(o.value("time_s").toObject().value("gpu").toDouble(), 0.25);
        BatchSummary never;
        never.runFinished(RunStatus::Finished, {{"switch_step", -1}});
        QVERIFY(never.toJson().value("switch_step").isNull());
    }

    void summaryWithoutSwitchIsNull() {
        BatchSummary s;
        s.runFinished(RunStatus::Stopped, {});
        QVERIFY(s.toJson().value("switch_step").isNull());
        QCOMPARE(s.toJson().value("status").toString(), QString("stopped"));
    }

    void summaryFileErrorsNameTheOption() {
        QTemporaryDir d;
        writeJsonFile(d.path() + "/s.json", {{"a", 1}});
        QFile f(d.path() + "/s.json");
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains("\"a\": 1"));
        try {
            writeJsonFile(d.path() + "/no/such/dir/s.json", {});
            QFAIL("expected an error");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Config);
            QVERIFY2(QString(e.what()).startsWith("--summary-json"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestBatchPrinter)
#include "tst_batch_printer.moc"
