#include "cli/HelpText.h"

#include <QRegularExpression>

namespace hpt::cli {

namespace {
// "  -j, --jobs <N>     text" → names column and text (Qt pads the names to one column; a name
// longer than that column puts its text on the next lines).
std::pair<QString, QString> splitColumns(const QString& line) {
    static const QRegularExpression gap("\\S(\\s{2,})\\S");
    const QString body = line.mid(2);
    const auto m = gap.match(body);
    if (!m.hasMatch()) return {body.trimmed(), QString()};
    return {body.left(m.capturedStart(1)).trimmed(), body.mid(m.capturedEnd(1)).trimmed()};
}
}  // namespace

HelpText parseHelpText(const QString& text) {
    HelpText h;
    enum { Head, Options, Arguments } section = Head;
    QStringList description;
    for (const QString& line : text.split('\n')) {
        if (line.startsWith("Usage: ")) {
            // Qt writes the program path first; keep what follows it.
            h.usage = line.mid(7).section(' ', 1);
            continue;
        }
        if (line == "Options:") {
            section = Options;
            continue;
        }
        if (line == "Arguments:") {
            section = Arguments;
            continue;
        }
        if (section == Head) {
            if (!line.trimmed().isEmpty() || !description.isEmpty()) description << line;
            continue;
        }
        if (line.trimmed().isEmpty()) continue;
        const bool continuation = line.startsWith("   ");
        if (continuation) {
            QString& last = section == Options ? (h.options.empty() ? h.description : h.options.back().text)
                                               : (h.arguments.empty() ? h.description : h.arguments.back().text);
            last += (last.isEmpty() ? "" : " ") + line.trimmed();
            continue;
        }
        const auto [names, rest] = splitColumns(line);
        if (section == Options) {
            HelpOption o;
            for (QString n : names.split(", ")) {
                const int lt = n.indexOf(" <");
                if (lt > 0) {
                    o.value = n.mid(lt + 2).chopped(1);
                    n = n.left(lt);
                }
                o.names << n.trimmed();
            }
            o.text = rest;
            h.options.push_back(o);
        } else {
            h.arguments.push_back({names, rest});
        }
    }
    while (!description.isEmpty() && description.last().trimmed().isEmpty()) description.removeLast();
    h.description = description.join('\n');
    return h;
}

}  // namespace hpt::cli
