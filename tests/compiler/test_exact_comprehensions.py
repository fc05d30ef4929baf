"""Comprehensions in compiled code resolve names exactly as the running CPython: their
variables do not leak, a class body's comprehension sees no class-level name but in its
first iterable, walrus targets bind outside; on 3.12+ (PEP 709, inlined comprehensions)
also the qualnames of what they define and the traceback entries of their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import python_and_compiled
from .test_generic import outcome

SOURCE = Path(__file__).parent / "generic" / "comprehensions.py"


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, SOURCE)


CASES = [
    ("no_leak", ([1, 2, 3],)),
    ("unbound_after", ([1],)),
    ("closures_over_iteration_var", (3,)),
    ("captures_enclosing", (3,)),
    ("nested", (4,)),
    ("walrus_binds_outside", ([1, 2, 3, 4],)),
    ("cell_and_comprehension", ([1, 2],)),
    ("same_name_as_cell", ([1, 2],)),
    ("qualnames", ()),
    ("error_in_comprehension", ([1, 0],)),
    ("error_in_comprehension_plain", ([1, 0],)),
    ("error_in_comprehension_plain", ([1, 2],)),
    ("class_body", ()),
    ("module_level_state", ()),
    ("tricky_sources", ([("a", "xy"), ("b", "z")],)),
    ("global_def_qualnames", ()),
    *[("super_in_comprehension", (m,)) for m in "fghs"],
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_comprehension_scopes_conform(modules, case) -> None:
    py, compiled = modules
    name, args = case
    assert outcome(getattr(compiled, name), args, {}) == outcome(getattr(py, name), args, {})
