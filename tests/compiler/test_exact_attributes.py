"""Attribute sites with per-type caches behave as CPython's lookups do, whatever changes
under them (generic/attributes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compiler.leakcheck import traced_bytes

from .harness import python_and_compiled
from .test_generic import outcome

SOURCE = Path(__file__).parent / "generic" / "attributes.py"


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, SOURCE)


CASES = [
    "plain",
    "deleted_then_loaded",
    "class_changes_under_the_site",
    "materialised_dict",
    "getattr_hook",
    "polymorphic",
    "many_attributes",
    "slots",
    "setattr_hook_added_later",
    "not_an_instance_of_a_plain_class",
]


@pytest.mark.parametrize("name", CASES)
def test_attribute_sites_conform(modules, name: str) -> None:
    py, compiled = modules
    assert outcome(getattr(compiled, name), (), {}) == outcome(getattr(py, name), (), {})


def test_cached_sites_keep_reference_counts_and_memory_flat(modules) -> None:
    """10^5 loads, stores and method calls through cached sites: every value's refcount
    is back where it was and traced memory does not grow."""
    import gc
    import sys
    import tracemalloc

    _, compiled = modules
    a, b = object(), object()
    p, q = compiled.Point(a, 2), compiled.Point(3, -4)
    before = (sys.getrefcount(a), sys.getrefcount(b))

    def churn(n: int) -> None:
        for i in range(n):
            compiled.set_x(p, b if i % 2 else a)
            compiled.get_x(p)
            compiled.call_norm(q)
        compiled.set_x(p, a)

    churn(1000)
    gc.collect()
    tracemalloc.start()
    try:
        churn(10_000)
        gc.collect()
        first = traced_bytes()
        churn(100_000)
        gc.collect()
        second = traced_bytes()
    finally:
        tracemalloc.stop()
    assert (sys.getrefcount(a), sys.getrefcount(b)) == before
    assert second - first < 64 * 1024, f"memory grew by {second - first} bytes"
