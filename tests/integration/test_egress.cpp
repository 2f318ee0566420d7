// The egress allowlist (issue 10) against hosts the test makes on this
// machine: a container network namespace and a peer namespace joined by a veth
// pair, a TCP listener in the peer on two addresses and three ports. Allowed
// destination and port connect; other addresses and ports fail and the drop
// counters in the receipt rise. No packet leaves the two namespaces.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "moat_test.hpp"
#include "spec/json.hpp"

namespace fs = std::filesystem;
extern char** environ;

namespace moat::test {
namespace {

// Answers "hello PORT" on every address of the peer namespace.
constexpr const char* kListener = R"(import socket, sys, threading
def serve(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port)); s.listen(16)
    while True:
        c, _ = s.accept(); c.sendall(b"hello %d\n" % port); c.close()
threads = [threading.Thread(target=serve, args=(p,), daemon=True) for p in (53, 8080, 9090)]
for t in threads: t.start()
open(sys.argv[1], "w").write("ready")
for t in threads: t.join()
)";

// The shell line a container runs for one attempt: "HOST PORT: <answer or rc>".
std::string attempt(const std::string& host, int port) {
    return "echo \"" + host + " " + std::to_string(port) + ": $(nc -w 2 " + host + " " +
           std::to_string(port) + " </dev/null 2>/dev/null || echo failed)\"; ";
}

std::string line_for(const std::string& out, const std::string& host, int port) {
    const std::string key = host + " " + std::to_string(port) + ": ";
    auto at = out.find(key);
    if (at == std::string::npos) return "(missing)";
    auto end = out.find('\n', at);
    return out.substr(at + key.size(), end - at - key.size());
}

// One allowed address and port per family, and its neighbours.
const std::string kFiveAttempts = attempt("10.231.0.2", 8080) + attempt("10.231.0.2", 9090) +
                                  attempt("10.231.0.3", 8080) + attempt("fd00:231::2", 8080) +
                                  attempt("fd00:231::3", 8080);
constexpr const char* kPortedAllowlist =
    R"({"mode": "allowlist", "allow": ["10.231.0.2/32:8080/tcp", "[fd00:231::2/128]:8080/tcp"]})";

}  // namespace

class Egress : public MoatTest {
protected:
    void SetUp() override {
        MoatTest::SetUp();
        if (IsSkipped()) return;
        if (run({"which", "python3"}).status != 0) GTEST_SKIP() << "python3 is not installed";
        files_.emplace("moat-egress");
        const std::string tag = std::to_string(::getpid());
        ctr_ = "mte" + tag + "c";
        peer_ = "mte" + tag + "p";
        for (auto& cmd : std::vector<std::vector<std::string>>{
                 {"ip", "netns", "add", ctr_},
                 {"ip", "netns", "add", peer_},
                 {"ip", "link", "add", "eth0", "netns", ctr_, "type", "veth", "peer", "name", "eth0",
                  "netns", peer_},
                 {"ip", "-n", ctr_, "addr", "add", "10.231.0.1/24", "dev", "eth0"},
                 {"ip", "-n", peer_, "addr", "add", "10.231.0.2/24", "dev", "eth0"},
                 {"ip", "-n", peer_, "addr", "add", "10.231.0.3/24", "dev", "eth0"},
                 {"ip", "-n", ctr_, "-6", "addr", "add", "fd00:231::1/64", "dev", "eth0", "nodad"},
                 {"ip", "-n", peer_, "-6", "addr", "add", "fd00:231::2/64", "dev", "eth0", "nodad"},
                 {"ip", "-n", peer_, "-6", "addr", "add", "fd00:231::3/64", "dev", "eth0", "nodad"},
                 {"ip", "-n", ctr_, "link", "set", "lo", "up"},
                 {"ip", "-n", peer_, "link", "set", "lo", "up"},
                 {"ip", "-n", ctr_, "link", "set", "eth0", "up"},
                 {"ip", "-n", peer_, "link", "set", "eth0", "up"}}) {
            auto r = run(cmd);
            ASSERT_EQ(r.status, 0) << "network set-up failed: " << r;
        }
        start_listener();
    }

