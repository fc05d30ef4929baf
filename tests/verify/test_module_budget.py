"""The module's time budget (verify.module-seconds), shared by its functions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pyvorin.verify.budget import (
    CAP,
    COMPILED_MARGIN,
    LEFT,
    SHARED,
    SHRINK_SHARE,
    SLOW_CALL_SECONDS,
    Ledger,
    ModuleBudget,
    describe,
    protect,
    summarize,
)
from pyvorin.verify.compare import BUDGET_CUT, TOP_UP_CUT, inconclusive_reason
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
    # no budget (CPython re-running the inputs that differed): everything runs
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


def summary(seconds: float, runs, shrinking: Ledger | None = None) -> dict:
    """The budget entry of ``(function, CPython reply, compiled reply)`` runs, each side's
    ledger charged with its replies as the batches' workers would."""
    ledger = Ledger(seconds)
    ledger.charge("cpython", [cpy for _, cpy, _ in runs], 1.0)
    ledger.charge("compiled", [cmp for _, _, cmp in runs], 1.0)
    shrinking = shrinking or Ledger(seconds * SHRINK_SHARE, shares=False)
    names, cpython, compiled = zip(*runs, strict=True)
    return summarize(ledger, shrinking, 1.0, names, cpython, compiled)


def test_summary_names_the_slowest_functions_only_when_short():
    ok = {"kind": "return", "ns": 10}
    runs = [("f", {"kind": "return", "ns": 2_000_000_000}, ok), ("g", ok, ok)]
    held = summary(5.0, runs)
    assert held == {"module_seconds": 5.0, "exhausted": False}  # no timings: reproducible
    assert describe("m", held) == ""
    runs += [("f", {"kind": "not-run", "cut": True}, {"kind": "not-run"})] * 3
    runs += [("g", {"kind": "timeout"}, {"kind": "not-run"})]
    short = summary(2.5, runs)
    assert short["exhausted"] and short["cut"] == 3 and short["cut_by_function"] == {"f": 3}
    assert short["slowest"][0] == {"function": "f", "seconds": 2.0, "inputs": 1, "cut": 3}
    assert short["slowest"][1]["function"] == "g" and short["slowest"][1]["seconds"] == 1.0
    assert "compiled" not in short and "shrink" not in short and "top_up_cut" not in short
    line = describe("m", short)
    assert "module time budget of 2.5 s" in line and "3 larger input(s) cut (f 3)" in line
    assert "slowest: m:f 2.0 s (1 inputs run, 3 cut); m:g 1.0 s (2 inputs run)" in line


def test_later_batches_get_what_is_left_and_the_compiled_side_a_cap():
    # CPython's later batches (top-up): what is left of the module's budget; the
    # deficit min-inputs still lacks (protected) runs regardless, the spares do not
    left = ModuleBudget(10.0, ["f"], spent=9.5, mode=LEFT)
    assert left.admit("f", False) and left.admit("f", True)
    left.charge("f", 0.5)
    assert not left.admit("f", False) and left.admit("f", True)
    # the compiled side: one cap, nothing exempt, no cost-aware cut of its own
    cap = ModuleBudget(1.5, ["f"], spent=1.0, mode=CAP)
    cap.charge("f", SLOW_CALL_SECONDS, size=10)
    assert cap.slowed_by("f", 10) is None
    assert not cap.admit("f", True) and not cap.admit("f", False)
    # the host's ledger carries each side's spending from batch to batch
    ledger = Ledger(10.0)
    assert ledger.header("cpython") == {"seconds": 10.0, "spent": 0.0, "mode": SHARED}
    ledger.charge("cpython", [{"kind": "return", "wall_ns": 4_000_000_000}], 1.0)
    assert ledger.header("cpython") == {"seconds": 10.0, "spent": 4.0, "mode": LEFT}
    # the compiled cap: (1 + margin) x the larger of the budget and what CPython spent
    assert ledger.allowance("compiled") == (1 + COMPILED_MARGIN) * 10.0
    ledger.charge("cpython", [{"kind": "timeout"}] * 8, 1.0)  # protected inputs overran it
    assert ledger.allowance("compiled") == (1 + COMPILED_MARGIN) * 12.0
    cap_seconds = ledger.allowance("compiled")
    assert ledger.header("compiled") == {"seconds": cap_seconds, "spent": 0.0, "mode": CAP}
    ledger.charge("compiled", [{"kind": "return", "ns": int(cap_seconds * 1e9)}], 1.0)
    assert ledger.spent_out("compiled")
    assert not ModuleBudget.from_header(ledger.header("compiled"), ["f"]).admit("f", True)
    assert ledger.cut_reason() == (
        "not compared: the compiled code exceeded the module's time budget "
        f"({cap_seconds:.1f} s against CPython's 12.0 s)"
    )
    assert inconclusive_reason({"kind": "not-run", "cut": LEFT}, 1.0) == TOP_UP_CUT


