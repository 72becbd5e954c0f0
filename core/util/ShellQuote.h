#pragma once
// Quoting for commands the program prints or writes for a shell (resume hints,
// Slurm scripts): a word of plain characters stays as it is, anything else is
// single-quoted with ' written as '\''. The result is always one shell word.
#include <QString>

namespace hpt {

QString shellQuote(const QString& s);

}  // namespace hpt
