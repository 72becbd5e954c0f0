#include "cli/StoreArgument.h"

#include "store/Store.h"

#include <hpt/Error.h>

#include <QFileInfo>

namespace hpt::cli {

void addStoreOption(QCommandLineParser& p) {
    p.addOption({"store", "Run store file (default: $HPT_STORE, else the per-user store).", "FILE"});
    p.addPositionalArgument("STORE", "Run store file (the same as --store FILE).", "[STORE.sqlite]");
}

QString storeArgument(const QCommandLineParser& p, bool* given) {
    const QStringList pos = p.positionalArguments();
    if (pos.size() > 1)
        throw configError(pos[1].toStdString(), "unexpected argument; give one run store (STORE.sqlite or --store FILE)");
    QString path;
    if (!pos.isEmpty()) {
        path = pos.first();
        if (p.isSet("store") && QFileInfo(p.value("store")).absoluteFilePath() != QFileInfo(path).absoluteFilePath())
            throw configError("--store", QString("names %1 but the argument names %2; give one of them")
                                             .arg(p.value("store"), path).toStdString());
    } else if (p.isSet("store")) {
        path = p.value("store");
    }
    if (given) *given = !path.isEmpty();
    return path.isEmpty() ? Store::defaultPath() : path;
}

}  // namespace hpt::cli
