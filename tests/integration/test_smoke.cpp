// First signs of life: the binary answers, a busybox container runs, bad input
// is refused cleanly.
#include <gtest/gtest.h>

#include "moat_test.hpp"

namespace moat::test {
namespace {

using Smoke = MoatTest;

TEST_F(Smoke, VersionNamesTheProgram) {
    auto r = moat({"--version"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_NE(r.out.find("moat"), std::string::npos) << r;
}

TEST_F(Smoke, RunEchoPrintsHelloAndExitsZero) {
    Bundle bundle;
    bundle.spec().process.args = {"echo", "hello"};
    bundle.write();
    auto id = new_id();

    auto r = moat({"run", "--bundle", bundle.path(), id});

    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "hello\n") << r;
    // run without --detach deletes the container when it ends, as runc does.
    EXPECT_TRUE(no_leaks(bundle, id));
}

TEST_F(Smoke, RunWithoutConfigFailsNamingIt) {
    Bundle bundle;  // never written: no config.json
    auto id = new_id();

    auto r = moat({"run", "--bundle", bundle.path(), id});

    EXPECT_EQ(r.status, 1) << r;
    EXPECT_NE(r.err.find("config.json"), std::string::npos) << r;
    EXPECT_TRUE(no_leaks(bundle, id));
}

}  // namespace
}  // namespace moat::test