def test_summary_says_what_the_compiled_cap_top_up_and_shrinking_stopped():
    ok = {"kind": "return", "wall_ns": 100_000_000}
    slow = {"kind": "return", "wall_ns": 2_000_000_000}
    capped = {"kind": "not-run", "cut": CAP}
    runs = [("f", ok, slow), ("f", ok, capped), ("g", ok, capped)]
    shrinking = Ledger(0.25, shares=False)
    shrinking.cut_short.append("h")
    entry = summary(1.0, runs, shrinking)
    # CPython neither cut nor overran: its times decided nothing and are not listed
    assert "spent_seconds" not in entry and entry["exhausted"]
    assert entry["compiled"] == {
        "spent_seconds": 2.0, "cpython_seconds": 0.3, "allowance_seconds": 1.5, "cut": 2,
        "cut_by_function": {"f": 1, "g": 1},
    }  # fmt: skip
    assert entry["shrink"] == {"share_seconds": 0.25, "spent_seconds": 0.0, "cut_short": ["h"]}
    line = describe("m", entry)
    assert (
        "the compiled code took 2.0 s against CPython's 0.30 s, over its allowance of 1.5 s" in line
    )
    assert "2 input(s) not compared (f 1, g 1)" in line and "shrinking cut short" in line
    assert line.endswith("reported: m:h") and "CPython calls took" not in line
    # top-up spares cut once the module's budget was spent are counted apart
    runs = [("f", {"kind": "timeout"}, {"kind": "not-run"})]
    runs += [("f", {"kind": "not-run", "cut": LEFT}, {"kind": "not-run"})] * 4
    entry = summary(1.0, runs)
    assert entry["cut"] == 4 and entry["top_up_cut"] == 4 and "compiled" not in entry
    assert "4 of them top-up inputs beyond what min-inputs lacked" in describe("m", entry)


def test_shrinking_stops_when_out_of_time_with_the_smallest_found_so_far():
    from pyvorin.verify.shrink import shrink
    from pyvorin.verify.signature import TypeSpec

    rounds = []

    def first_failing(batch: list[tuple]) -> int | None:  # fails for n >= 10
        rounds.append(batch)
        return next((i for i, (n,) in enumerate(batch) if n >= 10), None)

    smallest, tried, cut = shrink((1000,), [TypeSpec("int")], first_failing, lambda: rounds != [])
    assert cut and len(rounds) == 1 and tried == len(rounds[0])
    assert smallest == (500,)  # round 1's first failing candidate (1000 // 2)
    smallest, _, cut = shrink((1000,), [TypeSpec("int")], first_failing)
    assert not cut and smallest == (10,)  # with time left it finishes


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


def run(tmp_path: Path, source: str, release: bool = False, mutations=(), **project):
    root = tmp_path / "p"
    module = make_project(root, source=source, **project)
    lines: list[str] = []
    backend = MutantBackend(list(mutations))
    ctx = dataclasses.replace(make_context(root, backend), progress=lines.append)
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


# CPython's calls take microseconds; the compiled code (a mutation) burns a sum over a
# range of 50 million ints in every call: half a second here, the same on every Python
# (no line tracing involved), so its cap (1.5 x the 1 s budget) is spent long before the
# 20 inputs min-inputs requires have run, however fast or loaded the machine
SLOW_WORK = """\
def work(n: int) -> int:
    total = 0
    for i in range(min(abs(n), 100)):
        total += i
    return total
"""
SLOWDOWN = ("    total = 0\n", "    total = sum(range(50_000_000)) * 0\n")


