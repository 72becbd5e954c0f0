// The setup form: generated from the test plugins' schemas, validated as
// typed; a bad value marks its field and disables Start, fixing it re-enables
// Start; load/save round-trips the experiment JSON.
#include "gui/SetupView.h"
#include "plugin/PluginHost.h"

#include <hpt/Error.h>

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

using namespace hpt;
using namespace hpt::gui;

class TestGuiSetup : public QObject {
    Q_OBJECT
    PluginHost host_;

    QLineEdit* edit(SetupView& v, const QString& key) {
        auto* e = qobject_cast<QLineEdit*>(v.fieldWidget(key));
        if (!e) qWarning("no line edit for %s", qPrintable(key));
        return e;
    }
    // Types like a user: clears the field, then key presses.
    void type(SetupView& v, const QString& key, const QString& text) {
        auto* e = edit(v, key);
        QVERIFY(e);
        e->selectAll();
        QTest::keyClick(e, Qt::Key_Backspace);
        QTest::keyClicks(e, text);
        v.validateNow();
    }

private slots:
    void initTestCase() {
        host_.loadFrom({HPT_TEST_PLUGIN_DIR});
        QVERIFY(host_.find(PluginKind::Model, "testmodel"));
        QVERIFY(host_.find(PluginKind::Dataset, "testdata"));
        QVERIFY(host_.find(PluginKind::Device, "testdevice"));
    }

    void startFollowsValidity() {
        SetupView v(host_);
        v.show();
        v.validateNow();
        QVERIFY2(v.isValid(), qPrintable(v.message()));
        QVERIFY(v.startButton()->isEnabled());

        // α must lie in (0, 1): 1.5 is marked with the reason and Start is disabled.
        type(v, "switching.alpha", "1.5");
        QVERIFY(!v.isValid());
        QVERIFY(!v.startButton()->isEnabled());
        QVERIFY2(v.message().contains("switching.alpha"), qPrintable(v.message()));
        QVERIFY2(v.message().contains("out of range"), qPrintable(v.message()));
        QVERIFY(v.fieldWidget("switching.alpha")->property("hptInvalid").toBool());
        QVERIFY(v.fieldWidget("switching.alpha")->toolTip().contains("out of range"));

        type(v, "switching.alpha", "0.05");
        QVERIFY2(v.isValid(), qPrintable(v.message()));
        QVERIFY(v.startButton()->isEnabled());
        QVERIFY(!v.fieldWidget("switching.alpha")->property("hptInvalid").toBool());
        QCOMPARE(v.experiment()["switching"].toObject()["alpha"].toDouble(), 0.05);

        // Text where a number belongs.
        type(v, "switching.check_every", "ten");
        QVERIFY(!v.startButton()->isEnabled());
        QVERIFY(v.message().contains("switching.check_every"));
        type(v, "switching.check_every", "10");
        QVERIFY(v.startButton()->isEnabled());

        // LoRA rank: a number or "auto".
        type(v, "lora.rank", "auto");
        QVERIFY2(v.isValid(), qPrintable(v.message()));
        QCOMPARE(v.experiment()["lora"].toObject()["rank"].toString(), QString("auto"));
        type(v, "lora.rank", "0");
        QVERIFY(!v.isValid());
        type(v, "lora.rank", "4");
        QVERIFY(v.isValid());
    }

    void pluginParamsComeFromTheSchema() {
        SetupView v(host_);
        // testmodel declares d_model (int, min 1) with unit "" and source "test".
        auto* d = edit(v, "model.params.d_model");
        QVERIFY(d);
        QVERIFY(d->toolTip().contains("source: test"));
        QCOMPARE(d->text(), QString("8"));
        type(v, "model.params.d_model", "0");
        QVERIFY(!v.isValid());
        QVERIFY(v.message().contains("model.params.d_model"));
        type(v, "model.params.d_model", "16");
        QVERIFY2(v.isValid(), qPrintable(v.message()));
        QCOMPARE(v.experiment()["model"].toObject()["params"].toObject()["d_model"].toInt(), 16);
        // A device parameter with a unit: out of range is caught too (joules_per_flop ≥ 0).
        type(v, "devices.gpu.params.joules_per_flop", "-1");
        QVERIFY(!v.isValid());
        QVERIFY(v.message().contains("devices.gpu.params.joules_per_flop"));
        // The dataset badge says the test data is synthetic.
        auto* badge = v.findChild<QLabel*>("datasetBadge");
        QVERIFY(badge && badge->text().contains("SYNTHETIC"));
    }

    void loadSaveRoundTrip() {
        QTemporaryDir dir;
        SetupView v(host_);
        type(v, "name", "round-trip");
        type(v, "switching.ttest_window", "12");
        type(v, "lora.targets", "*.attn.q, *.attn.v, *.attn.out");
        const QString path = dir.filePath("e.json");
        v.saveFile(path);
        SetupView w(host_);
        w.loadFile(path);
        QCOMPARE(w.experiment(), v.experiment());
        QCOMPARE(w.experiment()["lora"].toObject()["targets"].toArray().size(), 3);
        // Broken JSON names file, line and column.
        QFile bad(dir.filePath("bad.json"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("{\n  \"name\": \"x\",\n  \"lora\": {\"rank\": }\n}\n");
        bad.close();
        try {
            w.loadFile(bad.fileName());
            QFAIL("expected an error");
        } catch (const hpt::Error& e) {
            QVERIFY2(QString(e.what()).contains("bad.json:3:"), e.what());
        }
    }
};

QTEST_MAIN(TestGuiSetup)
#include "tst_gui_setup.moc"
