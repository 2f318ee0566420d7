#include "moat/runtime.hpp"

namespace moat::runtime {

Status validate_id(const std::string& id) {
    auto bad = [&](const std::string& why) {
        return fail("invalid container id \"" + id + "\": " + why, EINVAL);
    };
    if (id.empty()) return bad("empty");
    if (id.size() > 1024) return bad("longer than 1024 bytes");
    if (id == "." || id == "..") return bad("not a file name");
    auto alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    };
    if (!alnum(id[0])) return bad("must start with a letter or digit");
    for (char c : id)
        if (!alnum(c) && c != '_' && c != '-' && c != '.' && c != '+')
            return bad("only letters, digits and _ - . + are allowed");
    return {};
}

}  // namespace moat::runtime
