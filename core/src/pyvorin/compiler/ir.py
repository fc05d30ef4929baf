"""The typed intermediate representation between the frontend and the C generator.

Types are plain values: the strings ``"int"``, ``"float"``, ``"bool"``, ``"str"`` and
``"None"``, ``("list", elem)``, ``("tuple", (item, ...))``, ``("dict", key, value)`` and
``("set", elem)``.
Every expression node carries its static type; every node carries the source line for
tracebacks. The frontend resolves everything dynamic (names, keyword arguments, defaults,
operator overloads, implicit conversions) so the generator only emits code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Type = str | tuple

INT, FLOAT, BOOL, STR, NONE = "int", "float", "bool", "str", "None"


def list_of(elem: Type) -> Type:
    return ("list", elem)


def tuple_of(items: tuple) -> Type:
    return ("tuple", tuple(items))


def dict_of(key: Type, value: Type) -> Type:
    return ("dict", key, value)


def is_dict(t: Type) -> bool:
    return isinstance(t, tuple) and t[0] == "dict"


def set_of(elem: Type) -> Type:
    return ("set", elem)


def is_set(t: Type) -> bool:
    return isinstance(t, tuple) and t[0] == "set"


def is_list(t: Type) -> bool:
    return isinstance(t, tuple) and t[0] == "list"


def is_tuple(t: Type) -> bool:
    return isinstance(t, tuple) and t[0] == "tuple"


def is_numeric(t: Type) -> bool:
    return t in (INT, FLOAT, BOOL)


def is_object(t: Type) -> bool:
    """Represented as a PyObject* at run time."""
    return isinstance(t, tuple) or t == STR


def show(t: Type) -> str:
    if is_list(t):
        return f"list[{show(t[1])}]"
    if is_tuple(t):
        return "tuple[" + ", ".join(show(x) for x in t[1]) + "]"
    if is_dict(t):
        return f"dict[{show(t[1])}, {show(t[2])}]"
    if is_set(t):
        return f"set[{show(t[1])}]"
    return str(t)


@dataclass
class Expr:
    """``kind`` selects the operation; ``args`` are sub-expressions; ``data`` extra info."""

    kind: str
    type: Type
    line: int
    args: list[Expr] = field(default_factory=list)
    data: Any = None


@dataclass
class Stmt:
    kind: str
    line: int
    exprs: list[Expr] = field(default_factory=list)
    body: list[Stmt] = field(default_factory=list)
    orelse: list[Stmt] = field(default_factory=list)
    data: Any = None


@dataclass
class Param:
    name: str
    type: Type
    default: Any = None  # a Python constant, or NO_DEFAULT
    has_default: bool = False


@dataclass
class Function:
    name: str
    params: list[Param]
    ret: Type
    body: list[Stmt]
    line: int
    doc: str | None
    locals: dict[str, Type] = field(default_factory=dict)
    recursive: bool = False
    calls: set[str] = field(default_factory=set)
    # parameters never assigned in the body: borrowed from the caller, not owned
    borrowed_params: set[str] = field(default_factory=set)


@dataclass
class Module:
    name: str
    path: str
    doc: str | None
    constants: dict[str, tuple[Type, Any]]
    functions: list[Function]
