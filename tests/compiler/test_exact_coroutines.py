"""Coroutines (PEP 492, formerly PV404) compiled by the generic tier behave exactly as in
the running CPython: values, exceptions and messages, the order of steps under asyncio
(run, gather, tasks, cancellation, timeouts) and driven by hand, ``async with``/``async
for``/async comprehensions, what asyncio/inspect/collections.abc see, and the
never-awaited RuntimeWarning. No reference is leaked."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from pathlib import Path

import pytest

from tests.compiler.leakcheck import traced_bytes

from .harness import python_and_compiled
from .test_generic import outcome

SOURCE = Path(__file__).parent / "generic" / "coroutines.py"

SCENARIOS = [
    "basic",
    "gather_and_tasks",
    "cancellation",
    "async_with_paths",
    "async_with_errors",
    "async_for_paths",
    "async_for_errors",
    "comprehensions",
    "await_errors",
    "reuse_and_awaited_twice",
    "by_hand",
    "await_protocol",
    "stop_iteration_inside",
    "await_in_handlers",
    "introspection",
    "never_awaited",
    "methods_and_closures",
    "types_coroutine_interop",
]


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, SOURCE)


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_as_cpython(modules, name: str) -> None:
    py, compiled = modules
    expected = outcome(getattr(py, name), (), {})
    got = outcome(getattr(compiled, name), (), {})
    assert got == expected


def test_coroutines_are_compiled(modules) -> None:
    _, compiled = modules
    c = compiled.add(1)
    assert type(c).__name__ == "coroutine" and not isinstance(c, type(_cpython_coro()))
    c.close()


async def _plain() -> None:
    return None


def _cpython_coro():
    c = _plain()
    c.close()
    return c


def test_traceback_names_the_coroutine(modules) -> None:
    import traceback

    _, compiled = modules

    def frames(mod):
        try:
            asyncio.run(mod.chain_error())
        except ZeroDivisionError as e:
            return [(f.name, f.lineno) for f in traceback.extract_tb(e.__traceback__)][-2:]

    py, _ = modules
    assert hasattr(compiled, "chain_error")
    assert frames(compiled) == frames(py)


def test_verifier_compares_outcomes(modules) -> None:
    """The verifier's encoding drives a compiled coroutine and CPython's to completion and
    compares what they return or raise (verify/values.py)."""
    from pyvorin.verify.values import encode

    py, compiled = modules
    assert encode(compiled.add(1, c=0.5)) == encode(py.add(1, c=0.5))
    assert encode(compiled.add(1, c=0.5)) != encode(py.add(1, c=1))
    assert encode(compiled.chain_error())["outcome"] == {
        "raised": "ZeroDivisionError",
        "message": "division by zero",
    }
    assert encode(compiled.chain_error()) == encode(py.chain_error())


def test_probe_same_as_cpython(modules) -> None:
    py, compiled = modules
    assert outcome(compiled.probe, ("x",), {}) == outcome(py.probe, ("x",), {})


def test_no_reference_leaked_or_lost(modules) -> None:
    """An object flowing through every coroutine path (awaited values, async with/for,
    comprehensions, exceptions, throw, close, cancellation) has the same refcount after
    300 runs: nothing leaked, nothing over-released."""
    import sys

    _, compiled = modules
    obj = object()
    compiled.probe(obj)
    gc.collect()
    before = sys.getrefcount(obj)
    for _ in range(300):
        compiled.probe(obj)
    gc.collect()
    assert sys.getrefcount(obj) == before


DETERMINISTIC = ["by_hand", "await_protocol", "introspection", "types_coroutine_interop"]


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_no_leak(modules, name: str) -> None:
    """The scenarios that run no event loop, 3,000 times after a warm-up: traced memory
    stays flat (the event loop's own caches make the asyncio ones too noisy for this; the
    refcount probe above covers their paths)."""
    _, compiled = modules
    fn = getattr(compiled, name)

    def run(n: int) -> None:
        for _ in range(n):
            fn()

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
