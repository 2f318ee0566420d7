#!/usr/bin/env bash
# End-to-end: the Kubernetes RuntimeClass path. A private containerd with its CRI plugin on
# and a runtime entry "moat" (the io.containerd.runc.v2 shim with BinaryName = $MOAT), driven
# over the CRI gRPC API by tests/e2e/cri/client.py the way kubelet would drive it for a pod
# with `runtimeClassName: moat`: RunPodSandbox (runtime_handler "moat"), CreateContainer,
# StartContainer, ExecSync, ContainerStatus, StopContainer, StopPodSandbox, RemovePodSandbox.
#
# Nothing is pulled: the sandbox ("pause") image and the container image are OCI archives of
# a busybox rootfs made here and imported with `ctr -n k8s.io images import`. Pod networking
# is Debian's containernetworking-plugins (bridge + host-local + loopback) from a private conf
# and bin dir; the bridge has no address and no gateway, so no traffic can leave the pod.
# shellcheck source=tests/e2e/lib.sh disable=SC2154  # capture() assigns its variable by name
source "$(dirname "$0")/lib.sh"

TESTS=(version images pod-ready pod-under-moat container-running container-under-moat pod-annotation
       exec-output exec-exit-code profile-no-caps profile-no-new-privs profile-seccomp
       profile-readonly-root profile-only-lo pod-hostname stop-container refused-config remove-pod no-leftovers)
need_moat "${TESTS[@]}"
# Debian's grpc and protobuf modules live in the system python, whatever python3 is on PATH.
PY=/usr/bin/python3
CNI_SRC=/usr/lib/cni
# missing_deps: what this suite needs and does not find (empty when all is there).
missing_deps() {
    local c p
    for c in containerd ctr containerd-shim-runc-v2 protoc jq; do command -v "$c" >/dev/null || echo -n "$c "; done
    $PY -c 'import grpc, google.protobuf' 2>/dev/null || echo -n "$PY:grpc+protobuf "
    for p in bridge host-local loopback; do [[ -x $CNI_SRC/$p ]] || echo -n "$CNI_SRC/$p "; done
}
lacking=$(missing_deps)
if [[ -n $lacking ]]; then
    log "missing $lacking; trying scripts/install-deps --engines"
    "$E2E_REPO/scripts/install-deps" --engines >&2
    lacking=$(missing_deps)
fi
if [[ -n $lacking ]]; then
    skip_all "missing ${lacking% } and scripts/install-deps --engines could not install it" "${TESTS[@]}"
    exit 0
fi

CD=$E2E_TMP/containerd
MOAT_ROOT=$CD/moat-root         # the shim passes --root $MOAT_ROOT/k8s.io to moat
PAUSE_IMG=localhost/moat-e2e/pause:3.6
IMG=localhost/moat-e2e/busybox:1
BRIDGE=moatcri$$                # at most 15 characters
CG_PARENT=/moat-e2e-cri-$$      # what kubelet would pass as the pod's cgroup parent
mkdir -p "$CD/cni/bin" "$CD/cni/conf" "$CD/pb" "$CD/logs"
for p in bridge host-local loopback; do ln -s "$CNI_SRC/$p" "$CD/cni/bin/$p"; done

# isGateway false and ipMasq false: the bridge gets no address and the pod no default route,
# so nothing in the pod can reach beyond the bridge; the subnet exists only on pod interfaces.
cat >"$CD/cni/conf/10-moat-e2e.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "moat-e2e",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": false, "ipMasq": false,
     "ipam": {"type": "host-local", "dataDir": "$CD/cni/ipam",
              "ranges": [[{"subnet": "10.254.$(($$ % 250)).0/24"}]]}}
  ]
}
JSON

cat >"$CD/config.toml" <<TOML
version = 2
root = "$CD/root"
state = "$CD/state"
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CD/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMG"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # The sandbox asks for oomScoreAdj -998, which needs CAP_SYS_RESOURCE; root here lacks it
  # (moat raises it to 1000 anyway; this keeps the runc handler working for comparison).
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CD/cni/bin"
    conf_dir = "$CD/cni/conf"
    max_conf_num = 1
  # The node's default stays runc (in a private root): only runtime_handler "moat" picks moat.
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      Root = "$CD/runc-root"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.moat]
    runtime_type = "io.containerd.runc.v2"
    pod_annotations = ["run.moat.*"]
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.moat.options]
      BinaryName = "$MOAT"
      Root = "$MOAT_ROOT"
