#include "store/Query.h"

#include "store/Store.h"

#include <QJsonArray>
#include <QJsonValue>
#include <QRegularExpression>
#include <QStringList>
#include <cmath>
#include <map>

namespace hpt {

QueryError::QueryError(int position, const QString& detail)
    : Error(ErrorKind::Config, "query", QString("at character %1: %2").arg(position + 1).arg(detail).toStdString()),
      position_(position), detail_(detail) {}

namespace {

// Fields a comparison may name. `config.` and `final.` take a key path after them;
// the others are a run's columns (what `hpt runs` prints).
const QStringList kColumns{"id",      "name",       "status",      "model",      "dataset", "mapping", "tags",
                           "tag",     "notes",      "created_at",  "finished_at", "duration_s", "last_step",
                           "synthetic", "uuid"};

enum class Tok { Word, Number, String, LParen, RParen, Op, And, Or, Not, True, False, Null, End };

struct Token {
    Tok kind = Tok::End;
    QString text;  // the word, the unquoted string, or the operator
    double number = 0;
    int pos = 0;
};

bool isSeparator(QChar c) {
    return c.isSpace() || c == '(' || c == ')' || c == '\'' || c == '"' || c == '=' || c == '!' || c == '<' ||
           c == '>' || c == '~';
}

std::vector<Token> lex(const QString& s) {
    std::vector<Token> out;
    int i = 0;
    const int n = int(s.size());
    while (i < n) {
        const QChar c = s[i];
        if (c.isSpace()) {
            ++i;
            continue;
        }
        Token t;
        t.pos = i;
        if (c == '(' || c == ')') {
            t.kind = c == '(' ? Tok::LParen : Tok::RParen;
            t.text = c;
            ++i;
        } else if (c == '\'' || c == '"') {
            // Quoted text; a backslash escapes the next character (the quote or a backslash).
            t.kind = Tok::String;
            ++i;
            bool closed = false;
            while (i < n) {
                if (s[i] == '\\' && i + 1 < n) {
                    // Keep the backslash unless it escapes the quote or itself: regexes keep their \d.
                    if (s[i + 1] != c && s[i + 1] != '\\') t.text += s[i];
                    t.text += s[i + 1];
                    i += 2;
                } else if (s[i] == c) {
                    closed = true;
                    ++i;
                    break;
                } else {
                    t.text += s[i++];
                }
            }
            if (!closed) throw QueryError(t.pos, QString("the text started here has no closing %1").arg(c));
        } else if (c == '=' || c == '!' || c == '<' || c == '>' || c == '~') {
            t.kind = Tok::Op;
            const QString two = s.mid(i, 2);
            if (two == "==" || two == "!=" || two == "<=" || two == ">=" || two == "!~") {
                t.text = two == "==" ? "=" : two;
                i += 2;
            } else if (c == '!') {
                throw QueryError(i, "'!' must be followed by '=' or '~' (use 'not' to negate)");
            } else {
                t.text = c;
                ++i;
            }
        } else {
            while (i < n && !isSeparator(s[i])) t.text += s[i++];
            const QString low = t.text.toLower();
            bool isNumber = false;
            const double v = t.text.toDouble(&isNumber);
            if (low == "and" || t.text == "&&") t.kind = Tok::And;
            else if (low == "or" || t.text == "||") t.kind = Tok::Or;
            else if (low == "not") t.kind = Tok::Not;
            else if (low == "true") t.kind = Tok::True;
            else if (low == "false") t.kind = Tok::False;
            else if (low == "null") t.kind = Tok::Null;
            else if (isNumber && std::isfinite(v)) {
                t.kind = Tok::Number;
                t.number = v;
            } else t.kind = Tok::Word;
        }
        out.push_back(t);
    }
    Token end;
    end.pos = n;
    out.push_back(end);
    return out;
}

}  // namespace

struct Query::Node {
    enum Kind { And, Or, Not, Compare, Text } kind = Text;
    std::shared_ptr<const Node> a, b;
    // Compare: root ("config", "final" or a column), path below it, operator, literal.
    QString root;
    QStringList path;
    QString op;
    QJsonValue literal;  // Null, Bool, Double or String
    QRegularExpression regex;
    // Text: lower-cased free text.
    QString text;
};

namespace {

using NodeP = std::shared_ptr<const Query::Node>;

class Parser {
public:
    explicit Parser(const QString& text) : toks_(lex(text)) {}

