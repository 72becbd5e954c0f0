#pragma once
// Writing export files into a folder someone else may also write to: the file
// name is never followed as a symlink (a link planted there would redirect the
// write to its target, or create a file outside the folder), and an existing
// file is replaced only when the caller says so (--force).
#include <QByteArray>
#include <QString>

namespace hpt {

// Writes `data` to `path` whole or not at all: a temp file beside it, created with
// O_CREAT|O_EXCL|O_NOFOLLOW, flushed to disk, then renamed over `path` (rename replaces
// the name itself, never a link's target). Refuses a symlink at `path` (dangling or not)
// always, and an existing file unless `overwrite`. Throws hpt::Error (Store) naming the
// file and the fix.
void writeFileNoFollow(const QString& path, const QByteArray& data, bool overwrite);

// Why `path` cannot be written without following a link or overwriting ("" when it can);
// lets a command check every file before writing the first.
QString noFollowProblem(const QString& path, bool overwrite);

}  // namespace hpt
