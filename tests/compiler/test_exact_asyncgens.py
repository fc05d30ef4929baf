"""Async generators (PEP 525, formerly PV404) compiled by the generic tier behave exactly
as in the running CPython: iteration, asend/athrow/aclose by hand and under asyncio, the
hooks and asyncio's shutdown of unfinished ones, errors and their messages, introspection.
No reference is leaked."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

from .harness import python_and_compiled
from .test_generic import outcome

SOURCE = Path(__file__).parent / "generic" / "asyncgens.py"

SCENARIOS = [
    "iteration",
    "by_hand",
    "athrow_paths",
    "errors_inside",
    "hooks",
    "asyncio_shutdown",
    "introspection",
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


def test_async_generators_are_compiled(modules) -> None:
    _, compiled = modules

    async def plain():
        yield 1

    g = compiled.ticks(1)
    assert type(g).__name__ == "async_generator" and type(g) is not type(plain())


def test_verifier_compares_items(modules) -> None:
    """The verifier's encoding iterates a compiled async generator and CPython's and
    compares their items and how they ended (verify/values.py)."""
    from pyvorin.verify.values import encode

    py, compiled = modules
    assert encode(compiled.ticks(3)) == encode(py.ticks(3))
    assert encode(compiled.ticks(3))["items"] == [{"int": "0"}, {"int": "1"}, {"int": "2"}]
    assert encode(compiled.ticks(3)) != encode(py.ticks(2))


def test_probe_same_as_cpython(modules) -> None:
    py, compiled = modules
    assert outcome(compiled.probe, ("x",), {}) == outcome(py.probe, ("x",), {})


def test_no_reference_leaked_or_lost(modules) -> None:
    """An object flowing through every async generator path has the same refcount after
    300 runs: nothing leaked, nothing over-released."""
    _, compiled = modules
    obj = object()
    compiled.probe(obj)
    gc.collect()
    before = sys.getrefcount(obj)
    for _ in range(300):
        compiled.probe(obj)
    gc.collect()
    assert sys.getrefcount(obj) == before
