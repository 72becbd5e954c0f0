#include "util/CsvText.h"

namespace hpt {

QString csvTextCell(const QString& s) {
    QString q = s;
    if (!q.isEmpty() && (q[0] == '=' || q[0] == '+' || q[0] == '-' || q[0] == '@' || q[0] == '\t' || q[0] == '\r'))
        q.prepend('\'');
    if (!q.contains(',') && !q.contains('"') && !q.contains('\n') && !q.contains('\r')) return q;
    q.replace("\"", "\"\"");
    return "\"" + q + "\"";
}

QString csvCell(const QString& s) {
    bool number = false;
    s.toDouble(&number);
    return number ? s : csvTextCell(s);
}

}  // namespace hpt