    void TearDown() override {
        if (listener_ > 0) {
            ::kill(listener_, SIGKILL);
            ::waitpid(listener_, nullptr, 0);
        }
        MoatTest::TearDown();
        for (auto& ns : {ctr_, peer_})
            if (!ns.empty()) run({"ip", "netns", "del", ns});
    }

    void start_listener() {
        const std::string script = files_->path("listener.py"), ready = files_->path("ready");
        std::ofstream(script) << kListener;
        std::vector<std::string> argv = {"ip", "netns", "exec", peer_, "python3", script, ready};
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        ASSERT_EQ(::posix_spawnp(&listener_, "ip", nullptr, nullptr, args.data(), environ), 0);
        for (int i = 0; i < 100 && !fs::exists(ready); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ASSERT_TRUE(fs::exists(ready)) << "the listener in the peer namespace did not start";
    }

    std::string policy(const std::string& network) { return files_->write("\"network\": " + network); }

    // A bundle in the container namespace (or a new one when netns is empty).
    void prepare(Bundle& b, const std::string& script, const std::string& netns) {
        b.spec().process.args = {"sh", "-c", script};
        for (auto& ns : b.spec().linux.namespaces)
            if (ns.type == "network") ns.path = netns;
        b.write();
    }

    json::Document receipt(const std::string& id) {
        auto doc = json::Document::parse(slurp(files_->receipts() + "/" + id + ".json"), "receipt");
        if (!doc) throw std::runtime_error("receipt of " + id + ": " + doc.error().message);
        return std::move(*doc);
    }

    static uint64_t dropped(json::Document& doc, const char* family) {
        auto v = doc.root().get("egress")->get("dropped")->get(family)->get("packets")->uint64();
        return v ? *v : 0;
    }

    std::string netns_path() const { return "/run/netns/" + ctr_; }

    std::optional<PolicyFiles> files_;
    std::string ctr_, peer_;
    pid_t listener_ = -1;
};

// Every entry names its port: nftables and Landlock both filter. The
// create/start/delete path, so the counters are read at delete.
TEST_F(Egress, AllowedDestinationConnectsAndTheRestIsDroppedAndCounted) {
    Bundle b;
    prepare(b, kFiveAttempts, netns_path());
    auto pol = policy(kPortedAllowlist);
    auto id = new_id();
    auto c = moat({"--policy", pol, "create", "--bundle", b.path(), id});
    ASSERT_EQ(c.status, 0) << c;
    // Installed before the process starts.
    auto listed = run({"ip", "netns", "exec", ctr_, "nft", "list", "table", "inet", "moat"});
    ASSERT_EQ(listed.status, 0) << listed;
    EXPECT_TRUE(contains(listed.out, "ip daddr 10.231.0.2 tcp dport 8080 accept")) << listed;
    EXPECT_TRUE(contains(listed.out, "policy drop")) << listed;
    ASSERT_EQ(moat({"--policy", pol, "start", id}).status, 0);
    for (int i = 0; i < 200; ++i) {
        auto st = moat({"state", id});
        if (contains(st.out, "\"stopped\"")) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto d = moat({"--policy", pol, "delete", id});
    ASSERT_EQ(d.status, 0) << d;
    auto doc = receipt(id);
    auto egress = doc.root().get("egress");
    ASSERT_TRUE(egress) << "the receipt records the allowlist";
    EXPECT_EQ(egress->get("allowlist")->string().value_or(""), "policy");
    EXPECT_GE(dropped(doc, "ipv4"), 1u) << "the SYN to 10.231.0.3:8080 was dropped and counted";
    EXPECT_GE(dropped(doc, "ipv6"), 1u) << "the SYN to [fd00:231::3]:8080 was dropped and counted";
    EXPECT_TRUE(no_leaks(b, id));
}

// The outcome of each attempt, with `run` so the output comes back.
TEST_F(Egress, OnlyTheListedAddressAndPortAnswer) {
    Bundle b;
    prepare(b, kFiveAttempts, netns_path());
    auto pol = policy(kPortedAllowlist);
    auto id = new_id();
    auto r = moat({"--policy", pol, "run", "--bundle", b.path(), id});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(line_for(r.out, "10.231.0.2", 8080), "hello 8080") << r;
    EXPECT_EQ(line_for(r.out, "10.231.0.2", 9090), "failed") << r;
    EXPECT_EQ(line_for(r.out, "10.231.0.3", 8080), "failed") << r;
    EXPECT_EQ(line_for(r.out, "fd00:231::2", 8080), "hello 8080") << r;
    EXPECT_EQ(line_for(r.out, "fd00:231::3", 8080), "failed") << r;
    auto doc = receipt(id);
    EXPECT_GE(dropped(doc, "ipv4"), 1u);
    EXPECT_GE(dropped(doc, "ipv6"), 1u);
    EXPECT_TRUE(no_leaks(b, id));
}

// An entry without ports: Landlock does not restrict connect, so nftables
// alone stops the other address; a named allowlist chosen by annotation.
TEST_F(Egress, NamedAllowlistWithoutPortsIsFilteredByNftablesAlone) {
    Bundle b;
    b.spec().annotations["run.moat.network"] = "peer";
    prepare(b, attempt("10.231.0.2", 9090) + attempt("10.231.0.3", 9090), netns_path());
    auto pol = policy(R"({"mode": "loopback", "allowlists": {"peer": {"allow": ["10.231.0.2/32"]}}})");
    auto id = new_id();
    auto r = moat({"--policy", pol, "run", "--bundle", b.path(), id});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(line_for(r.out, "10.231.0.2", 9090), "hello 9090") << r;
    EXPECT_EQ(line_for(r.out, "10.231.0.3", 9090), "failed") << r;
    auto doc = receipt(id);
    EXPECT_EQ(doc.root().get("egress")->get("allowlist")->string().value_or(""), "peer");
    EXPECT_GE(dropped(doc, "ipv4"), 1u);
    EXPECT_TRUE(no_leaks(b, id));
}

// "dns" opens port 53 of one resolver and nothing else of it.
TEST_F(Egress, TheResolverIsReachableOnPort53Only) {
    Bundle b;
    prepare(b, attempt("10.231.0.2", 53) + attempt("10.231.0.2", 8080), netns_path());
    auto pol = policy(R"({"mode": "allowlist", "allow": [], "dns": "10.231.0.2"})");
    auto id = new_id();
    auto r = moat({"--policy", pol, "run", "--bundle", b.path(), id});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(line_for(r.out, "10.231.0.2", 53), "hello 53") << r;
    EXPECT_EQ(line_for(r.out, "10.231.0.2", 8080), "failed") << r;
    EXPECT_TRUE(no_leaks(b, id));
}

// The process cannot reach nf_tables to change the rules.
TEST_F(Egress, TheContainerCannotOpenANetfilterSocket) {
    Bundle b({.probe = true});
    b.spec().process.args = {"/bin/moat-probe", "syscall", "socket-netlink-netfilter"};
    for (auto& ns : b.spec().linux.namespaces)
        if (ns.type == "network") ns.path = netns_path();
    b.write();
    auto pol = policy(R"({"mode": "allowlist", "allow": ["10.231.0.2/32:8080/tcp"]})");
    auto id = new_id();
    auto r = moat({"--policy", pol, "run", "--bundle", b.path(), id});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "socket-netlink-netfilter: EPERM")) << r;
}

