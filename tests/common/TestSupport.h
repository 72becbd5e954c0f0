#pragma once
// Helpers shared by the Qt Test executables.
#include <QDir>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace hpt::test {

struct ProcResult {
    int exitCode = -1;
    QString out, err;
};

// Starts the built `hpt` with args in `p` (environment and child-process setup already
// given) and waits up to `timeoutMs` for its exit code and output.
inline ProcResult runHpt(QProcess& p, const QStringList& args, int timeoutMs = 120000) {
    p.start(QStringLiteral(HPT_EXE), args);
    ProcResult r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

// Runs the built `hpt` with args; waits up to `timeoutMs`.
inline ProcResult runHpt(const QStringList& args, int timeoutMs = 120000, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    return runHpt(p, args, timeoutMs);
}

// ../shared/datasets beside the checkout, or "" when absent (tests skip).
inline QString sharedDatasets() {
    const QString d = qEnvironmentVariable("HPT_SHARED_DATASETS", QStringLiteral(HPT_SHARED_DATASETS));
    return QDir(d).exists() ? QDir(d).absolutePath() : QString();
}

}  // namespace hpt::test