TOML

containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
CONTAINERD_PID=$!
CTR=(ctr --address "$CD/containerd.sock" -n k8s.io)
protoc --proto_path="$E2E_REPO/tests/e2e/cri" --python_out="$CD/pb" "$E2E_REPO/tests/e2e/cri/api.proto"
CRI=("$PY" "$E2E_REPO/tests/e2e/cri/client.py" --socket "$CD/containerd.sock" --pb "$CD/pb")
POD=(--pod-name moat-e2e --pod-uid "moat-e2e-$$" --pod-namespace moat-e2e --hostname moat-pod
     --cgroup-parent "$CG_PARENT" --log-dir "$CD/logs" --pod-annotation run.moat.pids=42)
SANDBOX="" CTR_ID="" NETNS=""

# The EXIT trap: whatever the CRI calls left (a failed test may leave a pod), then containerd,
# then what containerd or the runtime could not remove on their own.
stop_containerd() {
    local t
    if [[ -n $SANDBOX ]]; then
        "${CRI[@]}" stop-pod "$SANDBOX"
        "${CRI[@]}" remove-pod "$SANDBOX"
    fi
    for t in $(timeout 20 "${CTR[@]}" task ls -q 2>/dev/null); do
        timeout 20 "${CTR[@]}" task kill -s KILL "$t"
        timeout 20 "${CTR[@]}" task delete -f "$t"
    done
    for t in $(timeout 20 "${CTR[@]}" container ls -q 2>/dev/null); do timeout 20 "${CTR[@]}" container delete "$t"; done
    kill -TERM "$CONTAINERD_PID"
    for ((t = 0; t < 100; t++)); do kill -0 "$CONTAINERD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$CONTAINERD_PID" 2>/dev/null
    wait "$CONTAINERD_PID" 2>/dev/null
    awk -v t="$CD" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m"; done
    if [[ -n $NETNS && -e $NETNS ]]; then umount "$NETNS"; rm -f "$NETNS"; fi
    ip link del "$BRIDGE" 2>/dev/null
    # kubelet owns the pod's cgroup parent and removes it; here the test plays kubelet.
    find /sys/fs/cgroup -depth -type d -path "*$CG_PARENT*" -exec rmdir {} \; 2>/dev/null
}
on_exit stop_containerd

# cri CALL ARGS...: a CRI call through the client, its answer (or error) into $out.
cri() { capture out "${CRI[@]}" "$@"; }
# jget JSON FILTER: one value from a JSON answer.
jget() { jq -r "$2" <<<"$1" 2>/dev/null; }

# Up when the CRI answers; down for good once containerd says the plugin failed to load.
cri_failed() { grep -m1 'failed to load plugin io.containerd.grpc.v1.cri' "$CD/containerd.log" | cut -c1-400; }
cri_up() { "${CRI[@]}" version || [[ -n $(cri_failed) ]]; }
if ! wait_until 60 cri_up || [[ -n $(cri_failed) ]]; then
    skip_all "containerd's CRI plugin did not start: $(cri_failed || true) $(tail_file "$CD/containerd.log" 4)" "${TESTS[@]}"
    exit 0
fi
if cri version && [[ $(jget "$out" .runtime_name) == containerd && $(jget "$out" .runtime_api_version) == v1* ]]; then
    ok version
else not_ok version "CRI Version: $out"; fi

if ! make_rootfs_tar "$E2E_TMP/rootfs.tar" ||
    ! make_oci_archive "$E2E_TMP/rootfs.tar" "$E2E_TMP/pause.tar" "$PAUSE_IMG" '["sleep","2147483647"]' ||
    ! make_oci_archive "$E2E_TMP/rootfs.tar" "$E2E_TMP/image.tar" "$IMG" ||
    ! capture out "${CTR[@]}" images import "$E2E_TMP/pause.tar" ||
    ! capture out "${CTR[@]}" images import "$E2E_TMP/image.tar"; then
    not_ok images "ctr -n k8s.io images import: ${out:-could not build the archives}"
    for t in "${TESTS[@]:2}"; do skip "$t" "no images (images failed)"; done
    exit 0
