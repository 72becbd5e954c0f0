#include "util/SafeWrite.h"

#include <hpt/Error.h>

#include <QFile>
#include <QFileInfo>
#include <QUuid>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hpt {

namespace {
[[noreturn]] void fail(const QString& path, const QString& msg) {
    throw Error(ErrorKind::Store, path.toStdString(), msg.toStdString());
}
}  // namespace

QString noFollowProblem(const QString& path, bool overwrite) {
    struct stat st {};
    if (::lstat(QFile::encodeName(path).constData(), &st) != 0) return {};  // absent: fine
    if (S_ISLNK(st.st_mode))
        return "is a symbolic link; exports never write through links. Remove the link or choose another folder";
    if (!S_ISREG(st.st_mode)) return "exists and is not a regular file; choose another folder";
    if (!overwrite) return "already exists; pass --force to replace it, or choose another folder";
    return {};
}

void writeFileNoFollow(const QString& path, const QByteArray& data, bool overwrite) {
    if (const QString why = noFollowProblem(path, overwrite); !why.isEmpty()) fail(path, why);
    const QFileInfo fi(path);
    const QString tmp = fi.absolutePath() + "/." + fi.fileName() + "." +
                        QUuid::createUuid().toString(QUuid::Id128).left(12) + ".tmp";
    const QByteArray tmpName = QFile::encodeName(tmp);
    const int fd = ::open(tmpName.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) fail(path, QString("cannot be written (%1); check the folder and free space").arg(std::strerror(errno)));
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.constData() + done, size_t(data.size() - done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(tmpName.constData());
            fail(path, QString("cannot be written (%1); check the folder and free space").arg(std::strerror(err)));
        }
        done += n;
    }
    const bool synced = ::fsync(fd) == 0;
    const int err = errno;
    if (::close(fd) != 0 || !synced) {
        ::unlink(tmpName.constData());
        fail(path, QString("cannot be written (%1); check the folder and free space").arg(std::strerror(err)));
    }
    // Checked again right before the rename: a file that appeared meanwhile is not replaced
    // without --force (rename itself never follows a link at `path`).
    if (const QString why = noFollowProblem(path, overwrite); !why.isEmpty()) {
        ::unlink(tmpName.constData());
        fail(path, why);
    }
    if (::rename(tmpName.constData(), QFile::encodeName(path).constData()) != 0) {
        const int e = errno;
        ::unlink(tmpName.constData());
        fail(path, QString("cannot be put in place (%1)").arg(std::strerror(e)));
    }
}

}  // namespace hpt
