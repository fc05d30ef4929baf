"""``-j N``: the per-module stages of a build in one process per module.

Why processes and not threads: the sandbox launcher forks and runs Python between fork
and exec, and a fork while another thread holds a lock can deadlock the child. So the
pipeline's process forks one worker per module (at most ``jobs`` at a time; no thread
runs in the parent: the live display redraws from this loop). A worker runs
:func:`pyvorin.pipeline.run_module` for its module (check, sandboxed compile,
verification, each stage still in its own sandbox) into the run's staging directory and
sends its :class:`~pyvorin.model.ModuleResult` back.

The parent keeps what must be single:

* the licence gate and the build tickets (decided before any worker starts; each module
  still has its ticket, which the signer puts in its manifest);
* signing, as each verified module's result arrives (the run's build number, the signing
  key and its counter live here);
* the audit log: a worker's events are sent to the parent, which records them through
  the audit hook (one writer of the hash chain);
* the staging directory's journaled commit and the output lock (:mod:`pyvorin.outputs`).

A module's failure is its result, as in a serial run: every module runs, the results are
kept in the modules' order, and the first failure in that order gives the exit code, so
``-j N`` fails with the same code, messages and "nothing written" as ``-j 1``. A worker
that ends without a result (killed, crashed) fails its module with exit 1, naming how it
ended.

Interrupts: a worker lets SIGINT pass (a terminal's Ctrl-C reaches the whole foreground
job; the parent decides) and turns SIGTERM/SIGHUP into :class:`~pyvorin.outputs.Interrupted`,
so it unwinds: its temporary directories are removed, its sandboxed children die with it
(they have PR_SET_PDEATHSIG). When the parent is interrupted or fails, it sends every
worker SIGTERM, waits (SIGKILL after :data:`GRACE_SECONDS`) and only then lets the
exception through to the staging directory's cleanup, so no worker outlives the build or
writes into a removed staging directory. A worker also dies with its parent (SIGTERM by
PR_SET_PDEATHSIG) if the parent is killed outright.

Messages go over one pipe per worker as length-prefixed pickles. The parent writes the
workers' progress as whole lines through the run's one progress channel, so lines of
parallel modules never interleave mid-line.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
import time
from typing import Any

from .exitcodes import ExitCode
from .model import BuildContext, ModuleResult, ModuleSpec, PipelineResult, StageOutcome
from .progress import Progress

TICK_SECONDS = 0.2  # how often the parent's loop wakes to redraw the live display
GRACE_SECONDS = 10.0  # how long an interrupted worker has to unwind before SIGKILL
INPUTS_SECONDS = 0.1  # a worker sends its input counts at most this often
_HEADER = struct.Struct("!I")


class _Channel:
    """The worker's end of its pipe: whole frames, one writer."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, *message: Any) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]


