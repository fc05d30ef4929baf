"""A function no input source can call directly is verified through the calls of its callers.

``norm2(p: Point)`` takes an instance of the module's own class: nothing generates one,
and before this rule the module could never verify (the corpus's hexiom, raytrace and
float benchmarks stopped there). Its compiled code still runs inside ``farthest``, whose
generated inputs are compared with CPython; when those matching calls run at least
min-coverage percent of its lines, it counts as verified, and the report says so.
"""

from __future__ import annotations

from pathlib import Path

from pyvorin.compiler import compile_module
from pyvorin.verify.report import render_text
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, make_context, make_project

SOURCE = """\
class Point:
    def __init__(self, x: float, y: float) -> None:
        self.x = x
        self.y = y


def norm2(p: Point) -> float:
    return p.x * p.x + p.y * p.y


def farthest(xs: list[float]) -> float:
    best = 0.0
    for i in range(0, len(xs) - 1, 2):
        d = norm2(Point(xs[i], xs[i + 1]))
        if d > best:
            best = d
    return best
"""

UNREACHED = """\
def classify(p: Point) -> str:
    if p.x > 1e300:
        return "far"
    if p.y > 1e300:
        return "far"
    if p.x == p.y:
        return "diagonal"
    if p.x < -1e300:
        return "far"
    if p.y < -1e300:
        return "far"
    return "near"


def diagonal(xs: list[float]) -> bool:
    return bool(xs) and classify(Point(xs[0], xs[0])) == "diagonal"
"""


def _verify(root: Path, source: str):
    module = make_project(root, source=source, min_inputs=30)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_module(module, root / "out", workdir=root)
    return verify_module(ctx, module, compiled)


def test_function_of_a_class_instance_is_verified_through_its_caller(tmp_path: Path):
    result, report, _ = _verify(tmp_path / "p", SOURCE)
    assert result.passed, result.message
    entries = {f["name"]: f for f in report["functions"]}
    norm2 = entries["norm2"]
    assert norm2["result"] == "passed"
    assert norm2["conclusive"] == 0  # no input of its own
    assert norm2["by_coverage"]["callers"] == ["farthest"]
    assert norm2["by_coverage"]["coverage"]["percent"] == 100.0
    assert "by_coverage" not in entries["farthest"]  # verified on its own inputs
    assert "kernels:norm2: ok by coverage through its callers farthest" in render_text(report)


def test_callers_that_leave_most_of_its_lines_unrun_do_not_verify_it(tmp_path: Path):
    source = SOURCE.split("def norm2")[0] + UNREACHED
    result, report, _ = _verify(tmp_path / "p", source)
    assert not result.passed
    classify = next(f for f in report["functions"] if f["name"] == "classify")
    assert classify["result"] == "insufficient-inputs"
    assert "by_coverage" not in classify
    assert "verified by coverage" in classify["problem"]


GIVEN = """\
from typing import Protocol


class Sized(Protocol):
    def __len__(self) -> int: ...


def fill(n: int, like: Sized) -> list[list[int]]:
    size = len(like)
    grid = []
    for i in range(n):
        grid.append([size + i] * n)
    return grid
"""

# ``like`` is annotated with a Protocol: nothing generates it; an example gives a list
GIVEN_EXAMPLES = """\
"kernels:fill" = [{ args = [3, [1, 2]] }]
"""


def test_a_function_no_generator_can_call_is_verified_on_its_given_inputs(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(root, source=GIVEN, min_inputs=30, examples=GIVEN_EXAMPLES)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_module(module, root / "out", workdir=root)
    result, report, _ = verify_module(ctx, module, compiled)
    assert result.passed, result.message
    [fill] = report["functions"]
    assert fill["conclusive"] == 1 and fill["by_coverage"]["callers"] == []
    assert "on its given inputs" in render_text(report)


def test_a_generatable_function_still_needs_its_own_inputs(tmp_path: Path):
    source = "def half(x: int) -> int:\n    return x // 2\n"
    examples = '"kernels:half" = [{ args = [4] }]\n'
    root = tmp_path / "p"
    module = make_project(root, source=source, min_inputs=30, examples=examples, call_seconds=1)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_module(module, root / "out", workdir=root)
    result, report, _ = verify_module(ctx, module, compiled)
    # the generator fills in the rest: 30 inputs of its own, no coverage shortcut
    [half] = report["functions"]
    assert result.passed and half["conclusive"] >= 30 and "by_coverage" not in half
