// state.json: the OCI state of a container, as `state` prints it and as the
// runtime's state store keeps it.
#include <set>

#include "spec/codec.hpp"

namespace moat::spec {

Result<State> parse_state(std::string_view json) {
    using namespace codec;
    static const std::vector<std::string_view> statuses = {"creating", "created", "running",
                                                        "stopped", "paused"};
    auto doc = MOAT_TRY(json::Document::parse(json, "state.json"));
    Value v = doc.root();
    State s;
    MOAT_CHECK(required_field(v, "ociVersion", s.oci_version));
    MOAT_CHECK(required_field(v, "id", s.id));
    auto status = MOAT_TRY(required(v, "status"));
    MOAT_CHECK(read(status, s.status));
    MOAT_CHECK(check_one_of(status, s.status, statuses));
    if (auto pid = member(v, "pid")) {
        MOAT_CHECK(read(*pid, s.pid));
        if (s.pid < 0) return pid->error(std::to_string(s.pid) + " is not a process id");
    }
    MOAT_CHECK(required_field(v, "bundle", s.bundle));
    MOAT_CHECK(field(v, "annotations", s.annotations));
    return s;
}

std::string to_json(const State& state, bool pretty) {
    json::Writer w(pretty);
    w.begin_object()
        .field("ociVersion", state.oci_version)
        .field("id", state.id)
        .field("status", state.status)
        .field("pid", state.pid)
        .field("bundle", state.bundle);
    codec::put(w, "annotations", state.annotations);
    w.end_object();
    return w.str();
}

}  // namespace moat::spec
