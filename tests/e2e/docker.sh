#!/usr/bin/env bash
# End-to-end: Debian's docker.io running containers with `--runtime moat`.
# Starts a private dockerd (its own data-root, exec-root and socket under a temporary
# directory, --iptables=false --bridge=none), registers moat in its daemon.json, imports
# a busybox image, drives docker through run/exec/stop/kill/pause/update/stats/rm -f,
# checks the hardened profile from inside and the refusal path, then removes it all.
# shellcheck source=tests/e2e/lib.sh disable=SC2154  # capture() assigns its variable by name
source "$(dirname "$0")/lib.sh"

TESTS=(run-echo exit-code run-tty entrypoint-missing profile-readonly-root profile-only-lo
       profile-no-caps profile-seccomp profile-no-new-privs run-detached cgroup-memory
       cgroup-pids cgroup-cpus exec exec-exit-code exec-tty pause-unpause update-memory stats
       stop-term stop-kill kill rm-force refuse-root-bind refuse-etc-bind refuse-run-bind
       refuse-engine-socket egress-allowed egress-other-port egress-other-address
       egress-receipt no-leftovers)
need_moat "${TESTS[@]}"
if ! need_commands dockerd containerd docker; then
    skip_all "docker.io is not installed and scripts/install-deps --engines could not install it" "${TESTS[@]}"
    exit 0
fi
# The docker CLI that came with dockerd (another one on PATH may be newer than the daemon).
DOCKER_CLI=${DOCKER_CLI:-$( [[ -x /usr/bin/docker ]] && echo /usr/bin/docker || command -v docker )}

DD=$E2E_TMP/docker
mkdir -p "$DD/data" "$DD/exec"
export DOCKER_HOST=unix://$DD/docker.sock
# moat-egress: the same binary under a policy with an egress allowlist (issue 10).
printf '{"runtimes": {"moat": {"path": "%s"}, "moat-egress": {"path": "%s", "runtimeArgs": ["--policy", "%s"]}}}\n' \
    "$MOAT" "$MOAT" "$DD/egress-policy.json" >"$DD/daemon.json"
# A user-defined bridge network made by the test, on this machine only: the
# listener at .10, the allowlist names its port 8080 alone.
NET=moat-e2e-$$
SUBNET=10.232.$(($$ % 200)).0/24
NET_PREFIX=${SUBNET%.0/24}
printf '{"network": {"mode": "allowlist", "allow": ["%s.10/32:8080/tcp"]}, "receipts": "%s"}\n' \
    "$NET_PREFIX" "$DD/receipts" >"$DD/egress-policy.json"
IMG=moat-e2e-busybox:latest
# A cgroup parent of our own: a host dockerd's containers (under /docker) are not ours to count.
CGP=moat-e2e-$$
dockerd --iptables=false --ip-masq=false --bridge=none --data-root "$DD/data" --exec-root "$DD/exec" \
    --pidfile "$DD/dockerd.pid" -H "$DOCKER_HOST" --config-file "$DD/daemon.json" \
    >"$DD/dockerd.log" 2>&1 &
DOCKERD_PID=$!

