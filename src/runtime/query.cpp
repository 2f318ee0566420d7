#include "runtime/container.hpp"

namespace moat::runtime {

Result<spec::State> state(const Global& g, const std::string& id) {
    StateStore store(g.root);
    return oci_state(MOAT_TRY(load_container(store, id)));
}

Result<std::vector<spec::State>> list(const Global& g) {
    StateStore store(g.root);
    std::vector<spec::State> out;
    for (auto& id : MOAT_TRY(store.ids())) {
        // A container being created or deleted right now is not an error for list.
        if (auto c = load_container(store, id)) out.push_back(oci_state(*c));
    }
    return out;
}

}  // namespace moat::runtime
