#!/usr/bin/env bash
# End-to-end: Debian's podman (with conmon) running containers with `--runtime moat`.
# Private storage (--root, --runroot, --tmpdir under a temporary directory), cgroupfs,
# file events, --network none. Root here lacks CAP_SYS_RESOURCE, so Podman's default
# nofile=1048576 fails with every runtime: the ulimits are pinned to 1024.
# shellcheck source=tests/e2e/lib.sh disable=SC2154  # capture() assigns its variable by name
source "$(dirname "$0")/lib.sh"

TESTS=(run-echo exit-code run-tty entrypoint-missing profile-readonly-root profile-only-lo
       profile-no-caps profile-seccomp profile-no-new-privs run-detached exec exec-exit-code
       exec-tty pause-unpause stop-term stop-kill kill rm-force refuse-root-bind no-leftovers)
need_moat "${TESTS[@]}"
if ! need_commands podman conmon; then
    skip_all "podman is not installed and scripts/install-deps --engines could not install it" "${TESTS[@]}"
    exit 0
fi

PD=$E2E_TMP/podman
mkdir -p "$PD/root" "$PD/run" "$PD/tmp"
IMG=localhost/moat-e2e-busybox:latest
PODMAN=(podman --root "$PD/root" --runroot "$PD/run" --tmpdir "$PD/tmp" --runtime "$MOAT"
        --cgroup-manager cgroupfs --events-backend file --storage-driver overlay)