// A new namespace (what Docker's bridge hands over before its hook adds the
// interface) is filtered too, and the pinned namespace still answers at delete.
TEST_F(Egress, ANewNetworkNamespaceIsFilteredAndItsCountersRead) {
    Bundle b;
    prepare(b, "true", "");
    auto pol = policy(R"({"mode": "allowlist", "allow": ["10.231.0.2/32:8080/tcp"]})");
    auto id = new_id();
    auto r = moat({"--policy", pol, "run", "--bundle", b.path(), id});
    ASSERT_EQ(r.status, 0) << r;
    auto doc = receipt(id);
    auto egress = doc.root().get("egress");
    ASSERT_TRUE(egress);
    EXPECT_TRUE(egress->get("dropped")) << "counters read back after the process exited";
    EXPECT_FALSE(egress->get("note")) << doc.root().get("egress")->raw();
    EXPECT_TRUE(no_leaks(b, id));
}

// Never silently widened: the host's namespace, or none at all, is refused.
TEST_F(Egress, TheHostsNetworkNamespaceIsRefused) {
    const std::string host_ns = files_->path("hostns");
    std::ofstream(host_ns).close();
    ASSERT_EQ(run({"mount", "--bind", "/proc/self/ns/net", host_ns}).status, 0);
    Bundle b;
    prepare(b, "true", host_ns);
    auto pol = policy(R"({"mode": "allowlist", "allow": ["10.231.0.2/32:8080/tcp"]})");
    auto id = new_id();
    auto r = moat({"--policy", pol, "run", "--bundle", b.path(), id});
    run({"umount", host_ns});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "is the host's")) << r;
    EXPECT_TRUE(no_leaks(b, id));

    Bundle none;
    none.spec().process.args = {"true"};
    auto& ns = none.spec().linux.namespaces;
    std::erase_if(ns, [](auto& n) { return n.type == "network"; });
    none.write();
    auto id2 = new_id();
    auto r2 = moat({"--policy", pol, "run", "--bundle", none.path(), id2});
    EXPECT_EQ(r2.status, 1) << r2;
    EXPECT_TRUE(contains(r2.err, "needs a network namespace to filter")) << r2;
    EXPECT_TRUE(no_leaks(none, id2));

    // A malformed entry is an error naming it, before anything is made.
    auto bad = policy(R"({"mode": "allowlist", "allow": ["10.231.0.2:70000/tcp"]})");
    auto id3 = new_id();
    auto r3 = moat({"--policy", bad, "run", "--bundle", b.path(), id3});
    EXPECT_EQ(r3.status, 1) << r3;
    EXPECT_TRUE(contains(r3.err, "10.231.0.2:70000/tcp")) << r3;
    EXPECT_TRUE(no_leaks(b, id3));
}

