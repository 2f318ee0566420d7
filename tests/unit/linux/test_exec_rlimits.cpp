#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/exec.hpp"
#include "linux/rlimits.hpp"

using namespace moat::linux;

TEST(FindExecutable, SearchesPathAndNamesMissingCommand) {
    auto sh = find_executable("sh", {"PATH=/nonexistent:/bin"});
    ASSERT_TRUE(sh) << sh.error().message;
    EXPECT_EQ(*sh, "/bin/sh");
    auto missing = find_executable("no-such-command-xyz", {"PATH=/bin"});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "exec: \"no-such-command-xyz\": executable file not found in $PATH");
    auto abs = find_executable("/nope", {});
    ASSERT_FALSE(abs);
    EXPECT_EQ(abs.error().message, "exec: \"/nope\": no such file or directory");
    auto dir = find_executable("/tmp", {});
    ASSERT_FALSE(dir);
    EXPECT_NE(dir.error().message.find("is a directory"), std::string::npos);
}

TEST(Rlimits, ParseNamesAndErrors) {
    auto ok = parse_rlimits({{"RLIMIT_NOFILE", 1024, 512}});
    ASSERT_TRUE(ok);
    ASSERT_EQ(ok->size(), 1u);
    EXPECT_EQ((*ok)[0].resource, RLIMIT_NOFILE);
    EXPECT_EQ((*ok)[0].value.rlim_cur, 512u);
    auto bad = parse_rlimits({{"RLIMIT_NOFILE", 1, 1}, {"RLIMIT_BOGUS", 1, 1}});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "process.rlimits[1].type: unknown rlimit \"RLIMIT_BOGUS\"");
    auto inverted = parse_rlimits({{"RLIMIT_CORE", 1, 2}});
    ASSERT_FALSE(inverted);
    EXPECT_NE(inverted.error().message.find("exceeds hard limit"), std::string::npos);
}

TEST(Rlimits, RaisingAboveHardLimitNamesIt) {
    struct rlimit cur {};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &cur), 0);
    if (cur.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "hard RLIMIT_NOFILE is unlimited here";
    // In a child: lowering then raising the hard limit must fail with a clear message.
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        struct rlimit low {16, 16};
        if (::setrlimit(RLIMIT_NOFILE, &low) < 0) _exit(2);
        auto r = apply_rlimits({{RLIMIT_NOFILE, {32, 32}, "RLIMIT_NOFILE"}});
        bool named = !r && r.error().message.find("RLIMIT_NOFILE") != std::string::npos &&
                     r.error().message.find("CAP_SYS_RESOURCE") != std::string::npos;
        _exit(named ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    // Root with CAP_SYS_RESOURCE could raise it; this machine's root cannot.
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && geteuid() == 0)
        GTEST_SKIP() << "this process may raise hard limits (CAP_SYS_RESOURCE)";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
