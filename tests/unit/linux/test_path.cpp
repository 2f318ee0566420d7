// Resolution inside a container root must never leave it, whatever symlinks
// the image holds.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "linux/path.hpp"

using namespace moat::linux;
namespace fs = std::filesystem;

class PathInRoot : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/moat-path-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        base_ = tmpl;
        fs::create_directories(base_ + "/root/etc");
        fs::create_directories(base_ + "/outside");
        auto fd = open_fd(base_ + "/root", O_DIRECTORY | O_RDONLY);
        ASSERT_TRUE(fd);
        root_ = std::move(*fd);
    }
    void TearDown() override { fs::remove_all(base_); }

    // The path an fd refers to, as the kernel sees it.
    std::string where(const UniqueFd& fd) { return fs::read_symlink(fd_path(fd.get())).string(); }

    std::string base_;
    UniqueFd root_;
};

TEST_F(PathInRoot, AbsoluteSymlinkStaysInside) {
    fs::create_symlink(base_ + "/outside", base_ + "/root/evil");
    auto fd = ensure_in_root(root_.get(), "/evil/x", false);
    ASSERT_TRUE(fd) << fd.error().message;
    // base_/outside/x would be the escape; the walk must land in the root.
    EXPECT_FALSE(fs::exists(base_ + "/outside/x"));
    EXPECT_EQ(where(*fd).rfind(base_ + "/root/", 0), 0u) << where(*fd);
}

TEST_F(PathInRoot, DotDotSymlinkStaysInside) {
    fs::create_symlink("../../outside", base_ + "/root/up");
    auto fd = ensure_in_root(root_.get(), "/up/y", true);
    ASSERT_TRUE(fd) << fd.error().message;
    EXPECT_FALSE(fs::exists(base_ + "/outside/y"));
    EXPECT_EQ(where(*fd).rfind(base_ + "/root/", 0), 0u) << where(*fd);
}

TEST_F(PathInRoot, CreatesFileOrDirectory) {
    auto f = ensure_in_root(root_.get(), "/a/b/file", true);
    ASSERT_TRUE(f);
    EXPECT_TRUE(fs::is_regular_file(base_ + "/root/a/b/file"));
    auto d = ensure_in_root(root_.get(), "/c/d", false);
    ASSERT_TRUE(d);
    EXPECT_TRUE(fs::is_directory(base_ + "/root/c/d"));
}

// The walk starts at the deepest directory that exists; a symlink above it
// (an existing directory's link) and one below it (dangling) both stay inside.
TEST_F(PathInRoot, SymlinksAboveAndBelowTheDeepestExistingDirectoryStayInside) {
    fs::create_directories(base_ + "/root/real/deep");
    fs::create_symlink(base_ + "/outside", base_ + "/root/real/deep/dangling");
    fs::create_symlink("/real", base_ + "/root/alias");
    auto fd = ensure_in_root(root_.get(), "/alias/deep/dangling/x/y", false);
    ASSERT_TRUE(fd) << fd.error().message;
    EXPECT_TRUE(fs::is_directory(base_ + "/root" + base_ + "/outside/x/y"));
    EXPECT_FALSE(fs::exists(base_ + "/outside/x"));
    EXPECT_EQ(where(*fd), base_ + "/root" + base_ + "/outside/x/y");
}

TEST_F(PathInRoot, AFileInTheWayIsAnError) {
    std::ofstream(base_ + "/root/etc/file") << "x";
    auto fd = ensure_in_root(root_.get(), "/etc/file/sub/dir", false);
    ASSERT_FALSE(fd);
    EXPECT_EQ(fd.error().code, ENOTDIR) << fd.error().message;
}

TEST_F(PathInRoot, NoFollowReportsSymlink) {
    fs::create_symlink("/etc/passwd", base_ + "/root/etc/link");
    auto fd = open_in_root(root_.get(), "/etc/link", O_PATH, /*follow_last=*/false);
    ASSERT_TRUE(fd);
    struct stat st {};
    ASSERT_EQ(::fstat(fd->get(), &st), 0);
    EXPECT_TRUE(S_ISLNK(st.st_mode));
}

TEST(CleanPath, Normalises) {
    EXPECT_EQ(clean_path("/a/./b//c/"), "/a/b/c");
    EXPECT_EQ(clean_path(""), "/");
    EXPECT_EQ(clean_path("/"), "/");
}
