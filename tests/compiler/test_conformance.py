"""Conformance: each case runs under CPython and compiled; results must be identical.

Compared: value and type (floats bit for bit), exception type and message, argument
mutation and printed output. The four sources in conformance/ are compiled once each.
"""

from __future__ import annotations

import itertools
import math

import pytest

from .harness import assert_conforms

INF, NAN = math.inf, math.nan
EDGE_INTS = [
    0,
    1,
    -1,
    7,
    -7,
    2**31,
    -(2**31),
    2**62 - 1,
    -(2**62),
    2**63,
    -(2**63),
    2**64 + 1,
    10**30,
    -(10**30),
]
EDGE_FLOATS = [0.0, -0.0, 1.5, -2.5, INF, -INF, NAN, 5e-324, 1e308, 0.1, -7.0, 3.0]
INT_PAIRS = [
    (7, 2),
    (-7, 2),
    (7, -2),
    (-7, -2),
    (0, 5),
    (5, 0),
    (0, 0),
    (2**62 - 1, 1),
    (-(2**62), -1),
    (2**63, 2**31),
    (-(2**63), 3),
    (2**64 + 1, -(2**64 + 1)),
    (10**30, 7),
    (-1, 2**63),
    (1, -1),
    (-(2**62), 2),
]
FLOAT_PAIRS = [
    (7.5, 2.0),
    (-7.5, 2.0),
    (7.5, -2.0),
    (-0.0, 1.0),
    (0.0, -1.0),
    (1.0, 0.0),
    (-1.0, -0.0),
    (INF, 2.0),
    (2.0, INF),
    (-INF, 3.0),
    (NAN, 1.0),
    (1e308, 10.0),
    (5e-324, 0.5),
    (0.1, 0.2),
    (-3.0, INF),
    (INF, INF),
]
SHIFTS = [
    (1, 0),
    (1, 61),
    (1, 62),
    (1, 63),
    (1, 200),
    (-5, 3),
    (5, -1),
    (2**70, 3),
    (-(2**70), 100),
    (12345, 64),
    (-1, 1000),
]

CASES: list[tuple[str, str, tuple]] = []


def add(module: str, fn: str, *arg_tuples: tuple) -> None:
    CASES.extend((module, fn, args) for args in arg_tuples)


for fn in ("add", "sub", "mul", "floordiv", "mod", "truediv", "band", "bor", "bxor", "divmod_i"):
    add("arith", fn, *INT_PAIRS)
add("arith", "lshift", *SHIFTS)
add("arith", "rshift", *SHIFTS)
for fn in ("neg", "inv", "pow2", "pow40", "pow_neg", "absi", "to_float", "big_const"):
    add("arith", fn, *[(x,) for x in EDGE_INTS])
for fn in ("fadd", "fsub", "fmul", "fdiv", "ffloordiv", "fmod", "divmod_f"):
    add("arith", fn, *FLOAT_PAIRS)
add(
    "arith",
    "fpow_i",
    (2.0, 10),
    (2.0, -1),
    (-2.0, 3),
    (-2.0, -3),
    (0.0, -1),
    (-0.0, 3),
    (10.0, 400),
    (1.5, 0),
    (NAN, 0),
    (INF, -2),
    (0.5, 2000),
    (-1.0, 2**70),
)
add("arith", "fpow2", *[(x,) for x in EDGE_FLOATS])
for fn in ("fneg", "fabs_", "to_int", "rnd"):
    add(
        "arith",
        fn,
        *[(x,) for x in [*EDGE_FLOATS, 2.5, 3.5, -2.5, 0.49999999999999994, 1e19, -1e19]],
    )
add("arith", "rnd2", (2.675, 2), (1.5, 0), (-0.5, 0), (INF, 3), (NAN, 1), (123.456, -1))
add("arith", "rnd_i", (12345, -2), (15, -1), (25, -1), (7, 3), (2**70, -10))
for fn in ("mixed_add", "mixed_div", "mixed_floordiv"):
    add(
        "arith",
        fn,
        (3, 0.5),
        (-3, 2.0),
        (2**53 + 1, 1.0),
        (10**400, 1.0),
        (0, 0.0),
        (1, -0.0),
        (7, INF),
        (-7, NAN),
    )
