"""Generic tier: ordinary Python compiled through the C API behaves exactly as CPython.

Each case calls the same function of the interpreted and the compiled module and compares
the result (by repr, so types, float bits and container shapes all count), the exception
(type and message), the arguments afterwards (mutation) and what was printed.
"""

from __future__ import annotations

import copy
import gc
import io
import re
import types
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from .harness import compile_and_load, load_python

SOURCE = Path(__file__).parent / "generic" / "features.py"


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    py = load_python(SOURCE, "features")
    compiled = compile_and_load(SOURCE, "features", tmp_path_factory)
    return py, compiled


def outcome(fn, args, kwargs):
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            value = fn(*args, **kwargs)
        result = ("return", _unaddressed(repr(value)))
    except Exception as exc:  # the exception is the result being compared
        result = ("raise", type(exc).__name__, str(exc))
    return result, _unaddressed(repr(args)), _unaddressed(repr(kwargs)), out.getvalue()


def _unaddressed(text: str) -> str:
    """A repr without object addresses (each side's arguments are its own copies)."""
    return re.sub(r"0x[0-9a-f]+", "0x?", text)


CASES = [
    ("global_rebinding", (), {}),
    ("method_call_order", ([], 0), {}),
    ("method_call_order", (0, 1), {}),
    ("method_call_order", ([], types.SimpleNamespace(width=3)), {}),
    ("method_calls", (), {}),
    ("params", (1,), {"d": 4}),
    ("params", (1, 2, 3, 4, 5), {"d": 6, "z": 7, "e": 8}),
    ("params", (), {}),
    ("params", (1,), {}),
    ("params", (1, 2, 3), {"d": 1, "a": 5}),
    ("params", (1,), {"d": 1, "c": 2, "q": 0}),
    ("params", (1, 2, 3), {"c": 1, "d": 2}),
    ("defaults_shared", (1,), {}),
    ("counter_steps", (5,), {}),
    ("closures_in_loop", (3,), {}),
    ("decorated", (1,), {"y": 5}),
    ("fib", (60,), {}),
    ("shapes", (3,), {}),
    ("shapes", (0,), {}),
    ("set_label", ("XYZ",), {}),
    ("set_label", (5,), {}),
    ("slotted_error", (), {}),
    ("exceptions", ("value",), {}),
    ("exceptions", ("app",), {}),
    ("exceptions", ("key",), {}),
    ("exceptions", ("zero",), {}),
    ("exceptions", ("none",), {}),
    ("reraise", (0,), {}),
    ("reraise", (3,), {}),
    ("reraise", ("s",), {}),
    ("context_chain", (), {}),
    ("finally_return", (0,), {}),
    ("finally_return", (2,), {}),
    ("finally_return", (9,), {}),
    ("finally_return", (5,), {}),
    ("with_statement", (False, False), {}),
    ("with_statement", (True, True), {}),
    ("with_statement", (True, False), {}),
    ("gen_protocol", (4,), {}),
    ("gen_close_runs_finally", (), {}),
    ("pep479", (), {}),
    ("comprehensions", ([1, 2, 3, 4, 5],), {}),
    ("comprehensions", ([],), {}),
    ("comprehensions", ("abc",), {}),
    ("strings", ("banana split", 4), {}),
    ("strings", ("", 0), {}),
    ("strings", ("ab", "x"), {}),
    ("containers", (5,), {}),
    ("containers", (0,), {}),
    ("walrus", ([1, 2, 3, 4, 5],), {}),
    ("arith", (7, 2), {}),
    ("arith", (7.5, -2), {}),
    ("arith", (2**70, 3), {}),
    ("arith", (-7, 0), {}),
    ("arith", ("ab", 2), {}),
    ("arith", ([1], [2]), {}),
    ("arith", (True, False), {}),
    ("power", (2, -1), {}),
    ("power", (-8, 1 / 3), {}),
    ("power", (0, -1), {}),
    ("power", (3, 200), {}),
    ("checked", (1,), {}),
    ("checked", (-1,), {}),
    ("unbound", (True,), {}),
    ("unbound", (False,), {}),
    ("star_calls", (1, 2, 3, 4), {"d": 0}),
    ("star_calls", (), {"d": 0, "a": 1}),
    ("mutate", ([1, 2, 3], {}), {}),
    ("mutate", ((), {}), {}),
    ("printing", ("x",), {}),
    ("scoping", (), {}),
    ("deep", (50,), {}),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_conforms(modules, case) -> None:
    py, compiled = modules
    name, args, kwargs = case
    expected = outcome(getattr(py, name), args, kwargs)
    got = outcome(getattr(compiled, name), args, kwargs)
    assert got == expected


def test_module_level_state_matches(modules) -> None:
    py, compiled = modules
    for name in ("TABLE", "PRIMES", "counter"):
        assert repr(getattr(compiled, name)) == repr(getattr(py, name))
    assert compiled.__doc__ == py.__doc__
    assert compiled.decorated.__doc__ == "Doc of decorated."
    assert compiled.decorated.__wrapped__.__name__ == "decorated"
    assert compiled.Shape.__qualname__ == "Shape"
    assert compiled.make_counter(1).__qualname__ == "make_counter.<locals>.step"
    assert compiled.Point.__annotations__ == py.Point.__annotations__
    assert compiled.Point.__module__ == "features"


def test_methods_bind_and_functions_pickle(modules, monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle
    import sys

    _, compiled = modules
    monkeypatch.setitem(sys.modules, "features", compiled)
    sq = compiled.Square("s", 2)
    assert sq.describe.__self__ is sq
    assert compiled.Square.describe(sq) == sq.describe()
    assert pickle.loads(pickle.dumps(compiled.arith)) is compiled.arith
    assert copy.deepcopy(compiled.arith) is compiled.arith


def test_traceback_names_file_function_and_line(modules) -> None:
    import traceback

    _, compiled = modules
    try:
        compiled.reraise(0)
    except ZeroDivisionError as exc:
        frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1]
    assert last.name == "reraise"
    assert last.filename == str(SOURCE.resolve())
    assert last.lineno == SOURCE.read_text().splitlines().index("        return 10 // x") + 1


def test_recursion_error_is_raised_not_a_crash(modules) -> None:
    py, compiled = modules
    for mod in (py, compiled):
        with pytest.raises(RecursionError):
            mod.deep(10**6)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_no_leaks_over_many_calls(modules) -> None:
    """10^5 calls through closures, classes, generators, exceptions and ``with``: the
    process's resident memory stays flat (a leaked object per call would add megabytes)."""
    _, m = modules
    calls = [
        (m.exceptions, ("value",)),
        (m.exceptions, ("app",)),
        (m.gen_protocol, (4,)),
        (m.shapes, (2,)),
        (m.comprehensions, ([1, 2, 3],)),
        (m.with_statement, (True, True)),
        (m.counter_steps, (1,)),
        (m.params, (1, 2, 3, 4)),
        (m.strings, ("a b", 1)),
        (m.walrus, ([1, 2, 3, 4],)),
    ]

    def run(n: int) -> None:
        for _ in range(n):
            for fn, args in calls:
                try:
                    fn(*args, d=0) if fn is m.params else fn(*args)
                except Exception:  # error paths must not leak either
                    pass

    run(2_000)
    gc.collect()
    before = _rss_bytes()
    run(10_000)  # 10 functions each: 10^5 calls
    gc.collect()
    grown = _rss_bytes() - before
    assert grown < 2 * 1024 * 1024, f"resident memory grew by {grown} bytes over 10^5 calls"
