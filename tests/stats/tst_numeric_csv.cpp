// The numeric CSV reader behind `hpt stats` and `hpt id`: separators, header,
// comments, column selection, and file:line:column in every error.
#include "stats/NumericCsv.h"

#include <hpt/Error.h>

#include <QTemporaryDir>
#include <QtTest>

using namespace hpt;

class TestNumericCsv : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    QString write(const QString& name, const QByteArray& text) {
        const QString path = dir_.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
        f.write(text);
        return path;
    }
    QString errorOf(const QString& path) {
        try {
            readNumericCsv(path);
        } catch (const hpt::Error& e) {
            return QString::fromUtf8(e.what());
        }
        return {};
    }

private slots:
    void separatorsHeaderAndComments() {
        const auto csv = readNumericCsv(write("a.csv", "# exported losses\nstep, loss\n1, 0.5\n\n2;0.25\n3\t1e-3\n4 5\n"));
        QCOMPARE(csv.header, QStringList({"step", "loss"}));
        QCOMPARE(int(csv.rows.size()), 4);
        QCOMPARE(csv.columns(), int64_t(2));
        QCOMPARE(csv.column("loss"), std::vector<double>({0.5, 0.25, 1e-3, 5}));
        QCOMPARE(csv.column("1"), std::vector<double>({1, 2, 3, 4}));
        QCOMPARE(csv.column(""), std::vector<double>({1, 2, 3, 4}));
        const auto m = csv.matrix();
        QCOMPARE(m.size(0), int64_t(4));
        QCOMPARE(m.size(1), int64_t(2));
        QCOMPARE(m[2][1].item<double>(), 1e-3);
    }
    void noHeader() {
        const auto csv = readNumericCsv(write("b.csv", "1,2\n3,4\n"));
        QVERIFY(csv.header.isEmpty());
        QCOMPARE(int(csv.rows.size()), 2);
    }
    void errorsNameTheCell() {
        QString m = errorOf(write("c.csv", "x,y\n1,2\n3,abc\n"));
        QVERIFY2(m.contains("c.csv:3:2") && m.contains("'abc' is not a number"), qPrintable(m));
        // A NaN in the first line is a bad value, not a header.
        m = errorOf(write("d.csv", "1,nan\n2,3\n"));
        QVERIFY2(m.contains("d.csv:1:2") && m.contains("NaN or infinite"), qPrintable(m));
        m = errorOf(write("e.csv", "a,b,c\n1,2\n"));
        QVERIFY2(m.contains("e.csv:2") && m.contains("header has 3"), qPrintable(m));
        m = errorOf(write("f.csv", "# only a comment\nname\n"));
        QVERIFY2(m.contains("no numeric rows"), qPrintable(m));
        m = errorOf(dir_.filePath("missing.csv"));
        QVERIFY2(m.contains("missing.csv") && m.contains("cannot open"), qPrintable(m));
        const auto csv = readNumericCsv(write("g.csv", "a,b\n1,2\n"));
        try {
            csv.column("z");
            QFAIL("expected error");
        } catch (const hpt::Error& e) {
            QVERIFY2(QString(e.what()).contains("no column 'z'") && QString(e.what()).contains("a, b"), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(hpt::Error, csv.column("3"));
    }
};

QTEST_GUILESS_MAIN(TestNumericCsv)
#include "tst_numeric_csv.moc"
