#!/usr/bin/env python3
"""A small CRI client for tests/e2e/cri.sh: one gRPC call per invocation, over a unix socket.

The calls kubelet makes for a pod (RunPodSandbox with a runtime handler, CreateContainer,
StartContainer, ExecSync, ContainerStatus, StopContainer, StopPodSandbox, RemovePodSandbox)
and a few to look around. Messages come from api.proto compiled with `protoc --python_out`
into the directory given by --pb (no grpc Python plugin needed: calls are made with
channel.unary_unary). Answers are printed as JSON (or an id) on stdout; a gRPC error is
printed as "METHOD: CODE: details" on stderr with exit status 2.
"""
import argparse
import json
import sys


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--socket", required=True, help="containerd's gRPC socket")
    p.add_argument("--pb", required=True, help="directory holding api_pb2.py")
    p.add_argument("--timeout", type=float, default=60, help="seconds per call")

    # What kubelet would send for the pod: RunPodSandbox and CreateContainer both need it
    # (CreateContainerRequest carries the sandbox config again), so it is built from flags.
    pod = argparse.ArgumentParser(add_help=False)
    pod.add_argument("--pod-name", required=True)
    pod.add_argument("--pod-uid", required=True)
    pod.add_argument("--pod-namespace", default="default")
    pod.add_argument("--hostname", default="")
    pod.add_argument("--cgroup-parent", default="")
    pod.add_argument("--log-dir", default="")
    pod.add_argument("--pod-annotation", action="append", default=[], metavar="KEY=VALUE")

    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("version")
    s = sub.add_parser("image-status")
    s.add_argument("image")
    s = sub.add_parser("run-pod", parents=[pod])
    s.add_argument("--handler", default="")
    s = sub.add_parser("pod-status")
    s.add_argument("id")
    s = sub.add_parser("create", parents=[pod])
    s.add_argument("pod_id")
    s.add_argument("--name", required=True)
    s.add_argument("--image", required=True)
    s.add_argument("--mount", action="append", default=[], metavar="HOST:CONTAINER")
    s.add_argument("command", nargs="+")
    for name in ("start", "remove", "stop-pod", "remove-pod"):
        sub.add_parser(name).add_argument("id")
    s = sub.add_parser("status")
    s.add_argument("id")
    s = sub.add_parser("stop")
    s.add_argument("id")
    s.add_argument("grace", type=int)
    s = sub.add_parser("exec")
    s.add_argument("id")
    s.add_argument("exec_timeout", type=int)
    s.add_argument("command", nargs="+")
    return p.parse_args(argv)


def pod_config(pb, a):
    c = pb.PodSandboxConfig(hostname=a.hostname, log_directory=a.log_dir)
    c.metadata.name = a.pod_name
    c.metadata.uid = a.pod_uid
    c.metadata.namespace = a.pod_namespace
    c.linux.cgroup_parent = a.cgroup_parent
    for kv in a.pod_annotation:
        key, _, value = kv.partition("=")
        c.annotations[key] = value
    # As kubelet sends it for an ordinary pod: pod network and IPC, a pid namespace per container.
    ns = c.linux.security_context.namespace_options
    ns.network, ns.pid, ns.ipc = pb.POD, pb.CONTAINER, pb.POD
    return c


class Cri:
    def __init__(self, grpc, socket, timeout):
        self.grpc = grpc
        self.channel = grpc.insecure_channel("unix://" + socket)
        self.timeout = timeout

    def call(self, service, method, request, response_type):
        rpc = self.channel.unary_unary(
            "/runtime.v1.%s/%s" % (service, method),
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_type.FromString,
        )
        return rpc(request, timeout=self.timeout)


