// Build-time generator: compiles moat's own seccomp filter (seccomp_profile.cpp)
// and writes it as C++ source defining linux::moat_filter(), so that a create
// does not run libseccomp's compiler for a program that never changes.
#include <cstdio>

#include "linux/seccomp.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTPUT.cpp\n", argv[0]);
        return 1;
    }
    auto prog = moat::linux::compile_moat_filter();
    if (!prog) {
        std::fprintf(stderr, "moat-seccomp-gen: %s\n", prog.error().message.c_str());
        return 1;
    }
    FILE* out = std::fopen(argv[1], "w");
    if (!out) {
        std::perror(argv[1]);
        return 1;
    }
    std::fprintf(out,
                 "// Generated at build time by moat-seccomp-gen from seccomp_profile.cpp.\n"
                 "#include <iterator>\n\n#include \"linux/seccomp.hpp\"\n\n"
                 "namespace moat::linux {\n\nResult<SeccompProgram> moat_filter() {\n"
                 "    static const struct sock_filter code[] = {\n");
    for (auto& i : prog->code)
        std::fprintf(out, "        {0x%04x, %u, %u, 0x%08x},\n", i.code, i.jt, i.jf, i.k);
    std::fprintf(out,
                 "    };\n    SeccompProgram p;\n    p.code.assign(std::begin(code), std::end(code));\n"
                 "    p.flags = %uu;\n    return p;\n}\n\n}  // namespace moat::linux\n",
                 prog->flags);
    return std::fclose(out) == 0 ? 0 : 1;
}
