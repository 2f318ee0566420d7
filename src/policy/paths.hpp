// Lexical path and name matching for harden(): no filesystem access, so
// symlinks are not resolved (the runtime re-checks binds after resolving,
// through refused_bind_source()).
#pragma once

#include <string>
#include <string_view>

namespace moat::policy::paths {

// "/a//b/./c/../d/" -> "/a/b/d"; a relative path stays relative ("a/../b" ->
// "b"), and ".." that climbs above a relative start is kept ("../x").
std::string normalize(std::string_view path);

// Both normalised: is `path` equal to `base` or below it? ("/" is above all.)
bool same_or_under(std::string_view path, std::string_view base);

// Component pattern: '*' matches exactly one path component (a glob inside a
// component is allowed: "*.sock"). True when `path` is the pattern or lies
// under something the pattern matches.
bool matches_tree_pattern(std::string_view path, std::string_view pattern);

// Glob with '*' and '?', ASCII case-insensitive (env names: *_TOKEN).
bool glob_match(std::string_view text, std::string_view pattern, bool ignore_case = true);

}  // namespace moat::policy::paths
