"""``s += t`` and ``s = s + t`` on str locals in the generic tier (generic/strappend.py,
compiled and as Python): the values, types, exceptions and messages are CPython's for
every kind of operand (empty, astral, lone surrogates, str subclasses overriding ``+``,
ints, lists), aliases of the str never change, cells and globals still work; the in-place
path runs (the module's append counters, read with ctypes: no timing), and 10**5 calls
leave neither objects nor memory behind."""

from __future__ import annotations

import ctypes
import gc
import itertools
import sys
import tracemalloc
from pathlib import Path

import pytest

from tests.compiler.leakcheck import traced_bytes

from .harness import outcome, python_and_compiled, same

SOURCE = Path(__file__).parent / "generic" / "strappend.py"


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, SOURCE)


class AddStr(str):
    """Overrides every ``+`` slot: never appended in place."""

    def __add__(self, other):
        return ("AddStr.__add__", str(self), other)

    def __radd__(self, other):
        return ("AddStr.__radd__", other, str(self))

    def __iadd__(self, other):
        return ("AddStr.__iadd__", str(self), other)


class RAddStr(str):
    """Only ``__radd__``: a str subclass on the right is asked first (binary_op1)."""

    def __radd__(self, other):
        return "RAddStr.__radd__:" + other + str(self)


class PlainStr(str):
    """A subclass without overrides: str's own slots, a result of exact type str."""


class RaisingRAdd:
    def __radd__(self, other):
        raise ValueError("no radd")

    def __repr__(self):
        return "RaisingRAdd()"

    def __eq__(self, other):  # copies compare equal (the harness deep-copies arguments)
        return type(other) is RaisingRAdd

    __hash__ = object.__hash__


def both(modules, name: str, *args):
    py, compiled = modules
    expected = outcome(getattr(py, name), args)
    got = outcome(getattr(compiled, name), args)
    assert expected[0] == got[0], (name, args, expected[:2], got[:2])
    if expected[0] == "return":
        assert same(expected[1], got[1]), (name, args, expected[1], got[1])
        assert _types(expected[1]) == _types(got[1]), (name, args)
    else:
        assert expected[1] == got[1], (name, args, expected[1], got[1])
    assert same(list(expected[2]), list(got[2])), (name, "mutated arguments")
    assert expected[3] == got[3]
    return got


def _types(v):
    if isinstance(v, (tuple, list)):
        return (type(v), [_types(x) for x in v])
    return type(v)


STRS = [
    "",
    "a",
    "abc",
    "é",
    "ÿ" * 3,
    "€uro",
    "\U0001f600",
    "a\U0001f600b",
    "\ud800",
    "x\udfff",
    "\ud83d",
    "\ude00",
    "ascii" * 40,
    "\u0100" * 70,
]
OTHERS = [
    AddStr("as"),
    RAddStr("rs"),
    PlainStr("ps"),
    0,
    7,
    2**70,
    1.5,
    None,
    [1],
    ("t",),
    b"by",
    RaisingRAdd(),
]
OPERANDS = STRS + OTHERS
BINARY = ["iadd", "add_assign", "add_reversed", "iadd_twice", "alias_variable", "alias_list"]
BINARY += ["alias_argument", "alias_dict_key", "slot_raises", "list_iadd"]


@pytest.mark.parametrize("name", BINARY)
def test_operands_conform(modules, name: str) -> None:
    """Every pair of str kinds (ASCII, latin-1, UCS-2, astral, lone surrogates, empty)
    and of non-str operands: value, type, exception type and message."""
    pairs = itertools.product(OPERANDS, OPERANDS)
    if name in ("alias_variable", "alias_list", "alias_dict_key"):
        pairs = itertools.product(STRS, OPERANDS)  # the left operand gets "!" added
    if name == "list_iadd":
        pairs = itertools.product([[], "ab", (1,)], OPERANDS)
    for a, b in pairs:
        both(modules, name, a, b)


def test_messages_of_mixed_types(modules) -> None:
    """int += str, str += int, None + str: TypeError with CPython's message."""
    for a, b in [(1, "a"), ("a", 1), (None, "a"), ("a", None), ("a", b"b"), (b"b", "a")]:
        for name in ("iadd", "add_assign"):
            got = both(modules, name, a, b)
            assert got[0] == "raise" and got[1][0] is TypeError


@pytest.mark.parametrize("a", [*STRS, AddStr("as"), 3])
def test_self_and_walrus(modules, a) -> None:
    """``s += s`` (both operands one object), and a walrus in the operand rebinding the
    local before the add (CPython then adds the old value: the store target no longer
    holds the left operand)."""
    both(modules, "iadd_self", a)
    both(modules, "walrus_rebinds", a)
    both(modules, "walrus_rebinds_plus", a)


def test_unbound_and_failing_operands(modules) -> None:
    both(modules, "unbound")
    both(modules, "unbound_plus")
    for a in ["x", "", 5]:
        assert both(modules, "operand_raises", a)[1][0] == "bound"
        assert both(modules, "slot_raises", a, RaisingRAdd())[1][0] == "bound"


