// The experiment schema is the single source: the built-in defaults, the
// validation bounds and the reference table in resources/docs/experiment.md
// all follow it.
#include "config/Experiment.h"
#include "config/ExperimentSchema.h"
#include "plugin/PluginHost.h"

#include <hpt/Error.h>

#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

using namespace hpt;

namespace {

// Dotted paths of every leaf, descending only into objects the schema does not name.
void leaves(const QJsonObject& o, const QString& prefix, QStringList* out) {
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString k = prefix.isEmpty() ? it.key() : prefix + "." + it.key();
        if (it.value().isObject() && !experimentKey(k)) leaves(it.value().toObject(), k, out);
        else *out << k;
    }
}

}  // namespace

class TestExperimentSchema : public QObject {
    Q_OBJECT
    PluginHost host_;

    // The Config error resolveExperiment gives for `key` = `value`, or "" when it accepts it.
    QString errorFor(const QString& key, const QJsonValue& value) {
        QJsonObject user{{"model", QJsonObject{{"name", "testmodel"}}}, {"dataset", QJsonObject{{"name", "testdata"}}}, {"devices", QJsonObject{}}};
        setValueAt(user, key, value);
        try {
            resolveExperiment(user, host_);
        } catch (const Error& e) {
            return QString::fromStdString(e.where()) + " | " + QString::fromUtf8(e.what());
        }
        return QString();
    }

private slots:
    void initTestCase() {
        host_.loadFrom({HPT_TEST_PLUGIN_DIR});
        QVERIFY(host_.find(PluginKind::Model, "testmodel"));
    }

    void docsTableIsTheSchemas() {
        QFile f(QString(HPT_SOURCE_DIR) + "/resources/docs/experiment.md");
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString doc = QString::fromUtf8(f.readAll());
        const QString begin = "<!-- experiment-schema:begin (generated from core/config/ExperimentSchema.cpp) -->\n",
                      end = "<!-- experiment-schema:end -->";
        const int a = doc.indexOf(begin), b = doc.indexOf(end);
        QVERIFY2(a >= 0 && b > a, "resources/docs/experiment.md has no experiment-schema markers");
        const QString table = doc.mid(a + begin.size(), b - a - begin.size());
        const QString expected = experimentReferenceTable();
        if (table != expected) {
            // Where the lines part, and the whole table to paste between the markers.
            const QStringList got = table.split('\n'), want = expected.split('\n');
            int i = 0;
            while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
            QFile out(QDir::temp().filePath("experiment-schema-table.md"));
            if (out.open(QIODevice::WriteOnly)) out.write(expected.toUtf8());
            QFAIL(qPrintable(QString("docs and schema differ at table line %1:\n  docs:   %2\n  schema: %3\n"
                                     "the schema's table is in %4; paste it between the markers")
                                 .arg(i + 1)
                                 .arg(got.value(i), want.value(i), out.fileName())));
        }
        // Every key has its reference line.
        for (const auto& k : experimentSchema()) QVERIFY2(!k.doc.isEmpty(), qPrintable(k.key + " has no doc line"));
    }

    void defaultsAreTheSchemas() {
        const QJsonObject d = builtinExperimentDefaults();
        QStringList keys;
        leaves(d, "", &keys);
        QStringList schemaKeys;
        for (const auto& k : experimentSchema()) {
            schemaKeys << k.key;
            QCOMPARE(valueAt(d, k.key), k.defaultValue);
        }
        keys.sort();
        schemaKeys.sort();
        QCOMPARE(keys, schemaKeys);
    }

    // Each bound of the schema is the bound validation enforces: the value at the edge
    // passes (closed) or fails (open), the value beyond it fails, naming the key.
    void validationFollowsTheBounds() {
        int checked = 0;
        for (const auto& k : experimentSchema()) {
            if (k.type != ExperimentKey::Int && k.type != ExperimentKey::Number && k.type != ExperimentKey::RankOrAuto) continue;
            const double step = k.type == ExperimentKey::Number ? std::max(1e-9, std::abs(k.min) * 1e-6) : 1;
            if (k.min > -1e299) {
                const QString beyond = errorFor(k.key, k.min - step);
                QVERIFY2(beyond.startsWith(k.key + " | "), qPrintable(k.key + ": below min: " + beyond));
                const QString edge = errorFor(k.key, k.min);
                QVERIFY2(k.minOpen == edge.startsWith(k.key + " | "), qPrintable(k.key + ": at min: " + edge));
                ++checked;
            }
            if (k.max < 1e299) {
                const double up = k.type == ExperimentKey::Number ? std::max(1e-9, std::abs(k.max) * 1e-6) : 1;
                QVERIFY2(errorFor(k.key, k.max + up * (k.max > 1e14 ? 1e3 : 1)).startsWith(k.key + " | "),
                         qPrintable(k.key + ": above max accepted"));
                ++checked;
            }
        }
        QVERIFY(checked > 40);
    }

    void choicesAndTyposKeepTheirHints() {
        QVERIFY2(errorFor("training.optimizer", "adamm").contains("did you mean 'adamw'"),
                 qPrintable(errorFor("training.optimizer", "adamm")));
        QVERIFY2(errorFor("lora.rnak", 4).contains("did you mean 'rank'"), qPrintable(errorFor("lora.rnak", 4)));
        QVERIFY2(errorFor("id.methods", QJsonArray{"twonm"}).contains("did you mean 'twonn'"),
                 qPrintable(errorFor("id.methods", QJsonArray{"twonm"})));
        QVERIFY(errorFor("lora.rank", "auto").isEmpty());
        QVERIFY(errorFor("lora.rank", "many").startsWith("lora.rank | "));
        QVERIFY(errorFor("mapping.capacity_policy", "reprogram").isEmpty());
        // Plugin-owned objects are left to the plugin's schema, not refused as unknown keys.
        QJsonObject user{{"model", QJsonObject{{"name", "testmodel"}, {"params", QJsonObject{{"d_model", 8}}}}},
                         {"dataset", QJsonObject{{"name", "testdata"}}},
                         {"devices", QJsonObject{{"gpu", QJsonObject{{"plugin", "testdevice"},
                                                                     {"params", QJsonObject{{"joules_per_flop", 1e-12}}}}}}}};
        QCOMPARE(valueAt(resolveExperiment(user, host_), "devices.gpu.params.joules_per_flop").toDouble(), 1e-12);
        QVERIFY(errorFor("mapping.capacity_policy", "chip").contains("did you mean 'chips'"));
    }
};

QTEST_GUILESS_MAIN(TestExperimentSchema)
#include "tst_experiment_schema.moc"
