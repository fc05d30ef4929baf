"""Inputs CPython itself answers differently run after run are never mismatches.

When the two outcomes of an input differ, the input runs once more under CPython: a second
CPython outcome that differs from the first makes it *nondeterministic under CPython*.
When the runs differ only in the returned value (elapsed time), the input is compared on
everything else and the value by its type; when they differ in how the call ended, it is
inconclusive with that reason and a hint naming the way out. A deterministic function
never differs from itself, so a real miscompilation stays a mismatch. Only differing
inputs are re-run.
"""

from __future__ import annotations

import pyvorin.verify.running as running

TIMED = """
import time


def elapsed(n: int) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(2000):  # tens of microseconds: two timings all but never coincide
        total += i * n
    return time.perf_counter() - started


def double(n: int) -> int:
    return 2 * n
"""


def _batches(monkeypatch):
    """Record (side, number of calls) of every worker batch."""
    seen: list[tuple[str, int]] = []
    original = running.run_side

    def recording(label, module_name, path, requests, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append((label, len(requests)))
        return original(label, module_name, path, requests, *args, **kwargs)

    monkeypatch.setattr(running, "run_side", recording)
    return seen


def test_a_function_returning_elapsed_time_is_compared_on_all_but_its_value(
    verify_run, monkeypatch
):
    batches = _batches(monkeypatch)
    result, report, _ = verify_run(source=TIMED, min_inputs=20)
    functions = {f["name"]: f for f in report["functions"]}
    elapsed, double = functions["elapsed"], functions["double"]
    assert double["result"] == "passed" and double["nondeterministic"] == 0
    assert "value_unchecked" not in double
    assert elapsed["mismatches"] == 0 and elapsed["findings"] == []
    # its value is elapsed time, which CPython itself never reproduces: every input that
    # returned is compared on the rest (exception, arguments, output), the value by type
    assert elapsed["result"] == "passed" and elapsed["conclusive"] >= 20
    assert elapsed["value_unchecked"] == elapsed["nondeterministic"] > 0
    assert elapsed["inconclusive"] == []
    assert any("does not reproduce" in note for note in elapsed["notes"])
    assert result.passed, result.message
    assert result.summary["mismatches"] == 0
    # the re-run costs one CPython call per differing input, and only those
    cpython = [n for label, n in batches if label == "cpython"]
    assert cpython[1] == elapsed["nondeterministic"]
    assert len(cpython) == 2, batches  # no top-up round: nothing was short


def test_a_wrong_compiled_function_is_still_a_mismatch(verify_run, monkeypatch):
    batches = _batches(monkeypatch)
    result, report, _ = verify_run(
        [("return 2 * n", "return 2 * n + (n == 7)")],
        source=TIMED,
        min_inputs=20,
        examples='[["kernels:double"]]\nargs = [7]\n',
    )
    functions = {f["name"]: f for f in report["functions"]}
    double = functions["double"]
    assert double["result"] == "mismatch" and double["mismatches"] == 1
    assert double["nondeterministic"] == 0
    assert double["findings"][0]["input"]["call"] == "double(7)"
    assert functions["elapsed"]["mismatches"] == 0
    assert not result.passed
    assert any(label == "cpython" and n >= 1 for label, n in batches[2:])


PARTLY = """
import time


def reading(n: int) -> float:
    if n < 0:
        return time.perf_counter()
    return n * 1.5
"""


def test_a_function_partly_nondeterministic_still_reports_its_real_mismatches(verify_run):
    result, report, _ = verify_run(
        [("return n * 1.5", "return n * 1.5 + (n == 7)")],
        source=PARTLY,
        min_inputs=20,
        examples='[["kernels:reading"]]\nargs = [7]\n',
    )
    (function,) = report["functions"]
    assert function["result"] == "mismatch" and function["mismatches"] == 1
    assert function["findings"][0]["input"]["call"] == "reading(7)"
    assert function["nondeterministic"] == function["value_unchecked"] > 0
    assert function["inconclusive"] == []  # its clock readings: compared by type
    assert 'interpreted = ["kernels:reading"]' in function["problem"]
    assert "1 differing input(s) on which CPython agreed with itself" in result.message