// The allowlist's ruleset is built by the moat-nft helper installed beside
// moat. A moat without it refuses the container, naming the helper, and
// leaves nothing behind; containers without an allowlist never need it.
TEST_F(Egress, AMissingHelperIsAClearError) {
    if (::access("/usr/local/sbin/moat-nft", F_OK) == 0)
        GTEST_SKIP() << "moat-nft is installed in /usr/local/sbin, where a lone moat finds it";
    fs::create_directories(files_->path("lonely"));
    const std::string lonely = files_->path("lonely/moat");
    fs::copy_file(moat_binary(), lonely);
    Bundle b;
    prepare(b, "true", netns_path());
    auto pol = policy(kPortedAllowlist);
    auto id = new_id();
    auto r = run({lonely, "--root", state_root(), "--policy", pol, "run", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "egress allowlist")) << r;
    EXPECT_TRUE(contains(r.err, "moat-nft: No such file or directory")) << r;
    EXPECT_TRUE(no_leaks(b, id));

    Bundle plain;
    plain.spec().process.args = {"true"};
    plain.write();
    auto id2 = new_id();
    auto r2 = run({lonely, "--root", state_root(), "run", "--bundle", plain.path(), id2});
    EXPECT_EQ(r2.status, 0) << r2;
    EXPECT_TRUE(no_leaks(plain, id2));
}

}  // namespace moat::test
