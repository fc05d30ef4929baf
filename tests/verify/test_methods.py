"""Methods of the module's classes are verification targets (issue #11).

Each method of a top-level class is verified like a top-level function, named
``Class.method``: called on an instance each side builds from the same recipe with its
own class (plain methods and dunders), read (properties), called on the class (static and
class methods), or made (``__init__``). The return value, the exception, the output, the
instance as built and its state after the call are compared. A class the verifier cannot
build leaves its methods ``unverified``, said per method, never counted verified; a module
with nothing else verified fails.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from .backend import MutantBackend, compile_with, make_context, make_project

pytestmark = pytest.mark.slow  # each test builds and verifies a module

COUNTER = """\
class Counter:
    __slots__ = ("n", "step")

    def __init__(self, n: int, step: int = 1) -> None:
        self.n = n
        self.step = step

    def bump(self, k: int) -> int:
        self.n += k * self.step
        return self.n

    def __eq__(self, other) -> bool:
        return isinstance(other, Counter) and self.n == other.n

    def __repr__(self) -> str:
        return f"Counter({self.n}, step={self.step})"

    @staticmethod
    def twice(x: int) -> int:
        return 2 * x

    @classmethod
    def make(cls, n: int) -> "Counter":
        return cls(n, 2)

    @property
    def double(self) -> int:
        return 2 * self.n
"""

TARGETS = [
    "Counter.__init__", "Counter.bump", "Counter.__eq__", "Counter.__repr__",
    "Counter.twice", "Counter.make", "Counter.double",
]  # fmt: skip


def _run(tmp_path: Path, source: str, mutations=(), min_inputs: int = 30, **project):
    root = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
    module = make_project(root, source=source, min_inputs=min_inputs, **project)
    ctx = make_context(root, MutantBackend(list(mutations)))
    compiled = compile_with(ctx, module, tmp_path)
    from pyvorin.verify.verifier import verify_module

    result, report, _ = verify_module(ctx, module, compiled)
    return result, report, {f["name"]: f for f in report["functions"]}


def _failed(entries: dict) -> list[str]:
    return sorted(n for n, f in entries.items() if f["result"] not in ("passed", "unverified"))


def test_every_member_of_a_class_is_a_target_named_class_dot_member(tmp_path: Path):
    from pyvorin.verify.signature import parse_targets

    path = tmp_path / "kernels.py"
    path.write_text(COUNTER, encoding="utf-8")
    targets = {t.name: t for t in parse_targets("kernels", path)}
    assert list(targets) == TARGETS
    kinds = {name: t.kind for name, t in targets.items()}
    assert kinds["Counter.twice"] == "staticmethod"
    assert kinds["Counter.make"] == "classmethod"
    assert kinds["Counter.double"] == "property"
    assert kinds["Counter.__init__"] == "init"
    assert kinds["Counter.bump"] == kinds["Counter.__eq__"] == "method"
    assert targets["Counter.bump"].qualname == "kernels:Counter.bump"
    assert str(targets["Counter.bump"].params[0].type) == "Counter"
    assert [p.name for p in targets["Counter.make"].params] == ["n"]  # cls left out


def test_a_class_of_correct_methods_verifies_each_on_generated_instances(tmp_path: Path):
    result, report, entries = _run(tmp_path, COUNTER)
    assert result.passed, result.message
    assert list(entries) == TARGETS
    for name in TARGETS:
        assert entries[name]["result"] == "passed", entries[name]
        assert entries[name]["conclusive"] >= 20, entries[name]
        assert entries[name]["inputs"]["generated"] >= 20
    assert "kernels:Counter.bump: ok on" in json.dumps(report) or result.passed


@pytest.mark.parametrize(
    ("name", "mutation", "what"),
    [
        # a plain method: the return value and the instance's state after the call
        ("Counter.bump", ("self.n += k * self.step", "self.n += k * self.step + (k == 7)"),
         {"return value", "argument mutation"}),
        ("Counter.twice", ("return 2 * x", "return 2 * x + (x == 3)"), {"return value"}),
        ("Counter.make", ("return cls(n, 2)", "return cls(n, 2 + (n == 1))"),
         {"return value"}),
        ("Counter.double", ("return 2 * self.n", "return 2 * self.n + (self.n == 5)"),
         {"return value"}),
        ("Counter.__eq__", ("self.n == other.n", "self.n == other.n or self.n == 7"),
         {"return value"}),
        ("Counter.__repr__", ('f"Counter({self.n}, step={self.step})"',
                              'f"Counter({self.n}, step={self.step + (self.n > 5)})"'),
         {"return value"}),
    ],
    ids=["method", "staticmethod", "classmethod", "property", "eq", "repr"],
)  # fmt: skip
def test_a_miscompiled_member_fails_naming_it_with_a_diff(tmp_path: Path, name, mutation, what):
    result, _report, entries = _run(tmp_path, COUNTER, [mutation])
    assert not result.passed
    if name == "Counter.__repr__":
        # an instance's repr is part of how it compares: every method on one differs
        assert name in _failed(entries), _failed(entries)
    else:
        assert _failed(entries) == [name], _failed(entries)
    entry = entries[name]
    assert entry["result"] == "mismatch"
    finding = entry["findings"][0]
    assert {d["what"] for d in finding["differences"]} >= what
    assert f"kernels:{name}: " in result.message
    # the call as a person writes it: the recipe, then the member
    call = finding["input"]["call"]
    if name in ("Counter.twice", "Counter.make"):
        assert call.startswith(name + "(")
    else:
        assert call.startswith("kernels.Counter("), call


def test_a_method_that_mutates_self_differently_fails_on_the_state_of_self(tmp_path: Path):
    # the same return value, another state: only the instance after the call shows it
    source = COUNTER.replace(
        "        return 2 * self.n\n",
        "        return 2 * self.n\n\n    def reset(self, to: int) -> None:\n        self.n = to\n",
    )
    result, _, entries = _run(tmp_path, source, [("self.n = to\n", "self.n = to or 1\n")])
    assert _failed(entries) == ["Counter.reset"]
    finding = entries["Counter.reset"]["findings"][0]
    (difference,) = finding["differences"]
    assert difference["what"] == "argument mutation"
    assert "argument 0:" in difference["diff"]  # the instance is argument 0
    assert "-  <kernels.Counter object: n=0" in difference["diff"], difference["diff"]
    assert "+  <kernels.Counter object: n=1" in difference["diff"]
    # unmutated, the same method passes
    result, _, entries = _run(tmp_path, source)
    assert result.passed, result.message
    assert entries["Counter.reset"]["result"] == "passed"


def test_a_miscompiled_init_shows_in_the_objects_as_built(tmp_path: Path):
    mutation = ("self.step = step\n", "self.step = step + (n == 5)\n")
    result, _, entries = _run(tmp_path, COUNTER, [mutation])
    assert not result.passed
    assert entries["Counter.__init__"]["result"] == "mismatch"
    # every method on an instance built wrong differs in the instance as built
    finding = entries["Counter.__repr__"]["findings"][0]
    assert "objects as built" in {d["what"] for d in finding["differences"]}


UNBUILDABLE = """\
class Registry:
    def __init__(self, *, name: str) -> None:
        self.name = name
        self.items: list[int] = []

    def add(self, item: int) -> int:
        self.items.append(item)
        return len(self.items)

    @staticmethod
    def norm(x: int) -> int:
        return abs(x)
