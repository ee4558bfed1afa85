// giveaway: how much of the answer does a chapter hand out before the learner
// writes it?
//
// For each chapter chNN:
//   1. Every function in exercises/chNN_*/*.hpp whose body calls core::todo(
//      is an exercise function.
//   2. The same function in solutions/chNN_*/ (same file, same enclosing
//      classes and namespaces, same name; overloads matched in file order)
//      gives the reference body.
//   3. Each line of that body is normalised and trivia is dropped (the rule
//      is below). What is left are the body's *lines*.
//   4. A line is *given away* when it appears, modulo whitespace, in what
//      the learner reads before writing it:
//        - the book chapter book/chNN_*.md before its `## The exercise`
//          heading (the whole chapter when it has no such heading): fenced
//          code blocks, indented code lines, and `inline code` spans;
//        - the stub of that function: its body in exercises/ (the TODO
//          comments and the todo() message, string pieces joined) and the
//          comment lines right above it.
//
// Normalising a line: comments are removed; whitespace is removed, except
// that a run of whitespace between two identifier characters becomes one
// space ("return  x ;" and "return x;" are the same line).
//
// Trivia, not counted: a line that is empty after that, or made only of
// braces, parentheses, semicolons and commas plus at most the keywords
// else / try / catch (...) / do / return / throw / break / continue ("}",
// "});", "} else {", "return;", "throw;", "} catch (...) {"). Everything
// else counts, `return true;` included.
//
// Appears: the normalised line occurs inside one normalised piece of what
// was read (a code line, an inline span, the stub's text) at token
// boundaries (so `return v` does not match inside "return value"). A line
// that ends in `;` or `{` also matches without it, since prose and inline
// code drop them ("call future_.reset()").
//
//   giveaway                    the table for every chapter
//   giveaway --max 25 ch03      exit 1 when a chapter is above 25 %
//   giveaway --lines ch03       also list every given-away line and where it was found
//   giveaway --exercises DIR    measure the stubs in DIR (make test: git's pristine
//                               stubs, so a learner's finished exercises do not count)
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::string line;
    std::istringstream in(text);
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// ---- normalising --------------------------------------------------------

std::string normalise(const std::string& s) {
    std::string out;
    bool pending_space = false;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            pending_space = true;
            continue;
        }
        if (pending_space && !out.empty() && ident_char(out.back()) && ident_char(c)) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

bool is_trivia(const std::string& norm) {
    static const std::regex trivia(R"(^(?:[{}();,\s]|else|try|catch\(\.\.\.\)|do|return|throw|break|continue)*$)");
    return std::regex_match(norm, trivia);
}

// `needle` inside `hay`, not glued to an identifier on either side.
bool contains_token(const std::string& hay, const std::string& needle) {
    if (needle.empty()) return false;
    for (size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) {
        bool left_ok = pos == 0 || !ident_char(needle.front()) || !ident_char(hay[pos - 1]);
        size_t end = pos + needle.size();
        bool right_ok = end == hay.size() || !ident_char(needle.back()) || !ident_char(hay[end]);
        if (left_ok && right_ok) return true;
    }
    return false;
}

// ---- reading C++ ----------------------------------------------------------
// Two views of a source file, both the same length as the text, newlines kept:
//   code:      comments, string/char literals and preprocessor lines blanked
//              (what the brace matcher and the head parser read);
//   nocomment: only comments and preprocessor lines blanked (the lines we count).
struct Views {
    std::string text, code, nocomment;
    std::vector<size_t> line_start;
    size_t line_of(size_t pos) const {
        return static_cast<size_t>(std::upper_bound(line_start.begin(), line_start.end(), pos) -
                                   line_start.begin()) - 1;
    }
};

