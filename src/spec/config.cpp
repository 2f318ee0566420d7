// config.json as a whole: the top level, root, mounts, hooks and
// annotations; the other parts are read by their own files.
#include <unistd.h>

#include <set>

#include "linux/fd.hpp"
#include "spec/codec.hpp"

namespace moat::spec {
namespace codec {

Status read(const Value& v, Mount& out) {
    auto dest = MOAT_TRY(required(v, "destination"));
    MOAT_CHECK(read(dest, out.destination));
    MOAT_CHECK(check_absolute(dest, out.destination));
    MOAT_CHECK(field(v, "type", out.type));
    MOAT_CHECK(field(v, "source", out.source));
    MOAT_CHECK(field(v, "options", out.options));
    MOAT_CHECK(field(v, "uidMappings", out.uid_mappings));
    MOAT_CHECK(field(v, "gidMappings", out.gid_mappings));
    return {};
}

Status read(const Value& v, Hook& out) {
    auto path = MOAT_TRY(required(v, "path"));
    MOAT_CHECK(read(path, out.path));
    MOAT_CHECK(check_absolute(path, out.path));
    MOAT_CHECK(field(v, "args", out.args));
    MOAT_CHECK(field(v, "env", out.env));
    if (auto timeout = member(v, "timeout")) {
        MOAT_CHECK(read(*timeout, out.timeout));
        if (*out.timeout <= 0)
            return timeout->error("must be greater than 0, got " + std::to_string(*out.timeout));
    }
    return {};
}

Status read(const Value& v, Hooks& out) {
    MOAT_CHECK(v.members());
    MOAT_CHECK(field(v, "prestart", out.prestart));
    MOAT_CHECK(field(v, "createRuntime", out.create_runtime));
    MOAT_CHECK(field(v, "createContainer", out.create_container));
    MOAT_CHECK(field(v, "startContainer", out.start_container));
    MOAT_CHECK(field(v, "poststart", out.poststart));
    MOAT_CHECK(field(v, "poststop", out.poststop));
    return {};
}

namespace {

Status read_root(const Value& v, Root& out) {
    MOAT_CHECK(required_field(v, "path", out.path));
    MOAT_CHECK(field(v, "readonly", out.readonly));
    return {};
}

Status read_spec(const Value& v, Spec& out) {
    static const std::set<std::string_view> known = {
        "ociVersion", "process", "root", "hostname", "domainname",
        "mounts",     "hooks",   "annotations", "linux"};
    out.extensions = MOAT_TRY(unknown_members(v, known));

    MOAT_CHECK(required_field(v, "ociVersion", out.oci_version));
    if (auto process = member(v, "process")) {
        MOAT_CHECK(read(*process, out.process));
        out.has_process = true;
    }
    MOAT_CHECK(read_root(MOAT_TRY(required(v, "root")), out.root));
    MOAT_CHECK(field(v, "hostname", out.hostname));
    MOAT_CHECK(field(v, "domainname", out.domainname));
    // The kernel's limit (__NEW_UTS_LEN); refused here with the field named,
    // not later by sethostname with the whole string in the message.
    for (auto [name, size] : {std::pair{"hostname", out.hostname.size()},
                              std::pair{"domainname", out.domainname.value_or("").size()}})
        if (size > 64)
            return fail(std::string(name) + ": " + std::to_string(size) + " bytes; the kernel allows at most 64");
    MOAT_CHECK(field(v, "mounts", out.mounts));
    MOAT_CHECK(field(v, "hooks", out.hooks));
    MOAT_CHECK(field(v, "annotations", out.annotations));
    MOAT_CHECK(field(v, "linux", out.linux));
    return {};
}

// Parse config.json text; `what` names it in syntax errors.
Result<Spec> parse_named(std::string_view text, std::string_view what) {
    auto doc = MOAT_TRY(json::Document::parse(text, what));
    Spec spec;
    MOAT_CHECK(read_spec(doc.root(), spec));
    return spec;
}

Result<std::string> read_config_file(const std::string& path) {
    auto fd = MOAT_TRY(linux::open_fd(path, O_RDONLY));
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return sys_fail("read " + path);
        if (n == 0) return text;
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > kMaxDocumentSize) return fail(path + ": larger than 16 MiB", EFBIG);
    }
}

}  // namespace

void write(Writer& w, const Mount& m) {
    w.begin_object().field("destination", m.destination);
    if (!m.type.empty()) w.field("type", m.type);
    if (!m.source.empty()) w.field("source", m.source);
    put(w, "options", m.options);
    put(w, "uidMappings", m.uid_mappings);
    put(w, "gidMappings", m.gid_mappings);
    w.end_object();
}

void write(Writer& w, const Hook& h) {
    w.begin_object().field("path", h.path);
    put(w, "args", h.args);
    put(w, "env", h.env);
    put(w, "timeout", h.timeout);
    w.end_object();
}

void write(Writer& w, const Hooks& h) {
    w.begin_object();
    put(w, "prestart", h.prestart);
    put(w, "createRuntime", h.create_runtime);
    put(w, "createContainer", h.create_container);
    put(w, "startContainer", h.start_container);
    put(w, "poststart", h.poststart);
    put(w, "poststop", h.poststop);
    w.end_object();
}

}  // namespace codec

Result<Spec> parse_config(std::string_view json) { return codec::parse_named(json, "config.json"); }

Result<Spec> load_config(const std::string& path) {
    auto text = MOAT_TRY(codec::read_config_file(path));
    auto spec = codec::parse_named(text, path);
    // Syntax errors already start with the path; the others get it here.
    if (!spec && !spec.error().message.starts_with(path + ": "))
        return std::unexpected(std::move(spec.error()).wrap(path));
    return spec;
}

std::string to_json(const Spec& spec, bool pretty) {
    using namespace codec;
    Writer w(pretty);
    w.begin_object().field("ociVersion", spec.oci_version);
    if (spec.has_process) put_always(w, "process", spec.process);
    w.key("root").begin_object().field("path", spec.root.path);
    if (spec.root.readonly) w.field("readonly", true);
    w.end_object();
    if (!spec.hostname.empty()) w.field("hostname", spec.hostname);
    put(w, "domainname", spec.domainname);
    put(w, "mounts", spec.mounts);
    if (!spec.hooks.empty()) put_always(w, "hooks", spec.hooks);
    put(w, "annotations", spec.annotations);
    if (spec.linux != Linux{}) put_always(w, "linux", spec.linux);
    put_raw_members(w, spec.extensions);
    w.end_object();
    return w.str();
}

}  // namespace moat::spec
