#include "store/WriterLiveness.h"

#include <QByteArray>
#include <QFile>
#include <QList>

#include <cerrno>
#include <csignal>
#include <sys/types.h>
#include <unistd.h>

namespace hpt::liveness {

int64_t currentPid() { return int64_t(::getpid()); }

int64_t processStartTime(int64_t pid) {
    QFile f(QString("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QByteArray s = f.readAll();
    // The command name (field 2) may contain spaces and parentheses: fields resume after the last ')'.
    const int close = s.lastIndexOf(')');
    if (close < 0) return 0;
    const QList<QByteArray> fields = s.mid(close + 2).split(' ');  // fields[0] is field 3 (state)
    if (fields.size() < 20) return 0;
    if (fields[0] == "Z" || fields[0] == "X") return 0;  // exited, not yet reaped
    return fields[19].toLongLong();                     // field 22: starttime
}

bool processAlive(int64_t pid, int64_t start) {
    if (pid <= 0) return false;
    if (::kill(pid_t(pid), 0) != 0 && errno != EPERM) return false;
    const int64_t now = processStartTime(pid);
    if (now == 0) return QFile::exists("/proc/self/stat") ? false : true;  // no /proc: trust kill()
    return start == 0 || now == start;
}

}  // namespace hpt::liveness
