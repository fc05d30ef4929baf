"""Inputs whose returned value CPython itself does not reproduce (elapsed time, a random
draw) are compared on everything else, and the value by its type; a function that is
nondeterministic on one input gets more CPython runs of its other differing inputs before
a difference counts as a mismatch (docs/verification.md, "Progress and inconclusive
inputs")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyvorin.verify.nondeterminism import EXTRA_RECHECKS, recheck_differing
from pyvorin.verify.report import render_text
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project

SOURCE = """\
import time


def timed_fill(xs: list[int], n: int) -> float:
    started = time.perf_counter()
    for i in range(n % 50):
        xs.append(i * 2)
    if n < -1000:
        raise ValueError(f"negative size {n}")
    return time.perf_counter() - started
"""


def _verify(tmp_path: Path, mutations=()):
    root = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
    module = make_project(root, source=SOURCE, min_inputs=30)
    ctx = make_context(root, MutantBackend(list(mutations)))
    return verify_module(ctx, module, compile_with(ctx, module, tmp_path))


def test_a_timing_function_verifies_on_everything_but_its_value(tmp_path: Path):
    result, report, _ = _verify(tmp_path)
    assert result.passed, result.message
    entry = report["functions"][0]
    assert entry["result"] == "passed"
    assert entry["conclusive"] >= 30
    assert entry["value_unchecked"] >= 1
    assert any("does not reproduce" in note for note in entry["notes"])
    assert "with a return value or objects as built CPython itself does not reproduce" in (
        render_text(report)
    )


def test_what_else_a_timing_function_does_is_still_compared(tmp_path: Path):
    result, report, _ = _verify(tmp_path, [("xs.append(i * 2)", "xs.append(i * 3)")])
    assert not result.passed
    entry = report["functions"][0]
    assert entry["result"] == "mismatch"
    assert "argument mutation" in [d["what"] for d in entry["findings"][0]["differences"]]
    result, report, _ = _verify(tmp_path, [('f"negative size {n}"', 'f"negative: {n}"')])
    assert not result.passed  # deterministic exceptions of the same function
    result, report, _ = _verify(
        tmp_path, [("return time.perf_counter() - started", "return int(time.perf_counter())")]
    )
    assert not result.passed
    whats = [d["what"] for d in report["functions"][0]["findings"][0]["differences"]]
    assert whats == ["return value type"]


STAMPED = """\
import time


class Stamp:
    def __init__(self) -> None:
        self.started = time.time()  # differs in every run: the input is built anew


def work(stamp: Stamp, n: int) -> int:
    if n < 0:
        raise ValueError(f"negative: {n}")
    return n * 3 + 1
"""


def test_an_input_built_with_a_timestamp_is_compared_on_the_rest(tmp_path: Path):
    """CPython's two runs differ only in the objects the input's recipe built (a
    constructor's timestamp): the input is conclusive on the result, the exception and
    the output; a miscompiled result is still a mismatch."""

    def verify(mutations=()):
        root = tmp_path / f"s{len(list(tmp_path.iterdir()))}"
        module = make_project(root, source=STAMPED, min_inputs=20)
        ctx = make_context(root, MutantBackend(list(mutations)))
        return verify_module(ctx, module, compile_with(ctx, module, tmp_path))

    result, report, _ = verify()
    assert result.passed, result.message
    entry = next(f for f in report["functions"] if f["name"] == "work")
    assert entry["conclusive"] >= 20 and entry["value_unchecked"] >= 20
    result, report, _ = verify([("n * 3 + 1", "n * 3 + 2")])
    assert not result.passed
    entry = next(f for f in report["functions"] if f["name"] == "work")
    assert entry["result"] == "mismatch"
    assert [d["what"] for d in entry["findings"][0]["differences"]] == ["return value"]


class _ScriptedSide:
    """A CPython side whose reruns answer from a script (which rerun ends differently
    cannot be produced on demand with a real clock)."""

    def __init__(self, answers: list[list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.runs: list[int] = []
        self.budget = type("B", (), {"call_seconds": 1.0})()

    def run(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.runs.append(len(requests))
        return self.answers[len(self.runs) - 1][: len(requests)]


def _reply(value: float) -> dict[str, Any]:
    return {"kind": "return", "value": {"float": float(value).hex()}, "stdout": "", "stderr": ""}


def test_inputs_that_agree_by_chance_get_more_reruns_when_the_function_is_unstable():
    requests = [
        {"id": i, "function": name, "args": [], "kwargs": {}}
        for i, name in enumerate(["timed", "timed", "steady"])
    ]
    cpython = [_reply(1.0), _reply(2.0), _reply(5.0)]
    compiled = [_reply(1.5), _reply(2.5), _reply(6.0)]
    side = _ScriptedSide(
        [
            [_reply(1.1), _reply(2.0), _reply(5.0)],  # input 0 moves; 1 agrees by chance
            [_reply(2.0)],  # input 1 agrees once more
            [_reply(2.2)],  # ... and then moves: nondeterministic
        ]
    )
    recheck_differing(side, requests, cpython, compiled, converts=False)
    assert cpython[0]["nondeterministic"] == ["return value"]
    assert cpython[1]["nondeterministic"] == ["return value"]
    assert "nondeterministic" not in cpython[2]  # another function: one rerun, a mismatch
    assert side.runs == [3, 1, 1]
    assert EXTRA_RECHECKS == 2


def test_one_test_of_a_conclusive_input_serves_every_use():
    """Coverage evidence, top-up, the report and shrinking ask the same
    question; a value-only nondeterministic input is conclusive for all of them."""
    from pyvorin.verify.compare import NONDETERMINISTIC
    from pyvorin.verify.nondeterminism import NOT_COMPARED, pair_differences, unusable_reason

    value_only = _reply(1.0) | {"nondeterministic": ["return value"]}
    assert unusable_reason(value_only, _reply(9.0), 1.0) is None
    assert pair_differences(value_only, _reply(9.0), 1.0, []) == []
    wrong_type = {"kind": "return", "value": 9, "stdout": "", "stderr": ""}
    assert [d["what"] for d in pair_differences(value_only, wrong_type, 1.0, [])] == [
        "return value type"
    ]
    printed = value_only | {"nondeterministic": ["return value", "stdout"]}
    assert unusable_reason(printed, _reply(9.0), 1.0) == NONDETERMINISTIC
    raised = {"kind": "raise", "type": "ValueError", "message": "x", "stdout": "", "stderr": ""}
    assert unusable_reason(value_only, raised, 1.0) == NONDETERMINISTIC
    assert unusable_reason(_reply(1.0), {"kind": "not-run"}, 1.0) == NOT_COMPARED
    assert "per-call budget" in unusable_reason({"kind": "timeout"}, _reply(1.0), 2.0)
    assert [d["what"] for d in pair_differences(_reply(1.0), _reply(9.0), 1.0, [])] == [
        "return value"
    ]
