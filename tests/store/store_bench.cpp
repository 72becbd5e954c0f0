// Prints runStoreBenchmark() as JSON (not a ctest test: speed is measured, not asserted).
// Usage: store_bench [SCRATCH_DIR] [ROWS]
#include "store/StoreBenchmark.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonDocument>
#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments();
    const QString dir = a.value(1, QDir::tempPath() + "/hpt-store-bench");
    const qint64 rows = a.size() > 2 ? a[2].toLongLong() : 2000000;
    std::fputs(QJsonDocument(hpt::runStoreBenchmark(dir, rows)).toJson().constData(), stdout);
    return 0;
}
