// A small runc-compatible flag parser: "--flag value", "--flag=value", "-f value",
// boolean flags, and positional arguments. Unknown flags are errors naming them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "moat/error.hpp"

namespace moat::cli {

struct Flag {
    std::string name;          // "bundle"
    char short_name = 0;       // 'b'
    bool takes_value = false;
    std::string help;
    std::string value_name = "VALUE";
    bool repeatable = false;   // --env may be given many times
};

struct Parsed {
    std::map<std::string, std::vector<std::string>> values;
    std::set<std::string> set;  // flags given (boolean or valued)
    std::vector<std::string> positional;

    bool has(const std::string& name) const { return set.count(name) > 0; }
    std::string get(const std::string& name, const std::string& def = {}) const;
    std::vector<std::string> all(const std::string& name) const;
};

// `stop_at_positional`: everything after the first positional argument is
// positional too (exec ID CMD ARGS… must not read the command's flags).
Result<Parsed> parse_args(const std::vector<Flag>& flags, const std::vector<std::string>& args,
                          bool stop_at_positional, const std::string& command);

// "  -b, --bundle VALUE   help" lines for --help.
std::string flags_help(const std::vector<Flag>& flags);

}  // namespace moat::cli
