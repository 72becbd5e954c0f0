// kill -9 of a writer mid-run: a child process (this executable with --child)
// records a run through StoreSink and prints how many batches are committed
// after each flush; the parent SIGKILLs it while it keeps writing. The store
// must pass integrity_check, hold every batch reported committed, and the run
// must be marked interrupted by recovery.
#include "StoreTestSupport.h"
#include "store/Store.h"
#include "store/StoreSink.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>
#include <cstring>

using namespace hpt;
using namespace hpt::test;

namespace {

const std::vector<std::string> kKeys = {"loss.full", "loss.lora", "lr", "device.gpu.energy_j", "device.reram.energy_j"};
constexpr int64_t kStepsPerBatch = 400;  // 2 000 rows per batch

int childMain(const QString& path) {
    StoreSink::Options opt;
    opt.flushIntervalMs = 5;  // commits keep happening between flushes, so the kill lands mid-write
    StoreSink sink(path, opt);
    sink.runStarted(sampleStart("crash-child"));
    std::printf("run %lld\n", static_cast<long long>(sink.runId()));
    std::fflush(stdout);
    for (int64_t batch = 0;; ++batch) {
        sink.metrics(samplePoints(batch * kStepsPerBatch, kStepsPerBatch, kKeys));
        if (batch % 4 == 3) {
            sink.flush();
            std::printf("committed %lld\n", static_cast<long long>(batch + 1));
            std::fflush(stdout);
        }
    }
}

}  // namespace

class TestStoreCrash : public QObject {
    Q_OBJECT
private slots:
    void killNineMidRun() {
        QTemporaryDir tmp;
        const QString path = tmp.filePath("crash.sqlite");
        QProcess child;
        child.setProcessChannelMode(QProcess::SeparateChannels);
        child.start(QCoreApplication::applicationFilePath(), {"--child", path});
        QVERIFY2(child.waitForStarted(10000), qPrintable(child.errorString()));
        int64_t run = 0, committed = 0;
        QElapsedTimer t;
        t.start();
        QByteArray buffer;
        // Wait for a good number of committed batches, then kill while it is still writing.
        while (committed < 40 && t.elapsed() < 40000) {
            if (!child.waitForReadyRead(1000)) {
                QVERIFY2(child.state() == QProcess::Running, qPrintable(child.readAllStandardError()));
                continue;
            }
            buffer += child.readAllStandardOutput();
            int nl;
            while ((nl = buffer.indexOf('\n')) >= 0) {
                const QByteArray line = buffer.left(nl);
                buffer.remove(0, nl + 1);
                if (line.startsWith("run ")) run = line.mid(4).toLongLong();
                if (line.startsWith("committed ")) committed = line.mid(10).toLongLong();
            }
        }
        QVERIFY2(committed >= 4, "the child committed too few batches");
        child.kill();  // SIGKILL
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        // Lines printed just before the kill may still be in the pipe: take the latest.
        buffer += child.readAllStandardOutput();
        for (const QByteArray& line : buffer.split('\n'))
            if (line.startsWith("committed ")) committed = std::max<int64_t>(committed, line.mid(10).toLongLong());
        qInfo("child committed %lld batches before SIGKILL", static_cast<long long>(committed));

        Store s(path);
        QCOMPARE(s.integrityCheck(), QString("ok"));
        QVERIFY(run > 0);
        QCOMPARE(s.summary(run).status, QString("running"));  // as the child left it
        const int64_t rows = s.metricCount(run);
        QVERIFY2(rows >= committed * kStepsPerBatch * int64_t(kKeys.size()),
                 qPrintable(QString("%1 rows, %2 batches committed").arg(rows).arg(committed)));
        // Every key holds the committed steps without a gap, and every stored batch is whole.
        for (const auto& k : kKeys) {
            const auto ser = s.series(run, QString::fromStdString(k));
            QVERIFY(ser.x.size() >= size_t(committed * kStepsPerBatch));
            QCOMPARE(ser.x.size() % size_t(kStepsPerBatch), size_t(0));
            for (size_t i = 0; i < ser.x.size(); ++i)
                if (ser.x[i] != double(i)) QFAIL(qPrintable(QString("gap at step %1 of %2").arg(i).arg(QString::fromStdString(k))));
        }
        QCOMPARE(s.recoverInterrupted(), 1);
        QCOMPARE(s.summary(run).status, QString("interrupted"));
        QCOMPARE(s.lastStep(run), int64_t(rows / int64_t(kKeys.size())) - 1);
    }
};

int main(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "--child") == 0) {
        QCoreApplication app(argc, argv);
        return childMain(QString::fromLocal8Bit(argv[2]));
    }
    QCoreApplication app(argc, argv);
    TestStoreCrash t;
    return QTest::qExec(&t, argc, argv);
}

#include "tst_store_crash.moc"
