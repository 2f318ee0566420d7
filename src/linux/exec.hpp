// Finding and starting the container's program.
#pragma once

#include <string>
#include <vector>

#include "moat/error.hpp"

namespace moat::linux {

// Resolve args[0] the way a shell would: a name containing '/' is taken as
// is, anything else is searched in the PATH of `env` (a default PATH when
// unset). The error reads `exec: "/nope": no such file or directory`.
Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env);

// `exec: "NAME": <strerror, lowercased>`, worded as runc words it: Docker's CLI and
// daemon look for "no such file or directory" / "permission denied" in the
// runtime's error to answer 127 / 126 instead of 125.
Error exec_error(const std::string& name, int code);

// NULL-terminated argv/envp views over strings that outlive the exec call.
struct ExecArgs {
    std::vector<char*> argv, envp;
    ExecArgs(const std::vector<std::string>& args, const std::vector<std::string>& env);
};

}  // namespace moat::linux
