"""The functions to verify and their parameter types, read from the source with ``ast``.

Every top-level ``def`` of the source module is verified, and every method of its
top-level classes (:func:`parse_methods`: ``Class.method`` targets). Parameter types come from
the annotations: ``int``, ``float``, ``bool``, ``str``, ``bytes``, ``bytearray``,
``None``, ``list[T]``, ``tuple[A, B]``, ``tuple[T, ...]``, ``dict[K, V]``,
``Optional[T]`` / ``T | None`` / ``Union[A, B]`` (nested freely; ``typing.List``/
``Tuple``/``Dict`` spellings too). A bare ``list``, ``tuple`` or ``dict`` has ``any``
items; ``Sequence[T]``, ``Iterable[T]`` and their kin (``typing`` or ``collections.abc``)
get lists; ``Mapping[K, V]`` gets dicts. Module-level type aliases (``Matrix =
list[list[int]]``, ``Matrix: TypeAlias = ...``, ``type Matrix = ...``) are followed. A
class of the module, or of a sibling module of the project, is an ``instance`` and a
``Callable`` a ``callable`` (see :mod:`.objects`). A parameter without an annotation (or
``Any``, ``object``) has type ``any`` (the generic tier): it gets generated values of
several types (ints, floats, strings, None, lists, tuples) besides examples, doctests and
the recorded corpus. Any other annotation (a class of the standard library,
``memoryview``...) is ``unknown``: no values are generated for it.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import VerificationError
from .objects import (
    MAX_DEPTH,
    RECORD_TARGET,
    ModuleObjects,
    builtin_by_methods,
    init_parameters,
    parameter_usage,
    record_fields,
)
from .stdin import stdin_readers
from .workers import import_root


@dataclass(frozen=True)
class TypeSpec:
    """A parameter type: ``kind`` is int, float, bool, str, bytes, bytearray, none, list,
    tuple, dict, union, instance, callable, any or unknown.

    ``items`` holds the element type of a list (one item), the item types of a fixed
    tuple, the element type of a variadic ``tuple[T, ...]`` (``variadic=True``), the key
    and value types of a dict, the members of a union, or the ``__init__`` parameters of
    an instance's class (``name`` is the class as "module:Class"; ``optional`` counts the
    trailing ones with a default). ``choices`` are the "module:function" names a
    callable is given, or the keywords a record (an ``instance`` built by keyword,
    :func:`.objects.record_fields`) is built with.
    """

    kind: str
    items: tuple[TypeSpec, ...] = ()
    variadic: bool = False
    name: str = ""
    choices: tuple[str, ...] = ()
    optional: int = 0

    def __str__(self) -> str:
        if self.kind == "none":
            return "None"
        if self.kind == "list":
            return f"list[{self.items[0]}]"
        if self.kind == "tuple":
            if self.variadic:
                return f"tuple[{self.items[0]}, ...]"
            return "tuple[" + (", ".join(map(str, self.items)) or "()") + "]"
        if self.kind == "dict":
            return f"dict[{self.items[0]}, {self.items[1]}]"
        if self.kind == "union":
            return " | ".join(map(str, self.items))
        if self.kind == "instance":
            return self.name.rpartition(":")[2]
        if self.kind == "callable":
            return "Callable"
        return self.kind

    @property
    def generatable(self) -> bool:
        """Values can be generated: every type but ``unknown`` (a class, a dict...)."""
        return self.kind not in ("unknown", "cut") and all(item.generatable for item in self.items)

    @property
    def annotated(self) -> bool:
        if self.kind == "instance":
            return True  # its class is named; its __init__'s annotations are its own
        return self.kind not in ("any", "unknown") and all(item.annotated for item in self.items)

    def finite_values(self) -> list[Any] | None:
        """Every value of this type when there are few (bool, None, tuples of them)."""
        if self.kind == "bool":
            return [False, True]
        if self.kind == "none":
            return [None]
        if self.kind == "instance" and not self.items:
            # a class built without arguments: its one recipe is the whole domain
            from .values import Construct

            return [Construct(self.name)]
        if self.kind == "instance":
            # a class whose __init__ takes only ints, bools and None: recipes draw their
            # ints from SMALL_INTS, so its recipes are few and each is made
            return recipe_domain(self)
        if self.kind == "callable":
            from .values import Ref

            return [Ref(target) for target in self.choices]
        if self.kind == "tuple" and not self.variadic:
            parts = [item.finite_values() for item in self.items]
            if any(p is None for p in parts):
                return None
            return [tuple(combo) for combo in itertools.product(*parts)]  # type: ignore[arg-type]
        if self.kind == "union":
            members = [item.finite_values() for item in self.items]
            if any(m is None for m in members):
                return None
            return [value for member in members for value in member]  # type: ignore[union-attr]
        return None


# the ints a recipe's arguments are drawn from (generate._small): small, so an input
# tests the function, not the constructor
SMALL_INTS = tuple(range(-3, 13))
MAX_RECIPE_DOMAIN = 128  # recipes of a class enumerated as its whole (finite) domain


def recipe_domain(spec: TypeSpec, limit: int = MAX_RECIPE_DOMAIN) -> list[Any] | None:
    """Every recipe of the instance ``spec`` when its ``__init__`` arguments take few
    values as recipes give them (ints from :data:`SMALL_INTS`, bools, None, unions and
    instances of such): each row with every argument, and each with only the required
    ones (the recipes that leave the defaults out); None beyond ``limit`` recipes."""
    from .values import Construct

    if spec.kind != "instance" or spec.choices:
        return None
    columns = [_small_domain(item, limit) for item in spec.items]
    if any(column is None for column in columns):
        return None
    required = len(columns) - spec.optional
    sizes = [1, 1]
    for number, column in enumerate(columns):
        sizes[0] *= len(column)  # type: ignore[arg-type]
        if number < required:
            sizes[1] *= len(column)  # type: ignore[arg-type]
    if sizes[0] + (sizes[1] if spec.optional else 0) > limit:
        return None
    rows = [tuple(row) for row in itertools.product(*columns)]  # type: ignore[arg-type]
    if spec.optional:
        rows += [tuple(row) for row in itertools.product(*columns[:required])]  # type: ignore[arg-type]
    return [Construct(spec.name, row) for row in rows]


def _small_domain(spec: TypeSpec, limit: int) -> list[Any] | None:
    """The values a recipe's argument of type ``spec`` can take, when few."""
    if spec.kind == "int":
        return list(SMALL_INTS)
    if spec.kind in ("bool", "none"):
        return spec.finite_values()
    if spec.kind == "instance":
        return spec.finite_values() if not spec.items else recipe_domain(spec, limit)
    if spec.kind == "union":
        from .values import key

        out: dict[str, Any] = {}
        for member in spec.items:
            values = _small_domain(member, limit)
            if values is None:
                return None
            out.update((key(v), v) for v in values if key(v) not in out)
        return list(out.values())
    return None


