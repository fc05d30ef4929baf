"""The two forked children of a launch: the launcher (new session, PID/network/IPC/UTS
namespaces) and the worker (PID 1 of the new PID namespace: mount namespace, read-only
root, identity, limits, no_new_privs, Landlock, seccomp), which runs the command in a
child of its own and reports each layer and the exit over the status pipe."""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import socket
import traceback
from typing import Any

from .kernel import (
    CLONE_NEWIPC,
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    CLONE_NEWUTS,
    MS_PRIVATE,
    MS_REC,
    PR_SET_DUMPABLE,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
    SECCOMP_DENIED,
    _install_landlock,
    _install_seccomp,
    _lib,
    _mount,
    _prctl,
    _setrlimit,
    _unshare,
    landlock_abi,
)
from .policy import LAYERS, MARK_FD, LayerStatus, _Plan
from .root import DEVICES, _bring_up_loopback, _build_root, _write_id_maps


def _send(fd: int, message: dict[str, Any]) -> None:
    data = (json.dumps(message) + "\n").encode()
    try:
        os.write(fd, data)
    except OSError:
        pass


def _launcher(plan: _Plan, status_w: int, stdio: tuple[int, int, int], mark_w: int) -> None:
    """Runs in the first child; never returns."""
    code = 0
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.setsid()
        layers: dict[str, LayerStatus] = {}
        disabled = plan.policy.disable
        wanted = {
            "pid-namespace": CLONE_NEWPID,
            "network-namespace": CLONE_NEWNET,
            "ipc-namespace": CLONE_NEWIPC,
            "uts-namespace": CLONE_NEWUTS,
        }
        for name in wanted:
            if name in disabled:
                layers[name] = LayerStatus(name, False, "disabled by policy")
        root = plan.uid is not None
        user_done = False
        if not root and "user-namespace" not in disabled:
            # unprivileged caller: a user namespace first, mapping our own ids
            uid, gid = os.geteuid(), os.getegid()
            try:
                _unshare(CLONE_NEWUSER)
                _prctl(PR_SET_DUMPABLE, 1)  # /proc/self/*_map must be ours to write
                _write_id_maps("self", uid, gid)
                layers["user-namespace"] = LayerStatus(
                    "user-namespace", True, f"uid {uid} and gid {gid} mapped to themselves"
                )
                user_done = True
            except OSError as exc:
                layers["user-namespace"] = LayerStatus("user-namespace", False, str(exc))
        if root or user_done:
            todo = {n: f for n, f in wanted.items() if n not in layers}
            combined = 0
            for flag in todo.values():
                combined |= flag
            try:
                if combined:
                    _unshare(combined)
                for name in todo:
                    layers[name] = LayerStatus(name, True, "")
            except OSError:
                for name, flag in todo.items():
                    try:
                        _unshare(flag)
                        layers[name] = LayerStatus(name, True, "")
                    except OSError as exc:
                        layers[name] = LayerStatus(name, False, str(exc))
        else:
            for name in wanted:
                layers.setdefault(name, LayerStatus(name, False, "needs a user namespace or root"))
        pid = os.fork()
        if pid == 0:
            _worker(plan, layers, root, user_done, status_w, stdio, mark_w)
        _send(status_w, {"kind": "child", "pid": pid})
        for fd in (*stdio, mark_w):
            os.close(fd)
        _wait_for(pid)  # the namespace's init; it reports the worker's status itself
        if not layers["pid-namespace"].active:
            _sweep(plan.uid)
    except BaseException:
        _send(status_w, {"kind": "setup-error", "error": traceback.format_exc(limit=4)})
        code = 1
    os._exit(code)


