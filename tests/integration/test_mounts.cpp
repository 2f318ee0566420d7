// The container's filesystem: root.readonly, rootfsPropagation, every OCI
// mount type and option, destinations that are symlinks in the image,
// maskedPaths, readonlyPaths, devices, /dev symlinks, names, sysctl and
// --no-pivot. Checked from inside the container (its /proc/self/mountinfo and
// what the kernel lets it do).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "moat_test.hpp"
#include "mountinfo.hpp"

namespace fs = std::filesystem;

namespace moat::test {
namespace {

// One /proc/self/mountinfo line, split into what the tests look at.
struct MountLine {
    std::string point, options, optional, fstype, source, super;
};

// The LAST mount at `point` in a mountinfo text (the one on top).
std::optional<MountLine> mount_at(const std::string& mountinfo, const std::string& point) {
    std::optional<MountLine> found;
    std::istringstream lines(mountinfo);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream f(line);
        std::vector<std::string> w;
        for (std::string x; f >> x;) w.push_back(x);
        if (w.size() < 10 || w[4] != point) continue;
        MountLine m;
        m.point = w[4];
        m.options = w[5];
        size_t i = 6;
        for (; i < w.size() && w[i] != "-"; ++i) m.optional += w[i] + " ";
        if (i + 3 >= w.size()) continue;
        m.fstype = w[i + 1];
        m.source = w[i + 2];
        m.super = w[i + 3];
        found = m;
    }
    return found;
}

bool has_option(const std::string& list, const std::string& option) {
    return contains("," + list + ",", "," + option + ",");
}

spec::Mount mount(std::string destination, std::string type, std::string source,
                  std::vector<std::string> options) {
    spec::Mount m;
    m.destination = std::move(destination);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

class Mounts : public MoatTest {
protected:
    RunResult audit(std::vector<std::string> args) {
        if (!policy_) {
            policy_.emplace("moat-policy");
            std::ofstream(*policy_ / "policy.json") << R"({"mode": "audit"})";
        }
        args.insert(args.begin(), {"--policy", *policy_ / "policy.json"});
        return moat(std::move(args));
    }

    // Run `sh -c script` in b under the audit policy; the part of the output
    // before the "--mountinfo--" marker and the container's mountinfo after.
    struct Output {
        RunResult r;
        std::string text, mountinfo;
    };
    Output run_in(Bundle& b, const std::string& script, bool audited = true) {
        b.spec().process.args = {"sh", "-c", script + "; echo --mountinfo--; cat /proc/self/mountinfo"};
        b.write();
        auto id = new_id();
        Output o;
        o.r = audited ? audit({"run", "--bundle", b.path(), id}) : moat({"run", "--bundle", b.path(), id});
        auto at = o.r.out.find("--mountinfo--\n");
        if (at != std::string::npos) {
            o.text = o.r.out.substr(0, at);
            o.mountinfo = o.r.out.substr(at + 14);
        } else {
            o.text = o.r.out;
        }
        EXPECT_TRUE(no_leaks(b, id));
        return o;
    }

    std::optional<TempDir> policy_;
};

TEST_F(Mounts, ReadonlyRootRefusesWrites) {
    Bundle b({.probe = true});
    b.spec().root.readonly = true;
    auto o = run_in(b, "moat-probe write /newfile");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_TRUE(contains(o.text, "write /newfile: EROFS")) << o.r;
    auto root = mount_at(o.mountinfo, "/");
    ASSERT_TRUE(root) << o.mountinfo;
    EXPECT_TRUE(has_option(root->options, "ro")) << root->options;
    EXPECT_FALSE(fs::exists(b.rootfs() + "/newfile"));
}

TEST_F(Mounts, WritableRootWhenNotReadonly) {
    // The counterpart: with root.readonly false (audit policy) the same write works.
    Bundle b({.probe = true});
    b.spec().root.readonly = false;
    auto o = run_in(b, "moat-probe write /newfile");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_TRUE(contains(o.text, "write /newfile: ok")) << o.r;
}

TEST_F(Mounts, RootfsPropagationShared) {
    Bundle b;
    b.spec().linux.rootfs_propagation = "shared";
    auto o = run_in(b, "true");
    ASSERT_EQ(o.r.status, 0) << o.r;
    auto root = mount_at(o.mountinfo, "/");
    ASSERT_TRUE(root) << o.mountinfo;
    EXPECT_TRUE(contains(root->optional, "shared:")) << "root mount: " << root->optional;
}

TEST_F(Mounts, RootfsPropagationPrivate) {
    Bundle b;
    b.spec().linux.rootfs_propagation = "private";
    auto o = run_in(b, "true");
    ASSERT_EQ(o.r.status, 0) << o.r;
    auto root = mount_at(o.mountinfo, "/");
    ASSERT_TRUE(root) << o.mountinfo;
    EXPECT_FALSE(contains(root->optional, "shared:")) << root->optional;
    EXPECT_FALSE(contains(root->optional, "master:")) << root->optional;
}

TEST_F(Mounts, BindDirectoryWithRoNosuidNoexecNodev) {
    TempDir src("moat-bind-src");
    fs::copy_file("/bin/busybox", src / "busybox");
    std::ofstream(src / "data") << "from-host\n";
    Bundle b;
    b.spec().mounts.push_back(mount("/mnt/d", "bind", src.path(), {"rbind", "ro", "nosuid", "noexec", "nodev"}));
    auto o = run_in(b,
                    "cat /mnt/d/data; touch /mnt/d/x 2>&1; /mnt/d/busybox true 2>&1; echo exec=$?");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_TRUE(contains(o.text, "from-host\n")) << o.r;
    EXPECT_TRUE(contains(o.text, "Read-only file system")) << o.r;
    EXPECT_TRUE(contains(o.text, "exec=126")) << "noexec did not block running a binary: " << o.r;
    EXPECT_FALSE(fs::exists(src / "x"));
    auto m = mount_at(o.mountinfo, "/mnt/d");
    ASSERT_TRUE(m) << o.mountinfo;
    for (auto opt : {"ro", "nosuid", "noexec", "nodev"})
        EXPECT_TRUE(has_option(m->options, opt)) << opt << " missing: " << m->options;
}

TEST_F(Mounts, BindDirectoryWritableByDefault) {
    TempDir src("moat-bind-src");
    Bundle b;
    b.spec().mounts.push_back(mount("/mnt/w", "bind", src.path(), {"rbind"}));
    auto o = run_in(b, "echo written > /mnt/w/out");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(slurp(src / "out"), "written\n");
}

TEST_F(Mounts, BindFileReadonly) {
    TempDir src("moat-bind-src");
    std::ofstream(src / "file.conf") << "host-file-content\n";
    Bundle b;
    b.spec().mounts.push_back(mount("/etc/app.conf", "bind", src / "file.conf", {"bind", "ro"}));
    auto o = run_in(b, "cat /etc/app.conf; echo changed >> /etc/app.conf 2>&1; echo append=$?");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_TRUE(contains(o.text, "host-file-content\n")) << o.r;
    EXPECT_FALSE(contains(o.text, "append=0")) << o.r;
    EXPECT_EQ(slurp(src / "file.conf"), "host-file-content\n");
    auto m = mount_at(o.mountinfo, "/etc/app.conf");
    ASSERT_TRUE(m) << o.mountinfo;
    EXPECT_TRUE(has_option(m->options, "ro")) << m->options;
    EXPECT_TRUE(fs::is_regular_file(b.rootfs() + "/etc/app.conf"))
        << "the destination should have been created as a file";
}

TEST_F(Mounts, TmpfsWithSizeAndMode) {
    Bundle b;
    b.spec().mounts.push_back(mount("/scratch", "tmpfs", "tmpfs", {"nosuid", "size=1m", "mode=0710"}));
    auto o = run_in(b, "stat -c %a /scratch");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text, "710\n") << o.r;
    auto m = mount_at(o.mountinfo, "/scratch");
    ASSERT_TRUE(m) << o.mountinfo;
    EXPECT_EQ(m->fstype, "tmpfs");
    EXPECT_TRUE(has_option(m->super, "size=1024k")) << m->super;
    EXPECT_TRUE(has_option(m->options, "nosuid")) << m->options;
}

TEST_F(Mounts, ProcShowsTheContainersProcesses) {
    Bundle b;
    auto o = run_in(b, "cat /proc/1/cmdline | head -c 2; echo");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text, "sh\n") << o.r;
    auto m = mount_at(o.mountinfo, "/proc");
    ASSERT_TRUE(m) << o.mountinfo;
    EXPECT_EQ(m->fstype, "proc");
}

