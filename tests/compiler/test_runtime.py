"""Run-time behaviour of compiled code: tracebacks, RecursionError, Ctrl-C, the boundary."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
import traceback
from pathlib import Path

import pytest

from .harness import CONFORMANCE


@pytest.fixture(scope="module")
def mods(pair):
    return pair("boundary")


def test_traceback_names_source_file_function_and_line(mods) -> None:
    _, native = mods
    with pytest.raises(ZeroDivisionError) as info:
        native.outer(5)
    frames = traceback.extract_tb(info.value.__traceback__)
    src = str((CONFORMANCE / "boundary.py").resolve())
    tail = [(f.filename, f.name, f.lineno) for f in frames[-2:]]
    assert tail == [(src, "outer", 17), (src, "divide", 12)]
    assert str(info.value) == "integer division or modulo by zero"


def test_deep_recursion_raises_recursion_error(mods) -> None:
    py, native = mods
    with pytest.raises(RecursionError) as expected:
        py.down(0)
    with pytest.raises(RecursionError) as got:
        native.down(0)
    assert str(got.value).startswith("maximum recursion depth exceeded")
    assert str(expected.value).startswith("maximum recursion depth exceeded")
    # the interpreter is still healthy afterwards
    assert native.ident(3) == 3


def test_module_attributes(mods) -> None:
    py, native = mods
    assert native.__name__ == "pvconf_boundary"
    assert native.__doc__ == py.__doc__
    assert (native.LIMIT, native.NAME, native.RATE, native.ON) == (10**6, "boundary", 0.25, True)
    assert type(native.spin).__name__ == "builtin_function_or_method"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", [], 1, (1, 1.0), True), "scale() argument 'x' must be float, not str"),
        ((1.0, (1.0,), 1, (1, 1.0), True), "scale() argument 'xs' must be list, not tuple"),
        ((1.0, [], 1.5, (1, 1.0), True), "scale() argument 'k' must be int, not float"),
        ((1.0, [], 1, [1, 1.0], True), "scale() argument 't' must be tuple, not list"),
        ((1.0, [], 1, (1,), True), "scale() argument 't' must be a tuple of length 2, not 1"),
        ((1.0, [], 1, (1, 1.0), 1), "scale() argument 'b' must be bool, not int"),
        ((1.0, [], 1, (1, "s"), True), "tuple item must be float, not str"),
    ],
)
def test_boundary_type_errors(mods, args, message) -> None:
    _, native = mods
    with pytest.raises(TypeError) as info:
        native.scale(*args)
    assert str(info.value) == message


def test_boundary_conversions(mods) -> None:
    """bool is accepted for int and int for float (PEP 484), converted as mypyc does."""
    _, native = mods
    assert native.ident(True) == 1 and type(native.ident(True)) is int
    assert native.fident(3) == 3.0 and type(native.fident(3)) is float
    with pytest.raises(OverflowError, match="int too large to convert to float"):
        native.fident(10**400)
    assert native.scale(2, [1.0], True, (1, 2), False) == 5.0


def test_list_element_type_checked_on_read(mods) -> None:
    _, native = mods
    with pytest.raises(TypeError, match="list element must be int, not str"):
        native.first(["a"])


def test_ctrl_c_interrupts_compiled_loops(mods) -> None:
    artifact = Path(mods[1].__file__)
    script = textwrap.dedent(
        f"""
        import importlib.machinery, importlib.util, sys
        loader = importlib.machinery.ExtensionFileLoader("pvconf_boundary", {str(artifact)!r})
        spec = importlib.util.spec_from_file_location("pvconf_boundary", {str(artifact)!r},
                                                      loader=loader)
        m = importlib.util.module_from_spec(spec)
        loader.exec_module(m)
        fn = getattr(m, sys.argv[1])
        print("ready", flush=True)
        try:
            fn(10**15)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
        """
    )
    for fn in ("spin", "spin_for"):
        proc = subprocess.Popen(
            [sys.executable, "-c", script, fn], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        try:
            rest, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail(f"{fn}: the compiled loop did not react to SIGINT")
        assert rest.strip() == "interrupted", fn
        assert proc.returncode == 0


def test_subclasses_at_the_boundary(mods) -> None:
    _, native = mods

    class MyInt(int):
        def __add__(self, other):  # compiled code must not run Python code per element
            raise AssertionError("called")

    class MyList(list):
        pass

    big = MyInt(2**80)
    assert native.ident(big) == 2**80 and type(native.ident(big)) is int
    assert type(native.ident(MyInt(5))) is int
    with pytest.raises(TypeError, match="must be list, not MyList"):
        native.first(MyList([1]))


def test_str_at_the_boundary(pair) -> None:
    """A str parameter, list item or tuple item takes a str; a str subclass is read as a
    plain str of its value (as int subclasses are), without running its methods."""
    _, native = pair("strings")

    class MyStr(str):
        def __len__(self):
            raise AssertionError("called")

        def __add__(self, other):
            raise AssertionError("called")

    assert native.length(MyStr("abc")) == 3
    got = native.concat(MyStr("a"), "b")
    assert got == "ab" and type(got) is str
    assert native.initials([MyStr("xy"), "z"]) == "xz"
    for args, message in [
        ((1,), "length() argument 's' must be str, not int"),
        ((b"ab",), "length() argument 's' must be str, not bytes"),
        ((None,), "length() argument 's' must be str, not NoneType"),
    ]:
        with pytest.raises(TypeError) as info:
            native.length(*args)
        assert str(info.value) == message
    with pytest.raises(TypeError, match=r"^list element must be str, not int$"):
        native.initials(["a", 1])
    with pytest.raises(TypeError, match=r"^tuple item must be str, not int$"):
        native.named((1, 2))


def test_recursion_depth_follows_the_recursion_limit(mods) -> None:
    py, native = mods
    assert native.depth(900) == py.depth(900) == 900
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(200)
        with pytest.raises(RecursionError):
            native.depth(500)
        assert native.depth(150) == 150
        sys.setrecursionlimit(10**6)  # native depth stays capped: the C stack is safe
        with pytest.raises(RecursionError):
            native.depth(10**6)
    finally:
        sys.setrecursionlimit(old)


def test_recursion_depth_exactly_at_the_limit(mods) -> None:
    """A call from Python may nest exactly min(limit, 20000) compiled calls: depth(n) makes
    n + 1 of them, so depth(limit - 1) is the deepest that runs."""
    _, native = mods
    old = sys.getrecursionlimit()
    try:
        for limit in (200, 1000, 20000):
            sys.setrecursionlimit(limit)
            assert native.depth(limit - 1) == limit - 1
            for n in (limit, limit + 1):
                with pytest.raises(RecursionError) as info:
                    native.depth(n)
                assert str(info.value) == "maximum recursion depth exceeded"
            assert native.depth(limit - 1) == limit - 1  # the budget is per call from Python
        sys.setrecursionlimit(25000)  # capped at 20000 native levels
        assert native.depth(19999) == 19999
        with pytest.raises(RecursionError):
            native.depth(20000)
    finally:
        sys.setrecursionlimit(old)


def test_boxed_small_ints_are_the_interpreters_objects(pair) -> None:
    """Boxing a small int inline hands out CPython's own cached object, balanced refcounts."""
    py, native = pair("lists")
    values = list(range(-8, 262))
    got = native.boxed(values)
    expected = py.boxed(values)
    assert got == expected
    for g, e in zip(got, expected, strict=True):
        assert type(g) is int
        if -5 <= e <= 256:
            assert g is e  # the interpreter's small-int object
    counts = [sys.getrefcount(v) for v in range(-5, 257)]
    for _ in [None] * 50:  # (range() would leave a small int bound to `_`)
        native.boxed(values)
        native.get_sum(values)
        native.inc_all(list(values), 1)
    assert [sys.getrefcount(v) for v in range(-5, 257)] == counts


def test_float_stores_never_change_shared_objects(pair) -> None:
    """Stores into list[float] may reuse a float only the list references; never others."""
    py, native = pair("lists")
    x = float("1.5")
    xs = [x, x]
    native.bump(xs, 1)
    assert x == 1.5 and xs == [3.0, 3.0]
    ys = [float(i) for i in range(3)]
    kept = ys[2]
    expected = [float(i) for i in range(3)]
    py.bump(expected, 2)
    native.bump(ys, 2)
    assert ys == expected and kept == 2.0


def test_bool_stores(pair) -> None:
    py, native = pair("lists")
    assert native.flags(7) == py.flags(7)
    before = (sys.getrefcount(True), sys.getrefcount(False))
    for _ in range(20):
        native.flags(101)
    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
