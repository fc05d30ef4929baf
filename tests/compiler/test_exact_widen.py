"""The native tier's tuple loop targets and ``isinstance`` behave exactly as CPython.

``generic/widen.py`` is a generic-tier module whose typed functions loop with ``for i, x
in enumerate(seq[, start])``, ``for a, b in zip(s1, s2, ...)`` and ``for a, b in pairs``,
and test ``isinstance(x, T)`` of native values. These tests compare the compiled module
with the same source run by CPython (values, types, float bits, exceptions, mutated
arguments), with adversarial inputs (lists changed during the loop, zips of unequal
lengths, empty sequences, big ints, bools, nan and -0.0), and prove with the native call
counters (``pyvorin_native_calls``) which path ran: the native version for exact argument
types while the builtins it compiled in are the interpreter's own, the generic body after
a module global shadows ``enumerate``, ``zip``, ``isinstance`` or ``int`` or ``builtins``
rebinds one.
"""

from __future__ import annotations

import builtins
import ctypes
import gc
import math
import sys
import tracemalloc
from pathlib import Path

import pytest

from pyvorin.compiler import check_file, select_tier
from tests.compiler.leakcheck import traced_bytes

from .harness import outcome, python_and_compiled, same

SOURCE = Path(__file__).parent / "generic" / "widen.py"

pytestmark = pytest.mark.slow  # one real compile of the module (seconds)

NATIVE = {
    "enum_sum",
    "enum_grow",
    "enum_shrink",
    "enum_str",
    "enum_floats",
    "enum_last",
    "enum_bool_start",
    "zip_pairs",
    "zip_three",
    "zip_grow",
    "zip_last",
    "pairs_loop",
    "nested_rows",
    "kinds",
    "item_kind",
    "reverse_bit",
    "largest_pow",
    "checked_ratio",
    "factors",
    "ranges",
    "triangle",
    "doubled",
    "buckets",
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, SOURCE)


_counted: dict[str, int] = {}


def _read(module, name: str) -> int:
    fn = ctypes.CDLL(module.__file__).pyvorin_native_calls
    fn.restype = ctypes.c_longlong
    fn.argtypes = [ctypes.c_char_p]
    return fn(name.encode())


@pytest.fixture
def modules(loaded):
    saved = [dict(vars(m)) for m in loaded]
    for fn in NATIVE:
        _counted[fn] = _read(loaded[1], fn)
    yield loaded
    for m, snapshot in zip(loaded, saved, strict=True):
        d = vars(m)
        d.clear()
        d.update(snapshot)


def calls(module, name: str) -> int:
    return _read(module, name) - _counted.get(name, 0)


def both(modules, name: str, *args):
    py, compiled = modules
    expected = outcome(getattr(py, name), args)
    got = outcome(getattr(compiled, name), args)
    assert expected[0] == got[0], (name, args, expected, got)
    if expected[0] == "return":
        assert same(expected[1], got[1]), (name, args, expected[1], got[1])
    else:
        assert expected[1] == got[1], (name, args, expected[1], got[1])
    assert same(list(expected[2]), list(got[2])), (name, "mutated arguments", expected, got)
    return got


def test_selection() -> None:
    sel = select_tier(SOURCE, "widen")
    assert sel.tier == "generic"
    assert set(sel.native_part.names) == NATIVE
    reasons = sel.native_part.reasons
    assert reasons["object_test"].code == "PV303"  # isinstance of a module class
    assert reasons["mixed_items"].code == "PV215"  # appends of int and bool disagree
    assert "untyped_loop" not in sel.native_part.typed
    deps = {d.name for d in sel.native_part.deps["kinds"] if d.kind == "builtin"}
    assert {"isinstance", "int", "float", "bool", "str", "list", "tuple", "object"} <= deps
    assert {"enumerate"} <= {d.name for d in sel.native_part.deps["enum_sum"]}
    assert {"zip"} <= {d.name for d in sel.native_part.deps["zip_pairs"]}
    shown = {d.message.split("()")[0] for d in check_file(SOURCE, "widen") if d.code == "PV481"}
    assert shown == {"object_test", "mixed_items"}


BIG = [0, 1, -1, 7, 2**62 - 1, 2**62, -(2**62) - 1, 2**64 + 3, -(2**100)]
INT_LISTS = [[], [0], [1, 2, 3], [5, -4, 2**70], [2**63, -(2**63), 3, 4, 5, 6]]


@pytest.mark.parametrize("start", BIG)
def test_enumerate_start_values(modules, start: int) -> None:
    _py, compiled = modules
    for xs in INT_LISTS:
        both(modules, "enum_sum", xs, start)
    assert calls(compiled, "enum_sum") == len(INT_LISTS)
    for s in ("", "a", "héllo", "\U0001f600x\ud800"):
        both(modules, "enum_str", s, start)
    assert calls(compiled, "enum_str") == 4