def _sweep(uid: int | None) -> None:
    """Without a PID namespace: kill the session, and every process of the per-run uid."""
    try:
        os.killpg(os.getpgid(0), 0)
    except OSError:
        pass
    if uid is None:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _worker(
    plan: _Plan,
    layers: dict[str, LayerStatus],
    root: bool,
    user_done: bool,
    status_w: int,
    stdio: tuple[int, int, int],
    mark_w: int,
) -> None:
    """Runs in the second child (PID 1 of the new PID namespace); never returns."""
    try:
        policy, disabled = plan.policy, plan.policy.disable
        os.umask(0o022)
        can_admin = root or user_done
        # mount namespace and the read-only root
        readable = list(plan.readable)
        if "mount-namespace" in disabled:
            layers["mount-namespace"] = LayerStatus("mount-namespace", False, "disabled by policy")
        elif not can_admin:
            layers["mount-namespace"] = LayerStatus(
                "mount-namespace", False, "needs a user namespace or root"
            )
        else:
            try:
                _unshare(CLONE_NEWNS)
                _mount(None, "/", None, MS_REC | MS_PRIVATE)
                layers["mount-namespace"] = LayerStatus("mount-namespace", True, "")
            except OSError as exc:
                layers["mount-namespace"] = LayerStatus("mount-namespace", False, str(exc))
        if "read-only-filesystem" in disabled:
            layers["read-only-filesystem"] = LayerStatus(
                "read-only-filesystem", False, "disabled by policy"
            )
        elif not layers["mount-namespace"].active or plan.newroot is None:
            layers["read-only-filesystem"] = LayerStatus(
                "read-only-filesystem", False, "needs the mount namespace"
            )
        else:
            try:
                detail = _build_root(plan)
                layers["read-only-filesystem"] = LayerStatus("read-only-filesystem", True, detail)
            except OSError as exc:
                layers["read-only-filesystem"] = LayerStatus(
                    "read-only-filesystem", False, str(exc)
                )
        if layers["network-namespace"].active:
            try:
                _bring_up_loopback()
            except OSError as exc:
                layers["network-namespace"] = LayerStatus(
                    "network-namespace", True, f"loopback stays down: {exc}"
                )
            else:
                layers["network-namespace"] = LayerStatus(
                    "network-namespace", True, "loopback only"
                )
        if layers["uts-namespace"].active:
            socket.sethostname("pyvorin-sandbox")
        # identity: a per-run unprivileged uid for root callers, then a user namespace
        if root:
            uid = plan.uid
            assert uid is not None
            if "unprivileged-uid" in disabled:
                layers["unprivileged-uid"] = LayerStatus(
                    "unprivileged-uid", False, "disabled by policy"
                )
            else:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                _prctl(PR_SET_DUMPABLE, 1)
                layers["unprivileged-uid"] = LayerStatus("unprivileged-uid", True, f"uid {uid}")
            if "user-namespace" in disabled:
                layers["user-namespace"] = LayerStatus(
                    "user-namespace", False, "disabled by policy"
                )
            else:
                euid, egid = os.geteuid(), os.getegid()  # read before: unmapped after
                try:
                    _unshare(CLONE_NEWUSER)
                    _prctl(PR_SET_DUMPABLE, 1)  # new caps made us non-dumpable: /proc/self
                    _write_id_maps("self", euid, egid)
                    layers["user-namespace"] = LayerStatus(
                        "user-namespace", True, f"uid {euid} mapped to itself"
                    )
                except OSError as exc:
                    layers["user-namespace"] = LayerStatus("user-namespace", False, str(exc))
        else:
            euid = os.geteuid()
            layers["unprivileged-uid"] = (
                LayerStatus("unprivileged-uid", True, f"caller's uid {euid}")
                if euid != 0
                else LayerStatus("unprivileged-uid", False, "running as uid 0")
            )
        # resource limits: decided here, applied in the worker process below (the init
        # process of the namespace stays unlimited so that it can always report)
        if "rlimits" in disabled:
            layers["rlimits"] = LayerStatus("rlimits", False, "disabled by policy")
        else:
            layers["rlimits"] = LayerStatus(
                "rlimits", True, "CPU, address space, open files, file size, core=0"
            )
        if "process-limit" in disabled:
            layers["process-limit"] = LayerStatus("process-limit", False, "disabled by policy")
        elif os.geteuid() == 0 and not user_done:
            layers["process-limit"] = LayerStatus(
                "process-limit", False, "RLIMIT_NPROC is not enforced for root"
            )
        else:
            layers["process-limit"] = LayerStatus(
                "process-limit", True, f"RLIMIT_NPROC {policy.max_processes} on uid {os.geteuid()}"
            )
        os.chdir(plan.workdir)
        # no_new_privs, Landlock, seccomp (last: it forbids what the setup above needs)
        if "no-new-privileges" in disabled and {"landlock", "seccomp"} <= disabled:
            layers["no-new-privileges"] = LayerStatus(
                "no-new-privileges", False, "disabled by policy"
            )
        else:
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
            layers["no-new-privileges"] = LayerStatus("no-new-privileges", True, "")
        abi = landlock_abi()
        if "landlock" in disabled:
            layers["landlock"] = LayerStatus("landlock", False, "disabled by policy")
        elif abi <= 0:
            layers["landlock"] = LayerStatus("landlock", False, "the kernel has no Landlock")
        else:
            try:
                extra = ["/proc"] if layers["read-only-filesystem"].active else []
                detail = _install_landlock(abi, readable + extra, [plan.workdir], DEVICES)
                layers["landlock"] = LayerStatus("landlock", True, detail)
            except OSError as exc:
                layers["landlock"] = LayerStatus("landlock", False, str(exc))
        if "seccomp" in disabled:
            layers["seccomp"] = LayerStatus("seccomp", False, "disabled by policy")
        else:
            try:
                _install_seccomp()
                layers["seccomp"] = LayerStatus(
                    "seccomp", True, f"{len(SECCOMP_DENIED)} calls denied, sockets AF_UNIX only"
                )
            except OSError as exc:
                layers["seccomp"] = LayerStatus("seccomp", False, str(exc))
        ordered = [layers[name] for name in LAYERS]
        _send(status_w, {"kind": "layers", "layers": [layer.to_dict() for layer in ordered],
                         "rss": _rss_kb(), "uid": os.geteuid()})  # fmt: skip
        if policy.require_isolation:
            missing = [layer for layer in ordered if not layer.active]
            if missing:
                _send(status_w, {"kind": "refused", "layer": missing[0].name,
                                 "detail": missing[0].detail})  # fmt: skip
                os._exit(0)
        if plan.argv is None:
            os._exit(0)
        # not dumpable: the worker (same uid) cannot open this init's /proc/1/fd/* and
        # write to the status pipe (execve makes the worker itself dumpable again)
        _prctl(PR_SET_DUMPABLE, 0)
        child = os.fork()
        if child == 0:
            _exec_worker(plan, layers, status_w, stdio, mark_w)
        for fd in (*stdio, mark_w):
            os.close(fd)
        status, usage = _wait_for(child)
        _send(status_w, {"kind": "exit", "status": status, "utime": usage.ru_utime,
                         "stime": usage.ru_stime, "maxrss": usage.ru_maxrss})  # fmt: skip
        os._exit(0)
    except BaseException:
        _send(status_w, {"kind": "setup-error", "error": traceback.format_exc(limit=6)})
    os._exit(126)


