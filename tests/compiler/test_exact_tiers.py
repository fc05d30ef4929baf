"""Per-function native versions in a generic-tier module behave exactly as CPython.

The typed top-level functions of ``generic/tiers.py`` (a module with a class, imports and
module-level code) get a native version behind a guard. These tests compare the compiled
module with the same source run by CPython: values, types, float bits and exceptions for
arguments of exactly the native types (the native version runs) and for every other
argument (bool, int subclasses, floats for ints, str: the generic body runs), and after
rebinding a callee, a constant or a builtin from outside and from module code. The
native path is proved taken (or not) by the per-function call counter the module
exports (``pyvorin_native_calls``, read with ctypes), never by timing.
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

from pyvorin.compiler import check_file, generate_units, select_tier
from pyvorin.model import ModuleSpec
from tests.compiler.leakcheck import traced_bytes

from .harness import outcome, python_and_compiled, same

SOURCE = Path(__file__).parent / "generic" / "tiers.py"

pytestmark = pytest.mark.slow  # one real compile of the module (seconds)

NATIVE = {
    "helper",
    "kernel",
    "hypot",
    "scaled",
    "floordiv",
    "truediv",
    "power",
    "to_float",
    "exp",
    "pick",
    "fib",
    "down",
    "flag",
    "sieve",
    "nothing",
    "double",
    "triple",
    "twice_helper",
    "total",
    "bump",
    "pairsum",
    "grid_sum",
    "with_default",  # its caller calls_default leaves k to the default: that one has none
    "checked",
    "vowels",
    "mirror",
    "rank",
    "cut",
    "wrapped_square",  # decorated: behind its own C entry, which the wrapper calls
    "cached_cube",
    "replaced",  # the decorator returned another function: never reached, still exact
    "all_positive",
    "any_big_even",
    "all_truthy",
    "any_vowel",
    "lazy_any",
    "lazy_all",
    "sum_multiples",
    "sum_items",
    "sum_squares",
    "describe",
    "bad_spec",
    "checked_double",
    "slices",
    "sort_copy",
    "chars",
    "words_of",
    "str_methods",
    "str_index",
    "parse_number",
}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, SOURCE)


_counted: dict[str, int] = {}


@pytest.fixture
def modules(loaded):
    """The pair, with the globals the test rebinds restored after it, and the native call
    counters read from zero."""
    saved = [dict(vars(m)) for m in loaded]
    for fn in NATIVE:
        _counted[fn] = _read(loaded[1], fn)
    yield loaded
    for m, snapshot in zip(loaded, saved, strict=True):
        d = vars(m)
        d.clear()
        d.update(snapshot)


def _read(module, name: str) -> int:
    fn = ctypes.CDLL(module.__file__).pyvorin_native_calls
    fn.restype = ctypes.c_longlong
    fn.argtypes = [ctypes.c_char_p]
    return fn(name.encode())


def calls(module, name: str) -> int:
    """How many calls of ``name`` in this test ran its native version."""
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


class IntSub(int):
    pass


class FloatSub(float):
    pass


def test_selection_names_the_native_functions_and_the_reasons() -> None:
    sel = select_tier(SOURCE, "tiers")
    assert sel.tier == "generic"
    assert set(sel.native_part.names) == NATIVE
    reasons = sel.native_part.reasons
    assert reasons["uses_class"].code == "PV305"  # Point(x, x).x
    assert reasons["shadow_user"].code == "PV301"  # SHADOWED is bound twice
    assert "leaves argument 'k' to its default" in reasons["calls_default"].message
    assert "untyped" in reasons and "untyped" not in sel.native_part.typed
    notes = {(d.code, d.line) for d in check_file(SOURCE, "tiers")}
    fib_line = next(f.line for f in sel.native_part.module.functions if f.name == "fib")
    assert ("PV480", fib_line) in notes
    shown = [d for d in check_file(SOURCE, "tiers") if d.code == "PV481"]
    assert {d.message.split("()")[0] for d in shown} == {
        "uses_class",
        "shadow_user",
        "calls_default",
        "cached_fib",
        "calls_wrapped",
        "sum_floats",
        "sum_from_flag",
    }
    assert reasons["sum_from_flag"].code == "PV207"
    assert "CPython 3.12 rounds a sum of floats differently" in reasons["sum_floats"].message
    assert reasons["cached_fib"].code == "PV111"
    assert "calls itself by its name" in reasons["cached_fib"].message
    assert reasons["calls_wrapped"].code == "PV307"
    assert "wrapped_square(), whose name is bound to what its decorator" in (
        reasons["calls_wrapped"].message
    )


def test_generated_c_calls_the_native_version() -> None:
    units = dict(generate_units(ModuleSpec("tiers", SOURCE)))
    assert set(units) == {"tiers.c", "tiers__native.c"}
    generic, native = units["tiers.c"], units["tiers__native.c"]
    for name in NATIVE:
        assert f"n_e_{name}(args, &pv_nres)" in generic
        assert f"n_e_{name}(PyObject *const *args, PyObject **res)" in native
    assert "n_e_untyped" not in generic


VALUES = [0, 1, -1, 7, 2**31, -(2**62), 2**64 + 3, -(2**100)]


@pytest.mark.parametrize("x", VALUES)
def test_native_path_ints(modules, x: int) -> None:
    _py, compiled = modules
    before = calls(compiled, "helper")
    both(modules, "helper", x)
    assert calls(compiled, "helper") == before + 1
    both(modules, "double", x)
    both(modules, "to_float", x)
    both(modules, "floordiv", x, 3)
    both(modules, "floordiv", x, -7)
    both(modules, "flag", True, x)
    both(modules, "flag", False, x)


FLOATS = [0.0, -0.0, 1.5, -2.25, 1e308, 5e-324, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("x", FLOATS)
def test_native_path_floats_bit_for_bit(modules, x: float) -> None:
    _py, compiled = modules
    before = calls(compiled, "hypot")
    for y in (0.0, -0.0, 3.0, math.nan):
        both(modules, "hypot", x, y)
        both(modules, "truediv", x, y)
        both(modules, "power", x, y)
    assert calls(compiled, "hypot") == before + 4
    both(modules, "scaled", x)
    both(modules, "exp", x)


def test_native_path_exceptions_have_cpythons_messages(modules) -> None:
    _py, compiled = modules
    assert both(modules, "floordiv", 5, 0)[1][0] is ZeroDivisionError
    assert both(modules, "truediv", 5.0, 0.0)[1][0] is ZeroDivisionError
    assert both(modules, "exp", 1000.0)[1][0] is OverflowError
    assert both(modules, "power", 10.0, 400.0)[1][0] is OverflowError
    assert both(modules, "to_float", 10**400)[1][0] is OverflowError
    assert both(modules, "pick", 3)[1] == (IndexError, "list index out of range")
    both(modules, "pick", -3)
    assert calls(compiled, "pick") == 2
    assert calls(compiled, "floordiv") == 1


def test_native_raise_of_a_builtin_exception_class(modules) -> None:
    _py, compiled = modules
    assert both(modules, "checked", -1, 2.0)[1] == (ValueError, "x must be non-negative")
    assert both(modules, "checked", 0, 2.0)[1] == (ZeroDivisionError, "")
    assert both(modules, "checked", 2**70, -0.0)[1] == (KeyError, f"({2**70}, -0.0, True)")
    assert both(modules, "checked", 101, math.nan)[1][0] is KeyError
    both(modules, "checked", 3, 1.0)
    assert calls(compiled, "checked") == 5
    # the instance's arguments, the line in the traceback, the exception being handled
    for m in modules:
        with pytest.raises(KeyError) as info:
            try:
                raise OSError("handled")
            except OSError:
                m.checked(200, 0.5)
        assert info.value.args == (200, 0.5, False)
        assert type(info.value.__context__) is OSError and info.value.__cause__ is None
        assert info.traceback[-1].name == "checked"
        assert info.traceback[-1].lineno + 1 == _line_of(SOURCE, "raise KeyError(x, y")
    assert calls(compiled, "checked") == 6


def test_native_raise_follows_a_rebound_exception_name(modules) -> None:
    _py, compiled = modules
    for m in modules:
        m.ValueError = LookupError  # a module global now hides the builtin
    assert both(modules, "checked", -1, 2.0)[1] == (LookupError, "x must be non-negative")
    assert calls(compiled, "checked") == 0
    for m in modules:
        del m.ValueError
    original = builtins.ZeroDivisionError
    builtins.ZeroDivisionError = ArithmeticError
    try:
        assert both(modules, "checked", 0, 1.0)[1][0] is ArithmeticError
    finally:
        builtins.ZeroDivisionError = original
    assert calls(compiled, "checked") == 0
    both(modules, "checked", -1, 2.0)
    assert calls(compiled, "checked") == 1


class StrSub(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__

    def __len__(self):
        return 99

    def __iter__(self):
        return iter("aaa")


STRS = ["", "a", "Hello, World", "héllo wörld", "\U0001f600 astral \U0010ffff", "\ud800x"]


@pytest.mark.parametrize("s", STRS)
def test_native_path_strs(modules, s: str) -> None:
    _py, compiled = modules
    both(modules, "vowels", s)
    assert calls(compiled, "vowels") == 1
    for k in (0, 1, 3, -2):
        both(modules, "mirror", s, k)  # IndexError for "" (s[0]) from the native body
    assert calls(compiled, "mirror") == 4 and calls(compiled, "vowels") == 1  # native calls
    for t in STRS:
        both(modules, "rank", s, t)
    assert calls(compiled, "rank") == len(STRS)


SLICE_BOUNDS = [
    0,
    1,
    2,
    -1,
    -3,
    7,
    -20,
    2**62,
    -(2**62) - 1,
    2**63,
    -(2**63) - 1,
    10**30,
    -(10**30),
]


@pytest.mark.parametrize("s", STRS)
def test_native_path_str_slices(modules, s: str) -> None:
    """s[a:b], s[a:], s[:b], s[:] and negative bounds from the native body: CPython's
    clamping (bounds past the length, past Py_ssize_t, crossed), every str kind."""
    _py, compiled = modules
    for a in SLICE_BOUNDS:
        for b in SLICE_BOUNDS:
            both(modules, "cut", s, a, b)
    assert calls(compiled, "cut") == len(SLICE_BOUNDS) ** 2
    both(modules, "cut", s, True, False)  # bools: the native body takes them as ints
    both(modules, "cut", StrSub(s), 0, 1)  # a subclass (its own __getitem__): generic
    both(modules, "cut", s, 1.5, 2)  # TypeError from the generic body
    assert calls(compiled, "cut") == len(SLICE_BOUNDS) ** 2


def test_native_str_errors(modules) -> None:
    _py, compiled = modules
    assert both(modules, "mirror", "", 1)[1] == (IndexError, "string index out of range")
    assert both(modules, "mirror", "\U0010ffff", 1)[1][0] is ValueError  # chr(0x110000)
    assert both(modules, "mirror", "ab", 2**62)[1][0] is OverflowError
    assert both(modules, "mirror", "ab", 2**100)[1][0] is OverflowError
    assert calls(compiled, "mirror") == 4


def test_str_subclass_takes_the_generic_body(modules) -> None:
    _py, compiled = modules
    for s in (StrSub("abc"), StrSub("")):
        both(modules, "vowels", s)
        both(modules, "rank", s, "abc")
        both(modules, "rank", "abc", s)
    assert calls(compiled, "vowels") == 0 and calls(compiled, "rank") == 0
    both(modules, "mirror", StrSub("xy"), 2)  # its vowels(s) call passes an exact str
    assert calls(compiled, "mirror") == 0 and calls(compiled, "vowels") == 0
    for other in ((b"abc",), (["a"],), (None,)):
        both(modules, "vowels", *other)
    assert calls(compiled, "vowels") == 0


def test_native_str_follows_a_rebound_constant_and_builtin(modules) -> None:
    _py, compiled = modules
    for m in modules:
        m.VOWELS = "xyz"
    both(modules, "vowels", "xylophone")
    assert calls(compiled, "vowels") == 0
    for m in modules:
        m.VOWELS = "aeiouAEIOU"
    both(modules, "vowels", "xylophone")
    assert calls(compiled, "vowels") == 1
    original = builtins.chr
    builtins.chr = lambda i: "<" + original(i) + ">"
    try:
        both(modules, "mirror", "ab", 1)
    finally:
        builtins.chr = original
    assert calls(compiled, "mirror") == 0
    both(modules, "mirror", "ab", 1)
    assert calls(compiled, "mirror") == 1


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_traceback_names_the_function_and_line(modules) -> None:
    _, compiled = modules
    with pytest.raises(IndexError) as info:
        compiled.pick(10)
    last = info.traceback[-1]
    assert last.name == "pick" and Path(last.path).name == "tiers.py"


@pytest.mark.parametrize(
    "args",
    [(True,), (False,), (IntSub(5),), (2.0,), ("3",), (None,), ([1],)],
    ids=["true", "false", "intsub", "float", "str", "none", "list"],
)
def test_other_arguments_take_the_generic_body(modules, args) -> None:
    _py, compiled = modules
    for name in ("helper", "double", "kernel", "to_float", "fib"):
        if name in ("kernel", "fib") and args[0] in ("3", None, [1]):
            continue  # a loop over range("3") raises as well; tested on helper
        both(modules, name, *args)
        if name == "fib" and type(args[0]) is IntSub:
            # fib(IntSub(5)) runs the generic body; its `n - 1` is an exact int, so the
            # recursive calls from there take the native version
            assert calls(compiled, name) == 2, name
        else:
            assert calls(compiled, name) == 0, name


@pytest.mark.parametrize("args", [(3, 4), (FloatSub(1.0), 2.0), (1.0, True), ("a", 1.0)])
def test_float_parameters_take_only_exact_floats(modules, args) -> None:
    _py, compiled = modules
    both(modules, "hypot", *args)
    both(modules, "truediv", *args)
    assert calls(compiled, "hypot") == 0 and calls(compiled, "truediv") == 0


def test_bool_parameter_takes_only_true_and_false(modules) -> None:
    _py, compiled = modules
    both(modules, "flag", 1, 5)
    both(modules, "flag", 0, 5)
    assert calls(compiled, "flag") == 0
    both(modules, "flag", True, 5)
    assert calls(compiled, "flag") == 1


def test_recursion_and_lists(modules) -> None:
    py, compiled = modules
    both(modules, "fib", 20)
    assert calls(compiled, "fib") == 1  # the recursive calls are native-to-native
    both(modules, "down", 500)
    both(modules, "sieve", 100)
    both(modules, "sieve", 1)
    both(modules, "nothing", 5)
    assert compiled.TABLE == py.TABLE
    assert same(compiled.ORIGIN, py.ORIGIN)


def test_recursion_error(modules) -> None:
    py, compiled = modules
    limit = sys.getrecursionlimit()
    got = outcome(compiled.down, (limit + 100,))
    assert got[0] == "raise" and got[1][0] is RecursionError
    assert outcome(py.down, (limit + 100,))[1][0] is RecursionError


def test_keyword_and_default_binding_is_the_generic_functions(modules) -> None:
    py, compiled = modules
    assert same(py.with_default(x=4), compiled.with_default(x=4))
    assert same(py.with_default(4, k=5), compiled.with_default(4, k=5))
    both(modules, "calls_default", 6)
    compiled.with_default.__defaults__ = (10,)
    py.with_default.__defaults__ = (10,)
    both(modules, "calls_default", 6)
    both(modules, "with_default", 6)
    # every call binds exact ints (by keyword or from the current __defaults__) and takes
    # the native version, also from the generic body of calls_default (which has none)
    assert calls(compiled, "with_default") == 5
    assert _read(compiled, "calls_default") == -1  # no native version
    assert compiled.helper.__name__ == "helper" and compiled.fib.__qualname__ == "fib"
    with pytest.raises(TypeError) as a:
        compiled.helper()
    with pytest.raises(TypeError) as b:
        py.helper()
    assert str(a.value) == str(b.value)


def test_rebinding_a_callee_from_outside(modules) -> None:
    _py, compiled = modules
    both(modules, "kernel", 30)
    for m in modules:
        m.helper = m.triple
    both(modules, "kernel", 30)
    both(modules, "twice_helper", 4)
    for m in modules:
        m.helper = lambda x: x - 1
    both(modules, "kernel", 30)
    assert calls(compiled, "kernel") == 1  # the guard sent the last two to the generic body
    for m in modules:
        m.helper = m.double
        m.double = m.triple  # helper is now a native function, but not the one kernel calls
    both(modules, "kernel", 30)
    assert calls(compiled, "kernel") == 1


def test_rebinding_a_constant_from_outside(modules) -> None:
    _py, compiled = modules
    for value in (3, 3.0, True, 2**80, "x", 10):
        for m in modules:
            m.N = value
        both(modules, "helper", 4)
        both(modules, "kernel", 9)
    assert calls(compiled, "helper") == 1  # only N == 10 (an exact int) holds
    for m in modules:
        m.SCALE = -0.0
    both(modules, "scaled", 3.0)
    for m in modules:
        m.OFFSET = 0.0  # equal to -0.0, not the same bits: the guard fails
    both(modules, "hypot", 1.0, 2.0)
    assert calls(compiled, "hypot") == 0 and calls(compiled, "scaled") == 0
    for m in modules:
        del m.N
    both(modules, "helper", 4)


def test_rebinding_from_module_code(modules) -> None:
    _py, compiled = modules
    both(modules, "helper", 2)
    for m in modules:
        m.rebind_global("N", 100)
    both(modules, "helper", 2)
    for m in modules:
        m.rebind_global("N", 10)
    both(modules, "helper", 2)
    assert calls(compiled, "helper") == 2
    for m in modules:
        m.rebind_global("helper", m.double)
    both(modules, "kernel", 10)
    for m in modules:
        m.unbind_global("helper")
    both(modules, "kernel", 10)  # NameError in both
    assert calls(compiled, "kernel") == 0


def test_shadowed_and_rebound_builtins_math(modules) -> None:
    _py, compiled = modules
    for m in modules:
        m.range = lambda n: [1, 2]
    both(modules, "kernel", 10)
    assert calls(compiled, "kernel") == 0
    for m in modules:
        del m.range
    both(modules, "kernel", 10)
    assert calls(compiled, "kernel") == 1
    original = builtins.abs
    builtins.abs = lambda x: 42
    try:
        both(modules, "flag", True, -3)
    finally:
        builtins.abs = original
    assert calls(compiled, "flag") == 0
    for m in modules:
        m.sqrt = math.cbrt if hasattr(math, "cbrt") else math.exp
    both(modules, "hypot", 3.0, 4.0)
    for m in modules:
        m.sqrt = math.sqrt
    saved = math.pi
    math.pi = 3.0
    try:
        both(modules, "hypot", 3.0, 4.0)
    finally:
        math.pi = saved
    assert calls(compiled, "hypot") == 0
    both(modules, "hypot", 3.0, 4.0)
    assert calls(compiled, "hypot") == 1


def test_annotate_shows_the_native_versions_and_the_reasons() -> None:
    from pyvorin.compiler.annotate import annotate

    page, summary = annotate(SOURCE, "tiers")
    assert summary["tier"] == "generic"
    assert set(summary["native_functions"]) == NATIVE
    assert summary["no_native_version"]["uses_class"].startswith("PV305: ")
    line = next(
        i for i, text in enumerate(SOURCE.read_text().splitlines(), 1) if "return a // b" in text
    )
    assert f'<tr class="native"><td class="n">{line}</td>' in page


class ListSub(list):
    pass


LIST_CASES = [
    ("total", ([1.5, -0.0, 2.25],), True),
    ("total", ([],), True),
    ("total", ([1.5, 2],), False),  # an int in a list[float]: CPython's sum keeps int + float
    ("total", ([1.5, True],), False),
    ("total", ((1.5, 2.5),), False),  # a tuple for a list
    ("total", (ListSub([1.5]),), False),
    ("total", ([1.5, "x"],), False),  # TypeError from the generic body, as CPython
    ("bump", ([1, 2, 3], 5), True),
    ("bump", ([1, 2**70, -3], 2**65), True),
    ("bump", ([1, True], 1), False),
    ("bump", ([1, IntSub(2)], 1), False),
    ("bump", ([1.0, 2], 1), False),
    ("pairsum", ((2, 0.5),), True),
    ("pairsum", ((2, 0.5, 1),), False),
    ("pairsum", ([2, 0.5],), False),
    ("pairsum", ((2.0, 0.5),), False),
    ("grid_sum", ([[1, 2], [3], []],), True),
    ("grid_sum", ([[1, 2], (3,)],), False),
    ("grid_sum", ([[1, 2], [False]],), False),
]


@pytest.mark.parametrize("name, args, native", LIST_CASES)
def test_list_and_tuple_parameters(modules, name, args, native) -> None:
    _py, compiled = modules
    both(modules, name, *args)
    assert calls(compiled, name) == (1 if native else 0)


def test_decorated_functions_run_natively_behind_their_decorators(modules) -> None:
    """The decorator is applied at import as CPython does; the wrapper it returns calls
    the compiled function, whose own entry takes the native version. A decorated name is
    never called natively (by itself or another function), so the wrapper sees every call
    it sees in CPython."""
    py, compiled = modules
    for m in modules:
        m.CALLS.clear()
        m.cached_cube.cache_clear()
        m.cached_fib.cache_clear()
    for x in (3, -(2**70), True, 2.5, "a"):
        both(modules, "wrapped_square", x)
        both(modules, "calls_wrapped", x)
    assert py.CALLS == compiled.CALLS == ["wrapped_square"] * 10
    assert calls(compiled, "wrapped_square") == 4  # the exact ints: 3 and -(2**70), twice
    assert compiled.wrapped_square.__wrapped__.__name__ == "wrapped_square"
    for x in (4, 4, 2**40, 4.0, IntSub(4)):
        both(modules, "cached_cube", x)
    assert py.cached_cube.cache_info() == compiled.cached_cube.cache_info()
    assert calls(compiled, "cached_cube") == 2  # 4 once (then cached), and 2**40
    both(modules, "cached_fib", 90)
    assert py.cached_fib.cache_info() == compiled.cached_fib.cache_info()
    assert both(modules, "replaced", 5)[1] == ("replaced", 5)
    assert calls(compiled, "replaced") == 0


ALL_ANY_CASES = [
    ("all_positive", ([],)),
    ("all_positive", ([1, 2, 2**70],)),
    ("all_positive", ([1, 0, 3],)),
    ("all_positive", ([-(2**80)],)),
    ("any_big_even", ([1, 3, 5], 0)),
    ("any_big_even", ([1, 4, 9], 3)),
    ("any_big_even", ([2**90, 1], 2**89)),
    ("any_big_even", ([], 0)),
    ("all_truthy", ([], [])),
    ("all_truthy", ([1.5, -0.0], ["a", ""])),
    ("all_truthy", ([float("nan"), 2.0], ["x", "yz"])),
    ("all_truthy", ([0.0, 0.0], ["", ""])),
    ("any_vowel", ("rhythm",)),
    ("any_vowel", ("crwth\u00e9A",)),
    ("any_vowel", ("",)),
]


@pytest.mark.parametrize("name, args", ALL_ANY_CASES)
def test_all_and_any_natively(modules, name, args) -> None:
    both(modules, name, *args)
    assert calls(modules[1], name) == 1


@pytest.mark.parametrize("n, limit", [(10, 30), (10, 1000), (5, 1000), (0, 0), (7, -1)])
def test_all_and_any_stop_at_the_deciding_item(modules, n, limit) -> None:
    """The items after the one that decides are never computed: ``100 // (5 - i)``
    raises ZeroDivisionError at i == 5 only when nothing decided the result before."""
    for name in ("lazy_any", "lazy_all"):
        both(modules, name, n, limit)
        assert calls(modules[1], name) == 1


def test_all_and_any_take_the_generic_body_for_other_arguments(modules) -> None:
    for args in (([True, 2],), ((1, 2),), ([1, 2.0],), ("ab",)):
        both(modules, "all_positive", *args)
    assert calls(modules[1], "all_positive") == 0


def test_all_and_any_leak_nothing(modules) -> None:
    """10**5 calls that stop early (an item kept in the loop variable) and run to the end,
    over lists of big ints and strs: no memory growth, no reference kept."""
    _py, compiled = modules
    big = [2**70 + i for i in range(8)]
    words = ["x" * 40, "yz" * 30, ""]
    text = "crwth" * 20 + "a"

    def run(n: int) -> None:
        for _ in range(n):
            compiled.all_positive(big)
            compiled.any_big_even(big, 2**70 + 5)
            compiled.all_truthy([1.5, 0.0], words)
            compiled.any_vowel(text)
            compiled.lazy_any(10, 30)
            compiled.sum_squares(big)
            compiled.describe(2**70, 2.5, True, "words")
            compiled.str_methods("abcab abc" * 3, 3, True)

    run(1000)
    gc.collect()
    blocks = sys.getallocatedblocks()
    refs = [sys.getrefcount(o) for o in (big, words, text, *big, *words)]
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
    assert [sys.getrefcount(o) for o in (big, words, text, *big, *words)] == refs
    assert calls(compiled, "any_vowel") == 10**5 // 5 + 1000  # the native path ran


SUM_CASES = [
    ("sum_multiples", (0,)),
    ("sum_multiples", (10,)),
    ("sum_multiples", (1000,)),
    ("sum_items", ([], [], 0)),
    ("sum_items", ([1, -2, 2**64], [True, False, True], -(2**70))),
    ("sum_items", ([2**62 - 1, 2**62 - 1, 2**62], [True] * 5, 2**62)),
    ("sum_squares", ([],)),
    ("sum_squares", ([3, -4, 2**40, -(2**70)],)),
]


@pytest.mark.parametrize("name, args", SUM_CASES)
def test_sum_of_ints_natively(modules, name, args) -> None:
    both(modules, name, *args)
    assert calls(modules[1], name) == 1


def test_sum_of_other_values_is_cpythons(modules) -> None:
    """Floats (a function without a native version), and arguments the native entry does
    not take (floats in a list of ints, a tuple): the generic body, CPython's sum."""
    both(modules, "sum_floats", [0.1] * 10 + [1e100, 1.0, -1e100])
    both(modules, "sum_items", [1, 2.5], [True], 0)
    both(modules, "sum_items", (1, 2), [True], 0)
    both(modules, "sum_squares", [True, 2])
    assert both(modules, "sum_from_flag", [], True)[1] is True
    assert calls(modules[1], "sum_items") == calls(modules[1], "sum_squares") == 0