    NodeP parseAll(bool* needsConfig) {
        needsConfig_ = needsConfig;
        if (peek().kind == Tok::End) return nullptr;
        NodeP n = orExpr();
        if (peek().kind == Tok::RParen) throw QueryError(peek().pos, "')' without a matching '('");
        if (peek().kind != Tok::End) throw QueryError(peek().pos, "unexpected '" + peek().text + "'");
        return n;
    }

private:
    const Token& peek() const { return toks_[at_]; }
    const Token& next() { return toks_[at_++]; }

    static NodeP join(Query::Node::Kind k, NodeP a, NodeP b) {
        auto n = std::make_shared<Query::Node>();
        n->kind = k;
        n->a = std::move(a);
        n->b = std::move(b);
        return n;
    }

    NodeP orExpr() {
        NodeP n = andExpr();
        while (peek().kind == Tok::Or) {
            next();
            n = join(Query::Node::Or, n, andExpr());
        }
        return n;
    }

    // `a b` means `a and b`, as in a search box: several words narrow the list.
    NodeP andExpr() {
        NodeP n = unary();
        for (;;) {
            if (peek().kind == Tok::And) next();
            else if (!startsUnary(peek().kind)) break;
            n = join(Query::Node::And, n, unary());
        }
        return n;
    }

    static bool startsUnary(Tok k) {
        return k == Tok::Not || k == Tok::LParen || k == Tok::Word || k == Tok::String || k == Tok::Number ||
               k == Tok::True || k == Tok::False || k == Tok::Null;
    }

    NodeP unary() {
        if (peek().kind == Tok::Not) {
            next();
            return join(Query::Node::Not, unary(), nullptr);
        }
        return primary();
    }

    NodeP primary() {
        const Token& t = peek();
        if (t.kind == Tok::LParen) {
            next();
            if (peek().kind == Tok::RParen) throw QueryError(peek().pos, "empty parentheses");
            NodeP n = orExpr();
            if (peek().kind != Tok::RParen)
                throw QueryError(peek().pos, peek().kind == Tok::End ? QString("missing ')' for the '(' at character %1").arg(t.pos + 1)
                                                                      : "expected ')' here, found '" + peek().text + "'");
            next();
            return n;
        }
        if (t.kind == Tok::End) throw QueryError(t.pos, "the query ends where a condition was expected");
        if (t.kind == Tok::Op) throw QueryError(t.pos, "'" + t.text + "' needs a field on its left (e.g. final.test.rmse " + t.text + " 1)");
        if (t.kind == Tok::RParen) throw QueryError(t.pos, "')' without a matching '('");
        if (t.kind == Tok::And || t.kind == Tok::Or) throw QueryError(t.pos, "'" + t.text + "' needs a condition before it");
        const Token word = next();
        if (peek().kind != Tok::Op) {
            // Free text: what the filter box has always done.
            auto n = std::make_shared<Query::Node>();
            n->kind = Query::Node::Text;
            n->text = word.text.toLower();
            return n;
        }
        if (word.kind != Tok::Word) throw QueryError(word.pos, "the left side of a comparison must be a field such as config.lora.rank");
        const Token op = next();
        return comparison(word, op);
    }

