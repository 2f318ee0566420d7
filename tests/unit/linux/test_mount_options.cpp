#include <gtest/gtest.h>
#include <linux/mount.h>
#include <sys/mount.h>

#include "linux/mount_options.hpp"

using namespace moat::linux;

TEST(MountOptions, FlagsAndData) {
    auto o = parse_mount_options({"nosuid", "noexec", "ro", "mode=755", "size=65536k"});
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_EQ(o->flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_RDONLY));
    EXPECT_EQ(o->data, "mode=755,size=65536k");
    EXPECT_FALSE(o->bind);
}

TEST(MountOptions, LaterOptionWins) {
    auto o = parse_mount_options({"ro", "rw", "nodev", "dev"});
    ASSERT_TRUE(o);
    EXPECT_EQ(o->flags & (MS_RDONLY | MS_NODEV), 0u);
    EXPECT_EQ(o->clear & (MS_RDONLY | MS_NODEV), static_cast<unsigned long>(MS_RDONLY | MS_NODEV));
}

TEST(MountOptions, BindPropagationAndRecursive) {
    auto o = parse_mount_options({"rbind", "rprivate", "rro", "rnosuid"});
    ASSERT_TRUE(o);
    EXPECT_TRUE(o->bind);
    EXPECT_TRUE(o->recursive);
    EXPECT_EQ(o->propagation, static_cast<unsigned long>(MS_PRIVATE | MS_REC));
    EXPECT_EQ(o->recursive_set, static_cast<unsigned long>(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID));
}

TEST(MountOptions, UnsupportedExtensionsAreErrors) {
    auto o = parse_mount_options({"idmap"});
    ASSERT_FALSE(o);
    EXPECT_EQ(o.error().message, "mount option idmap is not supported");
    EXPECT_FALSE(parse_mount_options({""}));
}

TEST(MountOptions, PropagationNames) {
    EXPECT_EQ(propagation_flags("rslave"), static_cast<unsigned long>(MS_SLAVE | MS_REC));
    EXPECT_EQ(propagation_flags("shared"), static_cast<unsigned long>(MS_SHARED));
    EXPECT_EQ(propagation_flags("bogus"), 0u);
}
