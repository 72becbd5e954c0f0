#include "engine/Checkpoint.h"

#include "util/FaultPoint.h"

#include <hpt/Error.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace hpt {

namespace {

const QByteArray kMagic("HPTCKPT1\n");

void putU64(QByteArray& b, quint64 v) {
    for (int i = 0; i < 8; ++i) b.append(char((v >> (8 * i)) & 0xff));
}

quint64 getU64(const QByteArray& b, qsizetype at) {
    quint64 v = 0;
    for (int i = 0; i < 8; ++i) v |= quint64(quint8(b[at + i])) << (8 * i);
    return v;
}

struct Parsed {
    QString error;
    QJsonObject state;
    QByteArray tensors;
};

Parsed parse(const QString& file) {
    Parsed r;
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) {
        r.error = "cannot open: " + f.errorString();
        return r;
    }
    const QByteArray b = f.readAll();
    const qsizetype minSize = kMagic.size() + 16 + 32;
    if (b.size() < minSize || !b.startsWith(kMagic)) {
        r.error = "not a checkpoint (bad header or truncated)";
        return r;
    }
    const QByteArray body = b.left(b.size() - 32);
    if (QCryptographicHash::hash(body, QCryptographicHash::Sha256) != b.right(32)) {
        r.error = "checksum mismatch (file corrupt or partly written)";
        return r;
    }
    qsizetype at = kMagic.size();
    const quint64 nJson = getU64(b, at);
    at += 8;
    if (quint64(body.size() - at) < nJson + 8) {
        r.error = "inconsistent section lengths";
        return r;
    }
    QJsonParseError pe;
    r.state = QJsonDocument::fromJson(b.mid(at, qsizetype(nJson)), &pe).object();
    if (pe.error != QJsonParseError::NoError) {
        r.error = "state is not valid JSON: " + pe.errorString();
        return r;
    }
    at += qsizetype(nJson);
    const quint64 nT = getU64(b, at);
    at += 8;
    if (quint64(body.size() - at) != nT) {
        r.error = "inconsistent tensor section length";
        return r;
    }
    r.tensors = b.mid(at, qsizetype(nT));
    return r;
}

}  // namespace

void Checkpoint::write(const QString& dir, const QJsonObject& state,
                       const std::function<void(torch::serialize::OutputArchive&)>& fillTensors) {
    if (!QDir().mkpath(dir)) throw Error(ErrorKind::Store, dir.toStdString(), "cannot create the checkpoint folder");
    torch::serialize::OutputArchive archive;
    fillTensors(archive);
    std::ostringstream os;
    archive.save_to(os);
    const std::string t = os.str();
    const QByteArray json = QJsonDocument(state).toJson(QJsonDocument::Compact);

    QByteArray b = kMagic;
    putU64(b, quint64(json.size()));
    b.append(json);
    putU64(b, quint64(t.size()));
    b.append(t.data(), qsizetype(t.size()));
    b.append(QCryptographicHash::hash(b, QCryptographicHash::Sha256));

    const QString file = QDir(dir).filePath(kFile), prev = QDir(dir).filePath(kPrevious);
    // QSaveFile writes a temp file, flushes it to disk (fsync) and renames it over the target.
    const QString tmp = QDir(dir).filePath(kNew);
    QSaveFile out(tmp);
    const qsizetype half = b.size() / 2;
    bool ok = out.open(QIODevice::WriteOnly) && out.write(b.constData(), half) == half;
    faultPoint(fault::kCheckpointPartial);
    // flush() explicitly: QSaveFile::commit() can report success when only the final flush of its
    // buffer fails (full disk), leaving an empty file behind.
    ok = ok && out.write(b.constData() + half, b.size() - half) == b.size() - half && out.flush() && out.commit();
    const int err = errno;
    if (!ok)
        throw Error(ErrorKind::Store, tmp.toStdString(),
                    "cannot write the checkpoint: " +
                        (err ? std::string(std::strerror(err)) : out.errorString().toStdString()));
    if (const qint64 got = QFileInfo(tmp).size(); got != b.size()) {  // never let a short file take a checkpoint name
        QFile::remove(tmp);
        throw Error(ErrorKind::Store, tmp.toStdString(),
                    QString("cannot write the checkpoint: only %1 of %2 bytes reached the disk (disk full?)")
                        .arg(got).arg(b.size()).toStdString());
    }
    if (QFile::exists(file)) {
        QFile::remove(prev);
        if (!QFile::rename(file, prev))
            throw Error(ErrorKind::Store, file.toStdString(), "cannot keep the previous checkpoint");
    }
    faultPoint(fault::kCheckpointRotated);  // a crash here leaves only .new and .prev: read() takes .new
    if (!QFile::rename(tmp, file)) throw Error(ErrorKind::Store, file.toStdString(), "cannot move the new checkpoint in place");
}

QString Checkpoint::verify(const QString& file) { return parse(file).error; }

CheckpointData Checkpoint::read(const QString& dir) {
    // The newest valid of: the current file, a complete new file a crash left before its final
    // rename, and the previous one. Each rejected file is reported.
    const QDir d(dir);
    const QString names[] = {kFile, kNew, kPrevious};
    CheckpointData out;
    QStringList why;
    Parsed best;
    int64_t bestStep = -1;
    for (const QString& n : names) {
        const QString f = d.filePath(n);
        if (n == kNew && !QFile::exists(f)) continue;  // normally absent
        Parsed p = parse(f);
        if (!p.error.isEmpty()) {
            why << QString("%1: %2").arg(f, p.error);
            continue;
        }
        const int64_t step = p.state.value("step").toInteger(-1);
        if (out.file.isEmpty() || step > bestStep) {
            out.file = f;
            bestStep = step;
            best = std::move(p);
        }
    }
    if (out.file.isEmpty())
        throw dataError(dir.toStdString(), QString("no valid checkpoint: %1").arg(why.join("; ")).toStdString());
    if (out.file != d.filePath(kFile))
        out.rejected = QString("%1; using %2").arg(why.isEmpty() ? d.filePath(kFile) + ": older" : why.join("; "), out.file);
    out.state = best.state;
    // The checksum only proves the bytes are what was written; torch still rejects an archive
    // it cannot read (e.g. one written by another LibTorch): say so as a data error.
    try {
        out.tensors.load_from(best.tensors.constData(), size_t(best.tensors.size()));
    } catch (const c10::Error& e) {
        throw dataError(out.file.toStdString(), std::string("the tensor section is not a readable torch archive: ") +
                                                    e.what_without_backtrace());
    }
    return out;
}

}  // namespace hpt
