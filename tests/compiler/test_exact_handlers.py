"""``yield`` inside ``except``/``finally`` blocks (formerly PV405) in compiled generators
behaves exactly as in the running CPython: the exception a suspended generator handles is
kept in its own exc_info entry (sys.exc_info(), bare ``raise``, implicit ``__context__``),
the consumer's handled exception is seen only where CPython shows it, ``throw()`` chains
the thrown exception to the generator's handled one, ``close()`` while suspended in a
``finally`` block, and ``return``/``break``/``continue`` out of a ``finally`` block that
runs for an exception. No reference is leaked on any of these paths."""

from __future__ import annotations

import gc
import sys
import tracemalloc
from pathlib import Path

import pytest

from tests.compiler.leakcheck import traced_bytes

from .harness import python_and_compiled
from .test_generic import outcome

SOURCE = Path(__file__).parent / "generic" / "handlers.py"

SCENARIOS = [
    ("yield_in_except", (False,)),
    ("yield_in_except", (True,)),
    ("bare_raise_after_resume", ()),
    ("implicit_chaining", ()),
    ("throw_into_handler", ()),
    ("throw_no_handler_state", ()),
    ("throw_escapes_handler", ()),
    ("yield_in_finally_exc", ()),
    ("close_in_finally", ()),
    ("close_ignored_in_finally", ()),
    ("return_through_finally", ()),
    ("break_continue_through_finally", ()),
    ("nested_handlers", ()),
    ("yield_from_in_handler", ()),
    ("delegate_sees_handler", ()),
    ("send_into_handler", ()),
    ("state_restored_after_handler", ()),
    ("genexp_in_handler", ()),
    ("except_as_unbound_after", ()),
    ("raise_in_finally_after_yield", ()),
    ("with_and_handler", ()),
]


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, SOURCE)


@pytest.mark.parametrize(("name", "args"), SCENARIOS, ids=[f"{n}{a}" for n, a in SCENARIOS])
def test_same_as_cpython(modules, name: str, args: tuple) -> None:
    py, compiled = modules
    expected = outcome(getattr(py, name), args, {})
    got = outcome(getattr(compiled, name), args, {})
    assert got == expected
    assert sys.exc_info() == (None, None, None)  # nothing left handled in the caller


def test_generators_are_compiled(modules) -> None:
    _, compiled = modules
    g = compiled.gen_yield_in_except()
    assert type(g).__module__ == "builtins" and type(g) is not type(x for x in ())
    g.close()


def test_suspended_handler_state_is_released(modules) -> None:
    """A generator dropped while suspended in a handler releases the exception it held
    (and the one thrown into it that it handled)."""
    import weakref

    _, compiled = modules

    class Marker(KeyError):
        pass

    g = compiled.gen_catch_thrown()
    next(g)
    e = Marker("m")
    ref = weakref.ref(e)
    assert g.throw(e)[0] == "caught"  # suspended in the handler of the thrown exception
    del e, g
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize(("name", "args"), SCENARIOS, ids=[f"{n}{a}" for n, a in SCENARIOS])
def test_no_leak(modules, name: str, args: tuple) -> None:
    """Run each scenario 3,000 times after a warm-up: traced memory stays flat."""
    _, compiled = modules
    fn = getattr(compiled, name)

    def run(n: int) -> None:
        for _ in range(n):
            try:
                fn(*args)
            except Exception:
                pass

    tracemalloc.start()
    try:
        run(300)
        gc.collect()
        before = traced_bytes()
        run(3000)
        gc.collect()
        after = traced_bytes()
    finally:
        tracemalloc.stop()
    assert after - before < 4096, after - before