Views make_views(const std::string& text) {
    Views v{text, text, text, {0}};
    auto blank = [](std::string& s, size_t i) {
        if (s[i] != '\n') s[i] = ' ';
    };
    size_t i = 0, n = text.size();
    bool line_begin = true;
    while (i < n) {
        char c = text[i];
        if (c == '\n') {
            line_begin = true;
            ++i;
            continue;
        }
        if (line_begin && c == '#') {  // a preprocessor line (with its continuations)
            while (i < n && !(text[i] == '\n' && text[i - 1] != '\\')) {
                blank(v.code, i);
                blank(v.nocomment, i);
                ++i;
            }
            continue;
        }
        if (!std::isspace(static_cast<unsigned char>(c))) line_begin = false;
        if (c == '/' && i + 1 < n && text[i + 1] == '/') {
            while (i < n && text[i] != '\n') {
                blank(v.code, i);
                blank(v.nocomment, i);
                ++i;
            }
            continue;
        }
        if (c == '/' && i + 1 < n && text[i + 1] == '*') {
            size_t end = text.find("*/", i + 2);
            end = end == std::string::npos ? n : end + 2;
            for (; i < end; ++i) {
                blank(v.code, i);
                blank(v.nocomment, i);
            }
            continue;
        }
        if (c == 'R' && i + 1 < n && text[i + 1] == '"' && (i == 0 || !ident_char(text[i - 1]))) {
            size_t paren = text.find('(', i + 2);
            std::string close = ")" + text.substr(i + 2, paren - i - 2) + "\"";
            size_t end = text.find(close, paren);
            end = end == std::string::npos ? n : end + close.size();
            for (; i < end; ++i) blank(v.code, i);
            continue;
        }
        bool digit_separator = c == '\'' && i > 0 && std::isxdigit(static_cast<unsigned char>(text[i - 1])) &&
                               i + 1 < n && std::isxdigit(static_cast<unsigned char>(text[i + 1]));
        if ((c == '"' || c == '\'') && !digit_separator) {
            size_t j = i + 1;
            while (j < n && text[j] != c && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
            for (size_t k = i + 1; k < std::min(j, n); ++k) blank(v.code, k);
            i = j + 1;
            continue;
        }
        ++i;
    }
    for (size_t k = 0; k < n; ++k)
        if (text[k] == '\n') v.line_start.push_back(k + 1);
    return v;
}

// The string literals of [from, to), concatenated and unescaped, as a
// compiler joins "a " "b".
std::string string_literals(const Views& v, size_t from, size_t to) {
    std::string out;
    for (size_t i = from; i < to; ++i) {
        if (v.text[i] != '"' || v.code[i] != '"') continue;  // an opening quote in code
        size_t j = i + 1;
        while (j < to && v.text[j] != '"') {
            if (v.text[j] == '\\' && j + 1 < to) ++j;
            out += v.text[j++];
        }
        i = j;
    }
    return out;
}

struct Function {
    std::string key;     // "ns::Class::name#k", k counting overloads in file order
    std::string name;    // "Class::name", for the table
    size_t head_begin;   // where the declaration starts (template<...> included)
    size_t open, close;  // positions of the body's braces
    size_t count_from;   // the body, or a constructor's init list before it (the learner writes both)
};

// Where a constructor's init list starts in `head` (its lone `:` after the
// parameter list), or npos.
size_t init_colon(const std::string& head) {
    int depth = 0;
    bool params_seen = false;
    for (size_t i = 0; i < head.size(); ++i) {
        char c = head[i];
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') {
            if (--depth == 0 && c == ')') params_seen = true;
        }
        if (c == ':' && depth == 0 && params_seen) {
            bool lone = (i == 0 || head[i - 1] != ':') && (i + 1 == head.size() || head[i + 1] != ':');
            if (lone) return i;
        }
    }
    return std::string::npos;
}