for fn in ("mixed_mul", "mixed_mod"):
    add(
        "arith",
        fn,
        (0.5, 3),
        (2.0, -3),
        (1.0, 2**53 + 1),
        (1.0, 10**400),
        (0.0, 0),
        (-0.0, 1),
        (INF, 0),
        (NAN, -7),
        (-7.5, 2),
    )
bools = list(itertools.product([True, False], repeat=2))
add("arith", "bool_arith", *bools)
add("arith", "bool_bits", *bools)
add("arith", "bool_neg", (True,), (False,))
add("arith", "const_expr", ())
add("arith", "augment", (3, 4), (-1000, 7), (2**62, 2**62), (0, 0), (10**20, -1))
add("arith", "faugment", (1.0, 2.0), (-3.5, 0.25), (INF, 1.0), (NAN, 0.0), (0.0, -0.0))
add("arith", "big_sum", (0,), (10,), (1000,))
add("arith", "fact", (0,), (1,), (20,), (21,), (30,))
add("arith", "poly", *[(x,) for x in EDGE_FLOATS])
add("arith", "fma_like", (0.1, 0.2, 0.3), (1e308, 10.0, -INF), (1.0 + 2**-52, 1.0 - 2**-53, -1.0))
add("arith", "int_float_mix", (0,), (100,))

add("logic", "lt", *INT_PAIRS)
add("logic", "cmp_all", *INT_PAIRS)
add("logic", "fcmp_all", *FLOAT_PAIRS)
add(
    "logic",
    "mcmp_all",
    (1, 1.0),
    (2**53 + 1, 2.0**53),
    (2**53 + 1, 2.0**53 + 2),
    (10**400, INF),
    (-(10**400), -INF),
    (3, NAN),
    (0, -0.0),
    (-(2**63), -(2.0**63)),
    (2**63 - 1, 2.0**63),
    (7, 6.999999999999999),
)
add("logic", "chained", (1, 2, 3), (1, 2, 2), (3, 2, 1), (1, 1, 5), (-(2**64), 0, 2**64))
add("logic", "chained_mixed", (1.0, 2, 3.0), (1.5, 1, 3.0), (NAN, 1, 2.0), (0.5, 1, 0.5))
add("logic", "and_or_int", (0, 5), (3, 0), (3, 4), (0, 0))
add("logic", "or_float", (0.0, 2.5), (-0.0, NAN), (NAN, 1.0), (1.5, 0.0))
add("logic", "and_list", ([], [1]), ([1, 2], [3]), ([0], []))
add("logic", "not_", (0,), (1,), (2**64,))
add("logic", "truthy", (0.0,), (-0.0,), (NAN,), (1e-320,))
add("logic", "ifexp", (5,), (-5,), (0,), (2**63,))
add("logic", "sign", *[(x,) for x in EDGE_FLOATS])
add("logic", "minmax_i", (1, 2, 3), (3, 1, 2), (2, 2, 1), (2**70, -(2**70), 0))
add("logic", "minmax_f", (1.0, NAN), (NAN, 1.0), (0.0, -0.0), (-0.0, 0.0), (INF, -INF))
add("logic", "while_else", (0,), (10,), (100,))
add("logic", "for_else", (10, 5), (10, 20), (0, 0))
add(
    "logic",
    "range_step",
    (0, 10, 3),
    (10, 0, -3),
    (0, 10, -1),
    (5, 5, 1),
    (-5, 5, 2),
    (0, 10, 0),
    (10, -10, -7),
    (2**62 - 5, 2**62 + 5, 3),
    (0, 2**64, 2**63),
)
add("logic", "range_big", (2**62 - 3, 6), (-(2**62) - 3, 6), (10**20, 3))
add("logic", "nested", (0,), (30,))
add("logic", "collatz", (27,), (1,), (2**70 + 1,))
add("logic", "loop_var_after", (0,), (5,))
add("logic", "while_true", (0,), (99,), (10**12,))
add("logic", "not_and", *bools)
add("logic", "cond_mixed", (0, 0.0), (1, 0.0), (0, NAN), (2, 1.0))
add("logic", "bool_cmp", (True, 1), (False, 1), (True, 2**64))
# range loops: machine-word counters vs tagged ints, literal and variable steps, empty
# ranges (the variable keeps its value), bounds around the short-int limit 2**62
RANGE_BOUNDS = [
    (0, 10),
    (10, 0),
    (5, 5),
    (-7, 3),
    (3, -7),
    (2**62 - 4, 2**62 + 4),
    (2**62 + 4, 2**62 - 4),
    (-(2**62) - 4, -(2**62) + 4),
    (-(2**62) + 4, -(2**62) - 4),
    (2**63 - 3, 2**63 + 3),
    (2**63 + 3, 2**63 - 3),
    (-(2**63) - 3, -(2**63) + 3),
    (-(2**63) + 3, -(2**63) - 3),
    (10**20, 10**20 + 5),
    (10**20 + 5, 10**20),
    (2**62 - 1, 2**62),
    (2**62, 2**62 - 1),
]
add("logic", "range_lit_after", *RANGE_BOUNDS)
add("logic", "range_neg_lit", *RANGE_BOUNDS)
add("logic", "range_lit_two", *RANGE_BOUNDS)
add(
    "logic",
    "range_break_after",
    (0, 10, 1, 4),
    (10, 0, -1, 4),
    (0, 10, 1, 99),
    (2**62 - 3, 2**62 + 3, 1, 2**62),
    (2**62 + 3, 2**62 - 3, -1, 2**62 - 1),
    (0, 2**64, 2**62, 2**63),
    (5, 5, 1, 5),
)