TEST_F(Mounts, SysfsIsMountedReadonly) {
    Bundle b;
    auto o = run_in(b, "ls /sys/class/net");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text, "lo\n") << "sysfs should show the container's network namespace: " << o.r;
    auto m = mount_at(o.mountinfo, "/sys");
    ASSERT_TRUE(m) << o.mountinfo;
    EXPECT_EQ(m->fstype, "sysfs");
    EXPECT_TRUE(has_option(m->options, "ro")) << m->options;
}

TEST_F(Mounts, DevptsIsANewInstance) {
    Bundle b;
    auto o = run_in(b, "ls /dev/pts");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text, "ptmx\n") << "a new devpts instance holds no host ptys: " << o.r;
    auto m = mount_at(o.mountinfo, "/dev/pts");
    ASSERT_TRUE(m) << o.mountinfo;
    EXPECT_EQ(m->fstype, "devpts");
    EXPECT_TRUE(has_option(m->super, "ptmxmode=666")) << m->super;
}

TEST_F(Mounts, MqueueIsMounted) {
    Bundle b;
    auto o = run_in(b, "true");
    ASSERT_EQ(o.r.status, 0) << o.r;
    auto m = mount_at(o.mountinfo, "/dev/mqueue");
    ASSERT_TRUE(m) << o.mountinfo;
    EXPECT_EQ(m->fstype, "mqueue");
    EXPECT_TRUE(has_option(m->options, "nosuid") && has_option(m->options, "noexec") &&
                has_option(m->options, "nodev")) << m->options;
}

