"""Where the test suite's CPU goes: per-test CPU seconds, and a report over them.

The machine running the suite is often shared, so wall time is noisy; CPU seconds are not.
With ``PYVORIN_TEST_CPU=FILE`` set, tests/conftest.py registers :class:`CpuTimer`, which
appends one JSON line per test to FILE: the CPU seconds of the test process and of its
waited-for children (``getrusage`` deltas around setup, call and teardown), and the wall
time. Each process (an xdist worker or the ``-n 0`` process) also appends a ``<process>``
line at the end of its session with its whole CPU time, so collection and start-up show as
the difference. Unset, nothing is registered and nothing is measured.

Caveat: a process that is not waited for by the test process (a daemon that double-forks,
such as PostgreSQL's postmaster under ``pg_ctl``) is invisible to ``RUSAGE_CHILDREN``.
``python -m tests.cputime run -- ARGS`` runs ``pytest ARGS`` as a child subreaper
(``PR_SET_CHILD_SUBREAPER``): orphaned descendants are re-parented to it and reaped, so
the total it prints includes them.

``python -m tests.cputime report FILE [--top N]`` prints the heaviest tests and the
totals per test directory and per test file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

ENV = "PYVORIN_TEST_CPU"


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


class CpuTimer:
    """A pytest plugin appending one line per test to ``path`` (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self._home_objects: dict[str, int] = {}

    def _write(self, record: dict) -> None:
        line = (json.dumps(record, sort_keys=True) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)  # one write per line: concurrent workers do not interleave
        finally:
            os.close(fd)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        own0, children0 = _cpu()
        wall0 = time.perf_counter()
        yield
        own1, children1 = _cpu()
        self._write(
            {
                "test": item.nodeid,
                "home_objects": self._home_objects.pop(item.nodeid, 0),
                "self": round(own1 - own0, 4),
                "children": round(children1 - children0, 4),
                "wall": round(time.perf_counter() - wall0, 4),
                "worker": self.worker,
            }
        )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item):
        # before teardown restores the environment: the C runtime objects this test's
        # PYVORIN_HOME build cache compiled (what a fresh home costs a generic-tier build)
        home = os.environ.get("PYVORIN_HOME")
        if home:
            objects = Path(home) / "cache" / "native" / "objects"
            self._home_objects[item.nodeid] = sum(1 for _ in objects.rglob("*.so"))
        yield

    def pytest_sessionfinish(self, session):
        own, children = _cpu()
        self._write(
            {"test": "<process>", "self": round(own, 4), "children": round(children, 4)}
            | {"worker": self.worker}
        )


# --------------------------------------------------------------------------- report


def load(paths: list[Path]) -> tuple[list[dict], list[dict]]:
    tests, processes = [], []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{number}: not a JSON line: {exc}") from None
            (processes if record["test"] == "<process>" else tests).append(record)
    return tests, processes


def _cpu_of(record: dict) -> float:
    return record["self"] + record["children"]


def report(paths: list[Path], top: int) -> str:
    tests, processes = load(paths)
    out = []
    total = sum(map(_cpu_of, tests))
    out.append(f"{len(tests)} tests, {total:.1f} CPU s in tests")
    if processes:
        # an xdist controller's children are its workers, already counted: its own CPU only
        workers = any(p["worker"] != "main" for p in processes)
        whole = sum(
            p["self"] if workers and p["worker"] == "main" else _cpu_of(p) for p in processes
        )
        out.append(
            f"{len(processes)} process(es), {whole:.1f} CPU s in all "
            f"({whole - total:.1f} s start-up, collection and session teardown)"
        )
    out.append(f"\ntop {top} tests (CPU s = self + children; wall s)")
    for record in sorted(tests, key=_cpu_of, reverse=True)[:top]:
        out.append(
            f"{_cpu_of(record):8.1f} {record['self']:7.1f} {record['children']:8.1f} "
            f"{record['wall']:7.1f}  {record['test']}"
        )
    for title, key in (
        ("directory", lambda t: "/".join(t.split("::")[0].split("/")[:2])),
        ("file", lambda t: t.split("::")[0]),
    ):
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for record in tests:
            entry = sums[key(record["test"])]
            entry[0] += _cpu_of(record)
            entry[1] += 1
        out.append(f"\nper {title} (CPU s, tests)")
        for name, (cpu, count) in sorted(sums.items(), key=lambda kv: -kv[1][0]):
            out.append(f"{cpu:8.1f} {int(count):5d}  {name}")
    return "\n".join(out)


def run(args: list[str]) -> int:
    """``pytest ARGS`` as a child subreaper; prints its whole CPU time, descendants included."""
    import ctypes
    import subprocess

    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    wall = time.perf_counter()
    status = subprocess.call([sys.executable, "-m", "pytest", *args])
    while True:  # reap orphans re-parented to this process
        try:
            os.wait()
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"cputime: {usage.ru_utime + usage.ru_stime:.1f} CPU s "
        f"(user {usage.ru_utime:.1f}, sys {usage.ru_stime:.1f}), "
        f"wall {time.perf_counter() - wall:.1f} s, exit {status}",
        file=sys.stderr,
    )
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cputime", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="heaviest tests and totals from FILE(s)")
    rep.add_argument("files", nargs="+", type=Path)
    rep.add_argument("--top", type=int, default=30)
    runner = sub.add_parser("run", help="pytest ARGS, printing its whole CPU time")
    runner.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "report":
        print(report(args.files, args.top))
        return 0
    pytest_args = args.pytest_args
    if pytest_args[:1] == ["--"]:
        pytest_args = pytest_args[1:]
    return run(pytest_args)


if __name__ == "__main__":
    sys.exit(main())
