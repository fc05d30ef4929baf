"""Timing: one fresh interpreter per run, rounds interleaved across contenders, results
compared with CPython's."""

from __future__ import annotations

import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .common import (
    BUILD_FAILED,
    DEFAULT_TIMEOUT,
    ENTRY,
    ERROR,
    MIN_REPEAT,
    NOT_INSTALLED,
    OK,
    UNAVAILABLE,
    WRONG,
    first_line,
    format_seconds,
)
from .contenders import BuildFailed, Contender, tail_lines
from .environment import environment_info
from .kernels import Kernel

# The timing harness, run as ``python -c WORKER FILE MODULE ENTRY N RESULT_FILE`` in a fresh
# process per run. It imports nothing from Pyvorin, so every contender is timed the same way.
WORKER = r"""
import importlib.machinery, importlib.util, json, sys, time
path, name, entry, arg, out = sys.argv[1:6]
if path.endswith(".py"):
    loader = importlib.machinery.SourceFileLoader(name, path)
else:
    loader = importlib.machinery.ExtensionFileLoader(name, path)
spec = importlib.util.spec_from_file_location(name, path, loader=loader)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
spec.loader.exec_module(module)
func = getattr(module, entry)
n = int(arg)

def canon(value):
    kind = type(value)
    if kind is float:
        return ["float", value.hex()]
    if kind is bool:
        return ["bool", value]
    if kind is int:
        return ["int", hex(value)]
    if kind is list or kind is tuple:
        return [kind.__name__, [canon(item) for item in value]]
    if value is None:
        return ["None"]
    return [kind.__module__ + "." + kind.__qualname__, repr(value)]

start = time.perf_counter()
result = func(n)
elapsed = time.perf_counter() - start
text = repr(result)
if len(text) > 200:
    text = text[:197] + "..."
with open(out, "w") as handle:
    json.dump({"seconds": elapsed, "canon": canon(result), "repr": text}, handle)
"""


@dataclass
class Sample:
    seconds: float
    canon: Any
    repr: str


class RunFailed(Exception):
    pass


