"""The caller's side of a run: fork the launcher, feed stdin, collect output and status
while enforcing the wall clock and the output limit, hand the work directory to the
per-run uid and back, build the isolation report, audit it and turn limit hits, refusals
and set-up failures into errors."""

from __future__ import annotations

import json
import os
import secrets
import selectors
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError, PyvorinError, SandboxLimitError
from .policy import (
    LAYERS,
    LIMIT_REASONS,
    MARK_ENV,
    MARK_FD,
    IsolationReport,
    LayerStatus,
    SandboxLimitHit,
    SandboxPolicy,
    SandboxResult,
    _classify,
    _Plan,
    limit_message,
)
from .root import _clean_env, _readable_paths
from .worker import _launcher

UID_BASE = 0x60000000  # per-run uids for root callers: UID_BASE + random 24 bits


AuditSink = Callable[[IsolationReport, list[str]], None]


def _audit_default(report: IsolationReport, argv: list[str]) -> None:
    from ..audit import emit

    details = report.to_dict()
    details["argv0"] = argv[0] if argv else None
    emit("sandbox", "sandbox", details)


def _run(
    argv: list[str],
    workdir: Path,
    policy: SandboxPolicy,
    purpose: str,
    env: dict[str, str] | None,
    stdin: bytes | None,
    audit: AuditSink | bool,
    on_output: Callable[[bytes], None] | None = None,
) -> SandboxResult:
    outcome = _launch(argv, workdir, policy, purpose, env, stdin, on_output)
    report: IsolationReport = outcome["report"]
    if audit is True:
        _audit_default(report, argv)
    elif callable(audit):
        audit(report, argv)
    if report.exit_reason == "refused":
        raise SandboxLimitError(
            f"{purpose} refused: isolation layer {report.detail} is unavailable and "
            "require-isolation is set"
        )
    if report.exit_reason == "setup-failed":
        raise PyvorinError(f"{purpose}: the sandbox could not be set up: {report.detail}")
    if report.exit_reason in LIMIT_REASONS:
        raise SandboxLimitHit(
            limit_message(purpose, report.exit_reason, policy), report.exit_reason, policy
        )
    assert report.returncode is not None
    return SandboxResult(report.returncode, outcome["stdout"], outcome["stderr"], report)


def _launch(
    argv: list[str] | None,
    workdir: Path,
    policy: SandboxPolicy,
    purpose: str,
    env: dict[str, str] | None,
    stdin: bytes | None,
    on_output: Callable[[bytes], None] | None = None,
) -> dict[str, Any]:
    workdir_s = os.path.realpath(workdir)
    if not os.path.isdir(workdir_s):
        raise ConfigError(f"sandbox: work directory {workdir} does not exist or is not accessible")
    clean, dropped = _clean_env(env, workdir_s)
    clean[MARK_ENV] = str(MARK_FD)
    is_root = os.geteuid() == 0
    uid = UID_BASE + secrets.randbelow(1 << 24) if is_root else None
    newroot = tempfile.mkdtemp(prefix="pyvorin-root-")
    owners: list[tuple[str, int, int]] = []
    try:
        if is_root and uid is not None and "unprivileged-uid" not in policy.disable:
            owners = _chown_tree(workdir_s, uid)
        plan = _Plan(argv, workdir_s, clean, _readable_paths(policy), policy, newroot, uid)
        in_r, in_w = os.pipe2(os.O_CLOEXEC)
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        mark_r, mark_w = os.pipe2(os.O_CLOEXEC)
        status_r, status_w = os.pipe2(os.O_CLOEXEC)
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, never returns
            for fd in (in_w, out_r, err_r, mark_r, status_r):
                os.close(fd)
            _launcher(plan, status_w, (in_r, out_w, err_w), mark_w)
        for fd in (in_r, out_w, err_w, mark_w, status_w):
            os.close(fd)
        collected = _collect(
            pid, policy, stdin, in_w, out_r, err_r, mark_r, status_r, started, on_output
        )
    finally:
        try:
            os.rmdir(newroot)
        except OSError:
            pass
        _restore_owners(owners)
    wall = time.monotonic() - started
    messages = collected["messages"]
    layer_msg = next((m for m in messages if m["kind"] == "layers"), None)
    layers = (
        [LayerStatus(x["name"], x["active"], x["detail"]) for x in layer_msg["layers"]]
        if layer_msg
        else [LayerStatus(name, False, "not reached") for name in LAYERS]
    )
    exit_msg = next((m for m in messages if m["kind"] == "exit"), None)
    cpu = (exit_msg["utime"] + exit_msg["stime"]) if exit_msg else 0.0
    status = exit_msg["status"] if exit_msg else None
    marks = set(collected["marks"].decode(errors="replace").split())
    reason, code, sig = _classify(
        status, cpu, policy, marks, collected["stderr"], collected["wall_hit"],
        collected["output_hit"],
    )  # fmt: skip
    detail = ""
    refused = next((m for m in messages if m["kind"] == "refused"), None)
    problem = next((m for m in messages if m["kind"] in ("setup-error", "exec-error")), None)
    if refused is not None:
        reason, detail = "refused", f"{refused['layer']!r} ({refused['detail']})"
    elif problem is not None and problem["kind"] == "setup-error":
        reason, detail = "setup-failed", problem["error"].strip().splitlines()[-1]
    elif problem is not None:
        detail = problem["error"]
        collected["stderr"] += f"pyvorin sandbox: cannot run {problem['error']}\n".encode()
    elif exit_msg is None and not (collected["wall_hit"] or collected["output_hit"]):
        reason, detail = "setup-failed", "the launcher ended without a report"
    report = IsolationReport(
        purpose=purpose,
        layers=layers,
        limits=policy.limits(),
        exit_reason=reason,
        returncode=code,
        signal=sig,
        cpu_seconds=round(cpu, 4),
        peak_memory_kb=int(exit_msg["maxrss"]) if exit_msg else 0,
        launcher_rss_kb=int(layer_msg.get("rss", 0)) if layer_msg else 0,
        wall_seconds=round(wall, 4),
        uid=layer_msg.get("uid") if layer_msg else None,
        env_names=sorted(clean),
        env_dropped=dropped,
        detail=detail,
    )
    return {
        "report": report,
        "layers": layers,
        "stdout": collected["stdout"],
        "stderr": collected["stderr"],
    }