    NodeP comparison(const Token& field, const Token& op) {
        auto n = std::make_shared<Query::Node>();
        n->kind = Query::Node::Compare;
        n->op = op.text;
        QStringList parts = field.text.split('.');
        n->root = parts.takeFirst().toLower();
        if (n->root == "config" || n->root == "final") {
            if (parts.isEmpty() || parts.contains(QString()))
                throw QueryError(field.pos, "'" + field.text + "' needs a key path, e.g. " + n->root +
                                                (n->root == "config" ? ".lora.rank" : ".test.rmse"));
            n->path = parts;
            if (n->root == "config" && needsConfig_) *needsConfig_ = true;
        } else if (kColumns.contains(n->root) && parts.isEmpty()) {
            if (n->root == "tag") n->root = "tags";
        } else {
            throw QueryError(field.pos, "unknown field '" + field.text + "': use config.<key>, final.<key>, or one of " +
                                            kColumns.join(", "));
        }
        const Token& v = peek();
        switch (v.kind) {
        case Tok::Number: n->literal = v.number; break;
        case Tok::String:
        case Tok::Word: n->literal = v.text; break;
        case Tok::True: n->literal = true; break;
        case Tok::False: n->literal = false; break;
        case Tok::Null: n->literal = QJsonValue(); break;
        default:
            throw QueryError(v.pos, "expected a value after '" + op.text + "' (a number, 'quoted text', a word, true, false or null)");
        }
        next();
        if (n->op == "~" || n->op == "!~") {
            if (v.kind == Tok::Null) throw QueryError(v.pos, "'" + n->op + "' needs a regular expression, not null");
            const QString pattern = v.kind == Tok::Number ? v.text : n->literal.toVariant().toString();
            n->regex = QRegularExpression(pattern);
            if (!n->regex.isValid())
                throw QueryError(v.pos + (v.kind == Tok::String ? 1 : 0) + int(std::max<qsizetype>(0, n->regex.patternErrorOffset())),
                                 "invalid regular expression: " + n->regex.errorString());
            n->regex.optimize();
        } else if (v.kind == Tok::Null && n->op != "=" && n->op != "!=") {
            throw QueryError(v.pos, "null can only be compared with = or !=");
        }
        return n;
    }

