#include "runtime/launch.hpp"

namespace moat::runtime {

Status create(const Global& g, const CreateOptions& o) {
    MOAT_CHECK(launch(g, o, LaunchMode::create));
    return {};
}

}  // namespace moat::runtime