def test_compiled_code_far_slower_than_cpython_fails_closed(tmp_path: Path):
    import json

    from pyvorin.exitcodes import ExitCode
    from pyvorin.pipeline import run as run_pipeline

    root = tmp_path / "p"
    module = make_project(
        root, source=SLOW_WORK, min_inputs=20, call_seconds=10, extra="module-seconds = 1\n"
    )
    result = run_pipeline(make_context(root, MutantBackend([SLOWDOWN])), [module])
    assert result.exit_code == ExitCode.VERIFICATION == 4
    report = json.loads((root / "out" / "kernels.pyvorin-verify.json").read_text())
    assert report["result"] == "failed"
    (work,) = report["functions"]
    assert work["result"] == "insufficient-inputs" and work["conclusive"] < work["required"]
    budget = report["budget"]
    compiled = budget["compiled"]
    assert budget["exhausted"] and "spent_seconds" not in budget  # CPython's held
    assert compiled["spent_seconds"] >= compiled["allowance_seconds"]
    assert compiled["allowance_seconds"] == (1 + COMPILED_MARGIN) * 1.0
    assert compiled["cpython_seconds"] < compiled["spent_seconds"]
    # every input it did not compare says why, with both sides' times
    assert compiled["cut"] == len(work["inconclusive"]) > 0
    assert compiled["cut_by_function"] == {"work": compiled["cut"]}
    (reason,) = {item["reason"] for item in work["inconclusive"]}
    assert (
        reason.startswith("not compared: the compiled code exceeded the module's time budget (")
        and " s against CPython's " in reason
    )
    # no top-up: with the cap spent, no compiled call could run
    assert not [i for i in work["inconclusive"] if "top-up" in i.get("origin", "")]
    verify = next(s for s in result.modules[0].stages if s.stage == "verify")
    assert "not compared because the compiled code exceeded the module's time budget" in (
        verify.detail
    )
    assert "ran short: the compiled code took " in verify.detail
    assert f"{compiled['cut']} input(s) not compared (work {compiled['cut']})" in verify.detail


def test_a_budget_that_holds_decides_nothing(tmp_path: Path):
    """A normal module (the compiled side no slower than CPython, a failing function
    shrunk within shrinking's share): the report is the one a budget of a day gives, bar
    the budget's own number. (Against the verifier before the ledgers, by hand: these
    kernels, passing and with three mutations, gave byte-identical reports and texts.)"""
    mutations = [("range(len(xs))", "range(len(xs) - 1)")]  # `total` fails: it is shrunk
    outcomes = []
    for seconds in (120, 86400):
        root = tmp_path / str(seconds)
        module = make_project(root, min_inputs=30, extra=f"module-seconds = {seconds}\n")
        ctx = make_context(root, MutantBackend(mutations))
        result, report, _ = verify_module(ctx, module, compile_with(ctx, module, tmp_path))
        assert report.pop("budget") == {"module_seconds": float(seconds), "exhausted": False}
        for key in ("source", "report"):
            report[key] = report[key].replace(str(root), "ROOT")
        outcomes.append((report, result.message.replace(str(root), "ROOT")))
    assert outcomes[0] == outcomes[1]
    report, message = outcomes[0]
    total = next(f for f in report["functions"] if f["name"] == "total")
    shrunk = next(f["shrunk"] for f in total["findings"] if f.get("shrunk"))
    assert "cut_short" not in shrunk and shrunk["input"]["call"] in ("total([1])", "total([-1])")
    assert "cut short" not in message and "module time budget" not in message


# CPython's calls cost up to a quarter of a second each, by |n| (a sum over a range: the
# same on every Python, whatever traces it); the compiled code is instant and wrong for
# n < -1000. The shrink candidates of a large failing n are large: a few of them spend
# shrinking's share (a quarter of the 1 s budget) many times over before it could finish
COSTLY = """\
def work(n: int) -> int:
    spent = sum(range(min(abs(n), 20_000_000)))
    return n * 2 + spent * 0
"""
WRONG_BELOW = (
    "    spent = sum(range(min(abs(n), 20_000_000)))\n    return n * 2 + spent * 0\n",
    "    return n * 2 + (n < -1000)\n",
)


