// `hpt id` on CSV files: each method's answer equals the library's on the same
// numbers, JSON is well formed, bad files and arguments give their messages.
#include "TestSupport.h"

#include "SyntheticClouds.h"
#include "id/MleId.h"
#include "id/TwoNN.h"
#include "id/UpdateSpectrum.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTextStream>
#include <QtTest>

using hpt::test::runHpt;

class TestIdCli : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString cloudCsv_, matrixCsv_;
    torch::Tensor cloud_, matrix_;

    // %.17g round-trips doubles exactly, so the command sees the same numbers as the library.
    QString writeCsv(const QString& name, const torch::Tensor& m, const QString& header) {
        const QString path = dir_.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) qFatal("cannot write %s", qPrintable(path));
        QTextStream out(&f);
        if (!header.isEmpty()) out << header << "\n";
        auto a = m.accessor<double, 2>();
        for (int64_t i = 0; i < m.size(0); ++i) {
            for (int64_t j = 0; j < m.size(1); ++j) out << (j ? "," : "") << QString::number(a[i][j], 'g', 17);
            out << "\n";
        }
        return path;
    }

private slots:
    void initTestCase() {
        cloud_ = hpt::test::linearSubspace(400, 4, 1e-5, 21).slice(1, 0, 100).contiguous();
        cloudCsv_ = writeCsv("cloud.csv", cloud_, {});
        auto g = at::detail::createCPUGenerator(5);
        matrix_ = torch::randn({30, 3}, g, torch::kDouble).matmul(torch::randn({3, 20}, g, torch::kDouble));
        QStringList cols;
        for (int j = 0; j < 20; ++j) cols << QString("c%1").arg(j);
        matrixCsv_ = writeCsv("matrix.csv", matrix_, cols.join(","));
    }
    void twonnAndMleMatchLibrary() {
        auto r = runHpt({"id", "--method", "twonn", cloudCsv_, "--json"});
        QCOMPARE(r.exitCode, 0);
        auto o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QVERIFY(std::fabs(o.value("id").toDouble() - hpt::twoNnId(cloud_)) < 1e-9);
        QCOMPARE(o.value("rows").toInt(), 400);
        r = runHpt({"id", "--method", "mle", "--k", "7", cloudCsv_, "--json"});
        QCOMPARE(r.exitCode, 0);
        o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QVERIFY(std::fabs(o.value("id").toDouble() - hpt::mleId(cloud_, 7)) < 1e-9);
        QCOMPARE(o.value("k").toInt(), 7);
        r = runHpt({"id", "--method", "mle", cloudCsv_});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("MLE intrinsic dimension") && r.out.contains("k = 10"), qPrintable(r.out));
    }
    void spectrum() {
        auto r = runHpt({"id", "--method", "spectrum", matrixCsv_, "--energy", "0.999", "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        const auto want = hpt::spectrumId(matrix_, 0.999);
        QCOMPARE(o.value("id").toInt(), int(want.id));
        QCOMPARE(o.value("id").toInt(), 3);
        QVERIFY(std::fabs(o.value("stable_rank").toDouble() - want.stableRank) < 1e-9);
        QCOMPARE(o.value("singular_values").toArray().size(), 20);
        r = runHpt({"id", "--method", "spectrum", matrixCsv_});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("stable rank"), qPrintable(r.out));
    }
    void badInput() {
        const QString few = writeCsv("few.csv", cloud_.slice(0, 0, 5), {});
        auto r = runHpt({"id", "--method", "mle", few});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("more points than neighbours"), qPrintable(r.err));
        auto dup = cloud_.slice(0, 0, 50).clone();
        dup[40] = dup[3];
        r = runHpt({"id", "--method", "twonn", writeCsv("dup.csv", dup, {})});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("rows 3 and 40 are duplicate points"), qPrintable(r.err));
        QFile ragged(dir_.filePath("ragged.csv"));
        QVERIFY(ragged.open(QIODevice::WriteOnly));
        ragged.write("1,2,3\n4,5,6\n7,8\n");
        ragged.close();
        r = runHpt({"id", "--method", "twonn", ragged.fileName()});
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("ragged.csv:3") && r.err.contains("same number of columns"), qPrintable(r.err));
        r = runHpt({"id", "--method", "pca", cloudCsv_});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("twonn, mle, spectrum"), qPrintable(r.err));
        r = runHpt({"id", cloudCsv_});
        QCOMPARE(r.exitCode, 2);
        r = runHpt({"id", "--method", "spectrum", matrixCsv_, "--energy", "2"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("(0, 1]"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestIdCli)
#include "tst_id_cli.moc"