add(
    "lists",
    "get",
    ([1, 2, 3], 0),
    ([1, 2, 3], -1),
    ([1, 2, 3], -3),
    ([1, 2, 3], 3),
    ([1, 2, 3], -4),
    ([], 0),
    ([1], 2**64),
    ([5], True),
)
add("lists", "fget", ([1.5, -0.0], 1), ([NAN], 0), ([1.0], 1))
add(
    "lists", "put", ([1, 2, 3], 0, 9), ([1, 2, 3], -1, 2**70), ([1], 1, 0), ([1], -2, 0), ([], 0, 1)
)
add("lists", "bump", ([1.0, 2.0], 1), ([1.0, 2.0], 0), ([1.0], 5))
add("lists", "push", ([], 3), ([1], 2**65))
add("lists", "pop_last", ([1, 2],), ([],))
add("lists", "pop_at", ([1, 2, 3], 0), ([1, 2, 3], -1), ([1, 2, 3], 3), ([], 0), ([1, 2], 2**64))
add("lists", "total", ([],), ([1, 2, 3],), ([2**63, 2**63],))
add("lists", "ftotal", ([],), ([0.1, 0.2, 0.3],), ([INF, -INF],), ([-0.0],))
add("lists", "squares", (0,), (5,), (-3,))
add("lists", "evens", ([1, 2, 3, 4, -6],), ([],))
add("lists", "scaled", ([1.0, -0.0, NAN], 2.0), ([], 1.0))
add("lists", "zeros", (0,), (3,), (-1,))
add("lists", "repeat", ([1, 2], 3), ([1], 0), ([1], -2))
add("lists", "concat", ([1], [2, 3]), ([], []))
add("lists", "grid", (2, 3), (0, 4))
add("lists", "grid_sum", ([[1.0, 2.0], [3.5]],), ([],))
add("lists", "transpose", ([[1, 2, 3], [4, 5, 6]],), ([[]],), ([],))
add("lists", "flags", (5,), (0,))
add("lists", "count_true", ([True, False, True],), ([],))
add("lists", "grow_while_iterating", ([3],), ([0, 0],), ([],))
add("lists", "drain", ([1, 2, 3],), ([],))
add("lists", "reverse_in_place", ([1, 2, 3, 4, 5],), ([],), ([1, 2],))
add("lists", "pair", (1, 2.5), (2**70, NAN))
add("lists", "swap", (1, 2), (2**70, -1))
add("lists", "unpack", ((3, 1.5),), ((2**70, 0.5),))
add("lists", "tuple_index", ((1, 2, 3),))
add("lists", "divmod_unpack", (17, 5), (-17, 5), (1, 0))
add("lists", "minmax_list", ([3, 1, 2],), ([],), ([2**70, -(2**70)],))
add("lists", "fminmax_list", ([NAN, 1.0, 0.5],), ([1.0, NAN],), ([0.0, -0.0],))
add("lists", "lit", (4,), (2**62,))
# ints read out of lists around CPython's digit boundaries (one 30-bit digit is the inline
# fast path, two digits reach 2**60, the short-int limit is 2**62) and the
# small-int cache boundaries (-5 and 256) when boxing
DIGIT_EDGES = [
    0,
    1,
    -1,
    -5,
    -6,
    256,
    257,
    2**30 - 1,
    2**30,
    2**30 + 1,
    -(2**30) + 1,
    -(2**30),
    -(2**30) - 1,
    2**60 - 1,
    2**60,
    2**60 + 1,
    -(2**60),
    -(2**60) - 1,
    2**62 - 1,
    2**62,
    2**62 + 1,
    -(2**62) + 1,
    -(2**62),
    -(2**62) - 1,
    2**63 - 1,
    2**63,
    -(2**63),
    -(2**63) - 1,
    2**64 + 1,
]
add("lists", "get", *[([v], 0) for v in DIGIT_EDGES])
add("lists", "get_sum", (DIGIT_EDGES,), ([2**30 - 1, 1],), ([2**62 - 1, 1],), ([True, 2**30],))
add("lists", "total", (DIGIT_EDGES,), ([-(2**62), -1],), ([False, True, 2**62 - 1],))
add("lists", "inc_all", (DIGIT_EDGES, 1), (DIGIT_EDGES, -1), ([2**62 - 1], 1), ([True], 2**30))
add("lists", "boxed", (DIGIT_EDGES,), ([-4, 255, 256, -5],), ([True, False],))
add("lists", "length", ([[1, 2], [3]],), ([],), ([[]],))
add(
    "lists",
    "matmul",
    ([[1.0, 2.0], [3.0, 4.0]], [[0.5], [0.25]]),
)
add("lists", "sieve", (1,), (100,), (1000,))

