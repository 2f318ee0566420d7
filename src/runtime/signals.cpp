#include <signal.h>

#include <cctype>
#include <cstring>

#include "moat/runtime.hpp"

namespace moat::runtime {

Result<int> parse_signal(const std::string& text) {
    if (text.empty()) return fail("empty signal", EINVAL);
    if (std::isdigit(static_cast<unsigned char>(text[0]))) {
        char* end = nullptr;
        long n = std::strtol(text.c_str(), &end, 10);
        if (*end || n <= 0 || n > SIGRTMAX) return fail("invalid signal \"" + text + "\"", EINVAL);
        return static_cast<int>(n);
    }
    std::string name;
    for (char c : text) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.rfind("SIG", 0) == 0) name.erase(0, 3);
    for (int sig = 1; sig < NSIG; ++sig) {
        const char* abbrev = sigabbrev_np(sig);
        if (abbrev && name == abbrev) return sig;
    }
    if (name.rfind("RTMIN", 0) == 0 || name.rfind("RTMAX", 0) == 0) {
        bool min = name[2] == 'M' && name[3] == 'I';
        int base = min ? SIGRTMIN : SIGRTMAX;
        std::string rest = name.substr(5);
        int off = rest.empty() ? 0 : std::atoi(rest.c_str());
        int sig = base + off;
        if (sig >= SIGRTMIN && sig <= SIGRTMAX) return sig;
    }
    return fail("unknown signal \"" + text + "\"", EINVAL);
}

}  // namespace moat::runtime
