"""Private name mangling, exactly as CPython's compiler does it (``_Py_Mangle``).

Inside a class body, and in every scope nested in it (methods, lambdas, comprehensions,
nested functions and their defaults), an identifier ``__name`` becomes
``_Class__name``: names loaded, stored or deleted, attribute names, parameter names,
the keys of keyword-only defaults and of annotations, names bound by ``def``/``class``/
``import``/``except``/``match``, the module and names of ``import``/``from ... import``.
Not mangled (as in CPython): dunder names (``__x__``), dotted names, keyword argument
names in calls, the ``fromlist`` of ``from ... import``, the attribute parts of
``import a.b as c``, class-pattern keyword attributes in ``match``, and every name when
the class name is only underscores.

The symbol table (:mod:`symtable`) already holds mangled names, so the builder mangles a
name before it looks it up there.
"""

from __future__ import annotations


def mangle(private: str | None, name: str) -> str:
    """``name`` as the compiler stores it inside class ``private`` (None: no class)."""
    if private is None or not name.startswith("__"):
        return name
    if name.endswith("__") or "." in name:
        return name
    stripped = private.lstrip("_")
    if not stripped:
        return name
    return f"_{stripped}{name}"