add("mathlib", "m_sqrt", *[(x,) for x in [*EDGE_FLOATS, -1.0, -INF]])
add("mathlib", "m_sqrt_i", (4,), (2,), (-1,), (10**400,), (2**60 + 1,))
for fn in (
    "m_sin",
    "m_cos",
    "m_tan",
    "m_exp",
    "m_log",
    "m_log10",
    "m_fabs",
    "m_preds",
    "m_floor",
    "m_ceil",
):
    add("mathlib", fn, *[(x,) for x in [*EDGE_FLOATS, 710.0, -1000000.0, 4.5e18, -4.7e18]])
add("mathlib", "m_log_i", (1,), (0,), (-5,), (10**400,), (2**62,))
add("mathlib", "m_log_base", (8.0, 2.0), (8.0, 1.0), (-1.0, 2.0), (100.0, 10.0))
add(
    "mathlib", "m_atan2", (1.0, 1.0), (0.0, -0.0), (-0.0, -1.0), (INF, INF), (NAN, 1.0), (1.0, -INF)
)
add(
    "mathlib",
    "m_pow",
    (2.0, 0.5),
    (-8.0, 1.0 / 3),
    (0.0, -1.0),
    (10.0, 400.0),
    (-2.0, 3.0),
    (NAN, 0.0),
    (1.0, NAN),
    (INF, -1.0),
    (-INF, 3.0),
)
add("mathlib", "m_floor_i", (5,), (-(2**70),))
add("mathlib", "m_hypot", (3.0, 4.0), (INF, NAN), (1e308, 1e308), (5e-324, 5e-324))
add("mathlib", "m_consts", ())
add("mathlib", "m_nan", ())
add("mathlib", "kw", (1,), (1, 0.5), (1, 0.5, True))
add("mathlib", "call_kw", (3,), (-(2**70),))
add("mathlib", "fib", (0,), (1,), (20,))
add("mathlib", "is_even", (0,), (7,), (100,))
add("mathlib", "ack", (2, 3), (1, 5))
add("mathlib", "shout", (3, 0.5), (2**70, NAN))
add("mathlib", "checked", (1,), (-1,), (3,))
add("mathlib", "defaults", (), (2,), (2, 0.5, 1.0))
add("mathlib", "mandel", (0.0, 0.0, 50), (1.0, 1.0, 50), (-0.75, 0.1, 200))
add("mathlib", "pow_float_int", (1.5, 3), (-2.0, -2), (10.0, 309))
add(
    "mathlib",
    "nbody_energy",
    ([0.0, 1.0, 3.0], [0.5, -0.5, 0.1], [1.0, 2.0, 0.5]),
)

