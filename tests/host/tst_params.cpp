#include <hpt/Error.h>
#include <hpt/Params.h>

#include <QJsonArray>
#include <QtTest>

using namespace hpt;

static std::vector<ParamSpec> specs() {
    return parseParamSpecs(QJsonArray{
        QJsonObject{{"name", "rows"}, {"type", "int"}, {"default", 128}, {"min", 1}, {"max", 4096}, {"unit", "cells"}},
        QJsonObject{{"name", "clock_hz"}, {"type", "double"}, {"default", 1e9}, {"min", 1}, {"unit", "Hz"}},
        QJsonObject{{"name", "dataflow"}, {"type", "enum"}, {"default", "os"}, {"choices", QJsonArray{"os", "ws", "is"}}}});
}

class TestParams : public QObject {
    Q_OBJECT
private slots:
    void layersApplyInOrder() {
        const QJsonObject presets{{"big", QJsonObject{{"rows", 256}}}};
        auto p = resolveParams(specs(), presets, "big", {{"dataflow", "ws"}}, "devices.systolic");
        QCOMPARE(p.value("rows").toInt(), 256);
        QCOMPARE(p.value("dataflow").toString(), QString("ws"));
        QCOMPARE(p.value("clock_hz").toDouble(), 1e9);
    }
    void unknownKeySuggests() {
        try {
            resolveParams(specs(), {}, {}, {{"rowz", 3}}, "devices.systolic");
            QFAIL("expected error");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("devices.systolic.rowz"), e.what());
            QVERIFY2(QString(e.what()).contains("did you mean 'rows'"), e.what());
        }
    }
    void outOfRangeNamesBounds() {
        try {
            resolveParams(specs(), {}, {}, {{"rows", 0}}, "d");
            QFAIL("expected error");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("out of range"), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, resolveParams(specs(), {}, {}, {{"rows", 1.5}}, "d"));
        QVERIFY_THROWS_EXCEPTION(Error, resolveParams(specs(), {}, {}, {{"dataflow", "xx"}}, "d"));
        QVERIFY_THROWS_EXCEPTION(Error, resolveParams(specs(), {}, "nopreset", {}, "d"));
    }
};

QTEST_GUILESS_MAIN(TestParams)
#include "tst_params.moc"
