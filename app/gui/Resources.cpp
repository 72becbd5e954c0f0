#include "gui/Resources.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace hpt::gui {

QString resourceFile(const QString& rel) {
    QStringList candidates;
    const QString exeDir = QCoreApplication::applicationDirPath();
    candidates << exeDir + "/../share/hpt/" + rel;  // installed: bin/hpt beside share/hpt
#ifdef HPT_SOURCE_DIR
    // A build folder: the tree it was configured from.
    const QString src = QStringLiteral(HPT_SOURCE_DIR);
    candidates << src + "/resources/" + rel << src + "/" + rel;
#endif
    for (const auto& c : candidates)
        if (QFileInfo(c).isFile()) return QFileInfo(c).absoluteFilePath();
    return {};
}

}  // namespace hpt::gui