def test_aliases_never_change(modules) -> None:
    """The str another variable, a list, a dict key or the caller holds is left as it was
    (not resized in place), and a hashed or interned str is not mutated."""
    _, compiled = modules
    for a in ["abc", "é", "\U0001f600", "\ud800", "x" * 1000]:
        s, keep = compiled.alias_variable(a, "tail")
        assert (s, keep) == (a + "!tail", a + "!")
        s, held = compiled.alias_list(a, "tail")
        assert (s, held) == (a + "!tail", [a + "!"])
        s, d = compiled.alias_dict_key(a, "t")
        assert s == a + "!t" and d == {a + "!": 1} and next(iter(d)) == a + "!"
        arg = a + "?"
        before = sys.getrefcount(arg)
        assert compiled.alias_argument(arg, "t") == a + "?t"
        assert arg == a + "?" and sys.getrefcount(arg) == before
        assert compiled.hashed(a, "t") == (a + "!t", True, True)
        assert compiled.interned(a, "t") == (a + "#t", True)


@pytest.mark.parametrize("name", ["build", "build_plus"])
def test_loops_build_long_strs(modules, name: str) -> None:
    text = "".join(chr(32 + i % 90) for i in range(10**5))
    for t in ["", text, text + "é", "é" + text, text + "\U0001f600\ud800", "\udc00" * 999]:
        both(modules, name, t)
    both(modules, "build_chunks", ["ab", "", "é", "\U0001f600", "\ud800", "x" * 300])
    both(modules, "build_n", 10**5, "é")
    both(modules, "build_n", 3, AddStr("s"))
    both(modules, "build_n", 3, 1)


def test_generators_cells_globals_comprehensions(modules) -> None:
    text = "ab|cd||é\U0001f600|" * 50
    for name in ["gen_build", "nonlocal_build", "cell_build", "global_build"]:
        both(modules, name, text)
        both(modules, name, "")
    both(modules, "comprehension_build", ["", "ab", "é\U0001f600"])
    both(modules, "counter", 1000)
    _, compiled = modules
    assert compiled.global_build("xyz") == "xyz" and compiled.GLOBAL_OUT == "xyz"


def _appends(module, which: int) -> int:
    fn = ctypes.CDLL(module.__file__).pyvorin_str_appends
    fn.restype = ctypes.c_longlong
    fn.argtypes = [ctypes.c_int]
    return fn(which)


def test_in_place_path_taken(modules) -> None:
    """The module's counters (pv_str_append_local): each ``+=`` of two strs into the local
    holding the left one goes through PyUnicode_Append, and on a str nothing else
    references (so that it may resize it in place: the lowering holds no extra reference);
    an alias, a cell, a global or a non-str operand never does."""
    _, compiled = modules

    def delta(fn, *args):
        before = (_appends(compiled, 0), _appends(compiled, 1))
        fn(*args)
        return _appends(compiled, 0) - before[0], _appends(compiled, 1) - before[1]

    n = 10**5
    text = "ab" * (n // 2)
    # the first append is to "" (the empty singleton), the second to the first character,
    # which the iterated text's iterator made and the loop variable still holds
    assert delta(compiled.build, text) == (n, n - 2)
    assert delta(compiled.build_plus, text) == (n, n - 2)
    assert delta(compiled.build_n, 1000, "é") == (1000, 998)
    assert delta(compiled.alias_variable, "abc", "d") == (1, 0)
    assert delta(compiled.alias_list, "abc", "d") == (1, 0)
    assert delta(compiled.alias_argument, "abc", "d") == (1, 0)
    assert delta(compiled.hashed, "abc", "d") == (1, 1)  # PyUnicode_Append copies it
    assert delta(compiled.walrus_rebinds, "a") == (0, 0)
    assert delta(compiled.iadd, AddStr("a"), "b") == (0, 0)
    assert delta(compiled.iadd, "a", PlainStr("b")) == (0, 0)
    assert delta(compiled.counter, 100) == (0, 0)
    assert delta(compiled.nonlocal_build, "abc") == (0, 0)
    assert delta(compiled.global_build, "abc") == (0, 0)
    # a generator's locals live in its frame: appended there the same way
    assert delta(compiled.gen_build, "abcd") == (4, 2)


def test_many_calls_stay_flat(modules) -> None:
    """10**5 calls (in-place appends, aliases, subclasses, the error paths) leave neither
    objects nor memory behind, and the operands' reference counts are unchanged."""
    _, compiled = modules
    a, b = "héllo wörld " * 3, "\U0001f600"
    sub = AddStr("x")

    def run(n: int) -> None:
        for _ in range(n):
            compiled.build(a)
            compiled.iadd(a, b)
            compiled.add_assign(a, b)
            compiled.alias_list(a, b)
            compiled.alias_argument(a, b)
            compiled.iadd(sub, b)
            compiled.iadd(b, sub)
            compiled.slot_raises(a, RaisingRAdd())
            try:
                compiled.iadd(1, b)
            except TypeError:
                pass
            try:
                compiled.unbound()
            except UnboundLocalError:
                pass

    run(1000)
    gc.collect()
    refs = [sys.getrefcount(x) for x in (a, b, sub)]
    blocks = sys.getallocatedblocks()
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
    assert [sys.getrefcount(x) for x in (a, b, sub)] == refs