fi
# The CRI plugin learns of imported images from containerd's events: wait until it knows both.
if wait_until 20 sh -c "${CRI[*]} image-status $PAUSE_IMG | grep -q sha256 && ${CRI[*]} image-status $IMG | grep -q sha256"; then
    ok images
else
    cri image-status "$PAUSE_IMG"
    not_ok images "the CRI plugin does not see the imported images: $out"
fi

# moat_status ID: the status `moat list` gives the container ID in the root the shim uses.
moat_status() { "$MOAT" --root "$MOAT_ROOT/k8s.io" list --format json 2>/dev/null | jq -r --arg id "$1" '.[] | select(.id == $id) | .status'; }
moat_pid() { "$MOAT" --root "$MOAT_ROOT/k8s.io" list --format json 2>/dev/null | jq -r --arg id "$1" '.[] | select(.id == $id) | .pid'; }

if ! cri run-pod "${POD[@]}" --handler moat; then
    not_ok pod-ready "RunPodSandbox with runtime_handler moat: $out"
    for t in "${TESTS[@]:3}"; do skip "$t" "no pod (RunPodSandbox failed)"; done
    exit 0
fi
SANDBOX=$out
cri pod-status "$SANDBOX"
NETNS=$(jget "$out" '.info.info | fromjson | .runtimeSpec.linux.namespaces[] | select(.type == "network") | .path')
if [[ $(jget "$out" .state) == SANDBOX_READY && $(jget "$out" .runtime_handler) == moat ]]; then ok pod-ready
else not_ok pod-ready "PodSandboxStatus: $(cut -c1-300 <<<"$out")"; fi
st=$(moat_status "$SANDBOX")
[[ $st == running ]] && ok pod-under-moat || not_ok pod-under-moat "moat --root $MOAT_ROOT/k8s.io list: sandbox $SANDBOX is '${st:-absent}'"
PAUSE_PID=$(moat_pid "$SANDBOX")

if cri create "$SANDBOX" "${POD[@]}" --name main --image "$IMG" -- sleep 600 && CTR_ID=$out && cri start "$CTR_ID" &&
    cri status "$CTR_ID" && [[ $(jget "$out" .state) == CONTAINER_RUNNING ]]; then
    ok container-running
    st=$(moat_status "$CTR_ID")
    [[ $st == running ]] && ok container-under-moat || not_ok container-under-moat "moat list: container $CTR_ID is '${st:-absent}'"
    CTR_PID=$(moat_pid "$CTR_ID")
    # pod_annotations = ["run.moat.*"] lets the pod's annotation through to moat.
    v=$(cgroup_value pids "$CTR_PID" pids.max pids.max)
    [[ $v == 42 ]] && ok pod-annotation || not_ok pod-annotation "pids.max ${v:-?} with the pod annotation run.moat.pids=42"

    if cri exec "$CTR_ID" 10 -- echo hello-from-moat && [[ $(jget "$out" .stdout) == hello-from-moat && $(jget "$out" .exit_code) == 0 ]]; then
        ok exec-output
    else not_ok exec-output "ExecSync echo: $out"; fi
    if cri exec "$CTR_ID" 10 -- sh -c 'echo out; echo err >&2; exit 7' &&
        [[ $(jget "$out" .exit_code) == 7 && $(jget "$out" .stdout) == out && $(jget "$out" .stderr) == err ]]; then
        ok exec-exit-code
    else not_ok exec-exit-code "ExecSync exit 7: $out"; fi

    # shellcheck disable=SC2016  # expanded by the container's shell
    probe='cat /proc/self/status; touch /probe 2>/dev/null && echo rootfs=rw || echo rootfs=ro; echo nets=$(ls /sys/class/net); echo host=$(hostname)'
    if cri exec "$CTR_ID" 10 -- sh -c "$probe"; then
        status=$(jget "$out" .stdout)
        v=$(proc_status_field "$status" CapEff)
        [[ $v == 0000000000000000 ]] && ok profile-no-caps || not_ok profile-no-caps "CapEff ${v:-?}"
        v=$(proc_status_field "$status" NoNewPrivs)
        [[ $v == 1 ]] && ok profile-no-new-privs || not_ok profile-no-new-privs "NoNewPrivs ${v:-?}"
        v=$(proc_status_field "$status" Seccomp)
        [[ $v == 2 ]] && ok profile-seccomp || not_ok profile-seccomp "Seccomp ${v:-?}"
        [[ $status == *rootfs=ro* ]] && ok profile-readonly-root || not_ok profile-readonly-root "touch /probe succeeded"
        # The pod's network namespace (the CNI bridge's eth0) is replaced by an empty one.
        v=$(sed -n 's/^nets=//p' <<<"$status")
        [[ $v == lo ]] && ok profile-only-lo || not_ok profile-only-lo "interfaces: $v"
        # The pod's UTS namespace is replaced too; the new one must carry the pod's name
        # (what runc shows by joining it), not the host's.
        v=$(sed -n 's/^host=//p' <<<"$status")
        [[ $v == moat-pod ]] && ok pod-hostname || not_ok pod-hostname "hostname '$v', want the pod's moat-pod (the host is $(hostname))"
    else
        for t in profile-no-caps profile-no-new-privs profile-seccomp profile-readonly-root profile-only-lo pod-hostname; do
            not_ok "$t" "ExecSync of the probe failed: $out"
        done
    fi

    # sleep is pid 1 and has no SIGTERM handler: the grace period runs out and SIGKILL ends it.
    if cri stop "$CTR_ID" 2 && cri status "$CTR_ID" &&
        [[ $(jget "$out" .state) == CONTAINER_EXITED && $(jget "$out" .exit_code) == 137 ]] &&
        ! kill -0 "$CTR_PID" 2>/dev/null; then
        ok stop-container
    else not_ok stop-container "after StopContainer: $out"; fi
