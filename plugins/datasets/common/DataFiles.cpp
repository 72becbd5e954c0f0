#include "DataFiles.h"

#include <hpt/Error.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

namespace hpt::data {

QString defaultDataHome() {
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + "/HpT/hpt/datasets";
}

QStringList searchDirs(const QString& dataDir, const QJsonObject& params, const QString& subdir) {
    QStringList roots;
    const QString param = params.value("data_dir").toString();
    if (!dataDir.isEmpty()) roots << dataDir;
    else if (!param.isEmpty()) roots << param;
    else {
        const QString env = qEnvironmentVariable("HPT_DATA_DIR");
        if (!env.isEmpty()) roots << env;
        roots << defaultDataHome();
    }
    QStringList out;
    for (const auto& r : roots) {
        const QString abs = QDir(r).absolutePath();
        for (const QString& d : {abs + "/" + subdir, abs})
            if (!out.contains(d)) out << d;
    }
    return out;
}

QString findFile(const QStringList& dirs, const QString& relName) {
    for (const auto& d : dirs) {
        const QString p = d + "/" + relName;
        if (QFileInfo(p).isFile()) return p;
    }
    return {};
}

void throwMissing(const QString& dataset, const QString& relName, const QStringList& dirs) {
    throw dataError(relName.toStdString(),
                    "file not found for dataset '" + dataset.toStdString() + "'; looked in: " +
                        dirs.join(", ").toStdString() +
                        ". Run datasets/download (puts it in " + defaultDataHome().toStdString() +
                        ") or pass --data-dir DIR / set dataset.data_dir to a folder holding " +
                        dataset.toStdString() + "/" + relName.toStdString());
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        throw dataError(path.toStdString(), "cannot read file: " + f.errorString().toStdString());
    QByteArray b = f.readAll();
    if (b.trimmed().isEmpty()) throw dataError(path.toStdString(), "file is empty; expected CSV rows");
    return b;
}

QString sha256Hex(const QByteArray& bytes) {
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

}  // namespace hpt::data
