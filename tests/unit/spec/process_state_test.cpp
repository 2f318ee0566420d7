// process.json (exec --process) and state.json (state, the state store).
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "moat/spec.hpp"

namespace moat::spec {
namespace {

// ---- process.json ----

TEST(ParseProcess, AsDockerWritesIt) {
    auto p = parse_process(test::read_fixture("process.json"));
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_TRUE(p->terminal);
    EXPECT_EQ(p->console_size, (ConsoleSize{40, 120}));
    EXPECT_EQ(p->user.uid, 33u);
    EXPECT_EQ(p->user.additional_gids, std::vector<uint32_t>{33});
    EXPECT_EQ(p->args, (std::vector<std::string>{"/bin/sh", "-c", "ls -l /"}));
    EXPECT_EQ(p->cwd, "/var/www");
    ASSERT_TRUE(p->capabilities);
    EXPECT_TRUE(p->capabilities->ambient.empty());
    EXPECT_EQ(p->capabilities->effective, std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
    EXPECT_TRUE(p->no_new_privileges);
    EXPECT_EQ(p->apparmor_profile, "docker-default");
    EXPECT_EQ(p->oom_score_adj, 0);
}

TEST(ParseProcess, RoundTrip) {
    auto p = parse_process(test::read_fixture("process.json"));
    ASSERT_TRUE(p) << p.error().message;
    for (bool pretty : {true, false}) {
        auto again = parse_process(to_json(*p, pretty));
        ASSERT_TRUE(again) << again.error().message;
        EXPECT_EQ(*again, *p);
    }
    EXPECT_EQ(test::canonical(to_json(*p)), test::canonical(test::read_fixture("process.json")));
}

TEST(ParseProcess, PathsAreRelativeToTheDocument) {
    auto p = parse_process(R"({"args": ["sh"], "user": {"uid": "root"}})");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message, "user.uid: expected integer, got string");
}

TEST(ParseProcess, EmptyArgs) {
    auto p = parse_process(R"({"args": [], "cwd": "/"})");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message, "args: must not be empty");
}

TEST(ParseProcess, MissingArgs) {
    auto p = parse_process(R"({"cwd": "/"})");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message, "args: required");
}

TEST(ParseProcess, InvalidJsonIsNamedProcessJson) {
    auto p = parse_process("{");
    ASSERT_FALSE(p);
    EXPECT_TRUE(p.error().message.starts_with("process.json: invalid JSON: ")) << p.error().message;
}

TEST(ParseProcess, NotAnObject) {
    auto p = parse_process(R"(["sh"])");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message, "expected object, got array");
}

TEST(ParseProcess, UnknownMembersKept) {
    auto p = parse_process(R"({"args": ["sh"], "execCPUAffinity": {"initial": "0"}})");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->extensions.at("execCPUAffinity"), R"({"initial":"0"})");
    EXPECT_NE(to_json(*p, false).find(R"("execCPUAffinity":{"initial":"0"})"), std::string::npos);
}

TEST(ProcessToJson, CompactForm) {
    Process p;
    p.args = {"echo", "hi"};
    p.env = {"A=1"};
    p.user.uid = 1000;
    p.rlimits = {{"RLIMIT_NOFILE", 1024, 512}};
    p.oom_score_adj = 1000;
    EXPECT_EQ(to_json(p, false),
              R"({"user":{"uid":1000,"gid":0},"args":["echo","hi"],"env":["A=1"],)"
              R"("cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","hard":1024,"soft":512}],)"
              R"("oomScoreAdj":1000})");
}

// ---- state.json ----

TEST(ParseState, Running) {
    auto s = parse_state(test::read_fixture("state.json"));
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->oci_version, "1.0.2");
    EXPECT_EQ(s->id, "sandbox-1");
    EXPECT_EQ(s->status, "running");
    EXPECT_EQ(s->pid, 4242);
    EXPECT_EQ(s->bundle, "/run/bundles/sandbox-1");
    EXPECT_EQ(s->annotations.at("run.moat.timeout"), "30");
}

TEST(ParseState, RoundTrip) {
    auto s = parse_state(test::read_fixture("state.json"));
    ASSERT_TRUE(s) << s.error().message;
    for (bool pretty : {true, false}) {
        auto again = parse_state(to_json(*s, pretty));
        ASSERT_TRUE(again) << again.error().message;
        EXPECT_EQ(*again, *s);
    }
    EXPECT_EQ(test::canonical(to_json(*s)), test::canonical(test::read_fixture("state.json")));
}

TEST(StateToJson, CompactByDefault) {
    State s;
    s.id = "c1";
    s.status = "stopped";
    s.bundle = "/b";
    EXPECT_EQ(to_json(s), R"({"ociVersion":"1.0.2","id":"c1","status":"stopped","pid":0,"bundle":"/b"})");
}

TEST(ParseState, StoppedWithoutPid) {
    auto s = parse_state(R"({"ociVersion": "1.0.2", "id": "x", "status": "stopped", "bundle": "/b"})");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->pid, 0);
}

TEST(ParseState, Errors) {
    struct {
        const char* text;
        const char* message;
    } cases[] = {
        {R"({"id": "x", "status": "running", "bundle": "/b"})", "ociVersion: required"},
        {R"({"ociVersion": "1", "status": "running", "bundle": "/b"})", "id: required"},
        {R"({"ociVersion": "1", "id": "x", "bundle": "/b"})", "status: required"},
        {R"({"ociVersion": "1", "id": "x", "status": "running"})", "bundle: required"},
        {R"({"ociVersion": "1", "id": "x", "status": "dead", "bundle": "/b"})",
         "status: \"dead\" is not one of creating created running stopped paused"},
        {R"({"ociVersion": "1", "id": "x", "status": "running", "pid": -5, "bundle": "/b"})",
         "pid: -5 is not a process id"},
        {R"({"ociVersion": "1", "id": "x", "status": "running", "pid": "5", "bundle": "/b"})",
         "pid: expected integer, got string"},
        {R"({"ociVersion": "1", "id": 7, "status": "running", "bundle": "/b"})",
         "id: expected string, got integer"},
        {R"({"ociVersion": "1", "id": "x", "status": "running", "bundle": "/b", "annotations": []})",
         "annotations: expected object, got array"},
    };
    for (auto& c : cases) {
        auto s = parse_state(c.text);
        ASSERT_FALSE(s) << c.text;
        EXPECT_EQ(s.error().message, c.message) << c.text;
    }
}

}  // namespace
}  // namespace moat::spec
