"""Instances of ``@dataclass`` classes as inputs (verify/dataclass_init.py).

A dataclass has no ``__init__`` in its source; the verifier reads the one the decorator
writes from the fields (in order, bases first, ClassVar and ``field(init=False)`` left
out, defaults from values and ``field(default=/default_factory=)``, keyword-only
fields) and builds instances through it, as for any class of the module.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
from pathlib import Path

import pytest

from pyvorin.verify import generate
from pyvorin.verify.objects import ModuleObjects, init_parameters
from pyvorin.verify.signature import parse_functions
from pyvorin.verify.values import Construct

TREES = """\
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass


@dataclass
class Node:
    data: int
    left: Node | None = None
    right: Node | None = None


def preorder(root: Node | None) -> Generator[int]:
    if not root:
        return
    yield root.data
    yield from preorder(root.left)
    yield from preorder(root.right)


def height(root: Node | None) -> int:
    return (max(height(root.left), height(root.right)) + 1) if root else 0
"""

FIELDS = """\
import dataclasses
from dataclasses import KW_ONLY, dataclass, field
from typing import ClassVar


@dataclass
class Base:
    a: int
    b: float = 1.0


@dataclass(order=True)
class Child(Base):
    count: ClassVar[int] = 0
    c: str = "x"
    cache: dict = field(default_factory=dict, repr=False)
    hidden: int = field(init=False, default=0)
    b: float = 2.0


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int
    _: KW_ONLY
    label: str = ""


@dataclass
class Explicit:
    n: int

    def __init__(self, m: int, k: int) -> None:
        self.n = m + k


@dataclass(init=False)
class NoInit:
    n: int


@dataclass(kw_only=True)
class KeywordsOnly:
    n: int


def other(cls):
    return cls


@other
class Decorated:
    n: int


def area(p: Point) -> int:
    return p.x * p.y
"""


def _objects(source: str) -> ModuleObjects:
    return ModuleObjects("kernels", ast.parse(textwrap.dedent(source)))


def _names(info) -> list[tuple[str, bool]]:
    params = init_parameters(info)
    return None if params is None else [(arg.arg, has_default) for arg, has_default in params]


def test_the_init_a_dataclass_writes_is_read_from_its_fields(tmp_path: Path) -> None:
    objects = _objects(FIELDS)
    classes = objects.classes
    assert _names(classes["Base"]) == [("a", False), ("b", True)]
    # base fields first, b keeps its place with the child's default; the ClassVar and the
    # init=False field are not parameters
    assert _names(classes["Child"]) == [("a", False), ("b", True), ("c", True), ("cache", True)]
    # fields after KW_ONLY are keyword-only: with a default, a recipe leaves them out
    assert _names(classes["Point"]) == [("x", False), ("y", False)]
    assert _names(classes["Explicit"]) == [("m", False), ("k", False)]  # its own __init__
    assert all(classes[name].buildable for name in ("Base", "Child", "Point", "Explicit"))
    assert not classes["NoInit"].buildable and not classes["Decorated"].buildable
    assert _names(classes["KeywordsOnly"]) is None  # a keyword-only field without default

    # the same parameters as the real dataclasses (run the source under CPython)
    namespace: dict = {}
    exec(compile(textwrap.dedent(FIELDS), "fields.py", "exec", dont_inherit=True), namespace)
    for name in ("Base", "Child", "Point"):
        real = inspect.signature(namespace[name].__init__).parameters.values()
        positional = [
            (p.name, p.default is not p.empty) for p in real if p.kind is p.POSITIONAL_OR_KEYWORD
        ][1:]
        assert _names(classes[name]) == positional, name
        assert dataclasses.is_dataclass(namespace[name])


def test_functions_of_a_dataclass_get_generated_instances(tmp_path: Path) -> None:
    path = tmp_path / "kernels.py"
    path.write_text(TREES, encoding="utf-8")
    functions = {f.name: f for f in parse_functions("kernels", path)}
    assert str(functions["preorder"].params[0].type) == "Node | None"
    cases = generate.generate(functions["height"], 60, 0)
    firsts = [(*c.args, *c.kwargs.values())[0] for c in cases]
    nodes = [value for value in firsts if type(value) is Construct]
    assert len(nodes) > 30 and all(n.target == "kernels:Node" for n in nodes)
    # trees: some have a child that is itself a Node, and some a grandchild
    children = [a for n in nodes for a in n.args[1:] if type(a) is Construct]
    assert children and any(type(a) is Construct for c in children for a in c.args[1:])


@pytest.mark.parametrize("source", [TREES], ids=["trees"])
def test_a_dataclass_tree_function_verifies_on_its_own_inputs(verify_run, source: str) -> None:
    result, report, _ = verify_run(source=source, min_inputs=50)
    entries = {f["name"]: f for f in report["functions"]}
    assert result.passed, result.message
    for name in ("preorder", "height"):
        assert entries[name]["result"] == "passed"
        assert entries[name]["inputs"]["generated"] >= 50, entries[name]
        assert "by_coverage" not in entries[name]


def test_a_miscompiled_dataclass_walk_is_caught_on_a_generated_tree(verify_run) -> None:
    mutated = [("yield from preorder(root.left)\n    yield from preorder(root.right)",
                "yield from preorder(root.right)\n    yield from preorder(root.left)")]  # fmt: skip
    result, report, _ = verify_run(mutated, source=TREES, min_inputs=50)
    assert not result.passed
    entry = {f["name"]: f for f in report["functions"]}["preorder"]
    assert entry["result"] == "mismatch"
    assert "kernels.Node(" in entry["findings"][0]["input"]["call"]