podman_() { "${PODMAN[@]}" "$@"; }
RUN=(run --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

cleanup_podman() {
    timeout 60 "${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1
    timeout 30 "${PODMAN[@]}" rmi -af >/dev/null 2>&1
    awk -v t="$PD" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m"; done
}
on_exit cleanup_podman

if ! make_rootfs_tar "$E2E_TMP/rootfs.tar" || ! capture out "${PODMAN[@]}" import "$E2E_TMP/rootfs.tar" "$IMG"; then
    skip_all "podman import failed: ${out:-no busybox}" "${TESTS[@]}"
    exit 0
fi

if capture out "${PODMAN[@]}" "${RUN[@]}" --rm "$IMG" echo hi && [[ $out == hi ]]; then ok run-echo
else not_ok run-echo "podman run printed: $out"; fi

st=0; capture out "${PODMAN[@]}" "${RUN[@]}" --rm "$IMG" sh -c 'exit 3' || st=$?
[[ $st == 3 ]] && ok exit-code || not_ok exit-code "status $st, want 3: $out"

if capture out "${PODMAN[@]}" "${RUN[@]}" --rm -t "$IMG" tty && [[ $out == /dev/pts/* ]]; then ok run-tty
else not_ok run-tty "podman run -t: $out"; fi

st=0; capture out "${PODMAN[@]}" "${RUN[@]}" --rm "$IMG" /no/such/entrypoint || st=$?
if [[ $st == 127 && $out == *"no such file or directory"* ]]; then ok entrypoint-missing
else not_ok entrypoint-missing "status $st (want 127): $out"; fi

probe='touch /probe 2>/dev/null && echo rootfs=rw || echo rootfs=ro; echo nets=$(ls /sys/class/net); cat /proc/self/status'
if capture out "${PODMAN[@]}" "${RUN[@]}" --rm "$IMG" sh -c "$probe"; then
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
        not_ok "$t" "podman run of the probe failed: $out"
    done
fi

if capture cid "${PODMAN[@]}" "${RUN[@]}" -d "$IMG" sleep 300 &&
    capture state "${PODMAN[@]}" inspect -f '{{.State.Status}} {{.State.Pid}}' "$cid" && [[ $state == running* ]]; then
    ok run-detached
    pid=${state#running }
    if capture out "${PODMAN[@]}" exec "$cid" echo in-exec && [[ $out == in-exec ]]; then ok exec
    else not_ok exec "podman exec: $out"; fi
    st=0; capture out "${PODMAN[@]}" exec "$cid" sh -c 'exit 4' || st=$?
    [[ $st == 4 ]] && ok exec-exit-code || not_ok exec-exit-code "status $st, want 4: $out"
    if capture out "${PODMAN[@]}" exec -t "$cid" tty && [[ $out == /dev/pts/* ]]; then ok exec-tty
    else not_ok exec-tty "podman exec -t: $out"; fi
    if capture out "${PODMAN[@]}" pause "$cid" && capture s1 "${PODMAN[@]}" inspect -f '{{.State.Status}}' "$cid" &&
        capture out "${PODMAN[@]}" unpause "$cid" && capture s2 "${PODMAN[@]}" inspect -f '{{.State.Status}}' "$cid" &&
        [[ $s1 == paused && $s2 == running ]]; then ok pause-unpause
    else not_ok pause-unpause "after pause ${s1:-?}, after unpause ${s2:-?}: $out"; fi
    if capture out "${PODMAN[@]}" rm -f "$cid" && ! podman_ container exists "$cid"; then
        if kill -0 "$pid" 2>/dev/null; then not_ok rm-force "process $pid still alive"
        elif [[ -d /sys/fs/cgroup/memory/libpod_parent/libpod-$cid ]]; then not_ok rm-force "cgroup left behind"
        else ok rm-force; fi
    else not_ok rm-force "podman rm -f: $out"; fi
else
    not_ok run-detached "podman run -d: ${cid:-} ${state:-}"
    for t in exec exec-exit-code exec-tty pause-unpause rm-force; do skip "$t" "no running container (run-detached failed)"; done
fi

if capture cid "${PODMAN[@]}" "${RUN[@]}" -d "$IMG" sh -c 'trap "exit 7" TERM; while :; do sleep 0.2; done'; then
    sleep 1
    t0=$SECONDS
    capture out "${PODMAN[@]}" stop -t 20 "$cid"
    took=$((SECONDS - t0))
    capture code "${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$cid"
    [[ $code == 7 && $took -lt 15 ]] && ok stop-term || not_ok stop-term "exit code $code (want 7) after ${took}s: $out"
    podman_ rm -f "$cid" >/dev/null 2>&1
else not_ok stop-term "podman run -d: $cid"; fi

if capture cid "${PODMAN[@]}" "${RUN[@]}" -d "$IMG" sh -c 'trap "" TERM; while :; do sleep 0.2; done'; then
    sleep 1
    t0=$SECONDS
    capture out "${PODMAN[@]}" stop -t 2 "$cid"
    took=$((SECONDS - t0))
    capture code "${PODMAN[@]}" inspect -f '{{.State.ExitCode}} {{.State.Status}}' "$cid"
    [[ $code == "137 exited" && $took -ge 2 ]] && ok stop-kill ||
        not_ok stop-kill "after ${took}s: $code (want 137 exited): $out"
    podman_ rm -f "$cid" >/dev/null 2>&1
else not_ok stop-kill "podman run -d: $cid"; fi

if capture cid "${PODMAN[@]}" "${RUN[@]}" -d "$IMG" sleep 300 && capture out "${PODMAN[@]}" kill "$cid" &&
    wait_until 10 sh -c "[ \"\$(${PODMAN[*]} inspect -f '{{.State.Status}}' $cid)\" = exited ]" &&
    capture code "${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$cid" && [[ $code == 137 ]]; then ok kill
else not_ok kill "podman kill: ${out:-} exit code ${code:-?} (want 137)"; fi
podman_ rm -f "$cid" >/dev/null 2>&1

st=0; capture out "${PODMAN[@]}" "${RUN[@]}" --rm --privileged -v /:/host "$IMG" true || st=$?
if [[ $st != 0 && $out == *"protected host directory"* ]]; then ok refuse-root-bind
else not_ok refuse-root-bind "status $st, want a failure naming the reason: $out"; fi

sleep 1
leftovers=$(podman_ ps -aq)
leftovers+=$(awk -v t="$PD/root/overlay" 'index($5, t) == 1 { print " mount:" $5 }' /proc/self/mountinfo)
leftovers=$(echo $leftovers)
[[ -z $leftovers ]] && ok no-leftovers || not_ok no-leftovers "left behind: $leftovers"
