#include "util/ShellQuote.h"

#include <QRegularExpression>

namespace hpt {

QString shellQuote(const QString& s) {
    static const QRegularExpression plain("^[A-Za-z0-9_./=:,+@%-]+$");
    if (!s.isEmpty() && plain.match(s).hasMatch()) return s;
    QString q = s;
    q.replace("'", "'\\''");
    return "'" + q + "'";
}

}  // namespace hpt
