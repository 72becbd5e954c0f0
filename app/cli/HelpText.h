#pragma once
// The help text QCommandLineParser prints, read back into its parts: usage, description, options
// (names, value name, text) and positional arguments. The man page and the shell completions are
// written from these parts, so they say exactly what `--help` says.
#include <QString>
#include <QStringList>
#include <vector>

namespace hpt::cli {

struct HelpOption {
    QStringList names;  // "-j", "--jobs"
    QString value;      // "N" for "--jobs <N>"; empty for a flag
    QString text;
};

struct HelpArgument {
    QString name, text;
};

struct HelpText {
    QString usage;        // what follows "Usage: <program>"
    QString description;  // the paragraph before "Options:"
    std::vector<HelpOption> options;
    std::vector<HelpArgument> arguments;
};

HelpText parseHelpText(const QString& text);

}  // namespace hpt::cli