"""


def test_methods_of_a_class_that_cannot_be_built_are_unverified_not_passed(tmp_path: Path):
    source = UNBUILDABLE + "\n\ndef helper(x: int) -> int:\n    return x + 1\n"
    result, report, entries = _run(tmp_path, source)
    assert result.passed, result.message  # the module has other verified code
    add = entries["Registry.add"]
    assert add["result"] == "unverified"
    assert add["conclusive"] == 0
    assert "no instance of Registry can be generated" in add["problem"]
    assert "keyword-only parameter without a default" in add["problem"]
    assert "kernels:Registry.add: unverified (not failing the build)" in _text(report)
    assert result.summary["unverified"] == ["Registry.__init__", "Registry.add"]
    # a static method needs no instance: verified on its own inputs
    assert entries["Registry.norm"]["result"] == "passed"


def test_a_module_verified_on_nothing_fails(tmp_path: Path):
    source = UNBUILDABLE.replace(
        "    @staticmethod\n    def norm(x: int) -> int:\n        return abs(x)\n", ""
    )
    result, report, entries = _run(tmp_path, source)
    assert {e["result"] for e in entries.values()} == {"unverified"}
    assert not result.passed
    assert "nothing of the module was verified" in report["problem"]
    assert "nothing of the module was verified" in result.message


def test_a_release_build_fails_on_an_unverified_method(tmp_path: Path):
    root = tmp_path / "r"
    module = make_project(root, source=UNBUILDABLE, min_inputs=20)
    ctx = make_context(root, MutantBackend())
    ctx = dataclasses.replace(ctx, options=dataclasses.replace(ctx.options, release=True))
    compiled = compile_with(ctx, module, tmp_path)
    from pyvorin.verify.verifier import verify_module

    result, report, _ = verify_module(ctx, module, compiled)
    entries = {f["name"]: f for f in report["functions"]}
    assert entries["Registry.add"]["result"] == "insufficient-inputs"
    assert not result.passed


def test_examples_may_name_a_method_with_its_instance_first(tmp_path: Path):
    examples = """\
    [["kernels:Registry.add"]]
    args = [{ new = "kernels:Registry", kwargs = { name = "r" } }, 5]
    """
    _, _, entries = _run(tmp_path, UNBUILDABLE, examples=examples, min_inputs=1)
    add = entries["Registry.add"]
    assert add["result"] == "passed", add
    assert add["inputs"]["examples"] == 1
    assert add["findings"] == []


def _text(report: dict) -> str:
    from pyvorin.verify.report import render_text

    return render_text(report)


CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "files"


@pytest.mark.parametrize(
    ("stem", "methods"),
    [
        ("keon_sudoku_solver", ["Sudoku._possible_values", "Sudoku.solve", "Sudoku.__str__"]),
        ("algo_count_islands_in_matrix", ["Matrix.is_safe", "Matrix.diffs",
                                          "Matrix.count_islands"]),
    ],
)  # fmt: skip
def test_a_module_of_classes_only_is_verified_on_its_methods_natively(
    tmp_path: Path, stem: str, methods: list[str]
):
    # no top-level function, no docstring example: before, nothing was compared and the
    # module passed; now each method is compared on generated instances, compiled for real
    from pyvorin.compiler import compile_module
    from pyvorin.verify.verifier import verify_module

    root = tmp_path / "p"
    module = make_project(root, source=CORPUS / f"{stem}.py", min_inputs=30)
    ctx = make_context(root, MutantBackend())
    compiled = compile_module(module, root / "out", workdir=root)
    result, report, _ = verify_module(ctx, module, compiled)
    assert result.passed, result.message
    entries = {f["name"]: f for f in report["functions"]}
    for name in methods:
        assert entries[name]["result"] == "passed", entries[name]
        assert entries[name]["conclusive"] >= 30, entries[name]
        assert entries[name]["mismatches"] == 0
