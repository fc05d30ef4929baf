"""Class statements in compiled code pick the metaclass exactly as CPython does (the most
derived of the explicit one and the bases' types; its TypeError on a conflict), and
make the namespace CPython makes (3.13+: ``__firstlineno__``, ``__static_attributes__``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import python_and_compiled
from .test_generic import outcome

SOURCE = Path(__file__).parent / "generic" / "classes.py"


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, SOURCE)


CASES = [
    "conflict",
    "winner_from_bases",
    "derived_meta_wins",
    "explicit_conflict",
    "non_class_metaclass",
    "class_metadata",
    "namespace_order",
    "implicit_method_kinds",
    "init_subclass_in_function",
]


@pytest.mark.parametrize("name", CASES)
def test_class_creation_conforms(modules, name: str) -> None:
    py, compiled = modules
    assert outcome(getattr(compiled, name), (), {}) == outcome(getattr(py, name), (), {})
