#include "engine/RunLock.h"

#include "store/WriterLiveness.h"

#include <hpt/Error.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSysInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hpt {

namespace {

QJsonObject readHolder(int fd) {
    QByteArray b;
    char buf[4096];
    ::lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0 && b.size() < 65536;) b.append(buf, n);
    return QJsonDocument::fromJson(b).object();
}

QString describe(const QJsonObject& h) {
    return QString("process %1 on host %2 (run %3)")
        .arg(qint64(h.value("pid").toDouble()))
        .arg(h.value("host").toString("?"), h.value("run_uuid").toString("?"));
}

}  // namespace

std::unique_ptr<RunLock> RunLock::acquire(const QString& dir, const QString& uuid, QString* tookOver) {
    const QString path = QDir(dir).filePath(kFile);
    const QByteArray name = QFile::encodeName(path);
    for (int attempt = 0; attempt < 10; ++attempt) {
        const int fd = ::open(name.constData(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
            throw Error(ErrorKind::Store, path.toStdString(),
                        QString("cannot create the run's lock file (%1); make the checkpoint folder writable")
                            .arg(std::strerror(errno)).toStdString());
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const QJsonObject h = readHolder(fd);
            ::close(fd);
            throw configError(dir.toStdString(),
                              QString("this checkpoint folder is in use by %1, which is still writing it. One run has "
                                      "one writer: wait for it to finish, or stop it (kill -INT %2 on %3) and resume "
                                      "after it has written its checkpoint")
                                  .arg(describe(h)).arg(qint64(h.value("pid").toDouble()))
                                  .arg(h.value("host").toString("its host"))
                                  .toStdString());
        }
        // The file may have been removed by its previous holder between our open and flock:
        // only a lock on the file that is at the path now counts.
        struct stat a {}, b {};
        if (::fstat(fd, &a) != 0 || ::stat(name.constData(), &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
            ::close(fd);
            continue;
        }
        const QJsonObject old = readHolder(fd);
        if (!old.isEmpty() && tookOver)
            *tookOver = QString("took over the stale lock of %1 in %2: that writer is gone (it held no lock)")
                            .arg(describe(old), dir);
        const int64_t pid = liveness::currentPid();
        const QByteArray me = QJsonDocument(QJsonObject{{"pid", double(pid)},
                                                        {"start", double(liveness::processStartTime(pid))},
                                                        {"host", QSysInfo::machineHostName()},
                                                        {"run_uuid", uuid}})
                                  .toJson(QJsonDocument::Compact);
        if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.constData(), size_t(me.size()), 0) != me.size()) {
            // The lock itself is held; only its description could not be written.
        }
        return std::unique_ptr<RunLock>(new RunLock(fd, path));
    }
    throw Error(ErrorKind::Store, path.toStdString(), "the lock file keeps being replaced; is another process racing?");
}

RunLock::~RunLock() {
    if (fd_ < 0) return;
    ::unlink(QFile::encodeName(path_).constData());  // while still holding it: nobody locks a removed file
    ::close(fd_);
}

QString RunLock::liveHolder(const QString& dir) {
    const QByteArray name = QFile::encodeName(QDir(dir).filePath(kFile));
    const int fd = ::open(name.constData(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return {};
    QString out;
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0) out = describe(readHolder(fd));
    else ::flock(fd, LOCK_UN);
    ::close(fd);
    return out;
}

}  // namespace hpt