std::vector<std::string> tokens_of(const std::string& head) {
    std::vector<std::string> toks;
    for (size_t i = 0; i < head.size();) {
        char c = head[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (ident_char(c)) {
            size_t j = i;
            while (j < head.size() && ident_char(head[j])) ++j;
            toks.push_back(head.substr(i, j - i));
            i = j;
        } else if (c == ':' && i + 1 < head.size() && head[i + 1] == ':') {
            toks.push_back("::");
            i += 2;
        } else {
            toks.push_back(std::string(1, c));
            ++i;
        }
    }
    return toks;
}

enum class Kind { Namespace, Class, Function, Init, Other };

struct Head {
    Kind kind = Kind::Other;
    std::string name;
    bool init_list = false;  // a constructor's `: member(...)` list follows the parameters
};

// Is there a constructor's init list (a lone `:` at depth 0) after the
// parameter list that opens at toks[open]?
bool has_init_list(const std::vector<std::string>& toks, size_t open) {
    int depth = 0;
    size_t k = open;
    for (; k < toks.size(); ++k) {
        if (toks[k] == "(") ++depth;
        if (toks[k] == ")" && --depth == 0) break;
    }
    for (++k; k < toks.size(); ++k) {
        if (toks[k] == "(" || toks[k] == "{" || toks[k] == "[") ++depth;
        if (toks[k] == ")" || toks[k] == "}" || toks[k] == "]") --depth;
        if (depth == 0 && toks[k] == ":") return true;
    }
    return false;
}

// What a `{` at namespace or class scope opens, from the text before it.
Head classify(const std::string& head_text) {
    auto toks = tokens_of(head_text);
    size_t i = 0;
    // Leading access labels and template parameter lists.
    while (i < toks.size()) {
        if (i + 1 < toks.size() && toks[i + 1] == ":" &&
            (toks[i] == "public" || toks[i] == "private" || toks[i] == "protected")) {
            i += 2;
        } else if (toks[i] == "template" && i + 1 < toks.size() && toks[i + 1] == "<") {
            int depth = 0;
            for (++i; i < toks.size(); ++i) {
                if (toks[i] == "<") ++depth;
                if (toks[i] == ">" && --depth == 0) break;
            }
            ++i;
        } else {
            break;
        }
    }
    if (i >= toks.size()) return {};
    if (toks[i] == "namespace") {
        std::string name;
        for (size_t j = i + 1; j < toks.size(); ++j) name += toks[j];
        return {Kind::Namespace, name.empty() ? "(anonymous)" : name};
    }
    if (toks[i] == "class" || toks[i] == "struct" || toks[i] == "union") {
        for (size_t j = i + 1; j < toks.size(); ++j) {
            if (toks[j] == "[" || toks[j] == "(") {  // [[attribute]] or alignas(...)
                int depth = 0;
                for (; j < toks.size(); ++j) {
                    if (toks[j] == "[" || toks[j] == "(") ++depth;
                    if ((toks[j] == "]" || toks[j] == ")") && --depth == 0) break;
                }
                continue;
            }
            if (toks[j] == "alignas") continue;
            if (ident_char(toks[j][0])) return {Kind::Class, toks[j]};
            break;
        }
        return {Kind::Class, "(anonymous)"};
    }
    if (toks[i] == "enum") return {};
    static const std::set<std::string> not_a_name{"requires", "noexcept", "decltype", "sizeof", "alignof",
                                                  "alignas",  "explicit", "static_assert"};
    for (size_t j = i; j < toks.size(); ++j) {
        if (toks[j] == "=") {
            bool op = j > 0 && (toks[j - 1] == "operator" || toks[j - 1] == "=" || toks[j - 1] == "!" ||
                                toks[j - 1] == "<" || toks[j - 1] == ">");
            if (!op && !(j + 1 < toks.size() && toks[j + 1] == "=")) return {};  // an initializer
        }
        if (toks[j] != "(" || j == 0) continue;
        // operator(), operator==, ...: the name runs from `operator` to here.
        size_t op = j;
        while (op > i && toks[op - 1] != "operator" && !ident_char(toks[op - 1][0])) --op;
        if (op > i && toks[op - 1] == "operator") {
            std::string name = "operator";
            for (size_t k = op; k < j; ++k) name += toks[k];
            if (name == "operator" && j + 2 < toks.size() && toks[j + 1] == ")") {
                name = "operator()";
            }
            return {Kind::Function, name, has_init_list(toks, j)};
        }
        const std::string& before = toks[j - 1];
        if (!ident_char(before[0]) || not_a_name.count(before)) continue;
        std::string name = before;  // with its qualification: A::B::f
        for (size_t k = j - 1; k >= 2 && toks[k - 1] == "::" && ident_char(toks[k - 2][0]); k -= 2)
            name = toks[k - 2] + "::" + name;
        if (j >= 2 && toks[j - 2] == "~") name = "~" + name;
        return {Kind::Function, name, has_init_list(toks, j)};
    }
    return {};
}

std::vector<Function> find_functions(const Views& v) {
    struct Scope {
        Kind kind;
        std::string name;
        size_t open;
        size_t head_begin;
        size_t count_from = 0;
    };
    std::vector<Scope> stack;
    std::vector<Function> out;
    std::map<std::string, int> seen;
    const std::string& code = v.code;
    size_t head_begin = 0;
    auto in_body = [&] {
        return !stack.empty() && (stack.back().kind == Kind::Function || stack.back().kind == Kind::Other ||
                                  stack.back().kind == Kind::Init);
    };
    auto prefix = [&] {
        std::string p;
        for (const auto& s : stack)
            if (s.kind == Kind::Namespace || s.kind == Kind::Class) p += s.name + "::";
        return p;
    };
    auto class_prefix = [&] {
        std::string p;
        for (const auto& s : stack)
            if (s.kind == Kind::Class) p += s.name + "::";
        return p;
    };
    for (size_t i = 0; i < code.size(); ++i) {
        char c = code[i];
        if (c == '{') {
            if (in_body()) {
                stack.push_back({Kind::Other, "", i, head_begin});
                continue;
            }
            std::string head = code.substr(head_begin, i - head_begin);
            Head h = classify(head);
            if (h.kind == Kind::Function) {
                // A member initializer `x_{1}` inside a constructor's init
                // list: the `{` follows a name, not `)` or a specifier.
                auto toks = tokens_of(head);
                static const std::set<std::string> specifiers{"const", "override", "final", "noexcept", "mutable"};
                bool after_name = !toks.empty() && (ident_char(toks.back()[0]) || toks.back() == ">") &&
                                  !specifiers.count(toks.back());
                if (h.init_list && after_name) {
                    stack.push_back({Kind::Init, "", i, head_begin});
                    continue;
                }
            }
            size_t colon = h.kind == Kind::Function && h.init_list ? init_colon(head) : std::string::npos;
            stack.push_back({h.kind, h.name, i, head_begin, colon == std::string::npos ? i + 1 : head_begin + colon + 1});
            head_begin = i + 1;
        } else if (c == '}') {
            if (stack.empty()) continue;
            Scope s = stack.back();
            stack.pop_back();
            if (s.kind == Kind::Init) continue;  // the head goes on
            if (in_body()) continue;
            if (s.kind == Kind::Function) {
                std::string base = prefix() + s.name;
                int k = seen[base]++;
                out.push_back({base + "#" + std::to_string(k), class_prefix() + s.name, s.head_begin, s.open, i, s.count_from});
            }
            head_begin = i + 1;
        } else if (c == ';' && !in_body()) {
            head_begin = i + 1;
        }
    }
    return out;
}

// ---- one chapter ----------------------------------------------------------

struct Piece {  // a normalised piece of what the learner reads, and where it is
    std::string text, where;
};

struct Row {
    std::string function;
    int lines = 0, given = 0;
    std::vector<std::pair<std::string, std::string>> given_lines;  // (line, where)
};

std::vector<Piece> book_pieces(const fs::path& md_path) {
    std::vector<Piece> pieces;
    auto text = read_file(md_path);
    if (!text) return pieces;
    auto lines = split_lines(*text);
    bool fenced = false;
    static const std::regex inline_code("`+([^`]+)`+");
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        std::string where = md_path.filename().string() + ":" + std::to_string(i + 1);
        if (!fenced && line.rfind("## The exercise", 0) == 0) break;
        if (line.rfind("```", 0) == 0) {
            fenced = !fenced;
            continue;
        }
        if (fenced || line.rfind("    ", 0) == 0 || line.rfind("\t", 0) == 0) {
            pieces.push_back({normalise(line), where});
            continue;
        }
        for (std::sregex_iterator m(line.begin(), line.end(), inline_code), end; m != end; ++m)
            pieces.push_back({normalise((*m)[1]), where});
    }
    return pieces;
}

