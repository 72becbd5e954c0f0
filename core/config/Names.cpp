#include "config/Names.h"

#include <hpt/Error.h>

namespace hpt {

namespace {
constexpr int kMaxName = 64;

bool safeChar(QChar c) {
    const ushort u = c.unicode();
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' || u == '.' ||
           u == '+' || u == '-';
}
}  // namespace

QString safeNameRule(NameKind kind) {
    return QString("1..%1 characters from A-Z a-z 0-9 _ . + -%2, starting with a letter, digit or _")
        .arg(kMaxName)
        .arg(kind == NameKind::Run ? " and inner single spaces" : "");
}

QString nameProblem(const QString& name, NameKind kind) {
    if (name.isEmpty()) return "is empty";
    if (name.size() > kMaxName) return QString("is %1 characters long").arg(name.size());
    const QChar first = name.front();
    if (!(first.isLetterOrNumber() && safeChar(first)) && first != '_')
        return QString("starts with '%1'").arg(escapeControl(first));
    for (int i = 0; i < name.size(); ++i) {
        const QChar c = name[i];
        if (safeChar(c)) continue;
        if (kind == NameKind::Run && c == ' ' && i + 1 < name.size() && name[i + 1] != ' ') continue;
        return QString("holds '%1' at position %2").arg(escapeControl(c)).arg(i + 1);
    }
    return {};
}

void requireSafeName(const QString& name, NameKind kind, const QString& field) {
    const QString why = nameProblem(name, kind);
    if (why.isEmpty()) return;
    throw configError(field.toStdString(),
                      QString("the name '%1' %2; names become folder and job names, so use %3")
                          .arg(escapeControl(name.left(80)), why, safeNameRule(kind))
                          .toStdString());
}

QString escapeControl(const QString& s) {
    QString out;
    out.reserve(s.size());
    for (const QChar c : s) {
        const ushort u = c.unicode();
        if (u < 0x20 || u == 0x7f || (u >= 0x80 && u < 0xa0) || u == 0x2028 || u == 0x2029 || (u >= 0x202a && u <= 0x202e) ||
            (u >= 0x2066 && u <= 0x2069))
            out += QString("\\x%1").arg(u, u > 0xff ? 4 : 2, 16, QChar('0'));
        else
            out += c;
    }
    return out;
}

}  // namespace hpt