ANY = TypeSpec("any")  # no annotation, ``Any`` or ``object``: any value is a valid call
UNKNOWN = TypeSpec("unknown")  # an annotation the verifier cannot generate values for
# what a parameter used only through one builtin type's methods is given (.objects)
BUILTIN_CONTAINERS = {
    "list": TypeSpec("list", (ANY,)),
    "dict": TypeSpec("dict", (ANY, ANY)),
    "str": TypeSpec("str"),
}
_SCALARS = {
    "int": "int", "float": "float", "bool": "bool", "None": "none", "str": "str",
    "bytes": "bytes", "bytearray": "bytearray",
}  # fmt: skip
_ANYTHING = {"Any", "object"}
_LISTS = {"list", "List"}
_TUPLES = {"tuple", "Tuple"}
_DICTS = {"dict", "Dict"}
# abstract types a list satisfies: values are generated as lists
_SEQUENCES = {
    "Sequence", "MutableSequence", "Iterable", "Collection", "Reversible", "Container",
}  # fmt: skip
_MAPPINGS = {"Mapping", "MutableMapping"}
_MAX_ALIAS_DEPTH = 20
_MYPYC_INTS = {"i64", "i32", "i16", "u8"}

Aliases = dict[str, ast.expr]  # module-level type aliases: name -> the aliased annotation