// The stub's own words: its body (comments included) and the comments above it.
std::vector<Piece> stub_pieces(const Views& v, const Function& f, const std::string& file) {
    std::vector<Piece> pieces;
    std::string where = file + " (stub)";
    size_t first = v.line_of(f.head_begin), last = v.line_of(f.close);
    auto line_text = [&](size_t l) {
        size_t b = v.line_start[l];
        size_t e = l + 1 < v.line_start.size() ? v.line_start[l + 1] : v.text.size();
        return v.text.substr(b, e - b);
    };
    // Comment lines directly above the declaration.
    for (size_t l = first; l-- > 0;) {
        std::string t = normalise(line_text(l));
        if (t.rfind("//", 0) != 0) break;
        pieces.push_back({normalise(t.substr(2)), where});
    }
    for (size_t l = first; l <= last && l < v.line_start.size(); ++l) {
        std::string t = line_text(l);
        size_t slash = t.find("//");
        pieces.push_back({normalise(slash == std::string::npos ? t : t.substr(slash + 2)), where});
    }
    pieces.push_back({normalise(string_literals(v, f.open, f.close)), where + " message"});
    return pieces;
}

// The body's counted lines.
std::vector<std::string> body_lines(const Views& v, const Function& f) {
    std::vector<std::string> out;
    std::string body = v.nocomment.substr(f.count_from, f.close - f.count_from);
    if (f.count_from <= f.open) body[f.open - f.count_from] = ' ';  // the body's `{`
    for (const auto& line : split_lines(body)) {
        std::string n = normalise(line);
        if (!is_trivia(n)) out.push_back(n);
    }
    return out;
}

