#pragma once
// CSV cells for spreadsheets (RFC 4180 quoting), with the OWASP rule against
// formula injection: a text cell that starts with = + - @ TAB or CR is
// prefixed with ' so a spreadsheet shows it as text instead of evaluating it.
// Numbers are data: a cell that parses as a number (-0.5, -1e-3, +3) is never
// prefixed, so negative values stay numbers. Rule documented in
// resources/docs/reliability.md.
#include <QString>

namespace hpt {

// A text cell: formula-like start prefixed with ', then quoted when it holds , " CR or LF.
QString csvTextCell(const QString& s);
// Any cell: numbers as they are, everything else as csvTextCell.
QString csvCell(const QString& s);

}  // namespace hpt