def _rss_kb() -> int:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _wait_for(pid: int) -> tuple[int, Any]:
    """Wait until ``pid`` ends; a worker that made itself our tracee is let go."""
    while True:
        _, status, usage = os.wait4(pid, 0)
        if not os.WIFSTOPPED(status):
            return status, usage
        _lib().ptrace(17, pid, None, ctypes.c_void_p(os.WSTOPSIG(status)))  # PTRACE_DETACH


def _exec_worker(
    plan: _Plan,
    layers: dict[str, LayerStatus],
    status_w: int,
    stdio: tuple[int, int, int],
    mark_w: int,
) -> None:
    """The worker process (PID 2 under the namespace's init): limits, then execve."""
    try:
        policy, mb = plan.policy, 1024 * 1024
        os.dup2(stdio[0], 0)
        os.dup2(stdio[1], 1)
        os.dup2(stdio[2], 2)
        os.dup2(mark_w, MARK_FD)
        os.set_inheritable(MARK_FD, True)
        os.dup2(status_w, MARK_FD + 1, inheritable=False)
        status_w = MARK_FD + 1
        os.closerange(MARK_FD + 2, 1 << 16)
        if layers["rlimits"].active:
            _setrlimit(resource.RLIMIT_CPU, policy.cpu_seconds, policy.cpu_seconds + 1)
            _setrlimit(resource.RLIMIT_AS, policy.memory_mb * mb)
            _setrlimit(resource.RLIMIT_FSIZE, policy.max_file_mb * mb)
            _setrlimit(resource.RLIMIT_CORE, 0)
            _setrlimit(resource.RLIMIT_NOFILE, policy.max_open_files)
        if layers["process-limit"].active:
            # the namespace's init process counts too: the worker tree gets max_processes
            _setrlimit(resource.RLIMIT_NPROC, policy.max_processes + 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        try:
            os.execvpe(plan.argv[0], plan.argv, plan.env)  # type: ignore[index]
        except OSError as exc:
            _send(status_w, {"kind": "exec-error", "error": f"{plan.argv[0]}: {exc.strerror}"})  # type: ignore[index]
            os._exit(127)
    except BaseException:
        _send(status_w, {"kind": "setup-error", "error": traceback.format_exc(limit=6)})
    os._exit(126)
