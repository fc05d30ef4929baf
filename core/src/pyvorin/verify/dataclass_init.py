"""The ``__init__`` that ``@dataclass`` writes for a class, read from its source.

A dataclass has no ``__init__`` in its source, but its parameters follow from the class
body exactly (the dataclasses documentation, "Post-init processing" and "Inheritance"):
every annotated class attribute is a field, in order, the fields of dataclass bases first;
``ClassVar`` annotations are not fields; ``field(init=False)`` is left out of
``__init__``; a field has a default when it is assigned a value, ``field(default=...)`` or
``field(default_factory=...)``; ``kw_only=True`` (on the decorator or the field) and
fields after ``_: KW_ONLY`` are keyword-only. :func:`dataclass_init` turns that into the
``ast.arguments`` an explicit ``__init__`` would have, so :mod:`.objects` builds instances
of a dataclass as of any class. The default *values* are not needed: a recipe gives an
argument or leaves it out.

Only the plain forms are read: ``@dataclass``, ``@dataclass(...)`` with literal options,
and ``@dataclasses.dataclass`` likewise, with ``dataclass`` imported from
``dataclasses``. ``init=False``, any other decorator, or an option that is not a literal
leaves the class unbuildable, as before.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """A field of a dataclass as its ``__init__`` takes it."""

    name: str
    annotation: ast.expr
    has_default: bool
    kw_only: bool


def dataclass_options(
    node: ast.ClassDef, imported: dict[str, tuple[str, str]], modules: dict[str, str]
) -> dict[str, bool] | None:
    """The decorator's options when ``node``'s only decorator is ``dataclass`` (with
    literal options), else None."""
    if len(node.decorator_list) != 1:
        return None
    decorator = node.decorator_list[0]
    call = decorator if isinstance(decorator, ast.Call) else None
    target = call.func if call is not None else decorator
    if not _names_dataclass(target, imported, modules):
        return None
    options = {"init": True, "kw_only": False}
    if call is not None:
        if call.args:
            return None
        for keyword in call.keywords:
            if keyword.arg is None or not isinstance(keyword.value, ast.Constant):
                return None  # **options, or one computed at run time
            if keyword.arg in options:
                options[keyword.arg] = bool(keyword.value.value)
    return options


def _names_dataclass(
    target: ast.expr, imported: dict[str, tuple[str, str]], modules: dict[str, str]
) -> bool:
    if isinstance(target, ast.Name):
        return imported.get(target.id) == ("dataclasses", "dataclass")
    return (
        isinstance(target, ast.Attribute)
        and target.attr == "dataclass"
        and isinstance(target.value, ast.Name)
        and modules.get(target.value.id) == "dataclasses"
    )


def own_fields(node: ast.ClassDef, kw_only: bool) -> tuple[Field, ...]:
    """The fields ``node``'s body declares, in order (those left out of ``__init__``
    dropped)."""
    fields: list[Field] = []
    after_marker = False
    for item in node.body:
        if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
            continue
        if _is_classvar(item.annotation):
            continue
        if _last_name(item.annotation) == "KW_ONLY":
            after_marker = True
            continue
        has_default = item.value is not None
        field_kw_only = kw_only or after_marker
        if isinstance(item.value, ast.Call) and _last_name(item.value.func) == "field":
            options = {k.arg: k.value for k in item.value.keywords if k.arg is not None}
            init = options.get("init")
            if isinstance(init, ast.Constant) and init.value is False:
                continue
            has_default = "default" in options or "default_factory" in options
            marked = options.get("kw_only")
            if isinstance(marked, ast.Constant) and isinstance(marked.value, bool):
                field_kw_only = marked.value
        fields.append(Field(item.target.id, item.annotation, has_default, field_kw_only))
    return tuple(fields)


def merged(inherited: tuple[Field, ...], own: tuple[Field, ...]) -> tuple[Field, ...]:
    """Fields of a base first; a field declared again keeps its first place, with the
    subclass's type and default (as ``dataclasses`` orders them)."""
    by_name = {f.name: f for f in own}
    out = [by_name.pop(f.name, f) for f in inherited]
    return (*out, *(f for f in own if f.name in by_name))


def dataclass_init(fields: tuple[Field, ...]) -> ast.arguments:
    """The ``ast.arguments`` of the ``__init__`` ``@dataclass`` writes for ``fields``
    (``self`` first; defaults are placeholders: only whether there is one matters)."""
    positional = [f for f in fields if not f.kw_only]
    keyword = [f for f in fields if f.kw_only]
    first_default = next((i for i, f in enumerate(positional) if f.has_default), len(positional))
    return ast.arguments(
        posonlyargs=[],
        args=[ast.arg("self"), *(ast.arg(f.name, f.annotation) for f in positional)],
        vararg=None,
        kwonlyargs=[ast.arg(f.name, f.annotation) for f in keyword],
        kw_defaults=[ast.Constant(None) if f.has_default else None for f in keyword],
        kwarg=None,
        defaults=[ast.Constant(None) for _ in positional[first_default:]],
    )


def _is_classvar(annotation: ast.expr) -> bool:
    target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value.startswith(("ClassVar", "typing.ClassVar"))
    return _last_name(target) == "ClassVar"


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None