std::optional<std::string> found_in(const std::string& line, const std::vector<Piece>& a, const std::vector<Piece>& b) {
    std::vector<std::string> forms{line};
    if (line.size() > 1 && (line.back() == ';' || line.back() == '{')) forms.push_back(normalise(line.substr(0, line.size() - 1)));
    for (const auto* pieces : {&a, &b})
        for (const auto& p : *pieces)
            for (const auto& form : forms)
                if (contains_token(p.text, form)) return p.where;
    return std::nullopt;
}

struct Chapter {
    std::string id;
    std::vector<Row> rows;
    std::vector<std::string> problems;
    std::vector<std::string> notes;
    int lines() const {
        int n = 0;
        for (const auto& r : rows) n += r.lines;
        return n;
    }
    int given() const {
        int n = 0;
        for (const auto& r : rows) n += r.given;
        return n;
    }
    double percent() const { return lines() == 0 ? 0.0 : 100.0 * given() / lines(); }
};

std::optional<fs::path> only_match(const fs::path& dir, const std::string& prefix, const std::string& ext) {
    if (!fs::is_directory(dir)) return std::nullopt;
    std::vector<fs::path> hits;
    for (const auto& e : fs::directory_iterator(dir)) {
        std::string name = e.path().filename().string();
        if (name.rfind(prefix + "_", 0) == 0 && (ext.empty() ? e.is_directory() : e.path().extension() == ext))
            hits.push_back(e.path());
    }
    std::sort(hits.begin(), hits.end());
    if (hits.empty()) return std::nullopt;
    return hits.front();
}

Chapter measure(const fs::path& root, const fs::path& exercises, const std::string& id) {
    Chapter ch{id, {}, {}, {}};
    auto ex_dir = only_match(exercises, id, "");
    if (!ex_dir) {
        ch.problems.push_back("no exercises/" + id + "_*/ folder");
        return ch;
    }
    std::string dir_name = ex_dir->filename().string();
    fs::path sol_dir = root / "solutions" / dir_name;
    std::vector<Piece> book;
    if (auto md = only_match(root / "book", id, ".md"))
        book = book_pieces(*md);
    else
        ch.notes.push_back("no book/" + id + "_*.md: only the stubs are measured");

    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(*ex_dir))
        if (e.path().extension() == ".hpp") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    static const std::regex todo_call(R"(\bcore\s*::\s*todo\s*\()");
    for (const auto& file : files) {
        std::string rel = "exercises/" + dir_name + "/" + file.filename().string();
        auto ex_text = read_file(file);
        auto sol_text = read_file(sol_dir / file.filename());
        if (!ex_text) continue;
        Views ex = make_views(*ex_text);
        std::optional<Views> sol;
        std::vector<Function> sol_functions;
        if (sol_text) {
            sol = make_views(*sol_text);
            sol_functions = find_functions(*sol);
        }
        for (const auto& f : find_functions(ex)) {
            std::string body = ex.code.substr(f.open, f.close - f.open);
            if (!std::regex_search(body, todo_call)) continue;
            auto match = std::find_if(sol_functions.begin(), sol_functions.end(),
                                      [&](const Function& s) { return s.key == f.key; });
            if (match == sol_functions.end()) {
                ch.problems.push_back(rel + ": " + f.name + " has no counterpart in solutions/" + dir_name + "/" +
                                      file.filename().string() + " (same file, class and name)");
                continue;
            }
            Row row{f.name, 0, 0, {}};
            auto stub = stub_pieces(ex, f, rel);
            for (const auto& line : body_lines(*sol, *match)) {
                ++row.lines;
                if (auto where = found_in(line, book, stub)) {
                    ++row.given;
                    row.given_lines.emplace_back(line, *where);
                }
            }
            ch.rows.push_back(row);
        }
    }
    if (ch.rows.empty()) ch.notes.push_back("no exercise function (none calls core::todo) in exercises/" + dir_name);
    return ch;
}

