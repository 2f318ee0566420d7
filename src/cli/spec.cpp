#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "cli/command.hpp"
#include "linux/fd.hpp"
#include "moat/policy.hpp"
#include "runtime/launch.hpp"

namespace moat::cli {

extern const Command kSpec{
    "spec", "write a config.json that the policy in force needs no change to", "[options]",
    {{"bundle", 'b', true, "directory to write config.json into (default: current directory)", "DIR"},
     {"rootless", 0, false, "not supported: moat's profile is for root-run engines"}},
    false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        if (p.has("rootless")) return fail("spec --rootless is not supported", ENOTSUP);
        // The policy create would apply: --policy, else /etc/moat/policy.json.
        const auto pol = MOAT_TRY(runtime::load_active_policy(g)).policy;
        std::string path = p.get("bundle", ".") + "/config.json";
        auto fd = linux::open_fd(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (!fd) {
            if (fd.error().code == EEXIST) return fail("File " + path + " exists. Remove it first", EEXIST);
            return std::unexpected(std::move(fd.error()));
        }
        MOAT_CHECK_CTX(linux::write_all(fd->get(), spec::to_json(policy::example_spec(pol)) + "\n"), "write " + path);
        return 0;
    }};

}  // namespace moat::cli