TEST_F(Mounts, CgroupMountShowsTheContainersCgroup) {
    Bundle b;
    spec::Namespace cg;
    cg.type = "cgroup";
    b.spec().linux.namespaces.push_back(cg);
    b.spec().mounts.push_back(mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "ro"}));
    auto o = run_in(b, "cat /proc/self/cgroup; ls /sys/fs/cgroup");
    ASSERT_EQ(o.r.status, 0) << o.r;
    // Inside its cgroup namespace, the container's cgroups are "/".
    EXPECT_TRUE(contains(o.text, ":memory:/\n")) << o.r;
    std::string top;
    bool any_cgroup = false;
    std::istringstream lines(o.mountinfo);
    for (std::string line; std::getline(lines, line);)
        if (contains(line, " /sys/fs/cgroup") && (contains(line, " - cgroup ") || contains(line, " - cgroup2 ")))
            any_cgroup = true;
    EXPECT_TRUE(any_cgroup) << o.mountinfo;
    if (fs::exists("/sys/fs/cgroup/memory")) {
        EXPECT_TRUE(contains(o.text, "memory")) << "no memory hierarchy in the container: " << o.r;
        auto m = mount_at(o.mountinfo, "/sys/fs/cgroup/memory");
        ASSERT_TRUE(m) << o.mountinfo;
        EXPECT_EQ(m->fstype, "cgroup");
        EXPECT_TRUE(has_option(m->options, "ro")) << m->options;
    }
}

