"""Private name mangling: a compiled class stores and finds ``__name`` as ``_Class__name``
exactly where CPython's compiler does (attributes, locals, globals, parameters, defaults,
annotations, imports, nested scopes; not keyword arguments of calls)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import compile_and_load, load_python
from .test_generic import outcome

SOURCE = Path(__file__).parent / "generic" / "mangling.py"


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    # each module gets its own fresh globals: global_state() rebinds one
    py = load_python(SOURCE, "mangling")
    compiled = compile_and_load(SOURCE, "mangling", tmp_path_factory)
    return py, compiled


METHODS = [
    "get",
    "call_private",
    "nested",
    "local_names",
    "global_read",
    "call_keywords",
    "walrus",
    "deleter",
    "imports",
    "exc_name",
    "nonlocals",
    "setattr_getattr",
    "inner_class",
    "missing",
    "missing_name",
]

CASES = [
    ("holder_state", (2,), {}),
    ("holder_dict", (), {}),
    ("holder_annotations", (), {}),
    ("holder_code_names", (), {}),
    ("mangled_keyword_call", (), {}),
    ("underscore_classes", (), {}),
    ("outside_private", (), {}),
    ("global_state", (), {}),
    *[("holder_call", (m,), {}) for m in METHODS],
    ("holder_call", ("with_params", 1), {}),
    ("holder_call", ("comprehension_vars", 3), {}),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_mangling_conforms(modules, case) -> None:
    py, compiled = modules
    name, args, kwargs = case
    expected = outcome(getattr(py, name), args, kwargs)
    got = outcome(getattr(compiled, name), args, kwargs)
    assert got == expected


def test_private_method_is_stored_mangled(modules) -> None:
    py, compiled = modules
    for mod in (py, compiled):
        assert "_Holder__private_method" in vars(mod.Holder)
        assert "__private_method" not in vars(mod.Holder)
        assert mod.Holder.__dict__["_Holder__private_method"].__qualname__ == (
            "Holder.__private_method"
        )


@pytest.mark.parametrize("cls", ["C", "_C", "__C", "___", "_", "C_", "_C__"])
@pytest.mark.parametrize(
    "name", ["__x", "__x_", "__x__", "__", "___", "_x", "x", "__x.y", "__x__y", "__é"]
)
def test_mangle_is_cpythons(cls: str, name: str) -> None:
    """The compiler's rule, checked against the names CPython's compiler emits."""
    from pyvorin.compiler.irbuild.mangle import mangle

    stored = name.split(".")[0]
    code = compile(f"class {cls}:\n    import {name}\n", "<m>", "exec")
    body = next(c for c in code.co_consts if hasattr(c, "co_names"))
    # IMPORT_NAME takes the whole (possibly dotted) name, STORE_NAME its first part
    assert mangle(cls, name) in body.co_names
    assert mangle(cls, stored) in body.co_names
