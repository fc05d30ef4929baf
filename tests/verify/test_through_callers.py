"""A function no input source can call directly is verified through the calls of its callers.

``norm2(p: Point)`` takes an instance of the module's own class whose constructor needs a
keyword-only argument: nothing generates one (instances of classes built positionally
are generated, tests/verify/test_objects.py), and before this rule the module could never
verify (the corpus's hexiom, raytrace and float benchmarks stopped there). Its compiled
code still runs inside ``farthest``, whose
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
    def __init__(self, x: float, *, y: float) -> None:
        self.x = x
        self.y = y


def norm2(p: Point) -> float:
    return p.x * p.x + p.y * p.y


def farthest(xs: list[float]) -> float:
    best = 0.0
    for i in range(0, len(xs) - 1, 2):
        d = norm2(Point(xs[i], y=xs[i + 1]))
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
    return bool(xs) and classify(Point(xs[0], y=xs[0])) == "diagonal"
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


OBJECTS = """\
class Grid:
    def __init__(self, n: int, start: int = 0, *, owner: str) -> None:
        self.cells = [[start] * n for _ in range(n)]


def fill(grid: Grid, value: int) -> int:
    total = 0
    for row in grid.cells:
        for i in range(len(row)):
            row[i] = value
            total += value
    return total


def is_grid(grid: Grid) -> bool:
    return isinstance(grid, Grid) and type(grid).__name__ == "Grid"
"""

OBJECT_EXAMPLES = """\
"kernels:fill" = [
    { args = [{ new = "kernels:Grid", args = [3], kwargs = { owner = "a" } }, 2] },
    { args = [{ new = "kernels:Grid", args = [2], kwargs = { start = 7, owner = "b" } }, -1] },
]
"kernels:is_grid" = [{ args = [{ new = "kernels:Grid", args = [1], kwargs = { owner = "c" } }] }]
"""


def test_examples_make_objects_from_each_sides_own_module(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(root, source=OBJECTS, min_inputs=30, examples=OBJECT_EXAMPLES)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_module(module, root / "out", workdir=root)
    result, report, _ = verify_module(ctx, module, compiled)
    assert result.passed, result.message
    entries = {f["name"]: f for f in report["functions"]}
    # is_grid is True on both sides only if each side got an instance of its own class
    assert entries["is_grid"]["conclusive"] == 1 and entries["is_grid"]["mismatches"] == 0
    assert entries["fill"]["conclusive"] == 2 and entries["fill"]["by_coverage"]
    text = render_text(report)
    assert "kernels:fill: ok by coverage on its given inputs" in text


def test_a_malformed_construct_names_the_example(tmp_path: Path):
    import pytest

    from pyvorin.errors import ConfigError
    from pyvorin.verify.examples import cases_for
    from pyvorin.verify.signature import parse_functions

    path = tmp_path / "examples.toml"
    path.write_text('"kernels:fill" = [{ args = [{ new = "no module", args = [] }, 1] }]\n')
    source = tmp_path / "kernels.py"
    source.write_text(OBJECTS)
    [fill, _] = parse_functions("kernels", source)
    with pytest.raises(ConfigError, match=r"example 1: bad construct target .no module."):
        cases_for(path, fill)


INTERACTIVE = """\
def is_balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += 1 if ch == "(" else -1
        if depth < 0:
            return False
    return depth == 0


def main() -> None:
    s = input("Enter sequence of brackets: ")
    print(f"'{s}' is {'' if is_balanced(s) else 'not '}balanced.")
"""

INTERACTIVE_EXAMPLES = """\
"kernels:main" = [
    { stdin = "(())\\n" },
    { stdin = "())(\\n" },
    { stdin = "" },
]
"""


def test_examples_give_standard_input_to_interactive_functions(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(root, source=INTERACTIVE, min_inputs=30, examples=INTERACTIVE_EXAMPLES)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_module(module, root / "out", workdir=root)
    result, report, _ = verify_module(ctx, module, compiled)
    assert result.passed, result.message
    main = next(f for f in report["functions"] if f["name"] == "main")
    # one input per distinct stdin (no arguments), each compared with CPython's outcome:
    # the prompt and the answer on stdout, EOFError where standard input is empty
    assert main["inputs"]["examples"] == 3 and main["mismatches"] == 0
    assert main["coverage"]["percent"] == 100.0  # input() returned: the print line ran
