#include <cstdio>

#include "cli/command.hpp"
#include "moat/sandbox.hpp"
#include "policy/units.hpp"

namespace moat::cli {

extern const Command kSandbox{
    "sandbox", "run one host command in the hardened profile, no bundle needed",
    "[options] -- COMMAND [ARG…]",
    {
        {"rootfs", 0, true, "use this directory as the root instead of the host's system directories", "DIR"},
        {"input", 'i', true, "bind SRC read-only at DST (default /input/<name>); repeatable", "SRC[:DST]", true},
        {"output", 'o', true, "copy what the command writes to /output into DIR afterwards", "DIR"},
        {"timeout", 0, true, "wall-clock limit (default 30s)", "DURATION"},
        {"memory", 'm', true, "memory limit, e.g. 256M (at most the policy's maximum)", "SIZE"},
        {"pids", 0, true, "process limit", "N"},
        {"cpus", 0, true, "CPU limit, e.g. 0.5", "N"},
        {"tmp-size", 0, true, "size of the /tmp tmpfs", "SIZE"},
        {"network", 0, true, "none or loopback (default loopback)", "MODE"},
        {"env", 'e', true, "set a variable; repeatable", "K=V", true},
        {"cwd", 0, true, "working directory (default /)", "DIR"},
        {"stdin", 0, false, "pass moat's stdin to the command (default: /dev/null)"},
        {"output-limit", 0, true, "keep at most this much of stdout and of stderr (default 1M)", "SIZE"},
        {"json", 0, false, "print one JSON document: status, limits hit, usage, output, files"},
    },
    true,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        sandbox::Options o;
        o.args = p.positional;
        if (p.has("rootfs")) o.rootfs = p.get("rootfs");
        for (auto& in : p.all("input")) {
            auto colon = in.find(':');
            o.inputs.push_back({in.substr(0, colon), colon == std::string::npos ? "" : in.substr(colon + 1)});
        }
        if (p.has("output")) o.output = p.get("output");
        o.timeout = p.get("timeout", "30s");
        if (p.has("memory")) o.memory = p.get("memory");
        if (p.has("pids")) o.pids = p.get("pids");
        if (p.has("cpus")) o.cpus = p.get("cpus");
        if (p.has("tmp-size")) o.tmp_size = p.get("tmp-size");
        o.network = p.get("network", "loopback");
        o.env = p.all("env");
        o.cwd = p.get("cwd", "/");
        o.pass_stdin = p.has("stdin");
        if (p.has("output-limit"))
            o.output_limit = MOAT_TRY(context(policy::units::parse_size(p.get("output-limit")), "--output-limit"));
        o.json = p.has("json");
        auto r = MOAT_TRY(sandbox::run(g, o));
        if (o.json) std::printf("%s\n", sandbox::to_json(r).c_str());
        if (!r.reason.empty()) std::fprintf(stderr, "moat: %s\n", r.reason.c_str());
        if (r.out_truncated || r.err_truncated) std::fprintf(stderr, "moat: output was cut at the --output-limit\n");
        return r.exit_code;
    }};

}  // namespace moat::cli