def test_enumerate_sees_the_list_change(modules) -> None:
    _py, compiled = modules
    for xs in ([3], [0, 2], [1, 1, 1], [], [9, 9, 9, 9, 9]):
        both(modules, "enum_grow", xs)
    for xs in ([2, 4, 6, 8], [1, 2, 3, 4, 5, 6], [], [2], [1, 3, 5]):
        both(modules, "enum_shrink", xs)
    assert calls(compiled, "enum_grow") == 5 and calls(compiled, "enum_shrink") == 5


FLOATS = [0.0, -0.0, 1.5, 1e308, 5e-324, math.inf, -math.inf, math.nan]


def test_enumerate_floats_bit_for_bit(modules) -> None:
    _py, compiled = modules
    for k in range(len(FLOATS)):
        both(modules, "enum_floats", FLOATS[k:] + FLOATS[:k])
    both(modules, "enum_floats", [])
    both(modules, "enum_floats", [-0.0])
    assert calls(compiled, "enum_floats") == len(FLOATS) + 2
    rows = [[1.5, -0.0], [], [math.nan, math.inf, 2.0]]
    both(modules, "nested_rows", rows)
    both(modules, "nested_rows", [])
    assert calls(compiled, "nested_rows") == 2


def test_loop_names_keep_their_last_values_and_else_runs(modules) -> None:
    _py, compiled = modules
    for xs, target in ((["a", "b", "c"], "b"), (["a", "b"], "z"), ([], "a"), (["x"], "x")):
        both(modules, "enum_last", xs, target)
    for a, b, stop in (([1, 2, 3], [4, 5], 2), ([1, 2, 3], [4, 5], 9), ([], [1], 0)):
        both(modules, "zip_last", a, b, stop)
    assert calls(compiled, "enum_last") == 4 and calls(compiled, "zip_last") == 3


def test_bool_start_and_items(modules) -> None:
    _py, compiled = modules
    both(modules, "enum_bool_start", [True, False, True], True)
    both(modules, "enum_bool_start", [], False)
    assert calls(compiled, "enum_bool_start") == 2
    both(modules, "enum_sum", [1, 2], True)  # a bool for an int: the generic body
    both(modules, "enum_sum", [True, 2], 0)
    both(modules, "enum_sum", [1, 2], 1.5)  # TypeError from the generic body
    assert calls(compiled, "enum_sum") == 0


def test_zip_stops_at_the_shortest(modules) -> None:
    _py, compiled = modules
    for a, b in (([1, 2, 3], [0.5, -0.0]), ([], [1.0]), ([2**80, -3], [1e300, math.nan, 2.0])):
        both(modules, "zip_pairs", a, b)
    assert calls(compiled, "zip_pairs") == 3
    for a, b, c in (
        ("abc", ["x", "y", "z", "w"], [True, False, True]),
        ("", ["x"], [True]),
        ("héllo\U0001f600", ["1", "2", "3", "4", "5", "6", "7"], [False] * 6),
        ("ab", ["x", "y"], []),
    ):
        both(modules, "zip_three", a, b, c)
    assert calls(compiled, "zip_three") == 4
    for a, b in (([1], [1]), ([5, 6, 7], [1]), ([], [1, 2]), ([1, 2], [])):
        both(modules, "zip_grow", a, b)
    assert calls(compiled, "zip_grow") == 4


def test_list_of_tuples(modules) -> None:
    _py, compiled = modules
    both(modules, "pairs_loop", [(1, "a"), (3, "bc"), (0, "z"), (-1, "q")])
    both(modules, "pairs_loop", [])
    assert calls(compiled, "pairs_loop") == 2
    both(modules, "pairs_loop", [(1, "a", 2)])  # ValueError from the generic body
    both(modules, "pairs_loop", [[1, "a"]])
    both(modules, "pairs_loop", [(True, "a")])
    assert calls(compiled, "pairs_loop") == 2


class IntSub(int):
    pass


ISINSTANCE_ARGS = [
    (0, 0.0, False, "", [], (0, 0.0)),
    (2**100, -0.0, True, "héllo", [1, 2**70], (-5, math.nan)),
    (-7, math.inf, False, "\U0001f600", [0], (2**64, 1.5)),
]


@pytest.mark.parametrize("args", ISINSTANCE_ARGS)
def test_isinstance_of_exact_native_values(modules, args) -> None:
    _py, compiled = modules
    both(modules, "kinds", *args)
    assert calls(compiled, "kinds") == 1
    # the generic body for arguments of other exact types: isinstance sees them as they are
    x, y, b, s, xs, t = args
    both(modules, "kinds", True, y, b, s, xs, t)
    both(modules, "kinds", IntSub(3), y, b, s, xs, t)
    both(modules, "kinds", x, 1, b, s, xs, t)
    both(modules, "kinds", x, y, b, s, xs, (1, 2))
    assert calls(compiled, "kinds") == 1