def parse_annotation(
    node: ast.expr | None,
    aliases: Aliases | None = None,
    _depth: int = 0,
    objects: ModuleObjects | None = None,
    _building: tuple[str, ...] = (),
) -> TypeSpec:
    """The :class:`TypeSpec` of an annotation; ``aliases`` are the module's type aliases
    (see :func:`type_aliases`), ``objects`` its classes and functions (see
    :mod:`.objects`; without it a class or ``Callable`` is ``unknown``)."""
    if node is None:
        return ANY
    if _depth > _MAX_ALIAS_DEPTH:
        return UNKNOWN  # an alias cycle

    def parse(inner: ast.expr) -> TypeSpec:
        return parse_annotation(inner, aliases, _depth + 1, objects, _building)

    if isinstance(node, ast.Constant) and node.value is None:
        return TypeSpec("none")
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return parse(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return UNKNOWN
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union([parse(node.left), parse(node.right)])
    if isinstance(node, ast.Name) and aliases and node.id in aliases:
        return parse(aliases[node.id])
    name = _dotted(node)
    found = objects.resolve(node) if objects is not None else None
    if found is not None:
        owner, local = found
        owner_aliases = aliases if owner is objects else aliases_of(owner)
        if local in owner.classes:
            return instance_spec(owner, local, owner_aliases, _building)
        if owner is not objects and owner_aliases and local in owner_aliases:
            # a type alias of a sibling module, read there
            return parse_annotation(
                owner_aliases[local], owner_aliases, _depth + 1, owner, _building
            )
    if objects is not None and (name in _CALLABLES or _callable_subscript(node)):
        return TypeSpec("callable", choices=objects.callable_targets())
    if name is not None:
        if name in _ANYTHING:
            return ANY
        if name in _LISTS:
            return TypeSpec("list", (ANY,))
        if name in _TUPLES:
            return TypeSpec("tuple", (ANY,), variadic=True)
        if name in _DICTS:
            return TypeSpec("dict", (ANY, ANY))
        return TypeSpec(_SCALARS[name]) if name in _SCALARS else UNKNOWN
    if isinstance(node, ast.Subscript):
        base = _dotted(node.value)
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if (base in _LISTS or base in _SEQUENCES) and len(args) == 1:
            return TypeSpec("list", (parse(args[0]),))
        if base in _TUPLES:
            if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is ...:
                return TypeSpec("tuple", (parse(args[0]),), variadic=True)
            if len(args) == 1 and isinstance(args[0], ast.Tuple) and not args[0].elts:
                return TypeSpec("tuple", ())
            return TypeSpec("tuple", tuple(parse(a) for a in args))
        if (base in _DICTS or base in _MAPPINGS) and len(args) == 2:
            return TypeSpec("dict", (parse(args[0]), parse(args[1])))
        if base == "Optional" and len(args) == 1:
            return _union([parse(args[0]), TypeSpec("none")])
        if base == "Union" and args:
            return _union([parse(a) for a in args])
    return UNKNOWN


_CALLABLES = {"Callable", "callable"}


def _callable_subscript(node: ast.expr) -> bool:
    return isinstance(node, ast.Subscript) and _dotted(node.value) in _CALLABLES


def instance_spec(
    objects: ModuleObjects, name: str, aliases: Aliases | None, building: tuple[str, ...] = ()
) -> TypeSpec:
    """An instance of the class ``name`` of ``objects``' module (the module verified or a
    sibling, see :mod:`.objects`): its ``__init__``'s parameter types, read in that
    module with its ``aliases``.

    A class that holds itself (``Node.__init__(self, next: Node | None)``, a tree's
    ``left``/``right``) nests in itself like any class, so its recipes are chains and
    trees; beyond :data:`~.objects.MAX_DEPTH` classes deep it is ``cut``: a union drops it
    (``None`` ends the chain), alone it cannot be generated (a class that requires itself,
    ``Node(next: Node)``, has no recipe)."""
    info = objects.classes[name]
    target = f"{objects.module}:{name}"
    if len(building) >= MAX_DEPTH:
        return TypeSpec("cut", name=target)
    params = init_parameters(info) if info.buildable else None
    if params is None:
        return UNKNOWN
    items = tuple(
        parse_annotation(arg.annotation, aliases, 0, objects, (*building, target))
        for arg, _ in params
    )
    optional = sum(1 for _, has_default in params if has_default)
    return TypeSpec("instance", items, name=target, optional=optional)


def aliases_of(objects: ModuleObjects) -> Aliases:
    """The type aliases of a (sibling) module, read once."""
    if objects.aliases is None:
        objects.aliases = type_aliases(objects.tree)
    return objects.aliases


def _union(members: list[TypeSpec]) -> TypeSpec:
    """``A | B``: nested unions flattened, duplicates dropped, ``Any`` absorbing all, a
    class cut by the nesting limit dropped when other members remain."""
    flat: list[TypeSpec] = []
    for member in members:
        for item in member.items if member.kind == "union" else (member,):
            if item not in flat:
                flat.append(item)
    if len(flat) > 1 and any(item.kind == "cut" for item in flat):
        flat = [item for item in flat if item.kind != "cut"] or flat[:1]
    if ANY in flat:
        return ANY
    return flat[0] if len(flat) == 1 else TypeSpec("union", tuple(flat))


def _dotted(node: ast.expr) -> str | None:
    """A plain name, or the last part of ``typing.X``, ``builtins.X``, ``abc.X`` or
    ``collections.abc.X``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = node.value
        if isinstance(owner, ast.Name) and owner.id in ("typing", "builtins", "abc"):
            return node.attr
        if (
            isinstance(owner, ast.Attribute)
            and isinstance(owner.value, ast.Name)
            and (owner.value.id, owner.attr) == ("collections", "abc")
        ):
            return node.attr
    return None


def type_aliases(tree: ast.Module) -> Aliases:
    """The module's top-level type aliases: ``Name = <annotation>`` (a subscript, a union
    or another name), ``Name: TypeAlias = <annotation>`` and ``type Name = <annotation>``
    (Python 3.12+); mypyc's ``i64``/``i32``/``i16``/``u8`` imported from
    ``mypy_extensions`` are ``int``. A later assignment to the same name replaces an earlier one."""
    aliases: Aliases = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "mypy_extensions":
            # mypyc's native int types are plain ints under CPython (and to Pyvorin)
            for alias in node.names:
                if alias.name in _MYPYC_INTS:
                    aliases[alias.asname or alias.name] = ast.Name("int", ast.Load())
            continue
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if isinstance(target, ast.Name) and _looks_like_type(value):
                aliases[target.id] = value
            elif isinstance(target, ast.Name):
                aliases.pop(target.id, None)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.value is not None and _dotted(node.annotation) == "TypeAlias":
                aliases[node.target.id] = node.value
            else:
                aliases.pop(node.target.id, None)
        elif type(node).__name__ == "TypeAlias" and not getattr(node, "type_params", None):
            aliases[node.name.id] = node.value  # type: ignore[attr-defined]
    return aliases


def _looks_like_type(value: ast.expr) -> bool:
    """An assigned value that can only be a type expression (not ``N = 8``)."""
    if isinstance(value, ast.Subscript):
        return True
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.BitOr):
        return all(_looks_like_type(side) for side in (value.left, value.right))
    if isinstance(value, ast.Constant):
        return value.value is None
    name = _dotted(value)
    return name is not None and (
        name in _SCALARS or name in _LISTS or name in _TUPLES or name in _DICTS
    )


@dataclass(frozen=True)
class Param:
    name: str
    type: TypeSpec
    has_default: bool = False
    default: Any = None
    keyword_only: bool = False
    positional_only: bool = False


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
    # reads standard input (input(), sys.stdin), itself or through module code it calls:
    # its generated inputs then also vary standard input (see .stdin)
    reads_stdin: bool = False
    # the sibling modules' files its parameter types were read from (their classes'
    # __init__s): part of the reuse key, as the function's own source is
    siblings: tuple[Path, ...] = field(default=(), compare=False)
    # how the target is called (:data:`CALL_KINDS`): a top-level ``function``, or a
    # member of the top-level class ``owner`` named ``Class.member`` (see
    # :func:`parse_methods`)
    kind: str = "function"
    owner: str = ""
    # why instances of ``owner`` cannot be built, for a target that needs one (its
    # ``self`` parameter is then ``unknown``: no inputs are generated for it)
    unbuildable: str | None = None

    @property
    def qualname(self) -> str:
        return f"{self.module}:{self.name}"

    @property
    def member(self) -> str:
        """The attribute of the class a method target calls (``bump`` of ``C.bump``)."""
        return self.name.partition(".")[2] if self.owner else self.name

    @property
    def generatable(self) -> bool:
        return all(p.type.generatable for p in self.params)

    def reference(self, args: tuple, kwargs: dict[str, Any]) -> tuple[tuple, dict[str, Any]]:
        """The call CPython makes for the compiled call ``(args, kwargs)``: see
        :func:`reference_value`."""
        positional = [p for p in self.params if not p.keyword_only]
        by_name = {p.name: p for p in self.params}
        new_args = tuple(
            reference_value(v, p.type) for v, p in zip(args, positional, strict=False)
        ) + tuple(args[len(positional) :])
        new_kwargs = {
            k: reference_value(v, by_name[k].type) if k in by_name else v for k, v in kwargs.items()
        }
        return new_args, new_kwargs

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
        """The call as written: ``f(1, x=2)``; for a method target the instance's recipe
        and the call on it (``kernels.Counter(3).bump(2)``, ``kernels.Counter(3).size``
        for a property), ``Counter.make(2)`` for a static or class method, ``Counter(3)``
        for ``__init__`` (its recipe)."""
        if self.kind in ("method", "property") and args:
            parts = [show(a) for a in args[1:]] + [f"{k}={show(v)}" for k, v in kwargs.items()]
            if self.kind == "property":
                return f"{show(args[0])}.{self.member}"
            return f"{show(args[0])}.{self.member}(" + ", ".join(parts) + ")"
        parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
        if self.kind == "init" and args:
            return show(args[0])
        return f"{self.name}(" + ", ".join(parts) + ")"

    def bind(
        self, args: tuple, kwargs: dict[str, Any], convert: bool = True
    ) -> tuple[tuple, dict[str, Any]] | str:
        """Check an input against the parameters; the normalized input or an error text.

        With ``convert``, arrays given for ``tuple`` parameters become tuples and ints given
        for ``float`` parameters become floats (TOML has no tuple syntax, and examples have
        always been read this way). Without it (generated inputs), an ``int`` for a
        ``float`` or a ``bool`` for an ``int`` stays what it is: a call as a user makes it.
        """
        positional = [p for p in self.params if not p.keyword_only]
        if len(args) > len(positional):
            return f"{len(args)} positional arguments given, {self.name}() takes {len(positional)}"
        by_name = {p.name: p for p in self.params}
        out_args = []
        for param, value in zip(positional, args, strict=False):
            if param.name in kwargs:
                return f"argument {param.name!r} given twice"
            converted = coerce(value, param.type, convert)
            if converted is _BAD:
                return f"argument {param.name!r}: expected {param.type}, found {value!r}"
            out_args.append(converted)
        out_kwargs: dict[str, Any] = {}
        for name, value in kwargs.items():
            param = by_name.get(name)
            if param is None:
                return f"{self.name}() has no parameter {name!r}"
            converted = coerce(value, param.type, convert)
            if converted is _BAD:
                return f"argument {name!r}: expected {param.type}, found {value!r}"
            out_kwargs[name] = converted
        for name in kwargs:
            if by_name[name].positional_only:
                return f"positional-only argument {name!r} given by keyword"
        given = {p.name for p in positional[: len(args)]} | set(kwargs)
        missing = [p.name for p in self.params if not p.has_default and p.name not in given]
        if missing:
            return "missing argument(s) " + ", ".join(map(repr, missing))
        return tuple(out_args), out_kwargs


_BAD = object()


def coerce(value: Any, spec: TypeSpec, convert: bool = True, top: bool = True) -> Any:
    """``value`` as an instance of ``spec`` (see :meth:`FunctionInfo.bind`), or ``_BAD``.

    At the top level of a parameter the call boundary's numeric tower is accepted: a
    ``bool`` for an ``int``, an ``int`` or ``bool`` for a ``float``, and subclass
    instances of ``int``, ``float`` and ``tuple`` (see :func:`reference_value`).
    """
    kind = spec.kind
    if kind in ("any", "unknown"):
        return value
    if kind == "instance":
        from .values import Construct

        return value if type(value) is Construct else _BAD
    if kind == "callable":
        from .values import Construct, Ref

        return value if type(value) in (Ref, Construct) else _BAD
    if kind == "str":
        return value if type(value) is str else _BAD
    if kind == "bytes":
        # a bytearray where bytes is declared: a call as users make it (typing long
        # accepted it; the function's own code decides what it does with one)
        if type(value) is bytes or (top and type(value) is bytearray):
            return value
        return _BAD
    if kind == "bytearray":
        return value if type(value) is bytearray else _BAD
    if kind == "none":
        return None if value is None else _BAD
    if kind == "bool":
        return value if isinstance(value, bool) else _BAD
    if kind == "int":
        if type(value) is int or (top and isinstance(value, int)):
            return value
        return _BAD
    if kind == "float":
        if type(value) is float or (top and isinstance(value, float)):
            return value
        if type(value) is int and convert:
            return float(value)
        return value if top and isinstance(value, int) else _BAD
    if kind == "union":
        for member in spec.items:
            converted = coerce(value, member, convert, top)
            if converted is not _BAD:
                return converted
        return _BAD
    if kind == "dict":
        if type(value) is not dict:
            return _BAD
        out = {}
        for item_key, item in value.items():
            new_key = coerce(item_key, spec.items[0], convert, False)
            new_item = coerce(item, spec.items[1], convert, False)
            if new_key is _BAD or new_item is _BAD:
                return _BAD
            out[new_key] = new_item
        return out
    if kind in ("list", "tuple") and isinstance(value, (list, tuple)):
        if type(value) not in (list, tuple) and not (top and kind == "tuple"):
            return _BAD
        if kind == "tuple" and not convert and type(value) is list:
            return _BAD
        if kind == "list" or spec.variadic:
            items = [coerce(v, spec.items[0], convert, False) for v in value]
        else:
            if len(value) != len(spec.items):
                return _BAD
            items = [coerce(v, s, convert, False) for v, s in zip(value, spec.items, strict=False)]
        if any(item is _BAD for item in items):
            return _BAD
        if kind == "tuple" and type(value) is not tuple and isinstance(value, tuple):
            return type(value)(items)
        return items if kind == "list" else tuple(items)
    return _BAD


def reference_value(value: Any, spec: TypeSpec) -> Any:
    """What CPython is called with where the compiled code gets ``value`` for ``spec``.

    The call boundary of the native tier converts, as documented (docs/subset.md): a
    ``bool`` for an ``int`` is read as ``0``/``1``, an ``int`` for a ``float`` as the float,
    an ``int`` or ``float`` subclass instance as its plain value. Compiled code called with
    ``True`` must therefore behave as CPython called with ``1``; everything else is passed
    to both sides as it is.
    """
    kind = spec.kind
    if kind == "int" and isinstance(value, int) and type(value) is not int:
        return int(value)
    if kind == "float" and isinstance(value, (int, float)) and type(value) is not float:
        return float(value)
    return value


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


def _read_module(module_name: str, path: Path) -> tuple[ast.Module, ModuleObjects, Aliases]:
    try:
        source = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise VerificationError(f"{path}: cannot read the source: {exc.strerror}") from exc
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise VerificationError(f"{path}:{exc.lineno}: cannot parse the source: {exc.msg}") from exc
    aliases = type_aliases(tree)
    objects = ModuleObjects(module_name, tree, Path(path), import_root(module_name, Path(path)))
    objects.aliases = aliases
    return tree, objects, aliases


def _params(
    node: ast.FunctionDef, objects: ModuleObjects, aliases: Aliases, skip: int = 0
) -> list[Param]:
    """The parameters of ``node`` (the first ``skip`` positional ones left out: a
    method's ``self``, a class method's ``cls``)."""

    def param_type(arg: ast.arg) -> TypeSpec:
        if arg.annotation is not None:
            return parse_annotation(arg.annotation, aliases, 0, objects)
        return inferred_type(node, arg.arg, objects, aliases)

    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(arguments.defaults))
    defaults += list(arguments.defaults)
    params = []
    posonly = len(arguments.posonlyargs)
    for number, (arg, default) in enumerate(zip(positional, defaults, strict=False)):
        if number < skip:
            continue
        has, value = _literal_default(default) if default is not None else (False, None)
        params.append(
            Param(
                arg.arg, param_type(arg), has, value, positional_only=number < posonly,
            )
        )  # fmt: skip
    for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=False):
        has, value = _literal_default(default) if default is not None else (False, None)
        params.append(Param(arg.arg, param_type(arg), has, value, True))
    return params


def parse_functions(module_name: str, path: Path) -> list[FunctionInfo]:
    """Every top-level function of the source at ``path``, in source order."""
    tree, objects, aliases = _read_module(module_name, path)
    readers = stdin_readers(tree)
    functions = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        params = _params(node, objects, aliases)
        functions.append(
            FunctionInfo(
                module=module_name,
                name=node.name,
                params=tuple(params),
                returns=parse_annotation(node.returns, aliases, 0, objects),
                docstring=ast.get_docstring(node, clean=True),
                lineno=node.lineno,
                path=Path(path),
                reads_stdin=node.name in readers,
                siblings=_sibling_files([p.type for p in params], objects),
            )
        )
    return functions


# The kinds of verification targets: how the worker calls each (pyvorin.verify.worker).
CALL_KINDS = ("function", "method", "staticmethod", "classmethod", "property", "init")
# methods of the object protocol that are not called as methods of an instance: made
# and destroyed by the interpreter (__new__, __del__), or hooks of the class itself
LIFECYCLE = frozenset(
    {"__new__", "__del__", "__init_subclass__", "__class_getitem__", "__set_name__"}
)
SELF = "self"  # the name a method target's instance parameter is shown with


def parse_targets(module_name: str, path: Path) -> list[FunctionInfo]:
    """Every verification target of the source at ``path``: its top-level functions, then
    the methods of its top-level classes (:func:`parse_methods`), in source order."""
    return parse_functions(module_name, path) + parse_methods(module_name, path)


def parse_methods(module_name: str, path: Path) -> list[FunctionInfo]:
    """The members of every top-level class of the module, each a target ``Class.name``.

    * a plain method (dunders with code of their own included: ``__eq__``, ``__len__``,
      ``__repr__``, ``__iter__``...) is called on an instance built from a recipe of its
      class (:func:`instance_spec`, as a parameter annotated with the class gets), its
      first parameter typed as that instance; kind ``method``;
    * a ``@property`` getter is read on such an instance; kind ``property``;
    * a ``@staticmethod`` is called on the class with its parameters, a
      ``@classmethod`` with those after ``cls``: no instance is needed;
    * ``__init__`` is the class called with a recipe's arguments (small values, as
      every recipe has, :mod:`.generate`); kind ``init``: the instance it makes is the
      result, compared by its attributes. (Every method target builds its instance the
      same way, and the instance's state as built is compared too.)

    When instances of the class cannot be built (a decorator other than ``@dataclass``,
    a base class from outside the module, an ``__init__`` parameter no generator makes),
    the instance parameter is ``unknown`` and ``unbuildable`` says why: such a method gets
    no generated inputs and is reported so, like a function whose parameters cannot be
    generated. Setters and deleters of properties, other decorated members, nested
    classes, the members of a ``Protocol`` and the interpreter's hooks (:data:`LIFECYCLE`)
    are not targets; ``async def`` methods neither (top-level ``async def`` functions are
    not either).
    """
    tree, objects, aliases = _read_module(module_name, path)
    readers = stdin_readers(tree, with_methods=True)
    targets = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name not in objects.classes:
            continue
        if any(_protocol(base) for base in node.bases):
            continue  # an interface: its members are declarations, not code to verify
        instance = instance_spec(objects, node.name, aliases)
        unbuildable = None if instance.generatable else _unbuildable(node, objects, instance)
        for item in node.body:
            if not isinstance(item, ast.FunctionDef) or item.name in LIFECYCLE:
                continue
            kind = _member_kind(item)
            if kind is None:
                continue
            name = f"{node.name}.{item.name}"
            if kind == "method" and item.name == "__init__":
                kind = "init"
            positional = [*item.args.posonlyargs, *item.args.args]
            if kind in ("method", "property", "init", "classmethod") and not positional:
                continue  # no self/cls: every call raises TypeError alike; not a method
            skip = 0 if kind == "staticmethod" else 1
            params = _params(item, objects, aliases, skip)
            needs_instance = kind in ("method", "property", "init")
            if needs_instance:
                params.insert(0, Param(SELF, instance, positional_only=True))
            if kind in ("property", "init"):
                params = params[:1]  # __init__: its arguments are the recipe's
            targets.append(
                FunctionInfo(
                    module=module_name,
                    name=name,
                    params=tuple(params),
                    returns=parse_annotation(item.returns, aliases, 0, objects),
                    docstring=ast.get_docstring(item, clean=True),
                    lineno=item.lineno,
                    path=Path(path),
                    reads_stdin=name in readers
                    or (needs_instance and f"{node.name}.__init__" in readers),
                    siblings=_sibling_files([p.type for p in params], objects),
                    kind=kind,
                    owner=node.name,
                    unbuildable=unbuildable if needs_instance else None,
                )
            )
    return targets


def _protocol(base: ast.expr) -> bool:
    """``Protocol``, ``typing.Protocol`` or ``Protocol[T]`` as a base class."""
    target = base.value if isinstance(base, ast.Subscript) else base
    return _dotted(target) == "Protocol"


def _member_kind(item: ast.FunctionDef) -> str | None:
    """How a function defined in a class body is called, or None when it is no target."""
    if not item.decorator_list:
        return "method"
    if len(item.decorator_list) > 1:
        return None
    decorator = item.decorator_list[0]
    name = _dotted(decorator) if isinstance(decorator, ast.Name | ast.Attribute) else None
    if isinstance(decorator, ast.Name) and name in ("staticmethod", "classmethod", "property"):
        return name
    return None  # a setter/deleter (@x.setter), functools' caches, a decorator of the user's


def _unbuildable(node: ast.ClassDef, objects: ModuleObjects, spec: TypeSpec) -> str:
    """Why the verifier cannot build instances of the class ``node`` (for the report)."""
    info = objects.classes[node.name]
    if node.keywords:
        return "it has class keywords (" + ast.unparse(node.keywords[0]) + ")"
    for decorator in node.decorator_list:
        if "dataclass" not in ast.unparse(decorator):
            return f"it is decorated with @{ast.unparse(decorator)}"
    for base in node.bases:
        if not (isinstance(base, ast.Name) and (base.id in objects.classes or base.id == "object")):
            return f"its base class {ast.unparse(base)} is not a class of the module"
    if not info.buildable:
        return "@dataclass(init=False), or a base class the verifier cannot build"
    params = init_parameters(info)
    if params is None:
        return "its __init__ has a keyword-only parameter without a default"
    for arg, _ in params:
        found = parse_annotation(arg.annotation, objects.aliases, 0, objects)
        if not found.generatable:
            shown = ast.unparse(arg.annotation) if arg.annotation is not None else "?"
            return f"its __init__ parameter {arg.arg}: {shown} cannot be generated"
    if spec.kind == "cut":
        return "it requires an instance of itself to be built"
    return "its __init__ parameters cannot be generated"


def _sibling_files(specs: list[TypeSpec], objects: ModuleObjects) -> tuple[Path, ...]:
    """The files of the sibling modules whose classes ``specs`` build, sorted."""
    modules: set[str] = set()
    todo = list(specs)
    while todo:
        spec = todo.pop()
        if spec.kind in ("instance", "cut"):
            modules.add(spec.name.partition(":")[0])
        todo.extend(spec.items)
    files = {objects.loaded_file(m) for m in modules if m != objects.module}
    return tuple(sorted(f for f in files if f is not None))


def inferred_type(
    function: ast.FunctionDef, name: str, objects: ModuleObjects, aliases: Aliases
) -> TypeSpec:
    """An unannotated parameter: ``any``, plus callables when the function only calls it,
    plus instances of the one class of the module that has every attribute the function
    uses on it (see :mod:`.objects`). The generic values stay: objects are added."""
    usage = parameter_usage(function, name)
    if usage.only_called:
        return TypeSpec("union", (TypeSpec("callable", choices=objects.callable_targets()), ANY))
    owner = objects.class_by_use(usage.attributes)
    if owner is not None:
        spec = instance_spec(objects, owner, aliases)
        if spec.generatable:
            return TypeSpec("union", (spec, ANY))
        return ANY
    fields = record_fields(usage)
    if fields is not None:  # a plain record: keyword-built, each field any value
        record = TypeSpec("instance", (ANY,) * len(fields), name=RECORD_TARGET, choices=fields)
        return TypeSpec("union", (record, ANY))
    container = builtin_by_methods(usage)
    if container is not None:
        return TypeSpec("union", (BUILTIN_CONTAINERS[container], ANY))
    return ANY
