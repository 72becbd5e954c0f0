// The shared reading pieces on their own: CSV tokenizing and number parsing
// (positions in errors), the zip reader, train-only statistics, forward fill
// and the baseline error.
#include "Baselines.h"
#include "Csv.h"
#include "MissingValues.h"
#include "Standardizer.h"
#include "Zip.h"

#include <hpt/Error.h>

#include <QTemporaryDir>
#include <QtTest>

using namespace hpt::data;

class TestDatasetReaders : public QObject {
    Q_OBJECT
private slots:
    void tokenizesBomCrlfQuotesAndBlankLines() {
        const QByteArray text = "\xEF\xBB\xBF" "a, \"b,c\" ,\"say \"\"hi\"\"\"\r\n\r\n  \n1,2,3\r\n";
        CsvCursor c(text, "t.csv");
        QVERIFY(c.next());
        QCOMPARE(c.line(), int64_t(1));
        QCOMPARE(int(c.fields().size()), 3);
        QCOMPARE(QString::fromStdString(std::string(c.fields()[0])), QString("a"));
        QCOMPARE(QString::fromStdString(std::string(c.fields()[1])), QString("b,c"));
        QCOMPARE(QString::fromStdString(std::string(c.fields()[2])), QString("say \"hi\""));
        QVERIFY(c.next());
        QCOMPARE(c.line(), int64_t(4));  // blank lines are counted, not returned
        QCOMPARE(*parseNumber(c, 2, "x"), 3.0);
        QCOMPARE(QString::fromStdString(c.where(2)), QString("t.csv:4:2"));
        QVERIFY(!c.next());
    }
    void numbersAndMissingTokens() {
        const QByteArray text = " +1.5 ,NA,-2e3,nan,,0x10,7 7\n";
        CsvCursor c(text, "n.csv");
        QVERIFY(c.next());
        QCOMPARE(*parseNumber(c, 0, "x"), 1.5);
        QVERIFY(!parseNumber(c, 1, "x"));
        QCOMPARE(*parseNumber(c, 2, "x"), -2000.0);
        QVERIFY(!parseNumber(c, 3, "x"));
        QVERIFY(!parseNumber(c, 4, "x"));
        for (int col : {5, 6}) {
            try {
                parseNumber(c, col, "a count");
                QFAIL("accepted a non-number");
            } catch (const hpt::Error& e) {
                QCOMPARE(e.kind(), hpt::ErrorKind::Data);
                QVERIFY2(QString(e.what()).contains(QString("n.csv:1:%1").arg(col + 1)), e.what());
            }
        }
    }
    void unterminatedQuoteIsAnError() {
        const QByteArray text("1,\"abc\n");  // must outlive the cursor, which points into it
        CsvCursor c(text, "q.csv");
        QVERIFY_THROWS_EXCEPTION(hpt::Error, c.next());
    }
    void zipRoundTrip() {
        // A deflated member written by Python's zipfile (bad-input corpus) and a missing member.
        ZipArchive z(QStringLiteral(HPT_SOURCE_DIR) + "/tests/datasets/bad/covid_duplicate.zip");
        QCOMPARE(z.names(), QStringList{"Covid19_01262020_09262020.csv"});
        const QByteArray csv = z.read("Covid19_01262020_09262020.csv");
        QVERIFY(csv.startsWith("GISJOIN,index,Date"));
        QCOMPARE(int(csv.count('\n')), 11);  // header + 9 rows + 1 duplicate
        QVERIFY_THROWS_EXCEPTION(hpt::Error, z.read("nope.csv"));
    }
    void standardizerUsesOnlyWhatItIsGiven() {
        auto train = torch::tensor({1.0, 2.0, 3.0, std::nan("")}).reshape({4, 1});
        auto s = Standardizer::fit(train);
        QCOMPARE(s.mean.item<double>(), 2.0);
        QVERIFY(std::abs(s.std.item<double>() - std::sqrt(2.0 / 3.0)) < 1e-12);
        auto test = torch::tensor({5.0}).reshape({1, 1});
        QVERIFY(std::abs(s.apply(test).item<float>() - float(3.0 / std::sqrt(2.0 / 3.0))) < 1e-5);
        QVERIFY(std::abs(s.invert(s.apply(test)).item<float>() - 5.0f) < 1e-5);
        // A constant channel maps to 0 instead of dividing by zero.
        auto c = Standardizer::fit(torch::full({3, 1}, 4.0));
        QCOMPARE(c.std.item<double>(), 1.0);
    }
    void fillForwardCarriesLastValue() {
        const double n = std::nan("");
        std::vector<double> v = {n, 1, 2, n, n, 3, 4, n};  // [4 rows, 2 cols]
        QCOMPARE(fillForward(v, 4, 2, "t"), int64_t(4));
        const std::vector<double> want = {2, 1, 2, 1, 2, 3, 4, 3};
        for (size_t i = 0; i < v.size(); ++i) QCOMPARE(v[i], want[i]);
        std::vector<double> empty = {n, 1, n, 2};
        QVERIFY_THROWS_EXCEPTION(hpt::Error, fillForward(empty, 2, 2, "t"));
    }
    void forecastErrorByHand() {
        auto p = torch::tensor({1.0, 2.0, 4.0, std::nan("")});
        auto t = torch::tensor({1.0, 4.0, 1.0, 9.0});
        const auto e = forecastError(p, t);
        QCOMPARE(e.value("n").toDouble(), 3.0);
        QVERIFY(std::abs(e.value("mae").toDouble() - 5.0 / 3.0) < 1e-12);
        QVERIFY(std::abs(e.value("rmse").toDouble() - std::sqrt(13.0 / 3.0)) < 1e-12);
    }
};

QTEST_GUILESS_MAIN(TestDatasetReaders)
#include "tst_dataset_readers.moc"
