// One CLI command: its flags, its help, and a function that turns parsed
// flags into a call to libmoat. Each command lives in its own file.
#pragma once

#include <string>
#include <vector>

#include "cli/args.hpp"
#include "moat/runtime.hpp"

namespace moat::cli {

struct Command {
    const char* name;
    const char* summary;
    const char* usage;  // "[options] ID"
    std::vector<Flag> flags;
    bool stop_at_positional = false;
    // Returns the process exit status; errors are returned, not printed.
    Result<int> (*fn)(const runtime::Global& g, const Parsed& args);
};

const std::vector<const Command*>& commands();

// Exactly `n` positional arguments, or an error naming what is expected.
Status expect_args(const Parsed& p, size_t n, const char* what);

}  // namespace moat::cli