def test_shrinking_stops_at_its_share_and_still_names_a_failing_input(tmp_path: Path):
    result, report, lines = run(
        tmp_path, COSTLY, mutations=[WRONG_BELOW], min_inputs=10, call_seconds=10,
        extra="module-seconds = 1\n",
    )  # fmt: skip
    assert not result.passed
    (work,) = report["functions"]
    assert work["result"] == "mismatch"
    generated = next(f for f in work["findings"] if f["source"] == "generated")
    shrunk = generated["shrunk"]
    assert shrunk["cut_short"] is True
    # what it names still fails: the finding's own input, or a smaller one that differs
    named = int(shrunk["input"]["call"].removeprefix("work(").removesuffix(")"))
    assert named < -1000
    assert shrunk.get("same_as_input") or shrunk["differences"]
    share = report["budget"]["shrink"]
    assert share["cut_short"] == ["work"] and share["share_seconds"] == SHRINK_SHARE * 1.0
    assert share["spent_seconds"] >= share["share_seconds"]
    assert "compiled" not in report["budget"]  # the compiled code is fast
    assert "shrinking cut short by the module's time budget after " in result.message
    (line,) = [text for text in lines if "module time budget" in text]
    assert f"shrinking cut short at its share of {SHRINK_SHARE:g} s" in line
    assert line.endswith("reported: kernels:work")


# `f`'s example never finishes under CPython, so CPython runs none of its generated inputs
# after it (one overrun stops a function's larger inputs of its family; a str parameter:
# one family): the first run leaves `f` its whole min-inputs short, and the timeout alone
# spends the 1 s budget. Top-up then draws twice the deficit: the deficit (what min-inputs
# requires) runs, the spares are cut
STUCK_EXAMPLE = "def f(s: str) -> str:\n    while s == 'stuck':\n        pass\n    return s\n"


def test_top_up_beyond_the_deficit_stops_at_the_budget(tmp_path: Path):
    example = '[["kernels:f"]]\nargs = ["stuck"]\n'
    counts = {}
    for name, extra in (("tight", "module-seconds = 1\n"), ("roomy", "")):
        result, report, _ = run(
            tmp_path / name, STUCK_EXAMPLE, min_inputs=20, call_seconds=1, examples=example,
            extra=extra,
        )  # fmt: skip
        assert result.passed, result.message  # the deficit always runs
        (f,) = report["functions"]
        reasons = [item["reason"] for item in f["inconclusive"]]
        counts[name] = (f["conclusive"], reasons.count(TOP_UP_CUT), report["budget"])
    conclusive, cut, budget = counts["tight"]
    assert conclusive == 20 and cut == 20 == budget["top_up_cut"] == budget["cut"]
    assert budget["exhausted"] and budget["cut_by_function"] == {"f": 20}
    # with room in the budget the spares run too
    conclusive, cut, budget = counts["roomy"]
    assert conclusive == 40 and cut == 0
    assert budget == {"module_seconds": 120.0, "exhausted": False}


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


def test_a_slow_negative_input_does_not_stop_the_non_negative_ones():
    # sizes compare within a family (inputs.input_family): a negative int counts as small,
    # so `count(-1)` runs early; that it never finishes says nothing of count(5)
    ledger = ModuleBudget(120.0, ["count"])
    ledger.charge("count", 10.0, size=1, family="-")  # count(-1): the per-call budget
    assert not ledger.admit("count", False, size=1, family="-")
    assert not ledger.admit("count", False, size=2, family="-")
    assert ledger.slowed_by("count", 3) is None
    assert ledger.admit("count", False, size=3)  # count(5)
    ledger.charge("count", SLOW_CALL_SECONDS, size=40)  # count(2**40) took seconds
    assert not ledger.admit("count", False, size=64)
    assert ledger.admit("count", False, size=30)


# Brian Kernighan's bit count (keon/algorithms' count_ones.py): `n &= n - 1` never reaches
# zero from a negative n, and the generated negatives run first (a negative int counts as
# small); every non-negative input finishes at once
KERNIGHAN = """\
def count_ones_iter(number: int) -> int:
    count = 0
    while number:
        number &= number - 1
        count += 1
    return count
"""


def test_a_function_that_never_ends_on_negatives_is_verified_on_the_others(tmp_path: Path):
    # once CPython did not finish count_ones_iter(-1), the function's remaining inputs
    # were not run (a timeout stopped "larger" inputs, and the negatives are "smaller"):
    # 0 conclusive inputs. Now it stops the negative family only
    result, report, _ = run(tmp_path, KERNIGHAN, min_inputs=30, call_seconds=1)
    assert result.passed, result.message
    (entry,) = report["functions"]
    assert entry["conclusive"] >= 30
    timeouts = [i for i in entry["inconclusive"] if "did not finish" in i["reason"]]
    assert timeouts and all(i["input"]["call"].startswith("count_ones_iter(-") for i in timeouts)
    not_run = [i for i in entry["inconclusive"] if i["reason"].startswith("not run")]
    assert all("(-" in i["input"]["call"] for i in not_run if "input" in i)