else
    not_ok container-running "CreateContainer/StartContainer/ContainerStatus: $out"
    for t in container-under-moat pod-annotation exec-output exec-exit-code profile-no-caps profile-no-new-privs \
        profile-seccomp profile-readonly-root profile-only-lo pod-hostname stop-container; do
        skip "$t" "no running container (container-running failed)"
    done
fi

# A bind of the host's / is refused by the policy; containerd creates the task at
# StartContainer, so that is where moat's reason must come back, as the CRI error.
refused=
if cri create "$SANDBOX" "${POD[@]}" --name refused --image "$IMG" --mount /:/host -- true; then
    refused=$out
    cri start "$refused"
fi
if [[ $out == *"/ is a protected host directory"* ]]; then ok refused-config
else not_ok refused-config "want a CRI error naming the reason, got: $out"; fi
[[ -n $refused ]] && "${CRI[@]}" remove "$refused" >/dev/null 2>&1

ids=("$SANDBOX" ${CTR_ID:+"$CTR_ID"} ${refused:+"$refused"})
if cri stop-pod "$SANDBOX" && cri remove-pod "$SANDBOX"; then
    SANDBOX=
    ok remove-pod
else not_ok remove-pod "StopPodSandbox/RemovePodSandbox: $out"; fi

# After RemovePodSandbox: no moat state, no cgroup, no mount, no process, no netns.
left=()
while read -r id; do [[ -n $id ]] && left+=("moat-state:${id:0:12}"); done < <("$MOAT" --root "$MOAT_ROOT/k8s.io" list -q 2>/dev/null)
for id in "${ids[@]}"; do
    [[ -e $MOAT_ROOT/k8s.io/$id ]] && left+=("state-dir:${id:0:12}")
    while read -r d; do left+=("cgroup:$d"); done < <(find /sys/fs/cgroup -type d -name "*$id*" 2>/dev/null)
    grep -q -- "$id" /proc/self/mountinfo && left+=("mount:${id:0:12}")
    # awk, not grep: the id is in grep's own command line.
    while read -r p; do left+=("process:$p"); done < <(ps -eo pid=,args= | ID=$id awk 'index($0, ENVIRON["ID"]) { print $1 }')
done
for p in ${PAUSE_PID:-} ${CTR_PID:-}; do kill -0 "$p" 2>/dev/null && left+=("process:$p"); done
[[ -n $NETNS && -e $NETNS ]] && left+=("netns:$NETNS")
[[ ${#left[@]} -eq 0 ]] && ok no-leftovers || not_ok no-leftovers "left behind: ${left[*]}"
