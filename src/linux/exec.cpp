#include "linux/exec.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace moat::linux {

Error exec_error(const std::string& name, int code) {
    std::string why = std::strerror(code);
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    return Error{code, "exec: \"" + name + "\": " + why};
}

namespace {

Status check_executable(const std::string& path, const std::string& name) {
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) return std::unexpected(exec_error(name, errno));
    if (S_ISDIR(st.st_mode)) return fail("exec: \"" + name + "\": is a directory", EISDIR);
    if (::access(path.c_str(), X_OK) < 0) return std::unexpected(exec_error(name, errno));
    return {};
}

}  // namespace

Result<std::string> find_executable(const std::string& name, const std::vector<std::string>& env) {
    if (name.empty()) return fail("exec: empty command (process.args[0])", ENOENT);
    if (name.find('/') != std::string::npos) {
        MOAT_CHECK(check_executable(name, name));
        return name;
    }
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (auto& e : env)
        if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find(':', i);
        if (j == std::string::npos) j = path.size();
        std::string dir = j > i ? path.substr(i, j - i) : ".";
        std::string candidate = dir + "/" + name;
        if (check_executable(candidate, name)) return candidate;
        i = j + 1;
    }
    return fail("exec: \"" + name + "\": executable file not found in $PATH", ENOENT);
}

ExecArgs::ExecArgs(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
}

}  // namespace moat::linux