TEST_F(Mounts, SymlinkDestinationStaysInsideTheRootfs) {
    // rootfs/evil -> /etc: a tmpfs "on /evil" must land on the rootfs's /etc,
    // never on the host's.
    Bundle b;
    fs::create_symlink("/etc", b.rootfs() + "/evil");
    b.spec().mounts.push_back(mount("/evil", "tmpfs", "tmpfs", {"size=1m"}));
    auto host_before = mount_points_under("/etc");
    auto host_etc = slurp("/etc/hostname") + slurp("/etc/passwd");
    auto o = run_in(b, "ls -A /etc | wc -l");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text, "0\n") << "the tmpfs should hide the image's /etc: " << o.r;
    auto m = mount_at(o.mountinfo, "/etc");
    ASSERT_TRUE(m) << o.mountinfo;
    EXPECT_EQ(m->fstype, "tmpfs");
    EXPECT_EQ(mount_points_under("/etc"), host_before) << "a mount appeared on the host's /etc";
    EXPECT_EQ(slurp("/etc/hostname") + slurp("/etc/passwd"), host_etc);
    EXPECT_TRUE(fs::exists(b.rootfs() + "/etc/passwd"));
}

TEST_F(Mounts, DanglingRelativeSymlinkDestinationStaysInside) {
    // rootfs/dangle -> ../../../../../../tmp/<name>, which does not exist
    // anywhere: whatever moat creates for the mount must be inside the rootfs.
    std::string name = "moat-dangle-" + std::to_string(::getpid());
    ASSERT_FALSE(fs::exists("/tmp/" + name));
    Bundle b;
    fs::create_symlink("../../../../../../../../tmp/" + name, b.rootfs() + "/dangle");
    b.spec().mounts.push_back(mount("/dangle", "tmpfs", "tmpfs", {"size=1m"}));
    auto o = run_in(b, "echo inside > /dangle/marker && cat /tmp/" + name + "/marker");
    bool created_on_host = fs::exists("/tmp/" + name);
    if (created_on_host) fs::remove_all("/tmp/" + name);
    EXPECT_FALSE(created_on_host) << "moat created /tmp/" << name << " on the host";
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text, "inside\n") << o.r;
    auto m = mount_at(o.mountinfo, "/tmp/" + name);
    ASSERT_TRUE(m) << o.mountinfo;
    EXPECT_EQ(m->fstype, "tmpfs");
}

TEST_F(Mounts, BindPropagationOption) {
    TempDir src("moat-bind-src");
    Bundle b;
    b.spec().mounts.push_back(mount("/mnt/shared", "bind", src.path(), {"rbind", "rshared"}));
    b.spec().mounts.push_back(mount("/mnt/private", "bind", src.path(), {"rbind", "rprivate"}));
    auto o = run_in(b, "true");
    ASSERT_EQ(o.r.status, 0) << o.r;
    auto shared = mount_at(o.mountinfo, "/mnt/shared");
    auto priv = mount_at(o.mountinfo, "/mnt/private");
    ASSERT_TRUE(shared && priv) << o.mountinfo;
    EXPECT_TRUE(contains(shared->optional, "shared:")) << "rshared: " << shared->optional;
    EXPECT_FALSE(contains(priv->optional, "shared:") || contains(priv->optional, "master:"))
        << "rprivate: " << priv->optional;
}