def run_once(
    module_file: Path,
    module_name: str,
    arg: int,
    *,
    entry: str = ENTRY,
    timeout: float = DEFAULT_TIMEOUT,
    scratch: Path,
) -> Sample:
    """One timed call of ``entry(arg)`` in a fresh interpreter process."""
    out = scratch / "result.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-c", WORKER, str(module_file), module_name, entry, str(arg), str(out)]
    try:
        proc = subprocess.run(
            cmd, cwd=scratch, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise RunFailed(f"did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0 or not out.is_file():
        detail = tail_lines(proc.stderr, 3) or f"exit status {proc.returncode}"
        raise RunFailed(detail)
    data = json.loads(out.read_text(encoding="utf-8"))
    return Sample(float(data["seconds"]), data["canon"], data["repr"])


@dataclass
class Outcome:
    contender: str
    label: str
    status: str
    samples: list[float] = field(default_factory=list)
    detail: str = ""
    result: str = ""
    speedup: float | None = None
    build: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "median_seconds": self.median,
            "samples": self.samples,
            "speedup": self.speedup,
            "result": self.result,
            "detail": self.detail,
            "build": self.build,
        }


@dataclass
class KernelResult:
    kernel: Kernel
    size: int
    outcomes: dict[str, Outcome]
    expected: str = ""


@dataclass
class BenchReport:
    kernels: list[KernelResult]
    contenders: list[tuple[str, str, str]]  # (name, label, version or unavailable reason)
    repeat: int
    quick: bool
    environment: dict[str, str]

    def suites(self) -> list[str]:
        return list(dict.fromkeys(kr.kernel.suite for kr in self.kernels))

    def geomean(self, contender: str, suite: str | None = None) -> tuple[float | None, int]:
        """Geometric-mean speedup over CPython on the kernels where it ran correctly.

        ``suite`` limits it to one suite ("" is the top-level numeric kernels).
        """
        values = [
            kr.outcomes[contender].speedup
            for kr in self.kernels
            if contender in kr.outcomes
            and kr.outcomes[contender].speedup
            and (suite is None or kr.kernel.suite == suite)
        ]
        if not values:
            return None, 0
        return math.exp(sum(math.log(v) for v in values) / len(values)), len(values)

    def to_json(self) -> dict[str, Any]:
        return {
            "repeat": self.repeat,
            "quick": self.quick,
            "environment": self.environment,
            "contenders": [
                {"name": n, "label": lab, "version": v} for n, lab, v in self.contenders
            ],
            "kernels": [
                {
                    "name": kr.kernel.name,
                    "suite": kr.kernel.suite,
                    "file": str(kr.kernel.path),
                    "size": kr.size,
                    "expected": kr.expected,
                    "contenders": {n: o.to_json() for n, o in kr.outcomes.items()},
                }
                for kr in self.kernels
            ],
            "geomean_speedup": {
                n: self.geomean(n)[0] for n, _, _ in self.contenders if n != "cpython"
            },
            "geomean_speedup_by_suite": {
                suite or "numeric": {
                    n: self.geomean(n, suite)[0] for n, _, _ in self.contenders if n != "cpython"
                }
                for suite in self.suites()
            },
        }


def run_bench(
    kernels: Sequence[Kernel],
    contenders: Sequence[Contender],
    *,
    repeat: int = MIN_REPEAT,
    quick: bool = False,
    progress: Callable[[str], None] = lambda message: None,
    timeout: float = DEFAULT_TIMEOUT,
    workdir: Path | None = None,
) -> BenchReport:
    """Build every kernel with every contender, then time them in interleaved rounds.

    The first contender is the reference (CPython): the others are checked against its
    result and their speedup is its median time divided by theirs.
    """
    if repeat < MIN_REPEAT:
        raise UsageError(f"--repeat must be at least {MIN_REPEAT} (got {repeat})")
    if not contenders:
        raise UsageError("no contenders selected")
    owned = workdir is None
    root = Path(tempfile.mkdtemp(prefix="pyvorin-bench-") if owned else workdir).resolve()
    try:
        reasons: dict[str, str] = {}
        listed: list[tuple[str, str, str]] = []
        for c in contenders:
            reason = c.unavailable()
            listed.append((c.name, c.label, reason or c.version()))
            if reason is not None:
                reasons[c.name] = reason
                progress(f"{c.label}: {reason}")
        results = [
            _bench_kernel(k, contenders, reasons, repeat, quick, progress, timeout, root)
            for k in kernels
        ]
        return BenchReport(results, listed, repeat, quick, environment_info())
    finally:
        if owned:
            shutil.rmtree(root, ignore_errors=True)


def _bench_kernel(
    kernel: Kernel,
    contenders: Sequence[Contender],
    reasons: dict[str, str],
    repeat: int,
    quick: bool,
    progress: Callable[[str], None],
    timeout: float,
    root: Path,
) -> KernelResult:
    size = kernel.quick_size if quick else kernel.size
    outcomes: dict[str, Outcome] = {}
    usable = [c for c in contenders if c.name not in reasons]
    for c in contenders:
        if c.name in reasons:
            reason = reasons[c.name]
            status = NOT_INSTALLED if reason.startswith(NOT_INSTALLED) else UNAVAILABLE
            outcomes[c.name] = Outcome(c.name, c.label, status, detail=reason)
    # 1. build everything before any timing
    files: dict[str, Path] = {}
    for c in usable:
        progress(f"[{kernel.name}] building with {c.label}")
        start = time.perf_counter()
        try:
            files[c.name] = c.prepare(kernel, root / kernel.name / c.name)
        except BuildFailed as exc:
            outcomes[c.name] = Outcome(c.name, c.label, exc.status, detail=exc.detail)
            progress(f"[{kernel.name}] {c.label}: {exc.status}: {first_line(exc.detail)}")
            continue
        except Exception as exc:  # a crashing backend is reported, the others still run
            detail = f"internal error: {type(exc).__name__}: {exc}"
            outcomes[c.name] = Outcome(c.name, c.label, BUILD_FAILED, detail=detail)
            progress(f"[{kernel.name}] {c.label}: {BUILD_FAILED}: {detail}")
            continue
        progress(f"[{kernel.name}] {c.label} built in {time.perf_counter() - start:.1f} s")
        outcomes[c.name] = Outcome(c.name, c.label, OK, build=c.build_info())
    # 2. interleaved rounds of timed runs, one fresh process each
    reference = contenders[0].name
    expected: Any = None
    expected_repr = ""
    scratch = root / kernel.name / "_runs"
    scratch.mkdir(parents=True, exist_ok=True)
    for round_no in range(1, repeat + 1):
        for c in usable:
            outcome = outcomes[c.name]
            if outcome.status != OK:
                continue
            if c.name != reference and (expected is None or outcomes[reference].status != OK):
                continue
            try:
                sample = run_once(
                    files[c.name], kernel.name, size, timeout=timeout, scratch=scratch
                )
            except RunFailed as exc:
                outcome.status = ERROR
                outcome.detail = str(exc)
                outcome.samples.clear()
                progress(f"[{kernel.name}] {c.label}: error: {first_line(str(exc))}")
                continue
            if c.name == reference:
                if expected is None:
                    expected, expected_repr = sample.canon, sample.repr
                elif sample.canon != expected:
                    outcome.status = ERROR
                    outcome.detail = (
                        f"not deterministic: run {round_no} returned {sample.repr}, "
                        f"run 1 returned {expected_repr}"
                    )
                    outcome.samples.clear()
                    continue
            elif sample.canon != expected:
                outcome.status = WRONG
                outcome.detail = f"returned {sample.repr}, CPython returned {expected_repr}"
                outcome.result = sample.repr
                outcome.samples.clear()
                progress(f"[{kernel.name}] {c.label}: WRONG RESULT: {outcome.detail}")
                continue
            outcome.result = sample.repr
            outcome.samples.append(sample.seconds)
            progress(
                f"[{kernel.name}] {c.label} run {round_no}/{repeat}: "
                f"{format_seconds(sample.seconds)}"
            )
    ref = outcomes.get(reference)
    base = ref.median if ref and ref.status == OK else None
    for outcome in outcomes.values():
        if outcome.status == OK and base and outcome.median:
            outcome.speedup = base / outcome.median
    ordered = {c.name: outcomes[c.name] for c in contenders}
    return KernelResult(kernel, size, ordered, expected_repr)
