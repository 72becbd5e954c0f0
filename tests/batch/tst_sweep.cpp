// Sweep expansion: counts, order, determinism, random-axis bounds, --set text,
// and errors that name the field.
#include "config/Sweep.h"

#include <hpt/Error.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <set>

using namespace hpt;

namespace {
QJsonObject obj(const char* json) { return QJsonDocument::fromJson(json).object(); }

QString errorOf(const QJsonObject& o) {
    try {
        parseSweep(o, "/tmp", "s.json");
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Config) return "wrong kind: " + QString(e.what());
        return QString::fromUtf8(e.what());
    }
    return {};
}
}  // namespace

class TestSweep : public QObject {
    Q_OBJECT
private slots:
    void gridIsCrossedLastKeyFastest() {
        const auto s = parseSweep(obj(R"({"name": "g", "base": {"model": {"name": "testmodel"}},
            "axes": {"switching.tau_loss": [0.05, 0.1], "lora.rank": [4, 8, 16]}})"), "/tmp", "s.json");
        QCOMPARE(s.runs.size(), size_t(6));
        // Keys in sorted order: lora.rank, switching.tau_loss (fastest).
        QCOMPARE(s.runs[0].sets(), (QStringList{"lora.rank=4", "switching.tau_loss=0.05"}));
        QCOMPARE(s.runs[1].sets(), (QStringList{"lora.rank=4", "switching.tau_loss=0.1"}));
        QCOMPARE(s.runs[5].sets(), (QStringList{"lora.rank=16", "switching.tau_loss=0.1"}));
        std::set<QString> distinct;
        for (const auto& r : s.runs) distinct.insert(r.sets().join(' '));
        QCOMPARE(distinct.size(), size_t(6));
        QCOMPARE(s.runs[4].index, 4);
        QCOMPARE(s.runs[4].name, QString("g-004"));
        QCOMPARE(s.output, QString("/tmp/g"));
    }

