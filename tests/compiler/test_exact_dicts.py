"""Native dicts and sets in native versions behave exactly as CPython's.

The typed functions of ``generic/dicts.py`` get native versions whose dict[K, V] values
are exact dicts. These tests compare the compiled module with the same source run by
CPython: values, exceptions (``KeyError``, the ``RuntimeError`` of a dict changed while
iterating), the mutation of dict arguments, and arguments the native entry does not take
(a bool key among int keys, an int value where floats are declared, a dict subclass: the
generic body). The native path is proved taken by the module's per-function call counter.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections import OrderedDict
from pathlib import Path

import pytest

from pyvorin.compiler import select_tier
from tests.compiler.leakcheck import traced_bytes

from .test_exact_tiers import _read, both

SOURCE = Path(__file__).parent / "generic" / "dicts.py"

pytestmark = pytest.mark.slow  # one real compile of the module (seconds)

NATIVE = {
    "collatz_longest",
    "indegrees",
    "count_words",
    "bump",
    "keys_above",
    "lookup",
    "displays",
    "grow_while_iterating",
    "pass_along",
    "any_large",
    "weighted",
    "relabel_while_iterating",
    "unique_count",
    "set_ops",
    "grow_set",
    "literal_set",
    "kinds",
}


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    from .harness import python_and_compiled

    return python_and_compiled(tmp_path_factory, SOURCE)


def counting(modules, name: str):
    """A function returning how many calls of ``name`` ran natively since this call."""
    start = _read(modules[1], name)
    return lambda: _read(modules[1], name) - start


def test_selection() -> None:
    sel = select_tier(SOURCE, "dicts")
    assert sel.tier == "generic"
    assert set(sel.native_part.names) == NATIVE
    assert "untyped_items" not in sel.native_part.typed


CASES = [
    ("collatz_longest", (2,)),
    ("collatz_longest", (1000,)),
    ("indegrees", ({0: [1, 2], 1: [2], 2: []},)),
    ("indegrees", ({},)),
    ("indegrees", ({0: [5]},)),  # IndexError
    ("indegrees", ({0: [-1], 1: [0, 0]},)),
    ("count_words", (["a", "b", "a", "", "\u00e9", "a"],)),
    ("count_words", ([],)),
    ("bump", ({"a": 1, "b": 2}, "a")),
    ("bump", ({"a": 1}, "zz")),  # KeyError: 'zz'
    ("bump", ({"a": 2**70}, "a")),
    ("keys_above", ({1: 0.7, 2: 0.1, -3: float("nan"), -(2**80): 1e300}, 0.5)),
    ("keys_above", ({}, 0.0)),
    ("lookup", ({"x": [1, 2, 3]}, "x", -1)),
    ("lookup", ({"x": [1, 2, 3]}, "y", 0)),  # KeyError: 'y'
    ("lookup", ({"x": [1]}, "x", 5)),  # IndexError
    ("displays", (1, "k")),
    ("displays", (-(2**65), "")),
    ("grow_while_iterating", ({50: 1, 60: 2},)),
    ("grow_while_iterating", ({1: 1, 60: 2},)),  # RuntimeError: changed size
    ("pass_along", ({"n": 5}, "n")),
    ("pass_along", ({"n": 5}, "m")),
    ("any_large", ({"a": 1, "b": 11},)),
    ("any_large", ({},)),
    ("weighted", ({"a": 1.5, "b": -0.0, "c": 7.25},)),
    ("weighted", ({},)),
    ("relabel_while_iterating", ({"a": 1, "b": 2},)),
    ("relabel_while_iterating", ({"a": 1, "b": 20, "c": 3},)),  # RuntimeError
    ("relabel_while_iterating", ({"a": 1, "b": 20},)),  # the last item: no next step
    ("unique_count", ([1, 2, 2, 3, 2**70, 2**70],)),
    ("unique_count", ([],)),
    ("set_ops", (["a", "b", "c", "a"], {"x", "y"})),
    ("set_ops", ([], set())),
    ("grow_set", ({50, 60},)),
    ("grow_set", ({1, 60},)),  # RuntimeError: Set changed size during iteration
    ("literal_set", (2,)),
    ("literal_set", (-(2**80),)),
    ("kinds", ({"a": 1}, {1})),
]


@pytest.mark.parametrize("name, args", CASES)
def test_native_dicts(modules, name, args) -> None:
    ran = counting(modules, name)
    both(modules, name, *args)
    assert ran() == 1


@pytest.mark.parametrize(
    "name, args",
    [
        ("bump", ({"a": True}, "a")),  # a bool value among ints
        ("keys_above", ({True: 1.0}, 0.5)),  # a bool key among ints
        ("keys_above", ({1: 1}, 0.5)),  # an int value where floats are declared
        ("bump", (OrderedDict(a=1), "a")),  # a dict subclass
        ("indegrees", ([[1], [0]],)),  # not a dict at all
        ("count_words", (("a", "b"),)),
        ("set_ops", (["a"], frozenset({"x"}))),  # a frozenset is not a set
        ("grow_set", ({True, 5},)),  # a bool among int items
    ],
)
def test_other_arguments_take_the_generic_body(modules, name, args) -> None:
    ran = counting(modules, name)
    both(modules, name, *args)
    assert ran() == 0


def test_untyped_and_unsupported_stay_generic(modules) -> None:
    both(modules, "untyped_items", {2: "b", 1: "a"})


def test_dicts_leak_nothing(modules) -> None:
    _py, compiled = modules
    words = ["w" * 30, "x" * 40, "w" * 30]
    graph = {0: [1, 2**70 % 3], 1: [2], 2: []}
    key = "k" * 50

    def run(n: int) -> None:
        for _ in range(n):
            compiled.count_words(words)
            compiled.indegrees(graph)
            compiled.bump({key: 2**70}, key)
            compiled.displays(2**70, key)
            compiled.weighted({key: 1.5, "b": 2.5})
            compiled.set_ops(words, {key})
            try:
                compiled.grow_set({1, 60})
            except RuntimeError:
                pass
            try:
                compiled.lookup({key: [1]}, "missing", 0)
            except KeyError:
                pass
            try:
                compiled.grow_while_iterating({1: 1, 60: 2})
            except RuntimeError:
                pass

    run(1000)
    gc.collect()
    blocks = sys.getallocatedblocks()
    refs = [sys.getrefcount(o) for o in (words, graph, key, *words, *graph.values())]
    tracemalloc.start()
    try:
        first = traced_bytes()
        run(10**5 // 5)
        gc.collect()
        second = traced_bytes()
    finally:
        tracemalloc.stop()
    assert second - first < 64 * 1024, f"memory grew by {second - first} bytes"
    assert sys.getallocatedblocks() - blocks < 1000
    assert [sys.getrefcount(o) for o in (words, graph, key, *words, *graph.values())] == refs


def test_a_module_native_whole_refuses_dicts(tmp_path: Path) -> None:
    """A module compiled natively whole converts arguments at its boundary and has no
    conversion for a dict: there a dict annotation keeps the module generic."""
    path = tmp_path / "whole.py"
    path.write_text("def f(d: dict[int, int]) -> int:\n    return len(d)\n")
    sel = select_tier(path, "whole")
    assert sel.tier == "generic"
    assert sel.native_part.names == ["f"]