FSTRING_CASES = [
    (0, 0.0, False, ""),
    (7, -1.5, True, "w"),
    (-(2**70), float("inf"), True, "\u00e9t\u00e9 \U0001f600"),
    (19, float("nan"), False, "a'b\"c"),
    (12345678, 1e-300, True, "xyz"),
    (3, -0.0, False, "0"),
]


@pytest.mark.parametrize("args", FSTRING_CASES)
def test_fstrings_natively(modules, args) -> None:
    both(modules, "describe", *args)
    assert calls(modules[1], "describe") == 1


def test_fstring_errors_and_raise_messages(modules) -> None:
    for name in ("", "abc"):
        assert both(modules, "bad_spec", name)[0] == "raise"
    for n in (0, 5, -3, -(2**80)):
        both(modules, "checked_double", n)
    assert calls(modules[1], "checked_double") == 4
    assert calls(modules[1], "bad_spec") == 2


SEQUENCE_CASES = [
    ("slices", ([1, 2, 3, 4, 5], 1, 3)),
    ("slices", ([1, 2, 3], -2, 10)),
    ("slices", ([1, 2, 3], 2**70, -(2**70))),
    ("slices", ([], 0, 0)),
    (
        "sort_copy",
        ([3.5, -0.0, 0.0, float("nan"), 1e300, -1.5], ["b", "a", "\u00e9", ""], {"z": 1, "y": 2}),
    ),
    ("sort_copy", ([], [], {})),
    ("chars", ("hello",)),
    ("chars", ("",)),
]


