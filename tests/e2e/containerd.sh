#!/usr/bin/env bash
# End-to-end: containerd alone, `ctr run --runc-binary moat` (the io.containerd.runc.v2
# shim path). A private containerd (root, state, sockets under a temporary directory, the
# CRI plugin off), an OCI archive of a busybox rootfs made here and `ctr images import`ed.
# shellcheck source=tests/e2e/lib.sh disable=SC2154  # capture() assigns its variable by name
source "$(dirname "$0")/lib.sh"

TESTS=(run-echo exit-code run-tty profile-readonly-root profile-only-lo profile-no-caps
       profile-seccomp profile-no-new-privs run-detached exec exec-exit-code pause-resume kill
       delete refuse-root-bind no-leftovers)
need_moat "${TESTS[@]}"
if ! need_commands containerd ctr containerd-shim-runc-v2; then
    skip_all "containerd is not installed and scripts/install-deps --engines could not install it" "${TESTS[@]}"
    exit 0
fi

CD=$E2E_TMP/containerd
mkdir -p "$CD"
cat >"$CD/config.toml" <<TOML
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CD/opt"
TOML
containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
CONTAINERD_PID=$!
CTR=(ctr --address "$CD/containerd.sock")
IMG=docker.io/library/moat-e2e-busybox:latest
RUN=(run --runc-binary "$MOAT")
PREFIX=moat-e2e-$$

stop_containerd() {
    local t
    for t in $(timeout 20 "${CTR[@]}" task ls -q 2>/dev/null); do
        timeout 20 "${CTR[@]}" task kill -s KILL "$t"
        timeout 20 "${CTR[@]}" task delete -f "$t"
    done
    for t in $(timeout 20 "${CTR[@]}" container ls -q 2>/dev/null); do timeout 20 "${CTR[@]}" container delete "$t"; done
    timeout 20 "${CTR[@]}" images rm "$IMG"
    kill -TERM "$CONTAINERD_PID"
    for ((t = 0; t < 100; t++)); do kill -0 "$CONTAINERD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$CONTAINERD_PID" 2>/dev/null
    wait "$CONTAINERD_PID" 2>/dev/null
    awk -v t="$CD" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m"; done
}
on_exit stop_containerd

if ! wait_until 60 "${CTR[@]}" version; then
    skip_all "containerd did not start in 60 s: $(tail_file "$CD/containerd.log" 8)" "${TESTS[@]}"
    exit 0
fi
if ! make_rootfs_tar "$E2E_TMP/rootfs.tar" || ! make_oci_archive "$E2E_TMP/rootfs.tar" "$E2E_TMP/image.tar" "$IMG" ||
    ! capture out "${CTR[@]}" images import "$E2E_TMP/image.tar"; then
    skip_all "ctr images import failed: ${out:-could not build the archive}" "${TESTS[@]}"
    exit 0
fi

if capture out "${CTR[@]}" "${RUN[@]}" --rm "$IMG" "$PREFIX-echo" echo hi && [[ $out == hi ]]; then ok run-echo
else not_ok run-echo "ctr run printed: $out"; fi

st=0; capture out "${CTR[@]}" "${RUN[@]}" --rm "$IMG" "$PREFIX-exit" sh -c 'exit 3' || st=$?
[[ $st == 3 ]] && ok exit-code || not_ok exit-code "status $st, want 3: $out"

# ctr -t wants a terminal on its own stdin: script(1) gives it one.
if command -v script >/dev/null; then
    if capture out script -qec "${CTR[*]} ${RUN[*]} --rm -t $IMG $PREFIX-tty tty" /dev/null && [[ $out == *"/dev/pts/"* ]]; then
        ok run-tty
    else not_ok run-tty "ctr run -t (under script): $out"; fi
else skip run-tty "script(1) (bsdutils) is not installed, and ctr -t needs a terminal"; fi

