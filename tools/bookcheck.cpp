// bookcheck: keeps the book's code identical to the code in solutions/.
//
// In a source file, a region is marked with two comment lines:
//     // [book:block_on]
//     ...code...
//     // [/book:block_on]
// In a book chapter, an excerpt is an HTML comment naming the file and the
// region, followed by a fenced code block:
//     <!-- code: solutions/ch02_waker/block_on.hpp block_on -->
//     ```cpp
//     ...code...
//     ```
// Without a region name the whole file is the excerpt. Marker lines inside a
// region are left out, and the region is de-indented to its least-indented line.
//
//   bookcheck book/*.md          exit 1 and say where, if any excerpt drifted
//   bookcheck --fix book/*.md    rewrite the excerpts from the sources
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace {

using Lines = std::vector<std::string>;

std::optional<Lines> read_lines(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    Lines lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

bool is_marker(const std::string& line) {
    static const std::regex marker(R"(^\s*//\s*\[/?book:[\w-]+\]\s*$)");
    return std::regex_match(line, marker);
}

Lines dedent(Lines lines) {
    size_t indent = std::string::npos;
    for (const auto& l : lines)
        if (l.find_first_not_of(' ') != std::string::npos) indent = std::min(indent, l.find_first_not_of(' '));
    if (indent == std::string::npos) return lines;
    for (auto& l : lines) l = l.size() >= indent ? l.substr(indent) : "";
    return lines;
}

// The excerpt a (file, region) pair names, or an error message.
std::variant<Lines, std::string> extract(const std::string& file, const std::string& region) {
    auto source = read_lines(file);
    if (!source) return "cannot read " + file;
    Lines out;
    bool inside = region.empty();
    bool found = region.empty();
    for (const auto& line : *source) {
        if (!region.empty() && line.find("[book:" + region + "]") != std::string::npos && is_marker(line)) {
            inside = found = true;
            continue;
        }
        if (!region.empty() && line.find("[/book:" + region + "]") != std::string::npos && is_marker(line)) {
            inside = false;
            continue;
        }
        if (inside && !is_marker(line)) out.push_back(line);
    }
    if (!found) return "no region [book:" + region + "] in " + file;
    return dedent(out);
}

// Checks (or fixes) one chapter; returns the number of drifted excerpts.
int check_chapter(const std::string& path, bool fix) {
    auto md = read_lines(path);
    if (!md) {
        std::cerr << path << ": cannot read\n";
        return 1;
    }
    static const std::regex directive(R"(^<!--\s*code:\s*(\S+)(?:\s+([\w-]+))?\s*-->\s*$)");
    Lines out;
    int problems = 0;
    for (size_t i = 0; i < md->size(); ++i) {
        out.push_back((*md)[i]);
        std::smatch m;
        if (!std::regex_match((*md)[i], m, directive)) continue;
        const std::string file = m[1], region = m[2];
        const std::string where = path + ":" + std::to_string(i + 1) + ": ";
        size_t open = i + 1;
        while (open < md->size() && (*md)[open].empty()) ++open;
        if (open >= md->size() || (*md)[open].rfind("```", 0) != 0) {
            std::cerr << where << "an excerpt of " << file << " must be followed by a ``` code block\n";
            ++problems;
            continue;
        }
        size_t close = open + 1;
        while (close < md->size() && (*md)[close].rfind("```", 0) != 0) ++close;
        auto want = extract(file, region);
        if (auto* err = std::get_if<std::string>(&want)) {
            std::cerr << where << *err << "\n";
            ++problems;
            continue;
        }
        const Lines& code = std::get<Lines>(want);
        Lines have(md->begin() + open + 1, md->begin() + std::min(close, md->size()));
        if (have != code) {
            ++problems;
            if (!fix)
                std::cerr << where << "the excerpt " << (region.empty() ? "(whole file)" : "'" + region + "'")
                          << " no longer matches " << file
                          << ".\n    Check that the prose still fits, then run `make book-sync`.\n";
        }
        for (size_t j = i + 1; j <= open; ++j) out.push_back((*md)[j]);
        out.insert(out.end(), code.begin(), code.end());
        if (close < md->size()) out.push_back((*md)[close]);
        i = close;
    }
    if (fix && problems > 0) {
        std::ofstream o(path);
        for (const auto& l : out) o << l << "\n";
        std::cout << path << ": " << problems << " excerpt(s) rewritten from the sources\n";
    }
    return problems;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Check that the book's code excerpts match the sources they name."};
    std::vector<std::string> chapters;
    bool fix = false;
    app.add_option("chapters", chapters, "markdown files to check")->required()->check(CLI::ExistingFile);
    app.add_flag("--fix", fix, "rewrite drifted excerpts from the sources");
    CLI11_PARSE(app, argc, argv);

    int problems = 0;
    for (const auto& c : chapters) problems += check_chapter(c, fix);
    if (!fix && problems > 0) {
        std::cerr << problems << " excerpt(s) out of date.\n";
        return 1;
    }
    if (!fix) std::cout << "bookcheck: every excerpt in " << chapters.size() << " file(s) matches its source\n";
    return 0;
}