@pytest.mark.parametrize("name, args", SEQUENCE_CASES)
def test_list_slices_copies_and_sorting(modules, name, args) -> None:
    both(modules, name, *args)
    assert calls(modules[1], name) == 1


STR_METHOD_CASES = [
    ("words_of", ("The 2 quick, brown fox! 42 JUMPS.",)),
    ("words_of", ("",)),
    ("words_of", ("\u00c9t\u00e9 \u0130stanbul \u00df\n\t x",)),
    ("str_methods", ("abcab abc", 3, True)),
    ("str_methods", ("", 0, False)),
    ("str_methods", ("a\nb\r\nAb", -5, True)),
    ("str_methods", ("aAa", 2**70, False)),  # OverflowError of the int argument
    ("str_index", ("banana", "an")),
    ("str_index", ("banana", "x")),  # ValueError: substring not found
    ("str_index", ("_x1", "")),
]


@pytest.mark.parametrize("name, args", STR_METHOD_CASES)
def test_str_methods_natively(modules, name, args) -> None:
    both(modules, name, *args)
    assert calls(modules[1], name) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("42", 10),
        (" -7 ", 16),
        ("1_000", 0),
        ("\u0663\u0664", 10),  # Arabic-Indic digits
        ("0x1f", 0),  # int("0x1f"): ValueError
        ("1e3", 10),
        ("9" * 5000, 10),  # past the int digit limit: ValueError
        ("12", 37),  # an invalid base: ValueError
        ("11", 2),
    ],
)
def test_int_and_float_of_a_str(modules, args) -> None:
    both(modules, "parse_number", *args)
    assert calls(modules[1], "parse_number") == 1
