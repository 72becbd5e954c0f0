// The setup form: generated from the test plugins' schemas, validated as
// typed; a bad value marks its field and disables Start, fixing it re-enables
// Start; load/save round-trips the experiment JSON.
#include "config/Experiment.h"
#include "config/ExperimentSchema.h"
#include "gui/MainWindow.h"
#include "gui/SetupView.h"
#include "plugin/PluginHost.h"
#include "TestSupport.h"

#include <hpt/Error.h>

#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
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
        QStandardPaths::setTestModeEnabled(true);  // QSettings of the window go to a test location
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
            QVERIFY2(QString(e.what()).contains("bad.json") && QString(e.what()).contains("line 3, column"), e.what());
        }
    }

    // Every key the schema puts on a form has a field there with the schema's type and bounds, and the
    // field refuses what the bounds refuse (the form and the engine can no longer drift apart).
    void formBoundsAreTheSchemas() {
        SetupView v(host_);
        int numeric = 0;
        for (const ExperimentKey& k : experimentSchema()) {
            if (k.form.isEmpty()) {
                QVERIFY2(!v.field(k.key), qPrintable(k.key));
                continue;
            }
            const FormField* f = v.field(k.key);
            QVERIFY2(f && f->widget, qPrintable("no form field for " + k.key));
            QCOMPARE(valueAt(v.experiment(), k.key), k.defaultValue);
            if (k.type != ExperimentKey::Int && k.type != ExperimentKey::Number && k.type != ExperimentKey::RankOrAuto) continue;
            QCOMPARE(f->min, k.min);
            QCOMPARE(f->max, k.max);
            QCOMPARE(f->minOpen, k.minOpen);
            QCOMPARE(f->maxOpen, k.maxOpen);
            QCOMPARE(f->type == FormField::Int || f->type == FormField::RankOrAuto, k.type != ExperimentKey::Number);
            if (k.min > -1e299) {
                type(v, k.key, QString::number(k.min - 1, 'g', 17));
                QVERIFY2(v.fieldWidget(k.key)->property("hptInvalid").toBool(), qPrintable(k.key + " accepts below min"));
                type(v, k.key, k.defaultValue.toVariant().toString());
            }
            ++numeric;
        }
        QVERIFY(numeric > 30);
        v.validateNow();
        QVERIFY2(v.isValid(), qPrintable(v.message()));
        // training.lr: the form had a maximum of 10 while the engine took any positive rate; now both do.
        type(v, "training.lr", "50");
        QVERIFY2(!v.fieldWidget("training.lr")->property("hptInvalid").toBool(), qPrintable(v.message()));
    }

    // Files absent: the Data row says MISSING, names the file and the folder searched, offers the ways on,
    // and Start stays disabled. Files present (copied by hand, then "Check again"): REAL, Start enabled.
    void missingDataIsNamedThenFound() {
        PluginHost host;
        host.loadFrom({HPT_BUILD_PLUGIN_DIR});
        if (!host.find(PluginKind::Dataset, "wind") || !host.find(PluginKind::Model, "wind"))
            QSKIP("the wind plugins are not built");
        QTemporaryDir dir;
        SetupView v(host);
        v.show();
        v.setExperiment(QJsonObject{{"model", QJsonObject{{"name", "wind"}, {"preset", "compact"}}},
                                    {"dataset", QJsonObject{{"name", "wind"}, {"data_dir", dir.path()}}}});
        QVERIFY(v.waitForDataCheck());
        QCOMPARE(int(v.dataStatus().state), int(DataStatus::Missing));
        QVERIFY(!v.isValid());
        QVERIFY(!v.startButton()->isEnabled());
        auto* badge = v.findChild<QLabel*>("datasetBadge");
        QVERIFY2(badge->text().contains("MISSING") && !badge->text().contains("REAL"), qPrintable(badge->text()));
        auto* msg = v.findChild<QLabel*>("dataMessage");
        QVERIFY(v.findChild<QWidget*>("dataPanel")->isVisible());
        QVERIFY2(msg->text().contains("MS_winds.dat") && msg->text().contains(dir.path()), qPrintable(msg->text()));
        QVERIFY(v.findChild<QPushButton*>("chooseDataFolder")->isVisible());
        QVERIFY(v.findChild<QPushButton*>("downloadData")->isVisible());      // wind is in datasets/manifest.tsv
        QVERIFY(!v.findChild<QPushButton*>("useSyntheticTwin")->isVisible());  // wind has no twin
        QVERIFY2(v.message().contains("dataset.data_dir"), qPrintable(v.message()));

        const QString shared = hpt::test::sharedDatasets();
        if (shared.isEmpty() || !QFileInfo::exists(shared + "/wind/MS_winds.dat"))
            QSKIP("../shared/datasets/wind/MS_winds.dat is absent: the 'files present' half needs it");
        QVERIFY(QDir(dir.path()).mkpath("wind"));
        QVERIFY(QFile::copy(shared + "/wind/MS_winds.dat", dir.filePath("wind/MS_winds.dat")));
        QSignalSpy valid(&v, &SetupView::validityChanged);  // what enables Run ▸ Start (Ctrl+R)
        QTest::mouseClick(v.findChild<QPushButton*>("checkDataAgain"), Qt::LeftButton);
        QVERIFY(v.waitForDataCheck());
        QCOMPARE(int(v.dataStatus().state), int(DataStatus::Ok));
        QVERIFY2(v.isValid(), qPrintable(v.message()));
        QVERIFY(v.startButton()->isEnabled());
        QVERIFY2(badge->text().contains("REAL"), qPrintable(badge->text()));
        QVERIFY(!valid.isEmpty() && valid.last().at(0).toBool());
        QVERIFY(!v.findChild<QWidget*>("dataPanel")->isVisible());
    }

    // A twin stands in when the plugin has one: the weather plugin's synthetic source needs no files.
    void syntheticTwinIsOffered() {
        PluginHost host;
        host.loadFrom({HPT_BUILD_PLUGIN_DIR});
        if (!host.find(PluginKind::Dataset, "weather")) QSKIP("the weather plugins are not built");
        QTemporaryDir dir;
        SetupView v(host);
        v.show();
        v.setExperiment(QJsonObject{{"model", QJsonObject{{"name", "weather"}, {"preset", "compact"}}},
                                    {"dataset", QJsonObject{{"name", "weather"}, {"data_dir", dir.path()},
                                                            {"params", QJsonObject{{"source", "files"}}}}}});
        QVERIFY(v.waitForDataCheck());
        QVERIFY2(v.dataStatus().state != DataStatus::Ok, qPrintable(v.message()));
        auto* twin = v.findChild<QPushButton*>("useSyntheticTwin");
        QVERIFY(twin->isVisible());
        QTest::mouseClick(twin, Qt::LeftButton);
        QVERIFY(v.waitForDataCheck());
        QVERIFY2(v.dataStatus().state == DataStatus::Ok, qPrintable(v.dataStatus().message));
        QVERIFY(v.dataStatus().synthetic);
        QVERIFY2(v.findChild<QLabel*>("datasetBadge")->text().contains("SYNTHETIC"), qPrintable(v.message()));
        QVERIFY(v.startButton()->isEnabled());
    }

    // Fits a laptop: at 1366×768 no tab asks for more than the screen, and the window opens within it.
    void everyTabFitsALaptopScreen() {
        MainWindow w(host_);
        w.resize(1366, 768);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QSize screen(1366, 768);
        QVERIFY2(w.minimumSizeHint().width() <= screen.width() && w.minimumSizeHint().height() <= screen.height(),
                 qPrintable(QString("window minimum %1×%2").arg(w.minimumSizeHint().width()).arg(w.minimumSizeHint().height())));
        for (int i = 0; i < w.tabs()->count(); ++i) {
            QWidget* tab = w.tabs()->widget(i);
            w.tabs()->setCurrentIndex(i);
            QApplication::processEvents();
            const QSize min = tab->minimumSizeHint().expandedTo(tab->minimumSize());
            // The tab's area: the screen less the menu, tab bar and status bar the window keeps.
            const QSize room = tab->size() + (screen - w.size());
            QVERIFY2(min.width() <= room.width() && min.height() <= room.height(),
                     qPrintable(QString("tab '%1' needs %2×%3, has %4×%5").arg(w.tabs()->tabText(i)).arg(min.width())
                                    .arg(min.height()).arg(room.width()).arg(room.height())));
        }
    }
};

QTEST_MAIN(TestGuiSetup)
#include "tst_gui_setup.moc"
