"""Deliberate bugs injected by the mutant backend, each caught with the right diff.

Every test compiles the kernels module with ONE bug and checks that exactly the mutated
function fails, that the report names the input, its source, both outcomes and the
difference, and that the text printed and the JSON report say the same.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from pyvorin.exitcodes import ExitCode
from pyvorin.pipeline import run as run_pipeline
from pyvorin.verify.values import parse_float

from .backend import MutantBackend, make_context, make_project

pytestmark = pytest.mark.slow  # each test builds and verifies the kernels module with a bug


def only_failure(report: dict, name: str) -> dict:
    by_name = {f["name"]: f for f in report["functions"]}
    failed = sorted(n for n, f in by_name.items() if f["result"] != "passed")
    assert failed == [name], failed
    assert report["result"] == "failed"
    return by_name[name]


def kinds(finding: dict) -> list[str]:
    return [d["what"] for d in finding["differences"]]


def test_unmutated_copy_passes_with_zero_findings(verify_run):
    result, report, _ = verify_run()
    assert result.passed, result.message
    assert report["result"] == "passed"
    assert all(f["mismatches"] == 0 and not f["findings"] for f in report["functions"])
    # every function reached min-inputs (30); the no-parameter one needs exactly one call
    by_name = {f["name"]: f for f in report["functions"]}
    assert by_name["answer"]["conclusive"] == 1 and by_name["answer"]["required"] == 1
    assert all(f["conclusive"] >= 30 for n, f in by_name.items() if n != "answer")
    assert by_name["total"]["inputs"]["doctests"] == 1
    assert result.summary["result"] == "passed"
    assert result.summary["seed"] == 0
    assert result.summary["inputs"]["generated"] >= 9 * 30


def test_off_by_one_loop_bound(verify_run):
    result, report, _ = verify_run([("range(len(xs))", "range(len(xs) - 1)")])
    assert not result.passed
    function = only_failure(report, "total")
    first = function["findings"][0]
    # the doctest input comes first (sources in order) and shows both results
    assert first["source"] == "doctests"
    assert first["input"]["call"] == "total([1, 2, 3])"
    assert first["cpython"] == "returned 6"
    assert first["compiled"] == "returned 3"
    assert kinds(first) == ["return value"]
    generated = next(f for f in function["findings"] if f["source"] == "generated")
    shrunk = generated["shrunk"]
    args = shrunk["input"]["args"]
    # minimal: one element, the smallest that shows the bug
    assert len(args[0]["list"]) == 1, shrunk
    assert args[0]["list"][0] in ({"int": "1"}, {"int": "-1"}), shrunk
    assert "shrunk minimal failing input: total([" in result.message


def test_rounding_difference_in_the_last_bit(verify_run):
    result, report, _ = verify_run([("return s / len(xs)", "return s * (1.0 / len(xs))")])
    function = only_failure(report, "mean")
    finding = function["findings"][0]
    assert kinds(finding) == ["return value"]
    note = finding["differences"][0]["note"]
    assert note.startswith("floats differ bit for bit: ")
    a_hex, b_hex = note.removeprefix("floats differ bit for bit: ").split(" vs ")
    a, b = parse_float(a_hex), parse_float(b_hex.split(" ")[0])
    assert a != b and math.nextafter(a, b) == b, (a, b)  # exactly one ulp apart
    assert finding["differences"][0]["note"] in result.message


def test_wrong_exception_message(verify_run):
    _, report, _ = verify_run([('"mean of an empty list"', '"mean of empty list"')])
    function = only_failure(report, "mean")
    finding = function["findings"][0]
    assert finding["input"]["call"] == "mean([])"
    assert kinds(finding) == ["exception message"]
    assert finding["cpython"] == "raised ValueError: mean of an empty list"
    assert finding["compiled"] == "raised ValueError: mean of empty list"
    diff = finding["differences"][0]["diff"]
    assert "-mean of an empty list" in diff and "+mean of empty list" in diff
    # only the empty list raises: passed by position and by keyword
    assert {f["input"]["call"] for f in function["findings"]} == {"mean([])", "mean(xs=[])"}
    assert function["mismatches"] == 2


def test_missing_exception(verify_run):
    result, report, _ = verify_run(
        [('raise ZeroDivisionError("safe_div: division by zero")', "return 0")]
    )
    function = only_failure(report, "safe_div")
    finding = function["findings"][0]
    assert kinds(finding) == ["outcome"]
    assert finding["cpython"] == "raised ZeroDivisionError: safe_div: division by zero"
    assert finding["compiled"] == "returned 0"
    assert finding["shrunk"]["input"]["call"] == "safe_div(0, 0)"
    assert "safe_div(0, 0)" in result.message


def test_mutated_argument(verify_run):
    _, report, _ = verify_run([("    best = 0\n", "    best = 0\n    xs.sort()\n")])
    function = only_failure(report, "largest")
    finding = function["findings"][0]
    assert kinds(finding) == ["argument mutation"]
    difference = finding["differences"][0]
    assert difference["cpython"] == "left its arguments unchanged"
    assert difference["compiled"].startswith("changed its arguments to ([")
    diff = difference["diff"]
    assert diff.startswith("--- CPython\n+++ compiled")
    assert any(line.startswith("-") and not line.startswith("---") for line in diff.splitlines())
    # the shrunk input is a two-element list out of order
    shrunk = finding.get("shrunk") or next(
        f["shrunk"] for f in function["findings"] if f.get("shrunk")
    )
    assert len(shrunk["input"]["args"][0]["list"]) == 2


def test_negative_zero_for_zero(verify_run):
    _, report, _ = verify_run([("return -x", "return 0.0 - x")])
    function = only_failure(report, "negate")
    finding = function["findings"][0]
    assert finding["input"]["call"] == "negate(0.0)"
    assert finding["cpython"] == "returned -0.0  (float -0x0.0p+0)"
    assert finding["compiled"] == "returned 0.0  (float 0x0.0p+0)"
    assert "sign of zero differs" in finding["differences"][0]["note"]
    # -0.0 - -0.0 is 0.0 == -(-0.0): only a zero differs, a NaN (-nan flips the sign bit,
    # 0.0 - nan keeps the NaN as it is), and an int or bool passed for the float (this test
    # backend runs Python, which does not convert: -3 is an int, 0.0 - 3 a float)
    for other in function["findings"]:
        zero_or_nan = r"(0\.0|-?\d+|True|False|PvFloat\(0\.0\)|nan|float\('nan:0x[0-9a-f]+'\))"
        assert re.fullmatch(rf"negate\((x=)?{zero_or_nan}\)", other["input"]["call"])


def test_nan_mishandled(verify_run):
    _, report, _ = verify_run([("return x > 0.0", "return not (x <= 0.0)")])
    function = only_failure(report, "is_positive")
    finding = function["findings"][0]
    assert finding["input"]["call"] == "is_positive(nan)"
    assert finding["cpython"] == "returned False"
    assert finding["compiled"] == "returned True"
    # only NaNs differ: of either sign, with a payload, passed by keyword
    for other in function["findings"]:
        assert math.isnan(
            parse_float(
                next(iter(other["input"]["args"] or other["input"]["kwargs"].values()))["float"]
            )
        )


def test_extra_print(verify_run):
    _, report, _ = verify_run([("    return x * k", '    print("scaling", x)\n    return x * k')])
    function = only_failure(report, "scale")
    finding = function["findings"][0]
    assert kinds(finding) == ["stdout"]
    difference = finding["differences"][0]
    assert difference["cpython"] == "printed ''"
    assert difference["compiled"].startswith("printed 'scaling ")
    assert "+scaling " in difference["diff"]
    assert function["mismatches"] == function["conclusive"]  # every call prints


def test_hang_is_a_mismatch_and_does_not_hang_the_build(verify_run):
    _, report, stats = verify_run(
        [("while n > 0:", "while n != 0:")], call_seconds=1, min_inputs=20
    )
    function = only_failure(report, "halvings")
    finding = function["findings"][0]
    assert finding["cpython"] == "returned 0"
    assert finding["compiled"] == "did not finish within the 1 s per-call budget (killed)"
    assert kinds(finding) == ["outcome"]
    assert finding["input"]["call"] == "halvings(-1)"
    # after three budget overruns the function's remaining calls are not run
    assert function["mismatches"] == 3
    assert any("not compared" in i["reason"] for i in function["inconclusive"])
    # every other function still verified in the same (restarted) worker
    assert stats.run_seconds < 60


def test_mismatch_fails_the_pipeline_with_exit_4_and_writes_the_report(tmp_path: Path):
    module = make_project(tmp_path / "p", min_inputs=20)
    ctx = make_context(tmp_path / "p", MutantBackend([("return -x", "return 0.0 - x")]))
    result = run_pipeline(ctx, [module])
    assert result.exit_code == ExitCode.VERIFICATION == 4
    verify = next(s for s in result.modules[0].stages if s.stage == "verify")
    assert verify.status == "failed"
    assert re.search(r"kernels:negate: \d+ of \d+ inputs differ", verify.detail)
    assert re.search(r"input \(generated #\d+ \(targeted\)\): negate\(0\.0\)", verify.detail)
    report_file = tmp_path / "p" / "out" / "kernels.pyvorin-verify.json"
    assert str(report_file) in verify.detail
    report = json.loads(report_file.read_text())
    assert report["format"] == "pyvorin-verification-report"
    negate = next(f for f in report["functions"] if f["name"] == "negate")
    assert negate["findings"][0]["input"]["args"] == [{"float": "0x0.0p+0"}]
    assert [s.stage for s in result.modules[0].stages] == ["check", "compile", "verify"]
