// MoatTest: the fixture integration tests derive from.
#include <unistd.h>

#include <filesystem>

#include "moat/policy.hpp"
#include "moat_test.hpp"

namespace moat::test {

void MoatTest::SetUp() {
    if (geteuid() != 0) GTEST_SKIP() << "integration tests need root (containers, mounts, cgroups)";
    ASSERT_TRUE(std::filesystem::exists(moat_binary())) << "moat binary not built: " << moat_binary();
    root_.emplace("moat-root");
}

void MoatTest::TearDown() {
    // Stop whatever a failed test left running; errors do not matter here.
    if (root_)
        for (auto& id : ids_) run({moat_binary(), "--root", root_->path(), "delete", "--force", id});
    for (auto& id : ids_) remove_filed_receipt(id);
}

void remove_filed_receipt(const std::string& id) {
    std::error_code ec;
    std::filesystem::remove(std::string(policy::defaults::receipts_dir) + "/" + id + ".json", ec);
}

RunResult MoatTest::moat(std::vector<std::string> args, std::string stdin_data) {
    RunOptions options;
    options.stdin_data = std::move(stdin_data);
    return moat(std::move(args), options);
}

RunResult MoatTest::moat(std::vector<std::string> args, const RunOptions& options) {
    args.insert(args.begin(), {moat_binary(), "--root", root_->path()});
    return run(args, options);
}

std::string MoatTest::new_id() {
    ids_.push_back(unique_id());
    return ids_.back();
}

::testing::AssertionResult MoatTest::no_leaks(const Bundle& bundle, const std::string& id) const {
    auto leaks = find_leaks(root_->path(), bundle.path(), id);
    if (leaks.empty()) return ::testing::AssertionSuccess();
    auto failure = ::testing::AssertionFailure() << "container " << id << " left:";
    for (auto& l : leaks) failure << "\n  " << l;
    return failure;
}

}  // namespace moat::test
