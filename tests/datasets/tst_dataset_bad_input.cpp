// Every case of the bad-input corpus (tests/datasets/bad/cases.json, written by
// make_corpus.py): copy its files into a fresh data folder, load the dataset and
// expect an hpt::Error of the stated kind whose message holds each fragment —
// or, for "ok" cases, a successful load.
#include "DatasetTestSupport.h"

#include <hpt/Error.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>

class TestDatasetBadInput : public QObject {
    Q_OBJECT
private slots:
    void corpus_data() {
        QTest::addColumn<QJsonObject>("spec");
        QFile f(QStringLiteral(HPT_DATASET_TEST_DIR) + "/bad/cases.json");
        QVERIFY2(f.open(QIODevice::ReadOnly), "tests/datasets/bad/cases.json is missing");
        const auto cases = QJsonDocument::fromJson(f.readAll()).object().value("cases").toArray();
        QVERIFY(cases.size() >= 20);
        for (const auto& c : cases) QTest::newRow(qPrintable(c.toObject().value("name").toString())) << c.toObject();
    }
    void corpus() {
        QFETCH(QJsonObject, spec);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString bad = QStringLiteral(HPT_DATASET_TEST_DIR) + "/bad/";
        const auto files = spec.value("files").toObject();
        for (auto it = files.begin(); it != files.end(); ++it) {
            const QString dest = dir.path() + "/" + it.key();
            QDir().mkpath(QFileInfo(dest).absolutePath());
            QVERIFY2(QFile::copy(bad + it.value().toString(), dest), qPrintable("cannot copy " + it.value().toString()));
        }
        const QString name = spec.value("dataset").toString();
        const auto params = spec.value("params").toObject();
        if (spec.value("ok").toBool()) {
            auto ds = hpt::test::loadDataset(name, params, dir.path());
            QVERIFY(ds->train().size() > 0);
            QVERIFY(ds->test().size() > 0);
            QVERIFY(!torch::isnan(ds->train().x).any().item<bool>());
            return;
        }
        try {
            hpt::test::loadDataset(name, params, dir.path());
            QFAIL("loading succeeded; expected an error");
        } catch (const hpt::Error& e) {
            const QString msg = QString::fromUtf8(e.what());
            const auto kind = spec.value("kind").toString("data") == "config" ? hpt::ErrorKind::Config : hpt::ErrorKind::Data;
            QVERIFY2(e.kind() == kind, qPrintable("wrong error kind for: " + msg));
            for (const auto& frag : spec.value("expect").toArray())
                QVERIFY2(msg.contains(frag.toString()), qPrintable("'" + frag.toString() + "' not in: " + msg));
        }
    }
};

QTEST_GUILESS_MAIN(TestDatasetBadInput)
#include "tst_dataset_bad_input.moc"