stop_dockerd() {
    local ids
    ids=$(timeout 30 "$DOCKER_CLI" ps -aq 2>/dev/null)
    [[ -n $ids ]] && timeout 60 "$DOCKER_CLI" rm -f $ids >/dev/null 2>&1
    timeout 30 "$DOCKER_CLI" network rm "$NET" >/dev/null 2>&1
    timeout 30 "$DOCKER_CLI" rmi -f "$IMG" >/dev/null 2>&1
    kill -TERM "$DOCKERD_PID" 2>/dev/null
    local i
    for ((i = 0; i < 150; i++)); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$DOCKERD_PID" 2>/dev/null
    wait "$DOCKERD_PID" 2>/dev/null
    # Whatever dockerd left mounted under its private roots (overlays, netns, shm).
    awk -v t="$DD" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m"; done
    for m in /sys/fs/cgroup/*/"$CGP" /sys/fs/cgroup/unified/"$CGP"; do [[ -d $m ]] && rmdir "$m"; done
}
on_exit stop_dockerd

docker() { "$DOCKER_CLI" "$@"; }

if ! wait_until 90 docker info; then
    skip_all "dockerd did not start in 90 s: $(tail_file "$DD/dockerd.log" 8)" "${TESTS[@]}"
    exit 0
fi
if ! make_rootfs_tar "$E2E_TMP/rootfs.tar" || ! capture out "$DOCKER_CLI" import "$E2E_TMP/rootfs.tar" "$IMG"; then
    skip_all "could not import the busybox image: ${out:-no busybox}" "${TESTS[@]}"
    exit 0
fi

RUN=(run --runtime moat --cgroup-parent "/$CGP")

# --- one-shot runs -------------------------------------------------------------------
if capture out "$DOCKER_CLI" "${RUN[@]}" --rm "$IMG" echo hi && [[ $out == hi ]]; then ok run-echo
else not_ok run-echo "docker run printed: $out"; fi

st=0; capture out "$DOCKER_CLI" "${RUN[@]}" --rm "$IMG" sh -c 'exit 3' || st=$?
if [[ $st == 3 ]]; then ok exit-code; else not_ok exit-code "status $st, want 3: $out"; fi

# -t without -i needs no terminal on our side: docker allocates the pty for the container.
if capture out "$DOCKER_CLI" "${RUN[@]}" --rm -t "$IMG" sh -c 'tty' && [[ $out == /dev/pts/* ]]; then ok run-tty
else not_ok run-tty "docker run -t: $out"; fi

st=0; capture out "$DOCKER_CLI" "${RUN[@]}" --rm "$IMG" /no/such/entrypoint || st=$?
if [[ $st == 127 && $out == *"/no/such/entrypoint"*"no such file or directory"* ]]; then ok entrypoint-missing
else not_ok entrypoint-missing "status $st (want 127, as with runc): $out"; fi

probe='touch /probe 2>/dev/null && echo rootfs=rw || echo rootfs=ro; echo nets=$(ls /sys/class/net | tr "\n" " "); cat /proc/self/status'
if capture out "$DOCKER_CLI" "${RUN[@]}" --rm "$IMG" sh -c "$probe"; then
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
        not_ok "$t" "docker run of the probe failed: $out"
    done
fi

# --- a long-running container -----------------------------------------------------------
LONG=()
if capture cid "$DOCKER_CLI" "${RUN[@]}" -d --memory 128m --pids-limit 50 --cpus 0.5 "$IMG" sleep 300 &&
    capture state "$DOCKER_CLI" inspect -f '{{.State.Status}} {{.State.Pid}}' "$cid" && [[ $state == running* ]]; then
    ok run-detached
    LONG=("$cid")
    pid=${state#running }
else
    not_ok run-detached "docker run -d: ${cid:-} ${state:-}"
fi

cg() { cgroup_value "$1" "$pid" "$2" "$3"; }
if [[ ${#LONG[@]} -eq 1 ]]; then
    v=$(cg memory memory.limit_in_bytes memory.max)
    [[ $v == 134217728 ]] && ok cgroup-memory || not_ok cgroup-memory "memory limit $v, want 134217728"
    v=$(cg pids pids.max pids.max)
    [[ $v == 50 ]] && ok cgroup-pids || not_ok cgroup-pids "pids.max $v, want 50"
    q=$(cg cpu cpu.cfs_quota_us cpu.max); p=$(cg cpu cpu.cfs_period_us cpu.max)
    [[ $q == 50000 && $p == 100000 ]] || [[ $q == "50000 100000" ]] && ok cgroup-cpus ||
        not_ok cgroup-cpus "quota $q period $p, want 50000/100000"

    if capture out "$DOCKER_CLI" exec "$cid" echo in-exec && [[ $out == in-exec ]]; then ok exec
    else not_ok exec "docker exec: $out"; fi
    st=0; capture out "$DOCKER_CLI" exec "$cid" sh -c 'exit 4' || st=$?
    [[ $st == 4 ]] && ok exec-exit-code || not_ok exec-exit-code "status $st, want 4: $out"
    if capture out "$DOCKER_CLI" exec -t "$cid" tty && [[ $out == /dev/pts/* ]]; then ok exec-tty
    else not_ok exec-tty "docker exec -t: $out"; fi

    if capture out "$DOCKER_CLI" pause "$cid" && capture s1 "$DOCKER_CLI" inspect -f '{{.State.Status}}' "$cid" &&
        f1=$(cg freezer freezer.state cgroup.freeze) &&
        capture out "$DOCKER_CLI" unpause "$cid" && capture s2 "$DOCKER_CLI" inspect -f '{{.State.Status}}' "$cid" &&
        f2=$(cg freezer freezer.state cgroup.freeze) &&
        [[ $s1 == paused && $s2 == running && $f1 == FROZEN && $f2 == THAWED ]]; then ok pause-unpause
    else not_ok pause-unpause "paused: ${s1:-?}/${f1:-?}, unpaused: ${s2:-?}/${f2:-?}: $out"; fi

    if capture out "$DOCKER_CLI" update --memory 256m --memory-swap 256m "$cid"; then
        v=$(cg memory memory.limit_in_bytes memory.max)
        [[ $v == 268435456 ]] && ok update-memory || not_ok update-memory "memory limit $v after update, want 268435456"
    else not_ok update-memory "docker update: $out"; fi

    if capture out "$DOCKER_CLI" stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' "$cid" && [[ $out == *"/ 256MiB"* ]]; then
        ok stats
    else not_ok stats "docker stats: $out"; fi

    t0=$SECONDS
    if capture out "$DOCKER_CLI" rm -f "$cid" && ! docker inspect "$cid" >/dev/null 2>&1; then
        left=$(awk -v id="$cid" 'index($0, id)' /proc/self/mountinfo | head -3)
        if [[ -d /sys/fs/cgroup/memory/$CGP/$cid || -d /sys/fs/cgroup/pids/$CGP/$cid ]]; then
            not_ok rm-force "cgroup of $cid left behind"
        elif [[ -d $DD/exec/runtime-moat/moby/$cid ]]; then
            not_ok rm-force "moat state $DD/exec/runtime-moat/moby/$cid left behind"
        elif kill -0 "$pid" 2>/dev/null; then
            not_ok rm-force "process $pid still alive"
        elif [[ -n $left ]]; then
            not_ok rm-force "mounts left: $left"
        else ok rm-force; fi
    else not_ok rm-force "docker rm -f: $out"; fi
else
    for t in cgroup-memory cgroup-pids cgroup-cpus exec exec-exit-code exec-tty pause-unpause update-memory stats rm-force; do
        skip "$t" "no running container (run-detached failed)"
    done
fi

# --- stop and kill ---------------------------------------------------------------------
if capture cid "$DOCKER_CLI" "${RUN[@]}" -d "$IMG" sh -c 'trap "exit 7" TERM; while :; do sleep 0.2; done'; then
    sleep 1
    t0=$SECONDS
    capture out "$DOCKER_CLI" stop -t 20 "$cid"
    took=$((SECONDS - t0))
    capture code "$DOCKER_CLI" inspect -f '{{.State.ExitCode}}' "$cid"
    [[ $code == 7 && $took -lt 15 ]] && ok stop-term || not_ok stop-term "exit code $code (want 7, the TERM trap's) after ${took}s: $out"
    docker rm -f "$cid" >/dev/null 2>&1
else not_ok stop-term "docker run -d: $cid"; fi

if capture cid "$DOCKER_CLI" "${RUN[@]}" -d --stop-timeout 2 "$IMG" sh -c 'trap "" TERM; while :; do sleep 0.2; done'; then
    sleep 1
    t0=$SECONDS
    capture out "$DOCKER_CLI" stop "$cid"
    took=$((SECONDS - t0))
    capture code "$DOCKER_CLI" inspect -f '{{.State.ExitCode}} {{.State.Status}}' "$cid"
    [[ $code == "137 exited" && $took -ge 2 ]] && ok stop-kill ||
        not_ok stop-kill "after ${took}s (want >= 2, the stop timeout): $code (want 137 exited): $out"
    docker rm -f "$cid" >/dev/null 2>&1
else not_ok stop-kill "docker run -d: $cid"; fi

if capture cid "$DOCKER_CLI" "${RUN[@]}" -d "$IMG" sleep 300 && capture out "$DOCKER_CLI" kill "$cid" &&
    wait_until 10 sh -c "[ \"\$('$DOCKER_CLI' inspect -f '{{.State.Status}}' $cid)\" = exited ]" &&
    capture code "$DOCKER_CLI" inspect -f '{{.State.ExitCode}}' "$cid" && [[ $code == 137 ]]; then ok kill
else not_ok kill "docker kill: ${out:-} exit code ${code:-?} (want 137)"; fi
docker rm -f "$cid" >/dev/null 2>&1

# --- refused configs: the user reads moat's reason in docker's error ----------------------
refused() {  # NAME WANT-IN-MESSAGE DOCKER-RUN-ARGS...
    local name=$1 want=$2 st=0
    shift 2
    capture out "$DOCKER_CLI" "${RUN[@]}" --rm "$@" "$IMG" true || st=$?
    if [[ $st != 0 && $out == *"$want"* && $out == *policy* ]]; then ok "$name"
    else not_ok "$name" "status $st, want a failure naming \"$want\": $out"; fi
}
refused refuse-root-bind "protected host directory" --privileged -v /:/host
refused refuse-etc-bind "protected host directory" -v /etc:/host-etc
refused refuse-run-bind "/var/run" -v /var/run:/var/run
# The policy knows engine sockets by their standard paths; our private dockerd's socket
# lives elsewhere, so only a host's /var/run/docker.sock (if there is one) can be tried.
# Our private dockerd's socket is not on the policy's path list; moat knows it by its name.
refused refuse-engine-socket "docker.sock" -v "$DD/docker.sock:/var/run/docker.sock"

# --- the egress allowlist in the namespace Docker prepared ---------------------------------
# The listener runs under runc on the test's own bridge; the client under moat-egress may
# reach .10:8080 only. The other port is refused before a packet leaves (Landlock), the
# gateway (this host's end of the bridge, which would answer "refused") is dropped.
attempt() {  # HOST PORT: sets $out to what nc printed
    capture out "$DOCKER_CLI" run --rm --runtime moat-egress --cgroup-parent "/$CGP" --network "$NET" "$IMG" \
        sh -c "nc -w 2 $1 $2 </dev/null 2>&1"
}
if ! capture out "$DOCKER_CLI" network create --driver bridge --subnet "$SUBNET" "$NET"; then
    for t in egress-allowed egress-other-port egress-other-address egress-receipt; do
        skip "$t" "docker network create failed here: $out"; done
elif ! capture lid "$DOCKER_CLI" run -d --network "$NET" --ip "$NET_PREFIX.10" "$IMG" \
        sh -c 'nc -ll -p 8080 -e echo hello & nc -ll -p 9090 -e echo hello & wait'; then
    for t in egress-allowed egress-other-port egress-other-address egress-receipt; do
        skip "$t" "the listener container did not start: $lid"; done
else
    sleep 1
    attempt "$NET_PREFIX.10" 8080
    [[ $out == hello ]] && ok egress-allowed || not_ok egress-allowed "nc to the allowed .10:8080 printed: $out"
    attempt "$NET_PREFIX.10" 9090
    [[ $out == *"Permission denied"* ]] && ok egress-other-port ||
        not_ok egress-other-port "nc to .10:9090 (not listed) should be refused by Landlock, printed: $out"
    n_before=$(ls "$DD/receipts" 2>/dev/null | wc -l)
    attempt "$NET_PREFIX.1" 8080
    [[ $out == *"timed out"* ]] && ok egress-other-address ||
        not_ok egress-other-address "nc to the gateway .1:8080 should be dropped (timed out), printed: $out"
    # The last run's receipt: the SYNs to the gateway were dropped and counted.
    receipt=$(ls -t "$DD/receipts"/*.json 2>/dev/null | head -1)
    drops=$([[ -n $receipt ]] && jq -r '.egress.dropped.ipv4.packets // "none"' "$receipt")
    if [[ $(ls "$DD/receipts" | wc -l) -gt $n_before && $drops =~ ^[0-9]+$ && $drops -ge 1 ]]; then ok egress-receipt
    else not_ok egress-receipt "receipt ${receipt:-missing}: egress.dropped.ipv4.packets = ${drops:-none}"; fi
    docker rm -f "$lid" >/dev/null 2>&1
fi

# Nothing of ours left: no containers, no moat state, no cgroups, no container mounts.
sleep 1
leftovers=$(docker ps -aq)
[[ -d $DD/exec/runtime-moat/moby ]] && leftovers+=" $(ls "$DD/exec/runtime-moat/moby")"
for c in memory pids cpu freezer; do
    [[ -d /sys/fs/cgroup/$c/$CGP ]] && leftovers+=" $(find /sys/fs/cgroup/$c/$CGP -mindepth 1 -maxdepth 1 -type d -printf "$c:%f ")"
done
leftovers+=$(awk -v t="$DD/data/overlay2" 'index($5, t) == 1 { print " mount:" $5 }' /proc/self/mountinfo)
leftovers=$(echo $leftovers)
[[ -z $leftovers ]] && ok no-leftovers || not_ok no-leftovers "left behind: $leftovers"
