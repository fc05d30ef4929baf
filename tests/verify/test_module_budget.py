"""The module's time budget (verify.module-seconds), shared by its functions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pyvorin.verify.budget import SLOW_CALL_SECONDS, ModuleBudget, describe, protect, summarize
from pyvorin.verify.compare import BUDGET_CUT, inconclusive_reason
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project


def test_shares_pass_what_a_cheap_function_leaves_to_the_next():
    ledger = ModuleBudget(9.0, ["a", "b", "c"])
    assert ledger.admit("a", protected=False)  # a's share: 9 / 3 = 3 s
    ledger.charge("a", 1.0)
    assert ledger.admit("a", False)
    ledger.charge("a", 2.5)  # a spent 3.5 s: over its share
    assert not ledger.admit("a", False)
    assert ledger.admit("a", True)  # protected inputs always run
    # b's share: (9 - 3.5) / 2 = 2.75 s, but never under an even split (3 s): a's overrun
    # is not taken from b
    assert ledger.admit("b", False) and ledger.share["b"] == pytest.approx(3.0)
    ledger.charge("b", 0.25)  # b is cheap: c gets the rest
    assert ledger.admit("c", False) and ledger.share["c"] == pytest.approx(5.25)
    ledger.charge("c", 5.25)
    assert not ledger.admit("c", False)
    # a first function whose protected inputs took everything leaves the others their 1/3
    greedy = ModuleBudget(3.0, ["a", "b", "c"])
    greedy.charge("a", 10.0)
    assert greedy.admit("b", False) and greedy.share["b"] == pytest.approx(1.0)
    # no module budget (shrinking, top-up rounds): everything runs
    free = ModuleBudget(None, ["a"])
    free.charge("a", 1e9)
    assert free.admit("a", False)


def test_a_call_that_took_seconds_stops_inputs_of_its_size_or_larger():
    ledger = ModuleBudget(120.0, ["knapsack", "other"])
    ledger.charge("knapsack", 0.01, size=10)
    ledger.charge("knapsack", SLOW_CALL_SECONDS + 6.8, size=63)  # knapsack(0, ..., 2**62)
    assert ledger.slowed_by("knapsack", 63) == (63, SLOW_CALL_SECONDS + 6.8)
    assert not ledger.admit("knapsack", False, size=63)  # the same size class
    assert not ledger.admit("knapsack", False, size=200)  # larger
    assert ledger.admit("knapsack", False, size=40)  # smaller inputs still run
    assert ledger.admit("knapsack", True, size=500)  # protected (min-inputs) always runs
    assert ledger.admit("other", False, size=500)  # other functions are not affected
    assert ledger.admit("knapsack", False)  # a request without a size: only the share
    # a slow call of a smaller size lowers the bar; a larger one does not raise it
    ledger.charge("knapsack", 3.0, size=30)
    ledger.charge("knapsack", 9.0, size=90)
    assert ledger.slowed_by("knapsack", 30) == (30, 3.0)
    assert not ledger.admit("knapsack", False, size=40)
    # a fast call of any size changes nothing
    free = ModuleBudget(120.0, ["f"])
    free.charge("f", SLOW_CALL_SECONDS / 2, size=5)
    assert free.admit("f", False, size=10_000)
    assert inconclusive_reason(
        {"kind": "not-run", "cut": True, "slow": {"size": 63, "seconds": 8.8}}, 10.0
    ).startswith("not run: an input of this function no larger (size 63) already took 8.8 s")


def test_protected_inputs_are_the_chosen_ones_and_the_first_required():
    runs = [("f", "examples"), ("f", "generated"), ("f", "generated"), ("f", "generated"),
            ("g", "generated"), ("g", "doctests"), ("g", "generated")]  # fmt: skip
    assert protect(runs, {"f": 2, "g": 1}) == [True, True, True, False, True, True, False]


def test_summary_names_the_slowest_functions_only_when_short():
    replies = [("f", {"kind": "return", "ns": 2_000_000_000}), ("g", {"kind": "return", "ns": 10})]
    held = summarize(5.0, 1.0, replies)
    assert held == {"module_seconds": 5.0, "exhausted": False}  # no timings: reproducible
    assert describe("m", held) == ""
    replies += [("f", {"kind": "not-run", "cut": True})] * 3 + [("g", {"kind": "timeout"})]
    short = summarize(2.5, 1.0, replies)
    assert short["exhausted"] and short["cut"] == 3 and short["cut_by_function"] == {"f": 3}
    assert short["slowest"][0] == {"function": "f", "seconds": 2.0, "inputs": 1, "cut": 3}
    assert short["slowest"][1]["function"] == "g" and short["slowest"][1]["seconds"] == 1.0
    line = describe("m", short)
    assert "module time budget of 2.5 s" in line and "3 larger input(s) cut (f 3)" in line
    assert "slowest: m:f 2.0 s (1 inputs run, 3 cut); m:g 1.0 s (2 inputs run)" in line


# `grow` costs about n steps (capped so no call times out): its large generated sizes
# exhaust its share; `cheap` is constant time and leaves its share to `grow`
GROWING = """\
def cheap(x: int) -> int:
    return x + 1


