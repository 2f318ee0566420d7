// The test support library checked on its own, so a broken helper shows up as
// itself and not as a mysterious container failure.
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

#include "moat_test.hpp"

namespace fs = std::filesystem;

namespace moat::test {
namespace {

class Support : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "needs root (mounts, chroot, cgroupfs)";
    }
};

TEST_F(Support, RunCapturesOutputAndStatus) {
    auto r = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
    EXPECT_EQ(r.status, 3) << r;
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
}

TEST_F(Support, RunFeedsStdinLargerThanAPipe) {
    RunOptions options;
    options.stdin_data = std::string(300000, 'x');
    auto r = run({"wc", "-c"}, options);
    EXPECT_EQ(r.out, "300000\n") << r;
}

TEST_F(Support, RunKillsAHungProgram) {
    RunOptions options;
    options.timeout = std::chrono::milliseconds(300);
    auto r = run({"sh", "-c", "sleep 100"}, options);
    EXPECT_TRUE(r.timed_out) << r;
    EXPECT_EQ(r.signal, SIGKILL) << r;
}

TEST_F(Support, RunReturnsWhenALeftoverChildHoldsStdout) {
    auto start = std::chrono::steady_clock::now();
    auto r = run({"sh", "-c", "setsid sleep 3 & echo started"});
    EXPECT_EQ(r.out, "started\n") << r;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(Support, RunPassesOnlyStdio) {
    auto r = run({"ls", "/proc/self/fd"});
    EXPECT_EQ(r.out, "0\n1\n2\n3\n") << r;  // 3 is ls's own directory fd
}

TEST_F(Support, BundleHasAWorkingBusybox) {
    Bundle bundle;
    bundle.write();
    bundle.write_file("/etc/motd", "hi\n");
    EXPECT_TRUE(fs::exists(bundle.config_path()));
    auto r = run({"chroot", bundle.rootfs(), "sh", "-c", "cat /etc/motd; id -u; hostname >/dev/null"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "hi\n0\n") << r;
}

TEST_F(Support, BundleConfigRoundTrips) {
    Bundle bundle;
    bundle.spec().process.args = {"echo", "a b"};
    bundle.write();
    auto loaded = spec::load_config(bundle.config_path());
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded->process.args, bundle.spec().process.args);
    EXPECT_EQ(loaded->mounts.size(), bundle.spec().mounts.size());
}

TEST_F(Support, BundleWithProbe) {
    if (!probe_available()) GTEST_SKIP() << "the probe was not built";
    Bundle bundle({.probe = true});
    EXPECT_TRUE(fs::exists(bundle.rootfs() + "/bin/moat-probe"));
}

TEST_F(Support, TempDirDetachesMountsAndSparesWhatTheyShow) {
    TempDir host("moat-host");
    run({"touch", host / "precious"});
    std::string path;
    {
        TempDir dir;
        path = dir.path();
        fs::create_directories(dir / "a/tmp");
        fs::create_directories(dir / "a/bind");
        ASSERT_EQ(mount("tmpfs", (dir / "a/tmp").c_str(), "tmpfs", 0, nullptr), 0);
        ASSERT_EQ(mount(host.path().c_str(), (dir / "a/bind").c_str(), nullptr, MS_BIND, nullptr), 0);
        fs::create_symlink("/etc", dir / "etc-link");
        EXPECT_EQ(find_leaks("/nonexistent", dir.path(), "none").size(), 2u);
    }
    EXPECT_FALSE(fs::exists(path));
    EXPECT_TRUE(fs::exists(host / "precious"));
    EXPECT_TRUE(fs::exists("/etc/passwd"));
}

TEST_F(Support, FindLeaksSeesStateAndCgroupsByWholeId) {
    TempDir root;
    auto id = unique_id();
    fs::create_directories(root / id);
    fs::create_directories(root / (id + "0"));  // another id, not a leak of this one
    std::string parent = "/sys/fs/cgroup/pids/moat-support-test-" + std::to_string(getpid());
    if (!fs::is_directory("/sys/fs/cgroup/pids")) parent = "/sys/fs/cgroup/moat-support-test";
    std::string cgroup = parent + "/moat-" + id + ".scope";
    ASSERT_TRUE(fs::create_directories(cgroup));

    auto leaks = find_leaks(root.path(), "/nonexistent-bundle", id);

    rmdir(cgroup.c_str());
    rmdir(parent.c_str());
    ASSERT_EQ(leaks.size(), 2u) << ::testing::PrintToString(leaks);
    EXPECT_NE(leaks[0].find(root / id), std::string::npos);
    EXPECT_NE(leaks[1].find(cgroup), std::string::npos);
}

}  // namespace
}  // namespace moat::test