def _chown_tree(top: str, uid: int) -> list[tuple[str, int, int]]:
    owners: list[tuple[str, int, int]] = []
    for base, _dirs, files in os.walk(top):  # every directory once as base
        for name in [base, *(os.path.join(base, n) for n in files)]:
            try:
                st = os.lstat(name)
                os.chown(name, uid, uid, follow_symlinks=False)
                owners.append((name, st.st_uid, st.st_gid))
            except OSError:
                pass
    return owners


def _restore_owners(owners: list[tuple[str, int, int]]) -> None:
    """Give the work directory back to its owners (new files: to the caller)."""
    if not owners:
        return
    before = {name: (u, g) for name, u, g in owners}
    top = owners[0][0]
    me = (os.geteuid(), os.getegid())
    for base, _dirs, files in os.walk(top):
        for name in [base, *(os.path.join(base, n) for n in files)]:
            uid, gid = before.get(name, me)
            try:
                os.chown(name, uid, gid, follow_symlinks=False)
            except OSError:
                pass


def _collect(
    pid: int,
    policy: SandboxPolicy,
    stdin: bytes | None,
    in_w: int,
    out_r: int,
    err_r: int,
    mark_r: int,
    status_r: int,
    started: float,
    on_output: Callable[[bytes], None] | None = None,
) -> dict[str, Any]:
    """Feed stdin, gather output and status until the launcher reports; enforce the wall
    clock and the output limit by killing the worker (and so its PID namespace)."""
    sel = selectors.DefaultSelector()
    buffers: dict[int, bytearray] = {out_r: bytearray(), err_r: bytearray(), mark_r: bytearray()}
    status_buf = bytearray()
    messages: list[dict[str, Any]] = []
    for fd in (out_r, err_r, mark_r, status_r):
        sel.register(fd, selectors.EVENT_READ)
    pending = memoryview(stdin or b"")
    if pending:
        os.set_blocking(in_w, False)
        sel.register(in_w, selectors.EVENT_WRITE)
    else:
        os.close(in_w)
    deadline = started + policy.wall_seconds
    max_output = policy.max_output_mb * 1024 * 1024
    worker_pid: int | None = None
    wall_hit = output_hit = False
    status_done = False
    linger_until: float | None = None

    def kill_all() -> None:
        # the worker is PID 1 of its namespace: killing it kills every process inside
        if worker_pid:
            try:
                os.kill(worker_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    try:
        while sel.get_map():
            now = time.monotonic()
            if not status_done and now >= deadline and not wall_hit:
                wall_hit = True
                kill_all()
                if worker_pid is None:
                    os.kill(pid, signal.SIGKILL)
            if status_done and linger_until is None:
                linger_until = now + 2.0
            if linger_until is not None and now >= linger_until:
                break  # something outside a PID namespace still holds a pipe
            if wall_hit and not status_done and now >= deadline + 10:
                os.kill(pid, signal.SIGKILL)  # the launcher itself is stuck
                break
            timeout = (linger_until or (deadline if not wall_hit else now + 5)) - now
            for key, _ in sel.select(max(0.0, min(timeout, 1.0))):
                fd = key.fd
                if fd == in_w:
                    try:
                        written = os.write(in_w, pending[:65536])
                    except (BrokenPipeError, BlockingIOError) as exc:
                        if isinstance(exc, BlockingIOError):
                            continue
                        written = len(pending)
                    pending = pending[written:]
                    if not pending:
                        sel.unregister(in_w)
                        os.close(in_w)
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    sel.unregister(fd)
                    if fd == status_r:
                        status_done = True
                    continue
                if fd == status_r:
                    status_buf += chunk
                    for line in bytes(status_buf).split(b"\n")[:-1]:
                        message = json.loads(line)
                        messages.append(message)
                        if message["kind"] == "child" and worker_pid is None:
                            worker_pid = message["pid"]
                            if wall_hit:
                                kill_all()
                    status_buf = status_buf[status_buf.rfind(b"\n") + 1 :]
                    continue
                buffers[fd] += chunk
                if fd == out_r and on_output is not None:
                    on_output(chunk)
                if (
                    fd != mark_r
                    and len(buffers[out_r]) + len(buffers[err_r]) > max_output
                    and not output_hit
                ):
                    output_hit = True
                    kill_all()
    finally:
        for key in list(sel.get_map().values()):
            sel.unregister(key.fd)
            os.close(key.fd)
        sel.close()
        if not status_done:
            kill_all()
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.waitpid(pid, 0)
        for fd in (out_r, err_r, mark_r, status_r):
            try:
                os.close(fd)
            except OSError:
                pass
    messages += [json.loads(line) for line in bytes(status_buf).split(b"\n") if line.strip()]
    return {
        "messages": messages,
        "stdout": bytes(buffers[out_r]),
        "stderr": bytes(buffers[err_r]),
        "marks": bytes(buffers[mark_r]),
        "wall_hit": wall_hit,
        "output_hit": output_hit,
    }