    void randomSamplesCrossGridAndAreDeterministic() {
        const char* json = R"({"name": "r", "base": {}, "axes": {"mapping.preset": ["hpt", "gpu"]},
            "random": {"samples": 4, "seed": 1, "axes": {"switching.alpha": {"log_uniform": [0.001, 0.05]},
                                                         "lora.rank": {"int_uniform": [2, 9]},
                                                         "lora.dropout": {"uniform": [0.0, 0.2]},
                                                         "switching.welch": {"choice": [true, false]}}}})";
        const auto a = parseSweep(obj(json), "/tmp", "s.json");
        const auto b = parseSweep(obj(json), "/tmp", "s.json");
        QCOMPARE(a.runs.size(), size_t(8));
        for (size_t i = 0; i < a.runs.size(); ++i) QCOMPARE(a.runs[i].sets(), b.runs[i].sets());
        // The same random point is crossed with each grid value.
        QCOMPARE(a.runs[0].sets().mid(1), a.runs[4].sets().mid(1));
        std::set<double> alphas;
        for (const auto& r : a.runs) {
            QCOMPARE(r.values.size(), size_t(5));
            for (const auto& [k, v] : r.values) {
                if (k == "switching.alpha") {
                    QVERIFY(v.toDouble() >= 0.001 && v.toDouble() <= 0.05);
                    alphas.insert(v.toDouble());
                } else if (k == "lora.rank") {
                    QVERIFY(v.toDouble() == std::floor(v.toDouble()) && v.toDouble() >= 2 && v.toDouble() <= 9);
                } else if (k == "lora.dropout") {
                    QVERIFY(v.toDouble() >= 0 && v.toDouble() <= 0.2);
                } else if (k == "switching.welch") {
                    QVERIFY(v.isBool());
                }
            }
        }
        QCOMPARE(alphas.size(), size_t(4));
        // The --set text parses back to the value used.
        for (const auto& [k, v] : a.runs[0].values)
            if (v.isDouble()) QCOMPARE(hpt::setValueText(v).toDouble(), v.toDouble());

        QJsonObject other = obj(json);
        QJsonObject rnd = other.value("random").toObject();
        rnd.insert("seed", 2);
        other.insert("random", rnd);
        const auto c = parseSweep(other, "/tmp", "s.json");
        QVERIFY(c.runs[0].sets() != a.runs[0].sets());
    }

    void randomOnlyGivesSamples() {
        const auto s = parseSweep(obj(R"({"base": {}, "random": {"samples": 5, "axes": {"lora.rank": {"choice": [4, 8]}}}})"),
                                  "/tmp", "s.json");
        QCOMPARE(s.runs.size(), size_t(5));
        for (const auto& r : s.runs) QVERIFY(r.sets()[0] == "lora.rank=4" || r.sets()[0] == "lora.rank=8");
    }

    void generatorIsSplitmix64() {
        // Reference outputs of splitmix64 from state 0 (Vigna's splitmix64.c), so sweeps expand
        // identically with any compiler or standard library.
        SweepRandom r(0);
        QCOMPARE(r.next(), uint64_t(0xE220A8397B1DCDAFull));
        QCOMPARE(r.next(), uint64_t(0x6E789E6AA1B965F4ull));
        SweepRandom u(42);
        for (int i = 0; i < 1000; ++i) {
            const double x = u.uniform01();
            QVERIFY(x >= 0 && x < 1);
        }
    }

    void setValueText_data() {
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<QString>("text");
        QTest::newRow("string") << QJsonValue("hpt") << "hpt";
        QTest::newRow("int") << QJsonValue(8) << "8";
        QTest::newRow("double") << QJsonValue(0.05) << "0.05";
        QTest::newRow("bool") << QJsonValue(true) << "true";
        QTest::newRow("list") << QJsonValue(QJsonArray{"*.attn.q", "*.attn.v"}) << R"(["*.attn.q","*.attn.v"])";
    }
    void setValueText() {
        QFETCH(QJsonValue, value);
        QFETCH(QString, text);
        QCOMPARE(hpt::setValueText(value), text);
    }

    void errorsNameTheField() {
        QString e = errorOf(obj(R"({"base": {}, "axis": {"lora.rank": [4]}})"));
        QVERIFY2(e.contains("s.json: axis") && e.contains("did you mean 'axes'"), qPrintable(e));
        e = errorOf(obj(R"({"base": {}, "axes": {"lora.rank": []}})"));
        QVERIFY2(e.contains("axes.lora.rank") && e.contains("non-empty"), qPrintable(e));
        e = errorOf(obj(R"({"base": {}, "axes": {"lora.rank": 4}})"));
        QVERIFY2(e.contains("axes.lora.rank"), qPrintable(e));
        e = errorOf(obj(R"({"axes": {"lora.rank": [4]}})"));
        QVERIFY2(e.contains("s.json: base"), qPrintable(e));
        e = errorOf(obj(R"({"base": {}, "random": {"samples": 2, "axes": {"switching.alpha": {"log_uniform": [0, 0.05]}}}})"));
        QVERIFY2(e.contains("random.axes.switching.alpha.log_uniform") && e.contains("> 0"), qPrintable(e));
        e = errorOf(obj(R"({"base": {}, "random": {"samples": 2, "axes": {"switching.alpha": {"log_unifrom": [0.1, 0.5]}}}})"));
        QVERIFY2(e.contains("did you mean 'log_uniform'"), qPrintable(e));
        e = errorOf(obj(R"({"base": {}, "random": {"samples": 0, "axes": {"a": {"uniform": [0, 1]}}}})"));
        QVERIFY2(e.contains("random.samples"), qPrintable(e));
        e = errorOf(obj(R"({"base": {}, "axes": {"a": [1]}, "random": {"samples": 2, "axes": {"a": {"uniform": [0, 1]}}}})"));
        QVERIFY2(e.contains("random.axes.a") && e.contains("also a grid axis"), qPrintable(e));
        e = errorOf(obj(R"({"base": {}, "random": {"samples": 2, "axes": {"a": {"uniform": [2, 1]}}}})"));
        QVERIFY2(e.contains("above high"), qPrintable(e));
        e = errorOf(obj(R"({"name": "a b", "base": {}})"));
        QVERIFY2(e.contains("s.json: name"), qPrintable(e));
    }

    void baseFileIsRelativeToSweepFile() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QDir().mkpath(dir.path() + "/exp");
        QFile base(dir.path() + "/exp/base.json");
        QVERIFY(base.open(QIODevice::WriteOnly));
        base.write(R"({"model": {"name": "testmodel"}})");
        base.close();
        QFile sw(dir.path() + "/my sweep.json");
        QVERIFY(sw.open(QIODevice::WriteOnly));
        sw.write(R"({"base": "exp/base.json", "axes": {"lora.rank": [4, 8]}})");
        sw.close();
        const auto s = loadSweepFile(sw.fileName());
        QCOMPARE(s.base.value("model").toObject().value("name").toString(), QString("testmodel"));
        QCOMPARE(s.baseFile, QFileInfo(base).absoluteFilePath());
        QCOMPARE(s.name, QString("my-sweep"));  // from the file name, made folder-safe
        QCOMPARE(s.output, QDir(dir.path()).absoluteFilePath("my-sweep"));
        QVERIFY(s.source.value("base").isObject());  // inlined for the self-contained copy
    }

    void jsonSyntaxErrorNamesLineAndColumn() {
        QTemporaryDir dir;
        QFile sw(dir.path() + "/bad.json");
        QVERIFY(sw.open(QIODevice::WriteOnly));
        sw.write("{\n  \"base\": {},\n  \"axes\": {\"lora.rank\": [4, 8,]}\n}\n");
        sw.close();
        try {
            loadSweepFile(sw.fileName());
            QFAIL("expected an error");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("bad.json:line 3"), e.what());
        }
        try {
            loadSweepFile(dir.path() + "/missing.json");
            QFAIL("expected an error");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Config);
            QVERIFY2(QString(e.what()).contains("missing.json"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestSweep)
#include "tst_sweep.moc"
