#pragma once
// Run and sweep names are data, never code or paths. They reach folder names,
// Slurm job names, shell scripts and terminal tables, so they are checked
// against one documented safe set (resources/docs/reliability.md):
//   1..64 characters from A-Z a-z 0-9 _ . + -, starting with a letter, digit or _.
// Run names may also hold single spaces (never at either end). Anything else
// (quotes, $, `, /, \, control characters, escapes) is refused with the rule.
#include <QString>

namespace hpt {

enum class NameKind { Run, Sweep };

// "" when `name` is in the safe set for `kind`, else why not (for an error message).
QString nameProblem(const QString& name, NameKind kind);
// The rule in words, for error messages and --help.
QString safeNameRule(NameKind kind);
// Throws hpt::Error (Config) at `field` when the name is outside the safe set.
void requireSafeName(const QString& name, NameKind kind, const QString& field);

// A string with control characters (C0, DEL, C1, including ESC of ANSI sequences)
// replaced by visible \xNN escapes: what terminal tables print for stored text.
QString escapeControl(const QString& s);

}  // namespace hpt