def main(argv):
    a = parse_args(argv)
    sys.path.insert(0, a.pb)
    import grpc  # noqa: E402  (after argparse, so --help works without grpc)
    import api_pb2 as pb  # noqa: E402

    cri = Cri(grpc, a.socket, a.timeout)
    rt = lambda m, req, resp: cri.call("RuntimeService", m, req, resp)  # noqa: E731
    out = None
    try:
        if a.cmd == "version":
            r = rt("Version", pb.VersionRequest(version="v1"), pb.VersionResponse)
            out = {"runtime_name": r.runtime_name, "runtime_version": r.runtime_version,
                   "runtime_api_version": r.runtime_api_version}
        elif a.cmd == "image-status":
            r = cri.call("ImageService", "ImageStatus",
                         pb.ImageStatusRequest(image=pb.ImageSpec(image=a.image)), pb.ImageStatusResponse)
            out = {"id": r.image.id, "repo_tags": list(r.image.repo_tags)}
        elif a.cmd == "run-pod":
            r = rt("RunPodSandbox", pb.RunPodSandboxRequest(config=pod_config(pb, a), runtime_handler=a.handler),
                   pb.RunPodSandboxResponse)
            out = r.pod_sandbox_id
        elif a.cmd == "pod-status":
            r = rt("PodSandboxStatus", pb.PodSandboxStatusRequest(pod_sandbox_id=a.id, verbose=True),
                   pb.PodSandboxStatusResponse)
            out = {"state": pb.PodSandboxState.Name(r.status.state), "ip": r.status.network.ip,
                   "runtime_handler": r.status.runtime_handler, "info": dict(r.info)}
        elif a.cmd == "create":
            c = pb.ContainerConfig(image=pb.ImageSpec(image=a.image), command=a.command,
                                   log_path=a.name + ".log")
            c.metadata.name = a.name
            ns = c.linux.security_context.namespace_options
            ns.network, ns.pid, ns.ipc = pb.POD, pb.CONTAINER, pb.POD
            for m in a.mount:
                host, _, inside = m.partition(":")
                c.mounts.add(host_path=host, container_path=inside)
            r = rt("CreateContainer", pb.CreateContainerRequest(pod_sandbox_id=a.pod_id, config=c,
                                                                sandbox_config=pod_config(pb, a)),
                   pb.CreateContainerResponse)
            out = r.container_id
        elif a.cmd == "start":
            rt("StartContainer", pb.StartContainerRequest(container_id=a.id), pb.StartContainerResponse)
        elif a.cmd == "status":
            r = rt("ContainerStatus", pb.ContainerStatusRequest(container_id=a.id, verbose=True),
                   pb.ContainerStatusResponse)
            s = r.status
            out = {"state": pb.ContainerState.Name(s.state), "exit_code": s.exit_code,
                   "started": s.started_at != 0, "finished": s.finished_at != 0,
                   "reason": s.reason, "message": s.message, "info": dict(r.info)}
        elif a.cmd == "exec":
            r = rt("ExecSync", pb.ExecSyncRequest(container_id=a.id, cmd=a.command, timeout=a.exec_timeout),
                   pb.ExecSyncResponse)
            out = {"stdout": r.stdout.decode(errors="replace"), "stderr": r.stderr.decode(errors="replace"),
                   "exit_code": r.exit_code}
        elif a.cmd == "stop":
            rt("StopContainer", pb.StopContainerRequest(container_id=a.id, timeout=a.grace), pb.StopContainerResponse)
        elif a.cmd == "remove":
            rt("RemoveContainer", pb.RemoveContainerRequest(container_id=a.id), pb.RemoveContainerResponse)
        elif a.cmd == "stop-pod":
            rt("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=a.id), pb.StopPodSandboxResponse)
        elif a.cmd == "remove-pod":
            rt("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=a.id), pb.RemovePodSandboxResponse)
    except grpc.RpcError as e:
        print("%s: %s: %s" % (a.cmd, e.code().name, e.details()), file=sys.stderr)
        return 2
    if isinstance(out, str):
        print(out)
    elif out is not None:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
