"""Compile several C translation units in parallel, then link them: one sandboxed command.

    python -I -S ccdriver.py PLAN.json

The sandbox runs one command at a time, so the toolchain runs this small driver as that
command and the driver runs the C compiler on each unit, ``jobs`` at a time, then the
linker once. It uses the standard library only (it runs with ``-I -S``, no site packages)
and reads a plan written by :mod:`pyvorin.compiler.toolchain`::

    {"jobs": 2,
     "compile": [{"unit": "mod__u1.c", "argv": ["cc", ..., "-c", "mod__u1.c", "-o", ...]}],
     "link": ["cc", ..., "-o", "mod.build.so"]}

Output: every compiler message on stderr, each line prefixed with its unit's name, and on
stdout one ``pyvorin-ccdriver: cpu <unit> <seconds>`` line per finished job (its CPU
time, the compiler's child processes included). Exit status: 0
when every unit compiled and the link succeeded; otherwise the failing command's status
(128 + N when a signal N ended it). The first failure stops the build: units not yet
started are not started, running ones are stopped.

A failure caused by a sandbox limit (a compiler killed by SIGXCPU, gcc's "CPU time limit
exceeded" or "out of memory allocating", a fork refused under the process limit...) is
named on the sandbox's marker descriptor (``PYVORIN_SANDBOX_MARK_FD``), so the sandbox
reports it as that limit (exit 7) instead of as a compiler error.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time

# what a limit hit looks like in a compiler's output -> the sandbox's marker for it
_LIMIT_TEXT = (
    ("CPU time limit exceeded", "cpu"),
    ("out of memory allocating", "memory"),
    ("virtual memory exhausted", "memory"),
    ("Cannot allocate memory", "memory"),
    ("File too large", "file-size"),
    ("Too many open files", "open-files"),
    ("cannot fork", "processes"),
    ("Cannot fork", "processes"),
    ("fork: Resource temporarily unavailable", "processes"),
)
_LIMIT_SIGNALS = {signal.SIGXCPU: "cpu", signal.SIGXFSZ: "file-size"}
_LIMIT_ERRNOS = {errno.EAGAIN: "processes", errno.EMFILE: "open-files", errno.ENFILE:
                 "open-files", errno.ENOMEM: "memory", errno.EFBIG: "file-size"}  # fmt: skip
MARK_ENV = "PYVORIN_SANDBOX_MARK_FD"  # pyvorin.sandbox.MARK_ENV (this file imports nothing)


def limit_of(returncode: int, output: str) -> str | None:
    """The sandbox limit a failed compiler run hit, from its status and output, or None."""
    if returncode < 0 and -returncode in _LIMIT_SIGNALS:
        return _LIMIT_SIGNALS[-returncode]
    for text, mark in _LIMIT_TEXT:
        if text in output:
            return mark
    return None


def _mark(limit: str) -> None:
    fd = os.environ.get(MARK_ENV, "")
    if fd.isdigit():
        try:
            os.write(int(fd), limit.encode() + b"\n")
        except OSError:
            pass


def _status(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def _process_budget(jobs: int) -> int:
    """At most as many parallel jobs as the process limit allows (cc + cc1 + as each)."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    except (ImportError, OSError, ValueError):
        return jobs
    if soft == resource.RLIM_INFINITY:
        return jobs
    return max(1, min(jobs, (soft - 2) // 3))


class _Job:
    def __init__(self, unit: str, argv: list[str]) -> None:
        self.unit = unit
        self.argv = argv
        self.log = f"{unit}.log"
        self.cpu = 0.0
        with open(self.log, "wb") as sink:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
            )

    def poll(self, block: bool = False) -> int | None:
        """The exit code (negative: killed by that signal) once ended, else None; records
        the CPU seconds of the job and the processes it waited for (cc1, as)."""
        if self.proc.returncode is not None:
            return self.proc.returncode
        pid, status, usage = os.wait4(self.proc.pid, 0 if block else os.WNOHANG)
        if pid == 0:
            return None
        self.cpu = usage.ru_utime + usage.ru_stime
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return self.proc.returncode

    def output(self) -> str:
        try:
            with open(self.log, "rb") as f:
                return f.read().decode(errors="replace")
        finally:
            try:
                os.unlink(self.log)
            except OSError:
                pass


def _report(unit: str, text: str) -> None:
    for line in text.splitlines():
        sys.stderr.write(f"{unit}: {line}\n")


CPU_PREFIX = "pyvorin-ccdriver: cpu"


def _cpu_line(job: _Job) -> None:
    """One line per finished job on stdout: ``pyvorin-ccdriver: cpu <unit> <seconds>``."""
    sys.stdout.write(f"{CPU_PREFIX} {job.unit} {job.cpu:.3f}\n")
    sys.stdout.flush()


def _fail(unit: str, returncode: int, output: str, argv: list[str]) -> int:
    _report(unit, output)
    sys.stderr.write(f"{unit}: failed (exit {_status(returncode)}): {' '.join(argv)}\n")
    limit = limit_of(returncode, output)
    if limit is not None:
        sys.stderr.write(f"{unit}: the {limit} limit of the sandbox was hit\n")
        _mark(limit)
    return _status(returncode) or 1


def _start(unit: str, argv: list[str]) -> _Job | int:
    try:
        return _Job(unit, argv)
    except OSError as exc:
        sys.stderr.write(f"{unit}: cannot run {argv[0]}: {exc.strerror}\n")
        limit = _LIMIT_ERRNOS.get(exc.errno or 0)
        if limit is not None and exc.errno != errno.ENOENT:
            _mark(limit)
        return 127 if exc.errno == errno.ENOENT else 1


def run_plan(plan: dict) -> int:
    pending = [(c["unit"], list(c["argv"])) for c in plan["compile"]]
    jobs = _process_budget(max(1, int(plan.get("jobs") or 1)))
    running: list[_Job] = []
    failure = 0
    while (pending and not failure) or running:
        while pending and not failure and len(running) < jobs:
            started = _start(*pending.pop(0))
            if isinstance(started, int):
                failure = started
            else:
                running.append(started)
        if failure:
            for job in running:
                job.proc.kill()
        for job in list(running):
            code = job.poll()
            if code is None:
                continue
            running.remove(job)
            output = job.output()
            if code != 0 and not failure:
                failure = _fail(job.unit, code, output, job.argv)
                for other in running:
                    other.proc.kill()
            elif code == 0:
                _report(job.unit, output)
                _cpu_line(job)
        if running:
            time.sleep(0.01)
    if failure:
        return failure
    link = _start("link", list(plan["link"]))
    if isinstance(link, int):
        return link
    code = link.poll(block=True)
    output = link.output()
    if code != 0:
        return _fail("link", code, output, link.argv)
    _report("link", output)
    _cpu_line(link)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: ccdriver.py PLAN.json\n")
        return 2
    with open(args[0], encoding="utf-8") as f:
        plan = json.load(f)
    return run_plan(plan)


if __name__ == "__main__":
    sys.exit(main())
