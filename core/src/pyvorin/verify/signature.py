"""The functions to verify and their parameter types, read from the source with ``ast``.

Every top-level ``def`` of the source module is verified. Parameter types come from
the annotations: ``int``, ``float``, ``bool``, ``None``, ``list[T]``, ``tuple[A, B]``,
``tuple[T, ...]`` (nested freely; ``typing.List``/``Tuple`` spellings too). A parameter
without an annotation the verifier understands has type ``any``: it cannot be generated,
so such a function needs explicit examples, doctests or a recorded corpus.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import VerificationError


@dataclass(frozen=True)
class TypeSpec:
    """A parameter type: ``kind`` is int, float, bool, none, list, tuple or any.

    ``items`` holds the element type of a list (one item), the item types of a fixed
    tuple, or the element type of a variadic ``tuple[T, ...]`` (``variadic=True``).
    """

    kind: str
    items: tuple[TypeSpec, ...] = ()
    variadic: bool = False

    def __str__(self) -> str:
        if self.kind == "none":
            return "None"
        if self.kind == "list":
            return f"list[{self.items[0]}]"
        if self.kind == "tuple":
            if self.variadic:
                return f"tuple[{self.items[0]}, ...]"
            return "tuple[" + (", ".join(map(str, self.items)) or "()") + "]"
        return self.kind

    @property
    def generatable(self) -> bool:
        return self.kind != "any" and all(item.generatable for item in self.items)

    def finite_values(self) -> list[Any] | None:
        """Every value of this type when there are few (bool, None, tuples of them)."""
        if self.kind == "bool":
            return [False, True]
        if self.kind == "none":
            return [None]
        if self.kind == "tuple" and not self.variadic:
            parts = [item.finite_values() for item in self.items]
            if any(p is None for p in parts):
                return None
            return [tuple(combo) for combo in itertools.product(*parts)]  # type: ignore[arg-type]
        return None


ANY = TypeSpec("any")
_SCALARS = {"int": "int", "float": "float", "bool": "bool", "None": "none"}
_LISTS = {"list", "List"}
_TUPLES = {"tuple", "Tuple"}


def parse_annotation(node: ast.expr | None) -> TypeSpec:
    if node is None:
        return ANY
    if isinstance(node, ast.Constant) and node.value is None:
        return TypeSpec("none")
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return parse_annotation(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return ANY
    name = _dotted(node)
    if name is not None:
        return TypeSpec(_SCALARS[name]) if name in _SCALARS else ANY
    if isinstance(node, ast.Subscript):
        base = _dotted(node.value)
        base = base.rsplit(".", 1)[-1] if base else None
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if base in _LISTS and len(args) == 1:
            return TypeSpec("list", (parse_annotation(args[0]),))
        if base in _TUPLES:
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is ...:
                return TypeSpec("tuple", (parse_annotation(args[0]),), variadic=True)
            if len(args) == 1 and isinstance(args[0], ast.Tuple) and not args[0].elts:
                return TypeSpec("tuple", ())
            return TypeSpec("tuple", tuple(parse_annotation(a) for a in args))
    return ANY


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in ("typing", "builtins")
    ):
        return node.attr
    return None


@dataclass(frozen=True)
class Param:
    name: str
    type: TypeSpec
    has_default: bool = False
    default: Any = None
    keyword_only: bool = False


@dataclass(frozen=True)
class FunctionInfo:
    """One top-level function of the source module."""

    module: str
    name: str
    params: tuple[Param, ...]
    returns: TypeSpec
    docstring: str | None
    lineno: int
    path: Path = field(compare=False)

    @property
    def qualname(self) -> str:
        return f"{self.module}:{self.name}"

    @property
    def generatable(self) -> bool:
        return all(p.type.generatable for p in self.params)

    def input_space(self) -> int | None:
        """How many distinct inputs exist, when finitely few (no parameters: exactly 1)."""
        total = 1
        for param in self.params:
            values = param.type.finite_values()
            if values is None:
                return None
            total *= len(values)
        return total

    def signature_text(self) -> str:
        return f"{self.name}(" + ", ".join(f"{p.name}: {p.type}" for p in self.params) + ")"

    def call_text(self, args: tuple, kwargs: dict[str, Any], show: Any) -> str:
        parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
        return f"{self.name}(" + ", ".join(parts) + ")"

    def bind(self, args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, dict[str, Any]] | str:
        """Check an input against the parameters; the normalized input or an error text.

        Arrays given for ``tuple`` parameters become tuples and ints given for ``float``
        parameters become floats (TOML and doctests have no tuple-or-float-only syntax).
        """
        positional = [p for p in self.params if not p.keyword_only]
        if len(args) > len(positional):
            return f"{len(args)} positional arguments given, {self.name}() takes {len(positional)}"
        by_name = {p.name: p for p in self.params}
        out_args = []
        for param, value in zip(positional, args, strict=False):
            if param.name in kwargs:
                return f"argument {param.name!r} given twice"
            converted = coerce(value, param.type)
            if converted is _BAD:
                return f"argument {param.name!r}: expected {param.type}, found {value!r}"
            out_args.append(converted)
        out_kwargs: dict[str, Any] = {}
        for name, value in kwargs.items():
            param = by_name.get(name)
            if param is None:
                return f"{self.name}() has no parameter {name!r}"
            converted = coerce(value, param.type)
            if converted is _BAD:
                return f"argument {name!r}: expected {param.type}, found {value!r}"
            out_kwargs[name] = converted
        given = {p.name for p in positional[: len(args)]} | set(kwargs)
        missing = [p.name for p in self.params if not p.has_default and p.name not in given]
        if missing:
            return "missing argument(s) " + ", ".join(map(repr, missing))
        return tuple(out_args), out_kwargs


_BAD = object()


def coerce(value: Any, spec: TypeSpec) -> Any:
    """``value`` as an instance of ``spec`` (see :meth:`FunctionInfo.bind`), or ``_BAD``."""
    kind = spec.kind
    if kind == "any":
        return value
    if kind == "none":
        return None if value is None else _BAD
    if kind == "bool":
        return value if isinstance(value, bool) else _BAD
    if kind == "int":
        return value if type(value) is int else _BAD
    if kind == "float":
        if type(value) is float:
            return value
        return float(value) if type(value) is int else _BAD
    if kind in ("list", "tuple") and isinstance(value, (list, tuple)):
        if kind == "list" or spec.variadic:
            items = [coerce(v, spec.items[0]) for v in value]
        else:
            if len(value) != len(spec.items):
                return _BAD
            items = [coerce(v, s) for v, s in zip(value, spec.items, strict=False)]
        if any(item is _BAD for item in items):
            return _BAD
        return items if kind == "list" else tuple(items)
    return _BAD


def conforms(value: Any, spec: TypeSpec) -> bool:
    """Whether ``value`` already is an instance of ``spec`` (no conversion)."""
    converted = coerce(value, spec)
    if converted is _BAD:
        return False
    from .values import key

    return key(converted) == key(value)


def _literal_default(node: ast.expr) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return True, None


def parse_functions(module_name: str, path: Path) -> list[FunctionInfo]:
    """Every top-level function of the source at ``path``, in source order."""
    try:
        source = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise VerificationError(f"{path}: cannot read the source: {exc.strerror}") from exc
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise VerificationError(f"{path}:{exc.lineno}: cannot parse the source: {exc.msg}") from exc
    functions = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
        defaults += list(arguments.defaults)
        params = []
        for arg, default in zip(positional, defaults, strict=False):
            has, value = _literal_default(default) if default is not None else (False, None)
            params.append(Param(arg.arg, parse_annotation(arg.annotation), has, value))
        for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=False):
            has, value = _literal_default(default) if default is not None else (False, None)
            params.append(Param(arg.arg, parse_annotation(arg.annotation), has, value, True))
        functions.append(
            FunctionInfo(
                module=module_name,
                name=node.name,
                params=tuple(params),
                returns=parse_annotation(node.returns),
                docstring=ast.get_docstring(node, clean=True),
                lineno=node.lineno,
                path=Path(path),
            )
        )
    return functions
