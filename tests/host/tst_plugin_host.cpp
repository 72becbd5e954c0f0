#include "plugin/PluginHost.h"

#include <hpt/Dataset.h>
#include <hpt/Error.h>
#include <hpt/Model.h>

#include <QtTest>

using namespace hpt;

class TestPluginHost : public QObject {
    Q_OBJECT
private slots:
    void loadsOneOfEachKind() {
        PluginHost host;
        host.loadFrom({HPT_TEST_PLUGIN_DIR});
        QVERIFY(host.find(PluginKind::Model, "testmodel"));
        QVERIFY(host.find(PluginKind::Dataset, "testdata"));
        QVERIFY(host.find(PluginKind::Device, "testdevice"));
        QCOMPARE(host.loaded().size(), size_t(3));
        const auto* m = host.find(PluginKind::Model, "testmodel");
        QCOMPARE(m->version, QString("0.1.0"));
        QCOMPARE(m->params.size(), size_t(1));
        QCOMPARE(m->params[0].name, QString("d_model"));
    }

    void rejectsWrongApiAndNonPlugins() {
        PluginHost host;
        host.loadFrom({HPT_TEST_PLUGIN_DIR});
        const PluginSpec *wrong = nullptr, *plain = nullptr;
        for (const auto& s : host.specs()) {
            if (s.file.contains("wrongapi")) wrong = &s;
            if (s.file.contains("notaplugin")) plain = &s;
        }
        QVERIFY(wrong && plain);
        // The wrong-API plugin's metadata was read (so it has its name) but it went no further.
        QCOMPARE(wrong->state, PluginState::Read);
        QCOMPARE(wrong->name, QString("wrongapi"));
        QVERIFY2(wrong->errorString().contains("API 0") && wrong->errorString().contains("API 2"),
                 qPrintable(wrong->errorString()));
        QCOMPARE(plain->state, PluginState::Invalid);
        QVERIFY2(plain->errorString().contains("not a Qt plugin"), qPrintable(plain->errorString()));
        QCOMPARE(host.failed().size(), size_t(2));
        for (const auto* s : host.loaded()) {
            QCOMPARE(s->state, PluginState::Initialized);
            QVERIFY(!s->hasError());
        }
    }

    // A missing plugin's error names the spec that failed and its error, found by the name in
    // its metadata, not by the file name.
    void missingPluginNamesFailedSpec() {
        PluginHost host;
        host.loadFrom({HPT_TEST_PLUGIN_DIR});
        try {
            host.model("wrongapi");
            QFAIL("expected an error");
        } catch (const Error& e) {
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.contains("model plugin 'wrongapi' 0.0.1") && msg.contains("stopped at state 'read'") &&
                         msg.contains("built against plugin API 0"),
                     qPrintable(msg));
            QVERIFY2(!msg.contains("notaplugin"), qPrintable(msg));  // an unrelated failure is not blamed
        }
    }

    void pluginsWork() {
        PluginHost host;
        host.loadFrom({HPT_TEST_PLUGIN_DIR});
        auto data = host.dataset("testdata")->load({{"samples", 16}}, {});
        QCOMPARE(data->train().size(), int64_t(16));
        auto model = host.model("testmodel")->create({5, 3, 5}, {{"d_model", 8}});
        auto y = model->forward(data->train().x.slice(0, 0, 2));
        QCOMPARE(y.sizes().vec(), (std::vector<int64_t>{2, 5}));
        auto dev = host.device("testdevice")->create({{"joules_per_flop", 2e-12}});
        Op op;
        op.m = op.k = op.n = 10;
        QCOMPARE(dev->compute(op).joules, 2000 * 2e-12);
    }

    void missingPluginNamesAlternatives() {
        PluginHost host;
        host.loadFrom({HPT_TEST_PLUGIN_DIR});
        try {
            host.model("testmodle");
            QFAIL("expected an error");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Plugin);
            QVERIFY2(QString(e.what()).contains("did you mean 'testmodel'"), e.what());
        }
    }

    void duplicateIsRejected() {
        PluginHost host;
        host.loadFrom({HPT_TEST_PLUGIN_DIR});
        const QString again = QString(HPT_TEST_PLUGIN_DIR) + "/libtestmodel.so";
        QVERIFY(host.loadFile(again));  // same file: already loaded, not a duplicate
        QCOMPARE(host.loaded().size(), size_t(3));
    }

    void searchPathOrder() {
        qputenv("HPT_PLUGIN_PATH", "/tmp/a:/tmp/b");
        const QStringList p = PluginHost::searchPath({"/tmp/first"});
        qunsetenv("HPT_PLUGIN_PATH");
        QVERIFY(p.size() >= 3);
        QCOMPARE(p[0], QString("/tmp/first"));
        QCOMPARE(p[1], QString("/tmp/a"));
        QCOMPARE(p[2], QString("/tmp/b"));
    }
};

QTEST_GUILESS_MAIN(TestPluginHost)
#include "tst_plugin_host.moc"