    std::vector<Token> toks_;
    size_t at_ = 0;
    bool* needsConfig_ = nullptr;
};

// A key path below an object. A stored key may itself hold dots ("device.reram.energy_j"),
// so at each level the longest run of segments that is a key wins. A number indexes an array.
QJsonValue lookup(QJsonValue v, const QStringList& path, int from = 0) {
    if (from >= path.size()) return v;
    if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (int end = int(path.size()); end > from; --end) {
            const QString key = path.mid(from, end - from).join('.');
            const auto it = o.constFind(key);
            if (it != o.constEnd()) {
                const QJsonValue r = lookup(it.value(), path, end);
                if (!r.isUndefined()) return r;
            }
        }
        return QJsonValue(QJsonValue::Undefined);
    }
    if (v.isArray()) {
        bool ok = false;
        const int i = path[from].toInt(&ok);
        const QJsonArray a = v.toArray();
        if (ok && i >= 0 && i < a.size()) return lookup(a.at(i), path, from + 1);
    }
    return QJsonValue(QJsonValue::Undefined);
}

QString textOf(const QJsonValue& v) {
    if (v.isString()) return v.toString();
    if (v.isBool()) return v.toBool() ? "true" : "false";
    if (v.isDouble()) return QString::number(v.toDouble(), 'g', 15);
    return {};
}

template <class T>
bool ordered(const QString& op, const T& x, const T& y) {
    if (op == "=") return x == y;
    if (op == "<") return x < y;
    if (op == "<=") return x <= y;
    if (op == ">") return x > y;
    if (op == ">=") return x >= y;
    return false;
}

// One present, non-null scalar against the literal with a positive operator (=, <, <=, >, >=, ~).
bool compareScalar(const QJsonValue& v, const Query::Node& n) {
    if (n.op == "~") return !v.isObject() && !v.isArray() && n.regex.match(textOf(v)).hasMatch();
    const QJsonValue& lit = n.literal;
    if (v.isDouble() || lit.isDouble()) {
        // A number against text that reads as a number compares as numbers ('8' = 8).
        bool okV = v.isDouble(), okL = lit.isDouble();
        const double x = okV ? v.toDouble() : v.isString() ? v.toString().toDouble(&okV) : 0;
        const double y = okL ? lit.toDouble() : lit.isString() ? lit.toString().toDouble(&okL) : 0;
        if (okV && okL) return ordered(n.op, x, y);
        return n.op == "=" && textOf(v) == textOf(lit) && !textOf(v).isEmpty();
    }
    if (v.isBool() || lit.isBool()) return n.op == "=" && v.isBool() && lit.isBool() && v.toBool() == lit.toBool();
    if (v.isString() && lit.isString()) return ordered(n.op, v.toString(), lit.toString());
    return false;
}

QJsonValue columnValue(const RunSummary& r, const QString& c) {
    if (c == "id") return double(r.id);
    if (c == "name") return r.name;
    if (c == "status") return r.status;
    if (c == "model") return r.model;
    if (c == "dataset") return r.dataset;
    if (c == "mapping") return r.mapping;
    if (c == "tags") return QJsonArray::fromStringList(r.tags);
    if (c == "notes") return r.notes;
    if (c == "created_at") return r.createdAt;
    if (c == "finished_at") return r.finishedAt.isEmpty() ? QJsonValue() : QJsonValue(r.finishedAt);
    if (c == "duration_s") return r.durationS;
    if (c == "last_step") return double(r.lastStep);
    if (c == "synthetic") return r.synthetic;
    if (c == "uuid") return r.uuid;
    return QJsonValue(QJsonValue::Undefined);
}

bool evaluate(const Query::Node& n, const RunSummary& r, const QJsonObject& config) {
    switch (n.kind) {
    case Query::Node::And: return evaluate(*n.a, r, config) && evaluate(*n.b, r, config);
    case Query::Node::Or: return evaluate(*n.a, r, config) || evaluate(*n.b, r, config);
    case Query::Node::Not: return !evaluate(*n.a, r, config);
    case Query::Node::Text: {
        for (const QString& s : {r.name, r.model, r.dataset, r.mapping, r.status, r.notes, r.tags.join(", "),
                                 QString::number(r.id), r.createdAt})
            if (s.contains(n.text, Qt::CaseInsensitive)) return true;
        return false;
    }
    case Query::Node::Compare: break;
    }
    const QJsonValue v = n.root == "config"  ? lookup(config, n.path)
                         : n.root == "final" ? lookup(r.final, n.path)
                                             : columnValue(r, n.root);
    // A missing key is null: only `= null` and `!= <value>` hold for it.
    const bool missing = v.isUndefined() || v.isNull();
    const bool negated = n.op == "!=" || n.op == "!~";
    if (n.literal.isNull() && n.op != "~" && n.op != "!~") return (n.op == "=") == missing;
    if (missing) return negated;
    Query::Node positive = n;
    if (negated) positive.op = n.op == "!=" ? "=" : "~";
    bool any = false;
    if (v.isArray()) {  // a list (tags, lora.targets) matches when any element does
        for (const QJsonValue& e : v.toArray())
            if ((any = compareScalar(e, positive))) break;
    } else {
        any = compareScalar(v, positive);
    }
    return negated ? !any : any;
}

}  // namespace

Query::Query() = default;
Query::~Query() = default;
Query::Query(Query&&) noexcept = default;
Query& Query::operator=(Query&&) noexcept = default;
Query::Query(const Query&) = default;
Query& Query::operator=(const Query&) = default;

Query Query::parse(const QString& text) {
    Query q;
    bool needs = false;
    q.root_ = Parser(text).parseAll(&needs);
    q.needsConfig_ = needs;
    return q;
}

bool Query::empty() const { return !root_; }
bool Query::needsConfig() const { return needsConfig_; }

bool Query::matches(const RunSummary& run, const QJsonObject& config) const {
    return !root_ || evaluate(*root_, run, config);
}

std::vector<RunSummary> queryRuns(const Store& store, const Query& query) {
    std::vector<RunSummary> runs = store.runs();
    if (query.empty()) return runs;
    std::map<int64_t, QJsonObject> configs;
    if (query.needsConfig()) configs = store.configs();
    std::vector<RunSummary> out;
    for (auto& r : runs) {
        const auto it = configs.find(r.id);
        if (query.matches(r, it == configs.end() ? QJsonObject() : it->second)) out.push_back(std::move(r));
    }
    return out;
}

}  // namespace hpt
