"""A function without parameters has one input: when it does not finish within
call-seconds (under line tracing), it runs once more under single-call-seconds without
tracing, on both sides, and is compared as any input (docs/verification.md, "The module
time budget")."""

from __future__ import annotations

from pathlib import Path

from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project

SOURCE = """\
import time


def settle() -> int:
    time.sleep(1.5)  # longer than call-seconds = 1, under any tracing
    return 42


def step(x: int) -> int:
    return x + 1
"""


def _verify(tmp_path: Path, single: int, mutations=()):
    root = tmp_path / f"p{single}{len(list(tmp_path.iterdir()))}"
    module = make_project(
        root,
        source=SOURCE,
        min_inputs=10,
        call_seconds=1,
        extra=f"single-call-seconds = {single}\n",
    )
    ctx = make_context(root, MutantBackend(list(mutations)))
    compiled = compile_with(ctx, module, tmp_path)
    return verify_module(ctx, module, compiled)


def _entry(report, name):
    return next(f for f in report["functions"] if f["name"] == name)


def test_the_one_input_runs_again_under_the_longer_budget(tmp_path: Path):
    result, report, _ = _verify(tmp_path, 10)
    assert result.passed, result.message
    settle = _entry(report, "settle")
    assert settle["result"] == "passed"
    assert settle["conclusive"] == 1
    (note,) = [n for n in settle["notes"] if "single-call-seconds" in n]
    assert "single-call-seconds = 10 without it" in note
    assert "call-seconds = 1 under line tracing" in note
    assert "notes" not in _entry(report, "step") or not any(
        "single-call-seconds" in n for n in _entry(report, "step")["notes"]
    )


def test_a_difference_in_the_longer_run_is_a_mismatch(tmp_path: Path):
    result, report, _ = _verify(tmp_path, 10, [("return 42", "return 43")])
    assert not result.passed
    settle = _entry(report, "settle")
    assert settle["result"] == "mismatch"
    assert "returned 43" in settle["findings"][0]["compiled"]


def test_no_longer_budget_leaves_it_inconclusive(tmp_path: Path):
    result, report, _ = _verify(tmp_path, 1)
    assert not result.passed
    settle = _entry(report, "settle")
    assert settle["result"] == "insufficient-inputs"
    assert settle["inconclusive"][0]["reason"] == (
        "CPython did not finish within the 1 s per-call budget"
    )


def test_a_function_of_one_argument_less_object_is_a_single_input_too(tmp_path: Path):
    # f(bm: Context) with Context() the only recipe: one input, like a function without
    # parameters (a mypyc benchmark taking its BenchmarkContext)
    source = SOURCE.replace(
        "def settle() -> int:",
        "class Context:\n    def __init__(self) -> None:\n        self.runs = 0\n\n\n"
        "def settle(bm: Context) -> int:",
    )
    root = tmp_path / "context"
    module = make_project(
        root, source=source, min_inputs=10, call_seconds=1, extra="single-call-seconds = 10\n"
    )
    ctx = make_context(root, MutantBackend([]))
    result, report, _ = verify_module(ctx, module, compile_with(ctx, module, tmp_path))
    assert result.passed, result.message
    settle = _entry(report, "settle")
    assert settle["result"] == "passed" and settle["required"] == settle["conclusive"] == 1
    assert any("single-call-seconds = 10 without it" in n for n in settle["notes"])


# a domain declared exhaustive: every example must be conclusive, and one of them (the
# benchmark size, as fannkuch's main(9)) takes longer than call-seconds under tracing
DOMAIN = """\
import time


def settle_for(n: int) -> int:
    if n >= 3:
        time.sleep(1.5)  # longer than call-seconds = 1, under any tracing
    return n * 2
"""
DOMAIN_EXAMPLES = """\
"kernels:settle_for" = [{ args = [1] }, { args = [2] }, { args = [3] }, { args = [4] }]

[exhaustive]
"kernels:settle_for" = true
"""


def _verify_domain(tmp_path: Path, mutations=()):
    root = tmp_path / "domain"
    module = make_project(
        root,
        source=DOMAIN,
        min_inputs=10,
        call_seconds=1,
        examples=DOMAIN_EXAMPLES,
        extra="single-call-seconds = 10\n",
    )
    ctx = make_context(root, MutantBackend(list(mutations)))
    compiled = compile_with(ctx, module, tmp_path)
    return verify_module(ctx, module, compiled)


def test_the_examples_of_a_declared_domain_run_again_under_the_longer_budget(tmp_path: Path):
    # settle_for(3) timed out, settle_for(4) was then not run: without the longer run the
    # domain is short of two examples (and generated inputs do not stand in for them)
    result, report, _ = _verify_domain(tmp_path)
    assert result.passed, result.message
    entry = _entry(report, "settle_for")
    assert entry["exhaustive"] is True and entry["required"] == 4
    assert entry["inputs"]["examples"] == 4
    notes = [n for n in entry["notes"] if "single-call-seconds" in n]
    assert [n.split(" did not")[0] for n in notes] == [
        "its example settle_for(3)",
        "its example settle_for(4)",
    ]


def test_a_difference_in_a_declared_domains_longer_run_is_a_mismatch(tmp_path: Path):
    result, report, _ = _verify_domain(tmp_path, [("return n * 2", "return n * 2 + (n == 4)")])
    assert not result.passed
    entry = _entry(report, "settle_for")
    assert entry["result"] == "mismatch"
    assert [f["input"]["call"] for f in entry["findings"]] == ["settle_for(4)"]
