"""What counts: min-inputs, inconclusive calls, budgets, crashes, reproducibility."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pyvorin.errors import VerificationError
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project


def run(tmp_path: Path, source: str, mutations=(), **project):
    root = tmp_path / "p"
    module = make_project(root, source=source, **project)
    ctx = make_context(root, MutantBackend(list(mutations)))
    return verify_module(ctx, module, compile_with(ctx, module, tmp_path))


def test_unannotated_parameters_get_values_of_several_types(tmp_path: Path):
    source = "def f(x, n: int) -> int:\n    return n\n"
    result, report, _ = run(tmp_path, source, min_inputs=5)
    assert result.passed, result.message
    (f,) = report["functions"]
    assert f["conclusive"] >= 5 and f["inputs"]["generated"] == f["conclusive"]


def test_function_short_of_inputs_fails_naming_how_to_add(tmp_path: Path):
    # every input but one takes longer than the budget (negative or not): short of
    # min-inputs
    source = "def f(x, n: int) -> int:\n    while n != 0:\n        pass\n    return n\n"
    result, report, _ = run(tmp_path, source, min_inputs=5, call_seconds=1)
    assert not result.passed
    (f,) = report["functions"]
    assert f["result"] == "insufficient-inputs"
    problem = f["problem"]
    assert f"verified on {f['conclusive']} conclusive input(s), 5 required" in problem
    assert '[["kernels:f"]]' in problem and "doctest" in problem and "corpus" in problem
    assert "annotate x" in problem
    assert "kernels:f: not enough inputs" in result.message


def test_examples_make_an_untyped_function_verifiable(tmp_path: Path):
    source = "def f(x, n: int) -> int:\n    return n\n"
    examples = "".join(f'[["kernels:f"]]\nargs = [{i}, {i * 7}]\n\n' for i in range(5))
    result, report, _ = run(tmp_path, source, min_inputs=5, examples=examples)
    assert result.passed, result.message
    assert report["functions"][0]["inputs"]["examples"] == 5


def test_cpython_timeouts_are_inconclusive_and_do_not_count(tmp_path: Path):
    source = "def spin(b: bool) -> int:\n    while b:\n        pass\n    return 0\n"
    _, report, _ = run(tmp_path, source, min_inputs=40, call_seconds=1)
    (f,) = report["functions"]
    # two possible inputs: both are required, and spin(True) never finishes under CPython
    assert f["required"] == 2
    assert f["result"] == "insufficient-inputs"
    assert f["mismatches"] == 0 and f["conclusive"] == 1
    (entry,) = f["inconclusive"]
    assert entry["input"]["call"] == "spin(True)"
    assert entry["reason"] == "CPython did not finish within the 1 s per-call budget"
    assert "verified on 1 conclusive input(s), 2 required" in f["problem"]
    assert "1 inconclusive" in f["problem"]


def test_inputs_cpython_cannot_finish_are_replaced_by_smaller_ones(tmp_path: Path):
    source = (
        "def count(n: int) -> int:\n    c = 0\n    while c < n:\n        c += 1\n    return c\n"
    )
    result, report, _ = run(tmp_path, source, min_inputs=40, call_seconds=1)
    (f,) = report["functions"]
    assert result.passed, result.message
    reasons = [i["reason"] for i in f["inconclusive"]]
    assert "CPython did not finish within the 1 s per-call budget" in reasons
    assert f["conclusive"] >= 40
    # 40 inputs were generated first; the ones CPython could not finish were topped up
    assert f["conclusive"] + len(f["inconclusive"]) > 40


def test_cpython_memory_error_is_inconclusive(tmp_path: Path):
    source = "def zeros(n: int) -> int:\n    return len([0] * n)\n"
    _, report, _ = run(tmp_path, source, min_inputs=20, call_seconds=5)
    (f,) = report["functions"]
    reasons = {i["reason"] for i in f["inconclusive"]}
    assert "CPython ran out of the per-call memory budget (MemoryError)" in reasons
    assert f["mismatches"] == 0


def test_compiled_crash_is_a_mismatch_naming_the_signal(tmp_path: Path):
    source = "def f(n: int) -> int:\n    return n + 1\n"
    mutation = (
        "    return n + 1",
        "    if n == 7:\n        import os; os.abort()\n    return n + 1",
    )
    _, report, _ = run(tmp_path, source, [mutation], min_inputs=20)
    (f,) = report["functions"]
    finding = f["findings"][0]
    assert finding["input"]["call"] == "f(7)"
    assert finding["cpython"] == "returned 8"
    assert finding["compiled"].startswith("the worker process died (SIGABRT)")
    # the worker restarted and the other inputs were still compared; only n == 7 differs
    # (by position, by keyword, or as an int subclass instance)
    assert f["conclusive"] > 20 and 1 <= f["mismatches"] <= 3
    assert all("7" in finding["input"]["call"] for finding in f["findings"])


def test_function_missing_from_the_compiled_module(tmp_path: Path):
    source = "def f(n: int) -> int:\n    return n\n\n\ndef g() -> int:\n    return 1\n"
    _, report, _ = run(tmp_path, source, [("def g()", "def renamed()")], min_inputs=5)
    g = next(f for f in report["functions"] if f["name"] == "g")
    assert g["findings"][0]["compiled"] == "the module has no such function"


def test_artifact_that_cannot_be_imported_fails_verification(tmp_path: Path):
    source = "def f(n: int) -> int:\n    return n\n"
    with pytest.raises(VerificationError, match=r"could not import kernels .*ZeroDivisionError"):
        run(tmp_path, source, [("def f", "1 / 0\n\n\ndef f")], min_inputs=5)


def test_same_seed_same_inputs_and_same_report(tmp_path: Path):
    mutations = [("return s / len(xs)", "return s * (1.0 / len(xs))")]
    root = tmp_path / "p"
    module = make_project(root, seed=1234)
    reports = []
    for out in ("out1", "out2"):
        ctx = make_context(root, MutantBackend(mutations), out=root / out)
        compiled = compile_with(ctx, module, tmp_path)
        result, report, _ = verify_module(ctx, module, compiled)
        assert not result.passed
        report.pop("report")
        reports.append(report)
        on_disk = json.loads((root / out / "kernels.pyvorin-verify.json").read_text())
        on_disk.pop("report")
        assert on_disk == report
    # the second build reused the functions that passed (the cache says so); otherwise the
    # same seed gives the same report
    assert reports[0].pop("reused") == []
    assert {r["function"] for r in reports[1].pop("reused")} == {
        f["name"] for f in reports[0]["functions"] if f["result"] == "passed"
    }
    assert reports[0] == reports[1]
    mean = next(f for f in reports[0]["functions"] if f["name"] == "mean")
    assert mean["findings"] and mean["findings"][0].get("shrunk")

    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace("seed = 1234", "seed = 99")
    )
    ctx = make_context(root, MutantBackend(mutations), out=root / "out3")
    _, other, _ = verify_module(ctx, module, compile_with(ctx, module, tmp_path))
    other.pop("report")
    assert other["seed"] == 99
    first_inputs = [f["input"] for f in mean["findings"]]
    other_mean = next(f for f in other["functions"] if f["name"] == "mean")
    assert first_inputs != [f["input"] for f in other_mean["findings"]]


def test_summary_for_the_manifest(tmp_path: Path):
    source = 'def f(n: int) -> int:\n    """\n    >>> f(3)\n    3\n    """\n    return n\n'
    result, _, _ = run(tmp_path, source, min_inputs=10, examples='[["kernels:f"]]\nargs = [5]\n')
    assert result.passed
    generated = result.summary["inputs"]["generated"]
    assert generated >= 10  # the targeted set (3 is one of its values), then seeded ones
    report_file = tmp_path / "p" / "out" / "kernels.pyvorin-verify.json"
    from pyvorin import __version__

    assert result.summary == {
        "result": "passed",
        "verifier": {"name": "pyvorin.verify", "version": __version__},
        "settings": {
            "min_inputs": 10,
            "min_coverage": 90,
            "min_branch_coverage": 80,
            "call_seconds": 2.0,
            "module_seconds": 120.0,
            "memory_mb": 1024,
            "release": False,
        },
        "seed": 0,
        "seed_source": "config",
        "min_inputs": 10,
        "functions": 1,
        "interpreted": [],  # functions declared interpreted: none here
        "inputs": {"examples": 1, "doctests": 1, "corpus": 0, "generated": generated},
        "inconclusive": 0,
        "mismatches": 0,
        "budget": {"exhausted": False, "cut": 0},
        "coverage": {
            "lines": 1,
            "covered": 1,
            "lowest_percent": 100.0,
            "branches": 0,
            "branches_covered": 0,
            "lowest_branch_percent": 100.0,
        },
        "report": "kernels.pyvorin-verify.json",
        "report_sha256": hashlib.sha256(report_file.read_bytes()).hexdigest(),
    }
    assert result.report_path == tmp_path / "p" / "out" / "kernels.pyvorin-verify.json"


# every generated input is inconclusive (the smallest n never finishes, and CPython stops
# a function's inputs at its first overrun); the examples (n >= 1000) run first and finish
SMALL_DOMAIN = "def f(x, n: int) -> int:\n    while n < 1000:\n        pass\n    return n\n"
SMALL_EXAMPLES = "".join(f'[["kernels:f"]]\nargs = [{i}, {1000 + i * 7}]\n\n' for i in range(3))


def test_exhaustive_examples_are_the_whole_domain(tmp_path: Path):
    examples = SMALL_EXAMPLES + '[exhaustive]\n"kernels:f" = true\n'
    result, report, _ = run(
        tmp_path, SMALL_DOMAIN, min_inputs=50, examples=examples, call_seconds=1
    )
    assert result.passed, result.message
    (f,) = report["functions"]
    assert f["exhaustive"] is True and f["required"] == 3 and f["conclusive"] == 3


def test_without_the_declaration_min_inputs_still_applies(tmp_path: Path):
    result, report, _ = run(
        tmp_path, SMALL_DOMAIN, min_inputs=50, examples=SMALL_EXAMPLES, call_seconds=1
    )
    assert not result.passed
    (f,) = report["functions"]
    assert f["exhaustive"] is False and f["required"] == 50


def test_an_exhaustive_domain_must_be_entirely_conclusive(tmp_path: Path):
    # generated inputs never finish either (the smallest, n = 0, stops the rest); those
    # with a negative x finish, but no generated input stands in for an example
    source = "def f(x, n: int) -> int:\n    while n == 2 or n < 1:\n        pass\n    return n\n"
    examples = "".join(f'[["kernels:f"]]\nargs = [{i}, {i}]\n\n' for i in range(1, 5))
    examples += '[exhaustive]\n"kernels:f" = true\n'
    result, report, _ = run(tmp_path, source, min_inputs=50, examples=examples, call_seconds=1)
    assert not result.passed  # f(2, 2) never finishes: the domain is not covered
    (f,) = report["functions"]
    assert f["required"] == 4 and f["inputs"].get("examples", 0) < 4
    assert f["result"] == "insufficient-inputs"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[exhaustive]\n"kernels:f" = 1\n', "expected true, found 1"),
        ('[exhaustive]\n"kernels.f" = true\n', 'expected "module:function"'),
        ('[exhaustive]\n"kernels:nosuch" = true\n', "has no top-level function 'nosuch'"),
        ('[exhaustive]\n"kernels:f" = true\n', "declared exhaustive but has no examples"),
    ],
)
def test_bad_exhaustive_declarations_name_the_file(tmp_path: Path, table, message):
    from pyvorin.errors import ConfigError

    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as info:
        run(tmp_path, SMALL_DOMAIN, min_inputs=5, examples=table)
    assert "examples.toml" in str(info.value)