probe='touch /probe 2>/dev/null && echo rootfs=rw || echo rootfs=ro; echo nets=$(ls /sys/class/net); cat /proc/self/status'
if capture out "${CTR[@]}" "${RUN[@]}" --rm "$IMG" "$PREFIX-probe" sh -c "$probe"; then
    [[ $out == *rootfs=ro* ]] && ok profile-readonly-root || not_ok profile-readonly-root "touch / succeeded"
    nets=$(sed -n 's/^nets=//p' <<<"$out")
    [[ $nets == lo ]] && ok profile-only-lo || not_ok profile-only-lo "interfaces: $nets"
    v=$(proc_status_field "$out" CapEff)
    [[ $v == 0000000000000000 ]] && ok profile-no-caps || not_ok profile-no-caps "CapEff $v"
    v=$(proc_status_field "$out" Seccomp)
    [[ $v == 2 ]] && ok profile-seccomp || not_ok profile-seccomp "Seccomp $v"
    v=$(proc_status_field "$out" NoNewPrivs)
    [[ $v == 1 ]] && ok profile-no-new-privs || not_ok profile-no-new-privs "NoNewPrivs $v"
else
    for t in profile-readonly-root profile-only-lo profile-no-caps profile-seccomp profile-no-new-privs; do
        not_ok "$t" "ctr run of the probe failed: $out"
    done
fi

task_status() { "${CTR[@]}" task ls 2>/dev/null | awk -v t="$1" '$1 == t { print $3 }'; }
c=$PREFIX-long
if capture out "${CTR[@]}" "${RUN[@]}" -d "$IMG" "$c" sleep 300 && wait_until 10 sh -c "[ \"\$(${CTR[*]} task ls | awk '\$1 == \"$c\" { print \$3 }')\" = RUNNING ]"; then
    ok run-detached
    pid=$("${CTR[@]}" task ls | awk -v t="$c" '$1 == t { print $2 }')
    if capture out "${CTR[@]}" task exec --exec-id e1 "$c" echo in-exec && [[ $out == in-exec ]]; then ok exec
    else not_ok exec "ctr task exec: $out"; fi
    st=0; capture out "${CTR[@]}" task exec --exec-id e2 "$c" sh -c 'exit 4' || st=$?
    [[ $st == 4 ]] && ok exec-exit-code || not_ok exec-exit-code "status $st, want 4: $out"
    if capture out "${CTR[@]}" task pause "$c" && s1=$(task_status "$c") &&
        capture out "${CTR[@]}" task resume "$c" && s2=$(task_status "$c") && [[ $s1 == PAUSED && $s2 == RUNNING ]]; then
        ok pause-resume
    else not_ok pause-resume "after pause ${s1:-?}, after resume ${s2:-?}: $out"; fi
    if capture out "${CTR[@]}" task kill -s KILL "$c" && wait_until 10 sh -c "[ \"\$(${CTR[*]} task ls | awk '\$1 == \"$c\" { print \$3 }')\" = STOPPED ]"; then
        ok kill
    else not_ok kill "ctr task kill: $out; status $(task_status "$c")"; fi
    if capture out "${CTR[@]}" task delete "$c" && capture out2 "${CTR[@]}" container delete "$c"; then
        left=$(awk -v id="$c" 'index($0, id)' /proc/self/mountinfo | head -3)
        if kill -0 "$pid" 2>/dev/null; then not_ok delete "process $pid still alive"
        elif [[ -n $left ]]; then not_ok delete "mounts left: $left"
        else ok delete; fi
    else not_ok delete "ctr task/container delete: $out ${out2:-}"; fi
else
    not_ok run-detached "ctr run -d: $out"
    for t in exec exec-exit-code pause-resume kill delete; do skip "$t" "no running task (run-detached failed)"; done
fi

st=0; capture out "${CTR[@]}" "${RUN[@]}" --rm --mount type=bind,src=/,dst=/host,options=rbind:ro "$IMG" "$PREFIX-refuse" true || st=$?
if [[ $st != 0 && $out == *"protected host directory"* ]]; then ok refuse-root-bind
else not_ok refuse-root-bind "status $st, want a failure naming the reason: $out"; fi
"${CTR[@]}" container delete "$PREFIX-refuse" >/dev/null 2>&1

leftovers=$("${CTR[@]}" task ls -q; "${CTR[@]}" container ls -q)
leftovers+=$(awk -v t="$CD/state" 'index($5, t) == 1 { print " mount:" $5 }' /proc/self/mountinfo)
for cg in memory pids; do
    [[ -d /sys/fs/cgroup/$cg/default ]] && leftovers+=$(find /sys/fs/cgroup/$cg/default -mindepth 1 -maxdepth 1 -type d -name "$PREFIX-*" -printf " $cg:%f")
done
leftovers=$(echo $leftovers)
[[ -z $leftovers ]] && ok no-leftovers || not_ok no-leftovers "left behind: $leftovers"
