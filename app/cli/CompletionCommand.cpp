// `hpt completion bash|zsh|man`: bash and zsh completion scripts and the hpt(1) man page, all
// written from the help text every command prints for --help (cli/HelpText.h). A new command or
// option appears in all three without an edit here; the build writes them and the .deb installs
// them (packaging/CMakeLists.txt).
#include "cli/Command.h"
#include "cli/HelpText.h"
#include "util/RuntimeInfo.h"

#include <QCoreApplication>
#include <cstdio>

namespace {

using namespace hpt::cli;

struct Entry {
    QString name, summary;
    HelpText help;
};

std::vector<Entry> commandEntries() {
    std::vector<Entry> out;
    for (const auto& c : allCommands()) out.push_back({c.name, c.summary, parseHelpText(helpTextOf(c))});
    return out;
}

QStringList optionWords(const HelpText& h) {
    QStringList w;
    for (const auto& o : h.options)
        for (const auto& n : o.names) w << n;
    return w;
}

// ---- bash ----------------------------------------------------------------------------------

QString bash(const HelpText& top, const std::vector<Entry>& cmds) {
    QStringList names;
    for (const auto& c : cmds) names << c.name;
    auto valued = [](const HelpText& h) {
        QStringList out;
        for (const auto& o : h.options)
            if (!o.value.isEmpty()) out << o.names;
        return out.isEmpty() ? QString("--") : out.join('|');
    };
    QString s = "# bash completion for hpt; written by `hpt completion bash` from the --help option tables.\n";
    s += "_hpt() {\n";
    s += "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opts\n";
    s += "    if [[ $COMP_CWORD -eq 1 && $cur != -* ]]; then\n";
    s += "        compopt -o filenames 2>/dev/null\n";
    s += "        COMPREPLY=($(compgen -W '" + names.join(' ') + "' -- \"$cur\") $(compgen -f -X '!*.sqlite' -- \"$cur\") "
         "$(compgen -d -- \"$cur\"))\n";
    s += "        return\n    fi\n";
    s += "    local cmd=${COMP_WORDS[1]}\n";
    s += "    [[ $cmd == -* || $cmd == *.sqlite || $cmd == *.db ]] && cmd=''\n";
    s += "    # After an option that takes a value, complete files (most values are paths).\n";
    s += "    case $cmd in\n";
    for (const auto& c : cmds)
        s += "        " + c.name + ") opts='" + optionWords(c.help).join(' ') + "'; case $prev in " + valued(c.help) +
             ") compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); return;; esac;;\n";
    s += "        *) opts='" + optionWords(top).join(' ') + "'; case $prev in " + valued(top) +
         ") compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); return;; esac;;\n";
    s += "    esac\n";
    s += "    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"));\n";
    s += "    else compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); fi\n";
    s += "}\ncomplete -F _hpt hpt\n";
    return s;
}

// ---- zsh -----------------------------------------------------------------------------------

// Text inside a single-quoted _arguments spec: no quotes, brackets or colons of its own.
QString zshText(QString t) {
    const int dot = t.indexOf(". ");
    if (dot > 0) t = t.left(dot);
    t.replace('\'', "'\\''").replace('[', '(').replace(']', ')').replace(':', "\\:");
    return t;
}

QStringList zshSpecs(const HelpText& h) {
    QStringList specs;
    for (const auto& o : h.options) {
        const QString val = o.value.isEmpty() ? QString() : ":" + zshText(o.value) + ":_files";
        // Options said to be repeatable may be given again.
        const QString rep = o.text.contains("repeatable") ? "*" : "";
        if (o.names.size() == 1) {
            specs << "'" + rep + o.names[0] + "[" + zshText(o.text) + "]" + val + "'";
        } else {
            specs << "'" + (rep.isEmpty() ? "(" + o.names.join(' ') + ")" : rep) + "'{" + o.names.join(',') + "}'[" +
                         zshText(o.text) + "]" + val + "'";
        }
    }
    specs << "'*:file:_files'";
    return specs;
}

QString zsh(const HelpText& top, const std::vector<Entry>& cmds) {
    QString s = "#compdef hpt\n# zsh completion for hpt; written by `hpt completion zsh` from the --help option tables.\n";
    s += "_hpt() {\n    local -a commands\n    commands=(\n";
    for (const auto& c : cmds) s += "        '" + c.name + ":" + zshText(c.summary) + "'\n";
    s += "    )\n";
    s += "    if (( CURRENT == 2 )) && [[ $PREFIX != -* ]]; then\n";
    s += "        _describe -t commands 'hpt command' commands\n        _files -g '*.sqlite'\n        return\n    fi\n";
    s += "    local cmd=${words[2]}\n";
    s += "    if (( ${commands[(I)$cmd:*]} )); then\n";
    s += "        shift words; (( CURRENT-- )); curcontext=\"${curcontext%:*:*}:hpt-$cmd:\"\n    fi\n";
    s += "    case $cmd in\n";
    for (const auto& c : cmds) s += "        " + c.name + ") _arguments -s \\\n            " + zshSpecs(c.help).join(" \\\n            ") + ";;\n";
    s += "        *) _arguments -s \\\n            " + zshSpecs(top).join(" \\\n            ") + ";;\n";
    s += "    esac\n}\n_hpt \"$@\"\n";
    return s;
}

