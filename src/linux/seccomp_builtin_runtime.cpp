// moat_filter() where the build could not run the generator (a cross build):
// the same program, compiled when it is needed.
#include "linux/seccomp.hpp"

namespace moat::linux {

Result<SeccompProgram> moat_filter() { return compile_moat_filter(); }

}  // namespace moat::linux