std::string pct(double p) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f %%", p);
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"How much of each exercise's answer the book (before '## The exercise') and the stubs give away."};
    std::vector<std::string> chapters;
    std::string root = ".";
    std::string exercises;
    double max = 100.0;
    double goal = 20.0;
    bool list_lines = false, summary = false;
    app.add_option("chapters", chapters, "chapter ids (ch01 ...); default: every exercises/chNN_* folder");
    app.add_option("--root", root, "the workbook's top folder")->check(CLI::ExistingDirectory);
    app.add_option("--exercises", exercises,
                   "where the stubs are (default: ROOT/exercises; make test passes git's pristine copy)")
        ->check(CLI::ExistingDirectory);
    app.add_option("--max", max, "exit 1 when a chapter gives away more than this share (percent)")
        ->check(CLI::Range(0.0, 100.0));
    app.add_option("--goal", goal, "the share to aim for (percent), marked in the table")->check(CLI::Range(0.0, 100.0));
    app.add_flag("--lines", list_lines, "list each given-away line and where it was found");
    app.add_flag("--summary", summary, "one line per chapter, no per-function rows");
    CLI11_PARSE(app, argc, argv);
    if (exercises.empty()) exercises = (fs::path(root) / "exercises").string();

    if (chapters.empty()) {
        static const std::regex chapter_dir(R"(^(ch\d\d)_.*)");
        for (const auto& e : fs::directory_iterator(exercises)) {
            std::smatch m;
            std::string name = e.path().filename().string();
            if (e.is_directory() && std::regex_match(name, m, chapter_dir)) chapters.push_back(m[1]);
        }
        std::sort(chapters.begin(), chapters.end());
    }

    int status = 0;
    std::printf("%-7s %-36s %6s %6s %6s\n", "chapter", "function", "lines", "given", "%");
    std::vector<Chapter> measured;
    for (const auto& id : chapters) {
        Chapter ch = measure(root, exercises, id);
        if (!summary) {
            for (const auto& r : ch.rows) {
                std::printf("%-7s %-36s %6d %6d %6s\n", id.c_str(), r.function.c_str(), r.lines, r.given,
                            pct(r.lines ? 100.0 * r.given / r.lines : 0).c_str());
                if (list_lines)
                    for (const auto& [line, where] : r.given_lines)
                        std::printf("            %s\n              <- %s\n", line.c_str(), where.c_str());
            }
        }
        const bool over = ch.percent() > max;
        std::printf("%-7s %-36s %6d %6d %6s%s\n", id.c_str(), "= whole chapter", ch.lines(), ch.given(),
                    pct(ch.percent()).c_str(),
                    over ? "  ABOVE THE LIMIT" : ch.percent() > goal ? "  above the goal" : "");
        if (!summary) std::printf("\n");
        for (const auto& n : ch.notes) std::printf("        (%s)\n", n.c_str());
        for (const auto& p : ch.problems) std::fprintf(stderr, "giveaway: %s\n", p.c_str());
        if (!ch.problems.empty()) status = 1;
        if (over) status = 1;
        measured.push_back(std::move(ch));
    }
    if (status != 0 && max < 100.0) {
        std::fprintf(stderr,
                     "giveaway: a chapter shows more than %.0f %% of the lines its learner writes (goal: %.0f %%).\n"
                     "    Move the excerpts of exercise functions after '## The exercise' (the walkthrough), and\n"
                     "    make stub messages state the contract, not the code. See which lines:\n"
                     "    make giveaway ARGS=\"--lines chNN\"\n",
                     max, goal);
    }
    return status;
}