def test_isinstance_evaluates_its_argument(modules) -> None:
    _py, compiled = modules
    assert both(modules, "item_kind", [1, 2], 5)[1] == (IndexError, "list index out of range")
    both(modules, "item_kind", [1, 2], -1)
    assert calls(compiled, "item_kind") == 2


@pytest.mark.parametrize("n", [0, 1, 5, 2**31 - 1, 2**32 + 5, 2**70, -1, -(2**70)])
def test_isinstance_guarded_functions(modules, n: int) -> None:
    _py, compiled = modules
    both(modules, "reverse_bit", n)
    both(modules, "largest_pow", n)
    assert calls(compiled, "reverse_bit") == 1 and calls(compiled, "largest_pow") == 1
    both(modules, "reverse_bit", float(n))  # TypeError from the generic body
    both(modules, "largest_pow", float(n))
    both(modules, "reverse_bit", n > 0)
    assert calls(compiled, "reverse_bit") == 1 and calls(compiled, "largest_pow") == 1


def test_isinstance_tuple_of_classes(modules) -> None:
    _py, compiled = modules
    for a, b in ((1.0, 2.0), (1.0, 0.0), (-0.0, math.nan), (math.inf, -0.0)):
        both(modules, "checked_ratio", a, b)
    assert calls(compiled, "checked_ratio") == 4
    for a, b in ((1, 2.0), (1.0, True), ("a", 1.0)):
        both(modules, "checked_ratio", a, b)
    assert calls(compiled, "checked_ratio") == 4


@pytest.mark.parametrize("name", ["enumerate", "zip", "isinstance", "int"])
def test_a_module_global_shadowing_a_builtin_takes_the_generic_body(modules, name) -> None:
    _py, compiled = modules
    fakes = {
        "enumerate": lambda xs, start=0: [(9, x) for x in xs],
        "zip": lambda *seqs: [(1, 1.0), (2, 2.0)],
        "isinstance": lambda x, t: True,
        "int": float,
    }
    for m in modules:
        m.set_global(name, fakes[name])
    both(modules, "enum_sum", [1, 2], 0)
    both(modules, "zip_pairs", [1, 2, 3], [1.0])
    both(modules, "reverse_bit", 5)
    both(modules, "largest_pow", 5)
    used = {
        "enumerate": ["enum_sum"],
        "zip": ["zip_pairs"],
        "isinstance": ["reverse_bit", "largest_pow"],
        "int": ["reverse_bit"],
    }[name]
    for fn in ("enum_sum", "zip_pairs", "reverse_bit", "largest_pow"):
        assert calls(compiled, fn) == (0 if fn in used else 1), fn
    for m in modules:
        m.del_global(name)
    both(modules, "reverse_bit", 5)
    both(modules, "enum_sum", [1, 2], 0)
    assert calls(compiled, "enum_sum") == (1 if "enum_sum" in used else 2)


@pytest.mark.parametrize("name", ["enumerate", "zip", "isinstance", "float"])
def test_a_rebound_builtin_takes_the_generic_body(modules, name) -> None:
    _py, compiled = modules
    original = getattr(builtins, name)
    fakes = {
        "enumerate": lambda xs, start=0: original(xs, start + 1),
        "zip": lambda *seqs: original(*seqs[::-1]),
        "isinstance": lambda x, t: not original(x, t),
        "float": int,
    }
    cases = [("enum_sum", ([1, 2], 0)), ("zip_three", ("ab", ["c", "d"], [True, False]))]
    cases.append(("largest_pow", (5,)))
    results = []
    setattr(builtins, name, fakes[name])
    try:  # only the calls: the comparison itself uses these builtins
        for fn, args in cases:
            results.append([outcome(getattr(m, fn), args) for m in modules])
    finally:
        setattr(builtins, name, original)
    for (fn, args), (expected, got) in zip(cases, results, strict=True):
        assert expected[0] == got[0] and same(expected[1], got[1]), (fn, args, expected, got)
    used = {
        "enumerate": "enum_sum",
        "zip": "zip_three",
        "isinstance": "largest_pow",
        "float": "largest_pow",
    }[name]
    assert calls(compiled, used) == 0
    both(modules, "enum_sum", [1, 2], 0)
    both(modules, "zip_three", "ab", ["c", "d"], [True, False])
    both(modules, "largest_pow", 5)
    assert calls(compiled, used) == 1


