// Lexical path matching and glob (paths.hpp), and the bind-source verdict
// that harden() and the runtime share.
#include "paths.hpp"

#include <cctype>
#include <vector>

#include "moat/policy.hpp"

namespace moat::policy::paths {
namespace {

std::vector<std::string_view> components(std::string_view path) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        if (j > i) out.push_back(path.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

}  // namespace

std::string normalize(std::string_view path) {
    bool absolute = path.starts_with('/');
    std::vector<std::string_view> out;
    for (auto c : components(path)) {
        if (c == ".") continue;
        if (c == "..") {
            if (!out.empty() && out.back() != "..") out.pop_back();
            else if (!absolute) out.push_back(c);  // "/.." is "/"
            continue;
        }
        out.push_back(c);
    }
    std::string s = absolute ? "/" : "";
    for (size_t i = 0; i < out.size(); ++i) {
        if (i) s += '/';
        s += out[i];
    }
    if (s.empty()) s = ".";
    return s;
}

bool same_or_under(std::string_view path, std::string_view base) {
    if (base == "/") return path.starts_with('/');
    return path == base || (path.starts_with(base) && path.size() > base.size() &&
                            path[base.size()] == '/');
}

bool glob_match(std::string_view text, std::string_view pattern, bool ignore_case) {
    auto eq = [&](char a, char b) {
        return ignore_case ? std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b))
                           : a == b;
    };
    // Iterative matcher with one backtrack point: linear enough for names.
    size_t t = 0, p = 0, star = std::string_view::npos, mark = 0;
    while (t < text.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] != '*' && eq(pattern[p], text[t])))) {
            ++t;
            ++p;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

bool matches_tree_pattern(std::string_view path, std::string_view pattern) {
    auto pc = components(pattern);
    auto sc = components(path);
    if (!path.starts_with('/') || sc.size() < pc.size()) return false;
    for (size_t i = 0; i < pc.size(); ++i)
        if (sc[i] == ".." || !glob_match(sc[i], pc[i], false)) return false;
    return true;
}

}  // namespace moat::policy::paths

namespace moat::policy {

std::optional<std::string> refused_bind_source(std::string_view source, const Policy& policy) {
    std::string src = paths::normalize(source);
    if (!src.starts_with('/')) {
        // Relative sources are resolved against the bundle by the runtime;
        // one that climbs out of it cannot be judged without the filesystem.
        if (src == ".." || src.starts_with("../"))
            return "relative source " + std::string(source) + " climbs out of the bundle";
        return std::nullopt;
    }
    for (auto& d : policy.binds.refused_sources) {
        auto dn = paths::normalize(d);
        if (src == dn) return src + " is a protected host directory";
        if (paths::same_or_under(dn, src))
            return src + " contains the protected host path " + dn;
    }
    bool excepted = false;
    for (auto& pattern : policy.binds.allowed_sources)
        if (paths::matches_tree_pattern(src, pattern)) excepted = true;
    for (auto& t : policy.binds.refused_trees) {
        auto tn = paths::normalize(t);
        if (paths::same_or_under(tn, src) && tn != src)
            return src + " contains " + tn + (tn.ends_with(".sock") ? ", a container engine socket"
                                                                   : ", a protected host path");
        if (paths::same_or_under(src, tn) && !excepted)
            return src + (tn.ends_with(".sock") ? " is a container engine socket"
                                                : " is in the protected host tree " + tn);
    }
    return std::nullopt;
}

}  // namespace moat::policy