def grow(n: int) -> int:
    total = 0
    for i in range(min(abs(n), 400_000)):
        total += i & 7
    return total
"""


def run(tmp_path: Path, source: str, release: bool = False, **project):
    root = tmp_path / "p"
    module = make_project(root, source=source, **project)
    lines: list[str] = []
    ctx = dataclasses.replace(make_context(root, MutantBackend([])), progress=lines.append)
    if release:
        ctx = dataclasses.replace(ctx, options=dataclasses.replace(ctx.options, release=True))
    result, report, _ = verify_module(ctx, module, compile_with(ctx, module, tmp_path))
    return result, report, lines


def test_a_short_budget_cuts_the_largest_inputs_and_names_the_slowest(tmp_path: Path):
    result, report, lines = run(
        tmp_path, GROWING, min_inputs=20, call_seconds=5, extra="module-seconds = 1\n"
    )
    assert result.passed, result.message  # min-inputs still met: cuts are beyond it
    budget = report["budget"]
    assert budget["exhausted"] and budget["module_seconds"] == 1.0
    assert budget["cut"] > 0 and set(budget["cut_by_function"]) == {"grow"}
    assert budget["slowest"][0]["function"] == "grow"
    by_name = {f["name"]: f for f in report["functions"]}
    grow = by_name["grow"]
    assert grow["conclusive"] >= 20
    cut = [item for item in grow["inconclusive"] if item["reason"] == BUDGET_CUT]
    assert len(cut) == budget["cut"]
    assert by_name["cheap"]["inconclusive"] == []
    assert result.summary["budget"] == {"exhausted": True, "cut": budget["cut"]}
    assert result.summary["settings"]["module_seconds"] == 1.0
    (line,) = [text for text in lines if "module time budget" in text]
    assert "kernels:grow" in line.split("slowest:")[1] and "cut (grow " in line

    # the default budget (120 s) holds: nothing cut, no timings in the report
    result, report, lines = run(tmp_path / "d", GROWING, min_inputs=20, call_seconds=5)
    assert result.passed, result.message
    assert report["budget"] == {"module_seconds": 120.0, "exhausted": False}
    assert not [text for text in lines if "module time budget" in text]


def test_lowering_the_budget_from_the_project_is_a_weakening(tmp_path: Path):
    from pyvorin.config import load_settings
    from pyvorin.errors import ConfigError
    from pyvorin.options import BuildOptions

    make_project(tmp_path / "p", source=GROWING, min_inputs=100, extra="module-seconds = 30\n")
    settings = load_settings(tmp_path / "p")
    assert settings["verify.module-seconds"] == 30
    assert any("module-seconds" in w for w in settings.weakenings)
    with pytest.raises(ConfigError, match="module-seconds"):
        BuildOptions.resolve(settings, command="compile", release=True)
    make_project(tmp_path / "u", source=GROWING, min_inputs=100, extra="module-seconds = 600\n")
    assert not load_settings(tmp_path / "u").weakenings
    make_project(tmp_path / "z", source=GROWING, min_inputs=100, extra="module-seconds = 0\n")
    with pytest.raises(ConfigError, match=r"verify.module-seconds: expected an integer >= 1"):
        load_settings(tmp_path / "z")


@pytest.mark.slow  # a real `pyvorin compile` (licence gate, C compiler, both workers)
def test_the_cli_names_the_slowest_functions_and_what_was_cut(tmp_path: Path):
    import json

    from tests.helpers import run_cli

    (tmp_path / "m.py").write_text(GROWING)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pyvorin]\nmodules = ["m.py"]\n[tool.pyvorin.verify]\nmodule-seconds = 1\n'
        "call-seconds = 5\n"
    )
    # (a project lowering the budget needs the user's opt-in: this folder's conftest)
    built = run_cli("compile", "m.py", "-o", "out", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (line,) = [text for text in built.stderr.splitlines() if "module time budget" in text]
    assert "module time budget of 1 s ([tool.pyvorin.verify] module-seconds) ran short" in line
    assert "larger input(s) cut (grow " in line and "slowest: m:grow " in line
    record = json.loads((tmp_path / "out" / "m.pyvorin.json").read_text())["verification"]
    assert record["budget"]["exhausted"] is True and record["budget"]["cut"] > 0
    assert record["settings"]["module_seconds"] == 1.0
    report = json.loads((tmp_path / "out" / record["report"]).read_text())
    assert report["budget"]["cut"] == record["budget"]["cut"]
    assert report["budget"]["slowest"][0]["function"] == "grow"
