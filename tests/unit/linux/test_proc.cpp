// executable_is_own_path(): true for a program run from its path; false once
// that path names nothing or another file, as for the runtime binary started
// inside a container through /proc/self/exe.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "linux/proc.hpp"

using namespace moat::linux;

TEST(ExecutableIsOwnPath, TrueWhenRunFromItsPath) { EXPECT_TRUE(executable_is_own_path()); }

TEST(ExecutableIsOwnPath, FalseWhenItsPathIsHidden) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (a mount namespace)";
    char exe[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    ASSERT_GT(n, 0);
    std::string dir(exe, static_cast<size_t>(n));
    dir.erase(dir.rfind('/'));
    pid_t pid = ::fork();
    if (pid == 0) {
        // A private mount namespace in which an empty tmpfs hides the directory.
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            ::mount("tmpfs", dir.c_str(), "tmpfs", 0, nullptr) != 0)
            ::_exit(2);
        ::_exit(executable_is_own_path() ? 1 : 0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "2: the mount namespace could not be made; 1: not detected";
}