class _Forward(Progress):
    """A worker's progress channel: every report goes to the parent's."""

    def __init__(self, channel: _Channel) -> None:
        super().__init__(lambda text: channel.send("line", text))
        self.channel = channel
        self._sent: dict[str, float] = {}

    def stage(self, module: str, stage: str) -> None:
        self.channel.send("stage", module, stage)

    def inputs(self, module: str, side: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._sent.get(side, 0.0) < INPUTS_SECONDS:
            return
        self._sent[side] = now
        self.channel.send("inputs", module, side, done, total)


def _worker_signals() -> None:
    from .outputs import Interrupted

    def interrupt(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    # Ctrl-C is the parent's to act on; a handler that does nothing rather than SIG_IGN,
    # which the sandboxed compiler and verification workers would inherit across exec
    signal.signal(signal.SIGINT, lambda signum, frame: None)
    signal.signal(signal.SIGTERM, interrupt)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, interrupt)


def _die_with_parent(parent: int) -> None:
    """SIGTERM this worker when the parent dies (Linux); exit now if it already has."""
    try:
        from .sandbox.kernel import PR_SET_PDEATHSIG, _prctl

        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except Exception:  # pragma: no cover - not Linux: the parent's cleanup stops workers
        pass
    if os.getppid() != parent:
        os._exit(128 + signal.SIGTERM)


def _worker(ctx: BuildContext, module: ModuleSpec, fd: int, parent: int) -> int:
    """Runs in the forked worker: the module's stages up to verification. Returns the
    worker's exit status; never raises into the parent's stack (the caller os._exits)."""
    from .pipeline import STAGES, run_module

    _worker_signals()
    _die_with_parent(parent)
    channel = _Channel(fd)
    ctx.progress = _Forward(channel)
    # one writer of the audit log: the parent records the worker's events
    ctx.audit = lambda type, **details: channel.send("audit", type, details)  # type: ignore[method-assign]
    module_result = ModuleResult(module)
    ready = run_module(ctx, module_result, STAGES)
    channel.send("done", module_result, ready)
    return 0


class _Worker:
    """The parent's view of one worker process."""

    def __init__(self, index: int, module: ModuleSpec, pid: int, fd: int) -> None:
        self.index, self.module, self.pid, self.fd = index, module, pid, fd
        self.buffer = b""
        self.stage = "check"
        self.result: ModuleResult | None = None
        self.ready = False
        self.status: int | None = None

    def messages(self, data: bytes) -> list[tuple]:
        self.buffer += data
        out = []
        while len(self.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(self.buffer)
            if len(self.buffer) < _HEADER.size + size:
                break
            out.append(pickle.loads(self.buffer[_HEADER.size : _HEADER.size + size]))
            self.buffer = self.buffer[_HEADER.size + size :]
        return out

    def reap(self) -> None:
        _, status = os.waitpid(self.pid, 0)
        self.status = status

    def how(self) -> str:
        if self.status is None:
            return "it did not end"
        if os.WIFSIGNALED(self.status):
            return f"killed by {signal.Signals(os.WTERMSIG(self.status)).name}"
        return f"exit status {os.WEXITSTATUS(self.status)}"


def _spawn(ctx: BuildContext, index: int, module: ModuleSpec) -> _Worker:
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
        stream.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker; coverage does not follow the fork
        code = 1
        try:
            os.close(read_fd)
            code = _worker(ctx, module, write_fd, parent)
        except KeyboardInterrupt as exc:
            code = getattr(exc, "exit_code", 128 + signal.SIGINT)
        except BaseException:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(write_fd)
    return _Worker(index, module, pid, read_fd)


def _lost(ctx: BuildContext, worker: _Worker) -> ModuleResult:
    """The result of a module whose worker ended without sending one."""
    name = worker.module.name
    detail = (
        f"the worker process building {name} (pid {worker.pid}) ended without a result "
        f"during the {worker.stage} stage ({worker.how()})"
    )
    ctx.audit(
        "refusal", module=name, stage=worker.stage, reason=detail, exit_code=int(ExitCode.INTERNAL)
    )
    result = ModuleResult(worker.module)
    result.stages.append(StageOutcome(worker.stage, "failed", 0.0, detail, ExitCode.INTERNAL))
    return result


def _dispatch(ctx: BuildContext, worker: _Worker, message: tuple) -> None:
    from .progress import report_stage

    kind = message[0]
    if kind == "line":
        ctx.progress(message[1])
    elif kind == "stage":
        worker.stage = message[2]
        report_stage(ctx.progress, message[1], message[2])
    elif kind == "inputs":
        if isinstance(ctx.progress, Progress):
            ctx.progress.inputs(*message[1:])
    elif kind == "audit":
        ctx.audit(message[1], **message[2])
    elif kind == "done":
        worker.result, worker.ready = message[1], message[2]


def _stop(workers: list[_Worker]) -> None:
    """SIGTERM every worker, wait for them to unwind, SIGKILL those that do not."""
    for worker in workers:
        try:
            os.kill(worker.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + GRACE_SECONDS
    waiting = list(workers)
    while waiting:
        for worker in list(waiting):
            pid, status = os.waitpid(worker.pid, os.WNOHANG)
            if pid:
                worker.status = status
                waiting.remove(worker)
        if waiting and time.monotonic() > deadline:
            for worker in waiting:
                os.kill(worker.pid, signal.SIGKILL)
                worker.reap()
            waiting = []
        elif waiting:
            time.sleep(0.02)
    for worker in workers:
        try:
            os.close(worker.fd)
        except OSError:
            pass


def run_parallel(ctx: BuildContext, modules: list[ModuleSpec], result: PipelineResult) -> None:
    """Build ``modules`` with ``ctx.options.jobs`` worker processes; sign in this one.

    Appends one :class:`ModuleResult` per module to ``result``, in the modules' order.
    """
    from .outputs import signals_held
    from .pipeline import module_finished, sign_module

    jobs = max(1, min(ctx.options.jobs, len(modules)))
    if ctx.options.use_cache:  # the compile cache's MAC key, made once here, not per worker
        from .compiler import cache

        cache.secret()
    slots: list[ModuleResult | None] = [None] * len(modules)
    queue = list(enumerate(modules))
    running: dict[int, _Worker] = {}
    try:
        while queue or running:
            while queue and len(running) < jobs:
                index, module = queue.pop(0)
                worker = _spawn(ctx, index, module)
                running[worker.fd] = worker
            ready, _, _ = select.select(list(running), [], [], TICK_SECONDS)
            for fd in ready:
                worker = running[fd]
                data = os.read(fd, 1 << 16)
                if data:
                    for message in worker.messages(data):
                        _dispatch(ctx, worker, message)
                    continue
                del running[fd]
                os.close(fd)
                worker.reap()
                module_result = worker.result or _lost(ctx, worker)
                slots[worker.index] = module_result
                if worker.result is not None and worker.ready:
                    sign_module(ctx, module_result)
                module_finished(ctx, module_result)
            if isinstance(ctx.progress, Progress):
                ctx.progress.tick()
    except BaseException:
        with signals_held():  # a second Ctrl-C does not cut the cleanup short
            _stop(list(running.values()))
        raise
    result.modules.extend(s for s in slots if s is not None)
