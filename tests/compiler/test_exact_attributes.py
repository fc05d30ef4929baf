"""Attribute sites with per-type caches behave as CPython's lookups do, whatever changes
under them (generic/attributes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import compile_and_load, load_python
from .test_generic import outcome

SOURCE = Path(__file__).parent / "generic" / "attributes.py"


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("attributes")
    py = load_python(SOURCE, "attributes")
    compiled = compile_and_load(SOURCE, "attributes", root / "out", root / "cache")
    return py, compiled


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