add("misc", "chained_assign", (3,), (2**62,))
add("misc", "left_repeat", (3,), (0,))
add("misc", "inf_const", (1.0,), (INF,), (NAN,))
add("misc", "pairs", (3,), (0,))
add("misc", "sum_pairs", ([(1, 2), (3, 4)],), ([],), ([(2**40, 2**40)],))
add(
    "misc",
    "comp_over_list",
    ([1.0, -0.0, NAN],),
)
add(
    "misc",
    "comp_shadow",
    (10,),
)
add(
    "misc",
    "labelled",
    (7,),
)
add("misc", "unary", (-3, -0.0), (2**64, NAN))
add("misc", "count_down", (7,), (0,), (-1,))
add(
    "misc",
    "nested_lists",
    (2,),
)
add("misc", "float_mix_cmp", (0.5,), (-0.0,), (1.0,), (NAN,))
add("misc", "bool_params", (True,), (True, False), (False, True))
add("misc", "str_truth", (True,), (False,))

# strs: empty, ASCII, Latin-1, BMP, astral characters and lone surrogates (each a str
# kind of CPython's), around the one-character cache (code points < 256)
STRS = ["", "a", "ab", "abc", "é", "ÿĀ", "héllo wörld", "日本語", "\U0001f600", "a\U0010ffffb"]
STRS += ["\ud800", "\udfff\ud800", "\x00", " a b  c ", "racecar", "été"]
STR_PAIRS = [(a, b) for a in STRS for b in STRS[::3]] + [("a", "a"), ("ab", "abc"), ("b", "ab")]
# 2**40 repeats need terabytes: CPython raises MemoryError before touching memory
REPEATS = [0, 1, 3, -1, -(2**70), 2**62 - 1, 2**62, 2**63, 2**70, 2**40, 2**12]
add("strings", "concat", *STR_PAIRS)
add("strings", "concat3", *STR_PAIRS[:20])
add("strings", "compare_all", *STR_PAIRS)
add("strings", "contains", *STR_PAIRS)
add("strings", "chained", *[(a, b, c) for a in STRS[:6] for b in STRS[2:8] for c in STRS[4:7]])
add("strings", "repeat", *[(s, n) for s in ("", "ab", "\U0001f600") for n in REPEATS])
add("strings", "repeat_left", *[(s, n) for s in ("", "x", "é") for n in REPEATS])
add("strings", "repeat_bool", ("ab", True), ("ab", False), ("", True))
for fn in ("length", "reverse", "codes", "chars", "is_palindrome", "truth", "split_words"):
    add("strings", fn, *[(s,) for s in STRS])