def test_builtin_rebound_before_the_import_is_never_taken(tmp_path_factory) -> None:
    """The guard compares each builtin with the object found when the module was
    imported: one rebound before the import is not the interpreter's own, and the
    native versions that compiled in what the builtin does never run."""
    from .harness import compile_and_load, load_extension

    first = compile_and_load(SOURCE, "widen", tmp_path_factory)
    original = builtins.isinstance
    builtins.isinstance = lambda x, t: original(x, t)
    try:
        sys.modules.pop("widen_again", None)
        again = load_extension(Path(first.__file__), "widen")
    finally:
        builtins.isinstance = original
    before = _read(again, "largest_pow"), _read(again, "enum_sum")
    assert again.largest_pow(9) == 8 and again.enum_sum([1, 2], 0) == 2
    assert _read(again, "largest_pow") == before[0]  # isinstance: not the interpreter's
    assert _read(again, "enum_sum") == before[1] + 1  # uses enumerate only


def test_new_code_paths_leak_nothing(modules) -> None:
    """10**5 calls through enumerate, zip, tuple unpacking and isinstance, with big ints,
    strs and the error paths, leave neither memory nor references behind."""
    _py, compiled = modules
    big = [2**70, -(2**80), 3]
    text = "héllo\U0001f600"
    words = ["a", "bb", "ccc", "dddd"]
    pairs = [(2**65 % 7, "xy"), (3, "\U0001f600")]
    floats = [1.5, -0.0, math.nan]

    def run(n: int) -> None:
        for i in range(n):
            compiled.enum_sum(big, 2**62 + i)
            compiled.enum_str(text, i)
            compiled.enum_grow([2, 1])
            compiled.enum_last(words, "ccc")
            compiled.zip_pairs(big, floats)
            compiled.zip_three(text, words, [True, False, True])
            compiled.pairs_loop(pairs)
            compiled.nested_rows([floats, floats])
            compiled.kinds(2**70, 1.5, True, text, big, (1, 2.5))
            try:
                compiled.item_kind(big, 10)
            except IndexError:
                pass

    run(1000)
    gc.collect()
    blocks = sys.getallocatedblocks()
    refs = [sys.getrefcount(o) for o in (big, text, words, pairs, floats, *big, *words)]
    tracemalloc.start()
    try:
        first = traced_bytes()
        run(10**5 // 10)
        gc.collect()
        second = traced_bytes()
    finally:
        tracemalloc.stop()
    assert second - first < 64 * 1024, f"memory grew by {second - first} bytes"
    assert sys.getallocatedblocks() - blocks < 1000
    assert [sys.getrefcount(o) for o in (big, text, words, pairs, floats, *big, *words)] == refs
    assert calls(compiled, "zip_three") >= 10**4 + 1000 - 1000  # the native path ran


@pytest.mark.parametrize("n", [0, 1, 2, 12, 97, 2**31 - 1, 600851475143, 2**62 + 1, -5])
def test_inferred_empty_lists(modules, n: int) -> None:
    _py, compiled = modules
    both(modules, "factors", n)
    assert calls(compiled, "factors") == 1


def test_inferred_list_types(modules) -> None:
    py, compiled = modules
    for array, low, high in (([], 0, 5), ([0, 1, 3, 50, 75], 0, 99), ([2**70], -(2**70), 2**71)):
        both(modules, "ranges", array, low, high)
    for n in (0, 1, 5):
        both(modules, "triangle", n)
        both(modules, "buckets", n + 1)
    both(modules, "doubled", [1.5, -0.0, math.nan, 1e308])
    both(modules, "doubled", [])
    assert calls(compiled, "ranges") == 3 and calls(compiled, "triangle") == 3
    assert calls(compiled, "buckets") == 3 and calls(compiled, "doubled") == 2
    # a native list returned to Python is an ordinary list: Python code may put anything
    # in it, and a native version given it back tests its items again (generic body)
    out = compiled.factors(12)
    assert type(out) is list and out == py.factors(12)
    out.append(1.5)
    both(modules, "enum_sum", out, 0)
    both(modules, "enum_sum", compiled.factors(2**40 + 1), 1)
    assert calls(compiled, "enum_sum") == 1


def test_inferred_lists_leak_nothing(modules) -> None:
    _py, compiled = modules

    def run(n: int) -> None:
        for i in range(n):
            compiled.factors(720720 + i)
            compiled.ranges([1, 5, 2**70], 0, 2**71)
            compiled.triangle(4)
            compiled.doubled([1.5, 2.5])

    run(200)
    gc.collect()
    blocks = sys.getallocatedblocks()
    tracemalloc.start()
    try:
        first = traced_bytes()
        run(2000)
        gc.collect()
        second = traced_bytes()
    finally:
        tracemalloc.stop()
    assert second - first < 64 * 1024, f"memory grew by {second - first} bytes"
    assert sys.getallocatedblocks() - blocks < 1000