TEST_F(Mounts, MaskedPathsHideFilesAndDirectories) {
    Bundle b;
    b.write_file("/secret-dir/key", "top-secret\n");
    b.write_file("/secret-file", "top-secret\n");
    b.spec().linux.masked_paths = {"/proc/keys", "/secret-file", "/secret-dir", "/not-there"};
    auto o = run_in(b, "wc -c < /secret-file; wc -c < /proc/keys; ls -A /secret-dir | wc -l; "
                       "touch /secret-dir/x 2>&1; echo touch=$?");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_TRUE(contains(o.text, "0\n0\n0\n")) << o.r;
    EXPECT_FALSE(contains(o.text, "touch=0")) << "a masked directory must be read-only: " << o.r;
    EXPECT_TRUE(mount_at(o.mountinfo, "/proc/keys")) << "nothing mounted over /proc/keys: " << o.mountinfo;
    EXPECT_TRUE(mount_at(o.mountinfo, "/secret-file")) << o.mountinfo;
    auto dir = mount_at(o.mountinfo, "/secret-dir");
    ASSERT_TRUE(dir) << o.mountinfo;
    EXPECT_EQ(dir->fstype, "tmpfs");
    EXPECT_TRUE(has_option(dir->options, "ro")) << dir->options;
    EXPECT_EQ(slurp(b.rootfs() + "/secret-dir/key"), "top-secret\n");
    EXPECT_EQ(slurp(b.rootfs() + "/secret-file"), "top-secret\n");
}

TEST_F(Mounts, DefaultProfileMasksKernelFiles) {
    // Without any maskedPaths in the config, the hardened profile masks
    // /proc/kcore (absent on kernels without it), /proc/keys, /proc/timer_list.
    Bundle b;
    auto o = run_in(b, "(wc -c < /proc/kcore) 2>/dev/null || echo kcore-unreadable; wc -c < /proc/keys; "
                       "wc -c < /proc/timer_list", /*audited=*/false);
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_TRUE(o.text == "0\n0\n0\n" || o.text == "kcore-unreadable\n0\n0\n") << o.r;
    if (fs::exists("/proc/kcore")) EXPECT_TRUE(mount_at(o.mountinfo, "/proc/kcore")) << o.mountinfo;
    EXPECT_TRUE(mount_at(o.mountinfo, "/proc/keys")) << o.mountinfo;
    EXPECT_TRUE(mount_at(o.mountinfo, "/proc/timer_list")) << o.mountinfo;
}

TEST_F(Mounts, ReadonlyPathsRefuseWrites) {
    Bundle b;
    b.write_file("/data/ro/file", "x\n");
    b.write_file("/data/rw/file", "x\n");
    b.spec().linux.readonly_paths = {"/data/ro"};
    auto o = run_in(b, "touch /data/ro/new 2>&1; echo ro=$?; touch /data/rw/new; echo rw=$?");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_TRUE(contains(o.text, "Read-only file system")) << o.r;
    EXPECT_TRUE(contains(o.text, "rw=0")) << o.r;
    EXPECT_FALSE(fs::exists(b.rootfs() + "/data/ro/new"));
    auto m = mount_at(o.mountinfo, "/data/ro");
    ASSERT_TRUE(m) << o.mountinfo;
    EXPECT_TRUE(has_option(m->options, "ro")) << m->options;
}

TEST_F(Mounts, MaskedPathThatIsASymlinkIsRefused) {
    TempDir host("moat-host-file");
    std::ofstream(host / "precious") << "keep me\n";
    Bundle b;
    fs::create_symlink(host / "precious", b.rootfs() + "/masklink");
    b.spec().linux.masked_paths = {"/masklink"};
    b.spec().process.args = {"true"};
    b.write();
    auto id = new_id();
    auto r = audit({"run", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "masklink") && contains(r.err, "symlink")) << r;
    EXPECT_EQ(slurp(host / "precious"), "keep me\n");
    EXPECT_TRUE(fs::is_symlink(b.rootfs() + "/masklink"));
    EXPECT_TRUE(mountinfo_lines_mentioning(host.path()).empty());
    EXPECT_TRUE(no_leaks(b, id));
}

// runc refuses this too: procfs and sysfs go exactly where the config says,
// never where an image's symlink points.
TEST_F(Mounts, ProcAndSysThroughASymlinkAreRefused) {
    for (std::string dir : {"/proc", "/sys"}) {
        Bundle b;
        fs::remove_all(b.rootfs() + dir);
        fs::create_directories(b.rootfs() + "/elsewhere");
        fs::create_symlink("/elsewhere", b.rootfs() + dir);
        b.spec().process.args = {"true"};
        b.write();
        auto id = new_id();
        auto r = moat({"run", "--bundle", b.path(), id});
        EXPECT_EQ(r.status, 1) << r;
        EXPECT_TRUE(contains(r.err, dir + " is a symlink in the rootfs")) << r;
        EXPECT_TRUE(fs::is_empty(b.rootfs() + "/elsewhere")) << "nothing was mounted at the target";
        EXPECT_TRUE(no_leaks(b, id));
    }
}

