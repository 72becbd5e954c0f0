#include "engine/Checkpoint.h"

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
    const QString tmp = QDir(dir).filePath("checkpoint.new.hpt");
    QSaveFile out(tmp);
    // flush() explicitly: QSaveFile::commit() can report success when only the final flush of its
    // buffer fails (full disk), leaving an empty file behind.
    const bool ok = out.open(QIODevice::WriteOnly) && out.write(b) == b.size() && out.flush() && out.commit();
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
    if (!QFile::rename(tmp, file)) throw Error(ErrorKind::Store, file.toStdString(), "cannot move the new checkpoint in place");
}

QString Checkpoint::verify(const QString& file) { return parse(file).error; }

CheckpointData Checkpoint::read(const QString& dir) {
    const QString file = QDir(dir).filePath(kFile), prev = QDir(dir).filePath(kPrevious);
    CheckpointData d;
    Parsed p = parse(file);
    d.file = file;
    if (!p.error.isEmpty()) {
        const QString why = p.error;
        p = parse(prev);
        if (!p.error.isEmpty())
            throw dataError(dir.toStdString(), QString("no valid checkpoint: %1: %2; %3: %4")
                                                   .arg(file, why, prev, p.error).toStdString());
        d.file = prev;
        d.rejected = QString("%1: %2; using the previous checkpoint %3").arg(file, why, prev);
    }
    d.state = p.state;
    // The checksum only proves the bytes are what was written; torch still rejects an archive
    // it cannot read (e.g. one written by another LibTorch): say so as a data error.
    try {
        d.tensors.load_from(p.tensors.constData(), size_t(p.tensors.size()));
    } catch (const c10::Error& e) {
        throw dataError(d.file.toStdString(), std::string("the tensor section is not a readable torch archive: ") +
                                                  e.what_without_backtrace());
    }
    return d;
}

}  // namespace hpt
