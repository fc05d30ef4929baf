"""Live progress: lines while the verification workers run, not only after the module."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pyvorin.verify import progress as progress_module
from pyvorin.verify.inputs import InputCase
from pyvorin.verify.progress import LiveProgress
from pyvorin.verify.signature import parse_functions
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project

SLOW = """
import time


def slow(n: int) -> int:
    time.sleep(0.02)
    return n + 1


def quick(n: int) -> int:
    return n * 2
"""


def test_lines_come_while_the_workers_run(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "PROGRESS_SECONDS", 0.4)
    root = tmp_path / "p"
    module = make_project(root, source=SLOW, min_inputs=60, call_seconds=5)
    ctx = make_context(root, MutantBackend())
    lines: list[tuple[float, str]] = []
    ctx.progress = lambda text: lines.append((time.monotonic(), text))
    compiled = compile_with(ctx, module, tmp_path / "w")
    result, _, _ = verify_module(ctx, module, compiled)
    assert result.passed, result.message
    live = [
        (t, text)
        for t, text in lines
        if text.startswith("  kernels:slow: ") and " so far, " in text
    ]
    assert live, lines
    # while the CPython worker runs: counts grow, and the lines are spread over time (a
    # worker's output read only at its end would give them all at once)
    cpython = [(t, text) for t, text in live if ": CPython " in text]
    counts = [int(text.split(": CPython ")[1].split(" of ")[0]) for _, text in cpython]
    assert counts == sorted(counts) and len(set(counts)) == len(counts), cpython
    assert cpython[-1][0] - cpython[0][0] >= 0.3, cpython
    assert all("slowest " in text and "slow(" in text for _, text in live), live
    # final lines for the slow function on both sides; none for the quick one
    finals = [text for _, text in lines if " inputs, " in text and " so far" not in text]
    assert any(t.startswith("  kernels:slow: CPython ") for t in finals), lines
    assert any(t.startswith("  kernels:slow: compiled ") for t in finals), lines
    # the summary lines still come last, one per function
    summary = [text for _, text in lines if ": passed, " in text]
    assert sorted(s.split(":")[1] for s in summary) == ["quick", "slow"], summary
    assert lines[-1][1] in summary


@pytest.fixture
def owners(tmp_path: Path):
    source = tmp_path / "m.py"
    source.write_text(
        "def f(n: int) -> int:\n    return n\n\ndef g(n: int) -> int:\n    return n\n"
    )
    functions = {f.name: f for f in parse_functions("m", source)}
    return [
        (functions["f" if i < 3 else "g"], InputCase((i,), {}, "generated", f"#{i}"))
        for i in range(5)
    ]


def test_short_functions_print_nothing_and_a_long_one_its_final_line(owners) -> None:
    now = [0.0]
    lines: list[str] = []
    live = LiveProgress(lines.append, "m", owners, interval=5.0, clock=lambda: now[0])
    requests = [{"id": i, "function": owners[i][0].name} for i in range(5)]
    on_reply = live.side("CPython", requests)
    for i in range(3):  # f: fast
        now[0] += 0.1
        on_reply({"id": i, "kind": "returned", "ns": 1000})
    assert lines == []
    now[0] += 4.0
    on_reply({"id": 3, "kind": "returned", "ns": 4_000_000_000})
    assert lines == []  # 4.3 s since the side started: no line yet
    now[0] += 3.0
    on_reply({"id": 4, "kind": "returned", "ns": 3_000_000_000})
    assert lines == ["  m:g: CPython 2 of 2 inputs, 7.0 s, slowest 4000.0 ms: g(3)"]


def test_a_line_every_interval_while_a_function_runs(owners) -> None:
    now = [0.0]
    lines: list[str] = []
    live = LiveProgress(lines.append, "m", owners, interval=5.0, clock=lambda: now[0])
    requests = [{"id": i, "function": "f"} for i in range(3)]
    on_reply = live.side("compiled", requests)
    now[0] = 2.0
    on_reply({"id": 0, "kind": "returned", "ns": 7_000_000})
    now[0] = 6.0
    on_reply({"id": 1, "kind": "not-run"})
    assert lines == ["  m:f: compiled 2 of 3 inputs so far, 4.0 s, slowest 7.0 ms: f(0)"]
    on_reply({"id": 99, "kind": "returned"})  # not a request of this module: ignored
    assert len(lines) == 1
