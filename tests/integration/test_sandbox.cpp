// moat sandbox: a host command in the hardened profile without a bundle. Each
// test runs the real binary as an agent would and checks what the command saw
// and what moat reported.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "moat_test.hpp"
#include "spec/json.hpp"

using namespace moat;
using namespace moat::test;
namespace fs = std::filesystem;

class Sandbox : public MoatTest {
protected:
    void SetUp() override {
        MoatTest::SetUp();
        if (IsSkipped()) return;
        dir_.emplace("moat-sandbox-test");
        // Receipts go to the test's directory, not the host's /var/lib/moat.
        policy_ = *dir_ / "policy.json";
        std::ofstream(policy_) << "{\"receipts\": \"" << (*dir_ / "receipts") << "\"}\n";
    }

    RunResult sandbox(std::vector<std::string> args) {
        args.insert(args.begin(), {"--policy", policy_, "sandbox"});
        return moat(std::move(args));
    }

    std::optional<TempDir> dir_;
    std::string policy_;
};

TEST_F(Sandbox, RunsAHostCommandAndMirrorsItsStatus) {
    auto r = sandbox({"--", "sh", "-c", "echo hello; exit 5"});
    EXPECT_EQ(r.status, 5) << r;
    EXPECT_EQ(r.out, "hello\n") << r;
}

TEST_F(Sandbox, TheProfileHoldsInside) {
    auto r = sandbox({"--", "sh", "-c",
                      "grep -E '^(NoNewPrivs|Seccomp|CapEff):' /proc/self/status; ls /sys/class/net; "
                      "touch /usr/moat-x 2>&1; ls /home /root /var 2>&1; echo tmp > /tmp/ok && cat /tmp/ok"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_NE(r.out.find("NoNewPrivs:\t1"), std::string::npos) << r;
    EXPECT_NE(r.out.find("Seccomp:\t2"), std::string::npos) << r;
    EXPECT_NE(r.out.find("CapEff:\t0000000000000000"), std::string::npos) << r;
    EXPECT_NE(r.out.find("lo\n"), std::string::npos) << r;
    EXPECT_EQ(r.out.find("eth"), std::string::npos) << r;
    EXPECT_NE(r.out.find("Read-only file system"), std::string::npos) << r;
    EXPECT_FALSE(fs::exists("/usr/moat-x"));
    // No user or host state is visible: those directories do not exist.
    EXPECT_NE(r.out.find("cannot access '/home'"), std::string::npos) << r;
    EXPECT_NE(r.out.find("cannot access '/root'"), std::string::npos) << r;
    EXPECT_NE(r.out.find("tmp\n"), std::string::npos) << r;
}

TEST_F(Sandbox, TimeoutKillsWith124AndSaysWhy) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = sandbox({"--timeout", "1s", "--", "sleep", "30"});
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, 124) << r;
    EXPECT_NE(r.err.find("killed: exceeded the 1 s wall-clock limit"), std::string::npos) << r;
    EXPECT_LT(took, std::chrono::seconds(15));
}

TEST_F(Sandbox, MemoryLimitKillsWith137AndSaysWhy) {
    auto r = sandbox({"--memory", "32M", "--", "python3", "-c", "x = bytearray(256 << 20)"});
    EXPECT_EQ(r.status, 137) << r;
    EXPECT_NE(r.err.find("killed: exceeded the 32 MiB memory limit"), std::string::npos) << r;
}

TEST_F(Sandbox, JsonReportsOutcomeAndCutsOutput) {
    auto r = sandbox({"--json", "--output-limit", "100", "--", "sh", "-c",
                      "head -c 5000 /dev/zero | tr '\\0' x; echo err >&2; exit 2"});
    EXPECT_EQ(r.status, 2) << r;
    auto doc = json::Document::parse(r.out, "sandbox json");
    ASSERT_TRUE(doc) << r;
    auto root = doc->root();
    EXPECT_EQ(*root.get("exitCode")->int64(), 2);
    EXPECT_FALSE(*root.get("timedOut")->boolean());
    EXPECT_FALSE(*root.get("oomKilled")->boolean());
    EXPECT_EQ(root.get("stdout")->string()->size(), 100u);
    EXPECT_TRUE(*root.get("stdoutTruncated")->boolean());
    EXPECT_EQ(*root.get("stderr")->string(), "err\n");
    EXPECT_FALSE(*root.get("stderrTruncated")->boolean());
    EXPECT_GT(*root.get("peakMemoryBytes")->uint64(), 0u);
    EXPECT_NE(r.err.find("output was cut"), std::string::npos) << r;
}

TEST_F(Sandbox, InputIsReadOnlyAndOutputIsCopiedBackWithoutSymlinks) {
    std::string in = *dir_ / "data.csv";
    std::ofstream(in) << "a,b\n1,2\n3,4\n";
    std::string out = *dir_ / "results";
    auto r = sandbox({"--input", in, "--output", out, "--", "sh", "-c",
                      "awk -F, 'NR>1{s+=$1} END{print s}' /input/data.csv > /output/sum.txt; "
                      "echo x > /input/data.csv 2>&1; ln -s /etc/passwd /output/link; mkdir /output/sub; "
                      "echo deep > /output/sub/f"});
    EXPECT_EQ(r.status, 0) << r;
    std::ifstream sum(out + "/sum.txt");
    std::string s;
    std::getline(sum, s);
    EXPECT_EQ(s, "4") << r;
    EXPECT_TRUE(fs::exists(out + "/sub/f"));
    // A symlink the command made is not followed or copied.
    EXPECT_FALSE(fs::exists(fs::symlink_status(out + "/link")));
    // The input is untouched.
    std::ifstream again(in);
    std::string first;
    std::getline(again, first);
    EXPECT_EQ(first, "a,b");
}

TEST_F(Sandbox, NetworkNoneLeavesLoDown) {
    auto r = sandbox({"--network", "none", "--", "cat", "/sys/class/net/lo/operstate"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "down\n") << r;
    auto lo = sandbox({"--", "cat", "/sys/class/net/lo/operstate"});
    EXPECT_NE(lo.out, "down\n") << lo;
}

TEST_F(Sandbox, BadInputIsAClearErrorAndLeavesFilesAlone) {
    auto unknown = sandbox({"--bogus", "--", "true"});
    EXPECT_EQ(unknown.status, 1) << unknown;
    EXPECT_NE(unknown.err.find("unknown flag --bogus"), std::string::npos) << unknown;
    auto missing = sandbox({"--input", "/nonexistent/x", "--", "true"});
    EXPECT_EQ(missing.status, 1) << missing;
    EXPECT_NE(missing.err.find("--input /nonexistent/x"), std::string::npos) << missing;
    auto nocmd = sandbox({"--", "/no/such/command"});
    EXPECT_EQ(nocmd.status, 1) << nocmd;
    EXPECT_NE(nocmd.err.find("/no/such/command"), std::string::npos) << nocmd;
    auto badout = sandbox({"--output", "/proc/version/x", "--", "true"});
    EXPECT_EQ(badout.status, 1) << badout;
    EXPECT_NE(badout.err.find("--output /proc/version/x"), std::string::npos) << badout;
    auto toomuch = sandbox({"--memory", "64G", "--", "true"});
    EXPECT_EQ(toomuch.status, 1) << toomuch;
    EXPECT_NE(toomuch.err.find("run.moat.memory"), std::string::npos) << toomuch;
    EXPECT_TRUE(fs::is_empty(state_root()));
}