TEST_F(Mounts, DevicesFromTheConfigAppear) {
    Bundle b;
    spec::Device d;
    d.type = "c";
    d.path = "/dev/mydev";
    d.major = 1;
    d.minor = 5;
    d.file_mode = 0620;
    d.uid = 0;
    d.gid = 5;
    b.spec().linux.devices = {d};
    auto o = run_in(b, "stat -c '%F %t:%T %a %g' /dev/mydev; head -c 4 /dev/mydev | wc -c");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text, "character special file 1:5 620 5\n4\n") << o.r;
}

TEST_F(Mounts, DefaultDevicesExist) {
    Bundle b;
    auto o = run_in(b, "for d in null zero full random urandom tty; do stat -c '%n %F %t:%T' /dev/$d; done; "
                       "echo x > /dev/null && echo null-ok");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text,
              "/dev/null character special file 1:3\n"
              "/dev/zero character special file 1:5\n"
              "/dev/full character special file 1:7\n"
              "/dev/random character special file 1:8\n"
              "/dev/urandom character special file 1:9\n"
              "/dev/tty character special file 5:0\n"
              "null-ok\n")
        << o.r;
}

TEST_F(Mounts, DevSymlinks) {
    Bundle b;
    auto o = run_in(b, "for l in fd stdin stdout stderr ptmx; do echo $l=$(readlink /dev/$l); done");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text,
              "fd=/proc/self/fd\nstdin=/proc/self/fd/0\nstdout=/proc/self/fd/1\n"
              "stderr=/proc/self/fd/2\nptmx=pts/ptmx\n")
        << o.r;
}

TEST_F(Mounts, HostnameAndDomainname) {
    Bundle b;
    b.spec().hostname = "box-one";
    b.spec().domainname = "moat.example";
    auto o = run_in(b, "hostname; cat /proc/sys/kernel/domainname");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text, "box-one\nmoat.example\n") << o.r;
}

TEST_F(Mounts, SysctlIsSetInTheContainersNamespace) {
    auto host_before = slurp("/proc/sys/net/ipv4/ip_forward");
    Bundle b;
    b.spec().linux.sysctl["net.ipv4.ip_forward"] = host_before == "1\n" ? "0" : "1";
    b.spec().linux.sysctl["kernel.shmmax"] = "123456789";
    auto o = run_in(b, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax");
    ASSERT_EQ(o.r.status, 0) << o.r;
    EXPECT_EQ(o.text, std::string(host_before == "1\n" ? "0" : "1") + "\n123456789\n") << o.r;
    EXPECT_EQ(slurp("/proc/sys/net/ipv4/ip_forward"), host_before) << "the host's sysctl changed";
    EXPECT_NE(slurp("/proc/sys/kernel/shmmax"), "123456789\n") << "the host's shmmax changed";
}

TEST_F(Mounts, NoPivotRunsInTheRootfs) {
    Bundle b;
    b.spec().process.args = {"sh", "-c", "cat /etc/passwd; ls /"};
    b.write();
    auto id = new_id();
    auto r = audit({"run", "--no-pivot", "--bundle", b.path(), id});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "nobody:x:65534:65534:nobody:/:/bin/false")) << r;
    EXPECT_TRUE(contains(r.out, "bin\n")) << r;
    EXPECT_FALSE(contains(r.out, "boot\n")) << "the host's / is visible: " << r;
    EXPECT_TRUE(no_leaks(b, id));
}

}  // namespace
}  // namespace moat::test