// ---- man -----------------------------------------------------------------------------------

// roff: a backslash is \e; every '-' is \-, the ASCII minus that options need (a plain '-' may be
// set as a hyphen, and a copied option would not work); a line must not start with . or '.
QString roff(QString t) {
    t.replace('\\', "\\e").replace('-', "\\-");
    QStringList lines = t.split('\n');
    for (auto& l : lines) {
        if (l.startsWith('.') || l.startsWith('\'')) l.prepend("\\&");
    }
    return lines.join('\n');
}

QString manOptions(const HelpText& h) {
    QString s;
    for (const auto& o : h.options) {
        QStringList names;
        for (const auto& n : o.names) names << "\\fB" + roff(n) + "\\fR";
        s += ".TP\n" + names.join(", ") + (o.value.isEmpty() ? QString() : " \\fI" + roff(o.value) + "\\fR") + "\n" +
             roff(o.text) + "\n";
    }
    return s;
}

QString man(const HelpText& top, const std::vector<Entry>& cmds) {
    const QString version = hpt::appVersion();
    QString s = ".\\\" hpt(1); written by `hpt completion man` from the --help option tables. Do not edit.\n";
    s += ".TH HPT 1 \"\" \"hpt " + roff(version) + "\" \"User Commands\"\n";
    s += ".SH NAME\nhpt \\- HpT Workbench: train attention models in full, dual and LoRA phases and price each step\n";
    s += ".SH SYNOPSIS\n.B hpt\n[\\fISTORE.sqlite\\fR]\n.br\n.B hpt \\-\\-batch\n\\fIEXPERIMENT.json\\fR [\\fIoptions\\fR]\n"
         ".br\n.B hpt\n\\fICOMMAND\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]\n";
    s += ".SH DESCRIPTION\n" + roff(top.description) + "\n.PP\nWithout a command or \\fB\\-\\-batch\\fR, hpt opens the "
         "graphical workbench (on the given run store). The commands below and batch mode need no display.\n";
    s += ".SH OPTIONS\n" + manOptions(top);
    s += ".SH COMMANDS\n";
    for (const auto& c : cmds) {
        s += ".SS \"hpt " + roff(c.name) + " " + roff(c.help.usage).replace('"', "\\(dq") + "\"\n";
        s += roff(c.help.description.isEmpty() ? c.summary : c.help.description) + "\n";
        for (const auto& a : c.help.arguments) s += ".TP\n\\fI" + roff(a.name) + "\\fR\n" + roff(a.text) + "\n";
        s += manOptions(c.help);
    }
    s += ".SH EXIT STATUS\n";
    for (const auto& [code, what] : std::vector<std::pair<int, QString>>{
             {Ok, "finished"}, {Failure, "store or checkpoint folder unwritable, internal error"},
             {BadArguments, "bad arguments or configuration (the field is named)"}, {DataError, "data error"},
             {PluginFailure, "plugin error"}, {Diverged, "training diverged"},
             {Interrupted, "stopped by SIGINT (a checkpoint was written; the resume command is printed)"},
             {Terminated, "stopped by SIGTERM, e.g. scancel (as for SIGINT)"}})
        s += ".TP\n.B " + QString::number(code) + "\n" + roff(what) + "\n";
    s += ".SH ENVIRONMENT\n.TP\n.B HPT_STORE\nThe run store used when \\fB\\-\\-store\\fR is not given.\n"
         ".TP\n.B HPT_PLUGIN_PATH\nFolders searched for plugins, separated by colons.\n";
    s += ".SH SEE ALSO\nThe guides installed in \\fI/usr/share/hpt/docs\\fR: batch.md (batch mode, sweeps, Slurm), "
         "store.md (the run store), writing\\-a\\-plugin.md (the plugin SDK).\n";
    return s;
}

int runCompletion(const QStringList& args) {
    QCommandLineParser p;
    p.setApplicationDescription("Print the bash or zsh completion script, or the hpt(1) man page, written from the "
                                "--help text of every command.\nbash: source <(hpt completion bash)");
    p.addHelpOption();
    p.addPositionalArgument("what", "bash, zsh or man.", "bash|zsh|man");
    if (!parseOrFail(p, args)) return BadArguments;
    const QString what = p.positionalArguments().value(0);
    if (p.positionalArguments().size() != 1 || (what != "bash" && what != "zsh" && what != "man")) {
        std::fprintf(stderr, "hpt completion: expected one of bash, zsh or man, e.g. hpt completion bash\n");
        return BadArguments;
    }
    const HelpText top = parseHelpText(topLevelHelpText());
    const std::vector<Entry> cmds = commandEntries();
    const QString out = what == "bash" ? bash(top, cmds) : what == "zsh" ? zsh(top, cmds) : man(top, cmds);
    std::fputs(out.toUtf8().constData(), stdout);
    return Ok;
}

}  // namespace

HPT_COMMAND("completion", "Print bash or zsh completion, or the man page (from every command's --help)", runCompletion);
