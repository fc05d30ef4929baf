"""Reference counting: compiled code neither leaks nor over-releases objects."""

from __future__ import annotations

import gc
import sys
import tracemalloc

import pytest

from tests.compiler.leakcheck import traced_bytes

BIG = 2**100


NEG = -BIG
F1, F2 = 1.25e300, -2.5e-300


def _calls(native):
    xs = [BIG, NEG, 3]
    fl = [F1, F2]
    grid = [[F1, 2.0], [F2]]
    return [
        (native.total, (xs,)),
        (native.get, (xs, -1)),
        (native.get, (xs, 7)),  # IndexError path
        (native.put, (xs, 0, BIG)),
        (native.swap, (BIG, NEG)),
        (native.lit, (BIG,)),
        (native.grid_sum, (grid,)),
        (native.scaled, (fl, 2.0)),
        (native.transpose, ([[BIG, 1], [2, NEG]],)),
        (native.unpack, ((BIG, F1),)),
        (native.minmax_list, (xs,)),
        (native.pop_at, (xs, 9)),  # IndexError path
        (native.pop_at, (xs, 0)),
        (native.drain, (xs,)),
        (native.evens, (xs,)),
        (native.length, (grid,)),
        (native.fget, (fl, 5)),  # IndexError path
        (native.bump, (fl, 0)),
    ]


def _fresh(value):
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


def test_refcounts_of_values_unchanged(pair) -> None:
    """Every object passed in or stored has the same refcount after many calls."""
    _, native = pair("lists")
    watched = [BIG, NEG, F1, F2]
    calls = _calls(native)
    gc.collect()
    before = [sys.getrefcount(o) for o in watched]
    for fn, args in calls:
        for _ in range(50):
            fresh = tuple(_fresh(a) for a in args)
            try:
                fn(*fresh)
            except IndexError:
                pass
            del fresh
    gc.collect()
    assert [sys.getrefcount(o) for o in watched] == before


def test_argument_refcounts_unchanged(pair) -> None:
    _, native = pair("lists")
    for fn, args in _calls(native):
        args = tuple(_fresh(a) for a in args)
        before = [sys.getrefcount(a) for a in args]
        for _ in range(20):
            try:
                fn(*args)
            except IndexError:
                pass
        assert [sys.getrefcount(a) for a in args] == before, fn.__name__


@pytest.mark.parametrize("module", ["arith", "lists", "logic", "mathlib", "strings"])
def test_no_memory_growth(pair, module) -> None:
    from .test_conformance import CASES

    _, native = pair(module)
    cases = [(getattr(native, fn), args) for m, fn, args in CASES if m == module]
    cases = [c for c in cases if c[0].__name__ not in ("shout",)]

    def run_all() -> None:
        for fn, args in cases:
            try:
                fn(*[list(a) if isinstance(a, list) else a for a in args])
            except Exception:  # the error paths must release everything too
                pass

    run_all()
    gc.collect()
    tracemalloc.start()
    try:
        run_all()
        gc.collect()
        first = traced_bytes()
        for _ in range(5):
            run_all()
        gc.collect()
        second = traced_bytes()
    finally:
        tracemalloc.stop()
    assert second - first < 64 * 1024, f"memory grew by {second - first} bytes"


def test_str_functions_called_many_times_stay_flat(pair) -> None:
    """10**5 calls of native str functions (new strs, in-place appends, characters of
    every kind, the error paths) leave neither objects nor memory behind."""
    _, native = pair("strings")
    text = "héllo wörld \U0001f600 " * 3
    words = ["ab", "é", "\U0001f600"]

    def run(n: int) -> None:
        for i in range(n):
            native.caesar(text, i)
            native.split_words(text)
            native.initials(words)
            native.compare_all(text, "h")
            native.to_str(i, 0.5, True)
            try:
                native.at(text, 1000)
            except IndexError:
                pass
            try:
                native.ord_of("ab")
            except TypeError:
                pass

    run(1000)
    gc.collect()
    blocks = sys.getallocatedblocks()
    tracemalloc.start()
    try:
        first = traced_bytes()
        run(10**5 // 7)
        gc.collect()
        second = traced_bytes()
    finally:
        tracemalloc.stop()
    assert second - first < 64 * 1024, f"memory grew by {second - first} bytes"
    assert sys.getallocatedblocks() - blocks < 1000
    for s in (text, *words):
        before = sys.getrefcount(s)
        for _ in range(1000):
            native.concat(s, s)
            native.reverse(s)
        assert sys.getrefcount(s) == before