add("strings", "at", *[(s, i) for s in STRS for i in (0, 1, -1, -2, 3, -4)])
add("strings", "at", ("abc", 2**62), ("abc", -(2**62) - 1), ("abc", 2**63), ("abc", 10**30))
add("strings", "surrogates", (0,), (1,), (3,))
add("strings", "at_bool", ("ab", True), ("ab", False), ("a", True), ("", False))
add("strings", "count_char", *[(s, c) for s in STRS for c in ("a", "é", "\U0001f600", "", "ab")])
add("strings", "ord_of", *[(s,) for s in STRS])
add(
    "strings",
    "chr_of",
    *[(i,) for i in (0, 65, 255, 256, 0xD800, 0xFFFF, 0x10000, 0x10FFFF, 0x110000, -1)],
    *[(i,) for i in (2**31 - 1, 2**31, -(2**31), 2**62, 2**63, -(2**70), True)],
)
add("strings", "caesar", ("hello, world", 3), ("xyz", 29), ("ÀBC abc", -1), ("", 5))
add("strings", "build", (0,), (1,), (30,), (1000,))
add(
    "strings",
    "to_str",
    (0, 0.0, True),
    (-7, -0.0, False),
    (2**70, 1e300, True),
    (-(2**62), float("nan"), False),
    (10**20, float("inf"), True),
    (2**62 - 1, 0.1, False),
    (10**5000, 1.5, True),  # ValueError: more digits than sys.get_int_max_str_digits()
)
add("strings", "pick", (True, "a", "b"), (False, "a", "\U0001f600"))
add("strings", "with_default", ("a",), ("a", "b"), ("", ""))
add("strings", "keyword_call", ("x",), ("",))
add("strings", "initials", (["ab", "cd"],), ([],), (["é", "\U0001f600x"],), (["ab", ""],))
add("strings", "longest", (["a", "abc", "ab"],), ([],), (["", ""],))
add("strings", "named", (("ab", 3),), (("", 2**70),), (("x", -1),), (("ab", 2**62),))
add("strings", "swap_pair", ("a", "b"), ("", "\ud800"))
add("strings", "self_append", ("ab", 3), ("", 5), ("é\U0001f600", 4), ("a", 0))
add("strings", "big_index", ("abc",), ("",))
SLICE_BOUNDS = [0, 1, -1, 2, -3, 8, -50, 2**62, -(2**62) - 1, 2**63, -(2**63) - 1, 10**30]
add(
    "strings",
    "slices",
    *[(s, a, b) for s in STRS[::2] for a in SLICE_BOUNDS for b in SLICE_BOUNDS[::2]],
)
add("strings", "slice_bool", *[(s, t) for s in ("", "ab", "\U0001f600") for t in (True, False)])
add("strings", "word_count", ("a b a  a", "a"), ("", "a"), ("ab ab", "ab"))

add("unicode_names", "größe", (3,), (2, 1.5))
add("unicode_names", "use", (4,))


def _repr(a: object) -> str:
    if type(a) is int and a.bit_length() > 10000:
        return f"<int of {a.bit_length()} bits>"  # repr() exceeds the int digits limit
    return repr(a)


def _id(case: tuple) -> str:
    module, fn, args = case
    text = ",".join(_repr(a) for a in args)
    return f"{module}.{fn}({text[:40]})"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_conformance(pair, case) -> None:
    module, fn, args = case
    py, native = pair(module)
    assert_conforms(getattr(py, fn), getattr(native, fn), args)


KEYWORD_CASES = [
    ("unicode_names", "größe", (), {"länge": 2, "breite": 0.25}),
    ("unicode_names", "größe", (1,), {"länge": 2}),
    ("unicode_names", "größe", (1,), {"a\0b": 2}),
    ("unicode_names", "größe", (), {}),
    ("mathlib", "kw", (), {"a": 2}),
    ("mathlib", "kw", (2,), {"c": True}),
    ("mathlib", "kw", (), {"b": 1.0, "a": 5, "c": False}),
    ("mathlib", "kw", (), {}),  # missing argument
    ("mathlib", "kw", (1, 2.0, True, 4), {}),  # too many
    ("mathlib", "kw", (1,), {"d": 1}),  # unexpected keyword
    ("mathlib", "kw", (1,), {"a": 1}),  # multiple values
    ("mathlib", "ack", (), {}),  # two missing
    ("mathlib", "m_nan", (1,), {}),  # takes 0
    ("mathlib", "fib", (1, 2), {}),  # takes 1
    ("lists", "put", (), {}),  # three missing
]


@pytest.mark.parametrize("case", KEYWORD_CASES, ids=[f"{c[1]}{c[2]}{c[3]}" for c in KEYWORD_CASES])
def test_call_protocol(pair, case) -> None:
    module, fn, args, kwargs = case
    py, native = pair(module)
    assert_conforms(getattr(py, fn), getattr(native, fn), args, kwargs)


def test_case_count() -> None:
    assert len(CASES) + len(KEYWORD_CASES) >= 200
