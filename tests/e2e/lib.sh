# shellcheck shell=bash
# Shared helpers for the end-to-end suites (tests/e2e/*.sh), sourced, not run.
#
# Each suite starts its engine itself, in private state directories under one temporary
# directory, drives moat through it and prints one line per test on stdout:
#   "ok NAME", "not ok NAME: reason", "skip NAME: reason"   (see scripts/test).
# Everything the suite made (containers, images, daemons, directories) is removed by the
# EXIT trap, whatever happens. Diagnostics go to stderr.
#
# Environment: MOAT (the binary; default build/moat), E2E_KEEP=1 keeps the temporary
# directory for a post-mortem, E2E_VERBOSE=1 prints every command's output on stderr.

set -uo pipefail

E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MOAT=${MOAT:-$E2E_REPO/build/moat}
[[ $MOAT == /* ]] || MOAT=$PWD/$MOAT
E2E_SUITE=${E2E_SUITE:-$(basename "$0" .sh)}
E2E_PASSED=0 E2E_FAILED=0 E2E_SKIPPED=0
E2E_CLEANUPS=()

E2E_TMP=$(mktemp -d "/tmp/moat-e2e-$E2E_SUITE.XXXXXX")
chmod 755 "$E2E_TMP"   # the engines' own users (containerd shims, conmon) walk into it

log() { echo "# $*" >&2; }

ok()     { echo "ok $E2E_SUITE/$1"; E2E_PASSED=$((E2E_PASSED + 1)); }
not_ok() { local n=$1; shift; echo "not ok $E2E_SUITE/$n: $(oneline "$*")"; E2E_FAILED=$((E2E_FAILED + 1)); }
skip()   { local n=$1; shift; echo "skip $E2E_SUITE/$n: $(oneline "$*")"; E2E_SKIPPED=$((E2E_SKIPPED + 1)); }

# oneline TEXT: squeeze a (possibly multi-line) message onto one result line, capped.
oneline() { tr '\n\t' '  ' <<<"$*" | sed 's/  */ /g; s/ $//' | cut -c1-600; }

# skip_all REASON NAME...: the suite cannot run; every planned test says why.
skip_all() {
    local reason=$1 n
    shift
    for n in "$@"; do skip "$n" "$reason"; done
}

# on_exit CMD...: run CMD (a string, eval'd) at exit, last registered first.
on_exit() { E2E_CLEANUPS+=("$*"); }

e2e_cleanup() {
    local i
    for ((i = ${#E2E_CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${E2E_CLEANUPS[i]}" >/dev/null 2>&1 || true
    done
    if [[ ${E2E_KEEP:-0} == 1 ]]; then
        log "kept $E2E_TMP"
    else
        rm -rf "$E2E_TMP" 2>/dev/null || true
    fi
    log "$E2E_SUITE: $E2E_PASSED passed, $E2E_FAILED failed, $E2E_SKIPPED skipped"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM

# capture VAR CMD...: run CMD with a timeout (E2E_TIMEOUT, default 60 s), stdout+stderr
# into $VAR, and return its status.
capture() {
    local __var=$1 __out __st=0
    shift
    # An executable, not a shell function: timeout(1) runs programs.
    __out=$(timeout --kill-after=5 "${E2E_TIMEOUT:-60}" "$@" 2>&1 </dev/null) || __st=$?
    printf -v "$__var" '%s' "$__out"
    [[ ${E2E_VERBOSE:-0} == 1 ]] && log "\$ $* -> $__st: $__out"
    return $__st
}

# wait_until SECONDS CMD...: poll CMD (every 0.2 s) until it succeeds; status 1 on timeout.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS >= deadline)) && return 1
        sleep 0.2
    done
}

# need_moat NAME...: skip every NAME and exit unless the moat binary is there.
need_moat() {
    if [[ ! -x $MOAT ]]; then
        skip_all "moat binary not found at $MOAT (build it first: scripts/build)" "$@"
        exit 0
    fi
}

# need_commands PKG-HINT CMD...: true if every CMD is on PATH; otherwise tries
# scripts/install-deps --engines once (as root, with apt-get) and checks again.
need_commands() {
    local c missing=()
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "missing ${missing[*]}; trying scripts/install-deps --engines"
    "$E2E_REPO/scripts/install-deps" --engines >&2 || return 1
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 || return 1; done
}

# make_rootfs_tar FILE: a busybox root filesystem (static busybox, its applets as
# symlinks, /etc/passwd and /etc/group) as a tarball for the engines' "import".
make_rootfs_tar() {
    local out=$1 dir
    dir=$(mktemp -d "$E2E_TMP/rootfs.XXXXXX")
    local bb
    bb=$(command -v busybox) || return 1
    mkdir -p "$dir"/{bin,sbin,etc,tmp,proc,sys,dev,root,usr/bin,usr/sbin,var/tmp}
    cp "$bb" "$dir/bin/busybox"
    local applet
    for applet in $("$dir/bin/busybox" --list); do
        [[ $applet == busybox ]] && continue
        ln -sf busybox "$dir/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
    chmod 1777 "$dir/tmp" "$dir/var/tmp"
    tar -C "$dir" -cf "$out" . && rm -rf "$dir"
}

# proc_status_field TEXT FIELD: the value of "FIELD:\tvalue" in /proc/self/status text.
proc_status_field() { awk -v f="$2:" '$1 == f { print $2; exit }' <<<"$1"; }

# tail_file FILE [N]: the last N (default 15) lines of FILE, for a skip or failure reason.
tail_file() { tail -n "${2:-15}" "$1" 2>/dev/null | tr '\n' ' ' | cut -c1-500; }

# cgroup_v1_file CONTROLLER PID FILE: the path of FILE in PID's v1 cgroup of CONTROLLER.
cgroup_v1_file() {
    local ctl=$1 pid=$2 file=$3 rel
    rel=$(awk -F: -v c="$ctl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")
    [[ -n $rel ]] || return 1
    echo "/sys/fs/cgroup/$ctl$rel/$file"
}

# cgroup_value CONTROLLER PID V1FILE V2FILE: the value of a cgroup file for PID, on v1
# (/sys/fs/cgroup/CONTROLLER) or, if that controller is not on v1, on the v2 hierarchy.
cgroup_value() {
    local ctl=$1 pid=$2 f1=$3 f2=$4 path rel
    if path=$(cgroup_v1_file "$ctl" "$pid" "$f1") && [[ -r $path ]]; then
        cat "$path"
        return
    fi
    rel=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
    for path in "/sys/fs/cgroup$rel/$f2" "/sys/fs/cgroup/unified$rel/$f2"; do
        [[ -r $path ]] && { cat "$path"; return; }
    done
    return 1
}

# make_oci_archive LAYER_TAR OUT_TAR NAME [CMD_JSON]: a one-layer OCI image layout archive
# of LAYER_TAR (uncompressed), named NAME for `ctr images import` (no registry, no docker);
# CMD_JSON is the image's Cmd (default ["sh"]).
make_oci_archive() {
    local layer=$1 out=$2 name=$3 cmd=${4:-'["sh"]'} d lsha lsize csha csize msha msize
    d=$(mktemp -d "$E2E_TMP/oci.XXXXXX")
    mkdir -p "$d/blobs/sha256"
    lsha=$(sha256sum "$layer" | cut -d' ' -f1)
    lsize=$(stat -c %s "$layer")
    cp "$layer" "$d/blobs/sha256/$lsha"
    printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
        "$cmd" "$lsha" >"$d/config"
    csha=$(sha256sum "$d/config" | cut -d' ' -f1)
    csize=$(stat -c %s "$d/config")
    mv "$d/config" "$d/blobs/sha256/$csha"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
        "$csha" "$csize" "$lsha" "$lsize" >"$d/manifest"
    msha=$(sha256sum "$d/manifest" | cut -d' ' -f1)
    msize=$(stat -c %s "$d/manifest")
    mv "$d/manifest" "$d/blobs/sha256/$msha"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"latest"}}]}' \
        "$msha" "$msize" "$name" >"$d/index.json"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
    tar -C "$d" -cf "$out" oci-layout index.json blobs && rm -rf "$d"
}
