"""Parameters that take objects: instances of the module's own classes, and callables.

Read from the source with ``ast`` (nothing is imported), for :mod:`.signature`:

* **A class of the module** (``def f(node: Node)``, ``list[Node]``, ``Node | None``) has
  the type ``instance``: its values are *recipes*, :class:`~.values.Construct` calls of the
  class with generated arguments for its ``__init__`` (read the same way, recursively, at
  most :data:`MAX_DEPTH` classes deep), as hypothesis' ``st.builds`` does. Each worker
  makes its own instance from the recipe with its own module, so the compiled function
  gets an instance of the compiled class. A class whose ``__init__`` needs what cannot be
  generated (a keyword-only argument, a type from elsewhere), or one with decorators or a
  base class from outside the module, stays ``unknown``; a ``@dataclass`` is built through
  the ``__init__`` the decorator writes from its fields (:mod:`.dataclass_init`).
* **A class of a sibling module of the project** (``from shapes import Vec`` or ``import
  shapes`` + ``shapes.Vec``, where ``shapes.py`` — or ``shapes/__init__.py`` — lies under
  the module's import root, the directory both workers put on ``sys.path``) is read the
  same way from that file, with that module's own imports, aliases and classes, and its
  recipes target ``"shapes:Vec"``. The sibling is not compiled: both workers import it
  normally, so the compiled function is handed the same kind of object as the interpreted
  one. A module outside the import root, of the standard library, or in
  ``site-packages`` is never read: its classes stay ``unknown``.
* **A callable** (``Callable``, ``Callable[[int], int]``, ``callable``) has the type
  ``callable``: its values are the module's own top-level functions and a few builtins,
  passed by name (:class:`~.values.Ref`, looked up by each side in its own module).
* **An unannotated parameter** keeps its generic values (``any``) and gains objects only
  where the function's own code leaves one reading: a parameter whose every use is a call
  of it (``func(x)``) also gets callables; a parameter whose attributes are used
  (``pos.done``, ``pos.clone()``) gets instances of the one class of the module that has
  every one of those attributes (assigned on ``self``, defined in the class body or
  inherited from a class of the module). Two candidate classes, or none: no objects,
  except in two plain cases. A parameter used only through attributes it never calls
  (``args.iterations``: an ``argparse.Namespace``, a settings object) gets **records**,
  ``types.SimpleNamespace`` objects holding those attributes with generic values; one
  used only through methods that exactly one of ``list``, ``dict`` and ``str``
  has (``cmd.extend(...)``) gets values of that type.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dataclass_init import Field, dataclass_init, dataclass_options, merged, own_fields

MAX_DEPTH = 3  # classes nested in one recipe (a Pos holding a Hex holding Nodes)
BUILTIN_CALLABLES = ("builtins:len", "builtins:abs", "builtins:repr", "builtins:sorted")
_CALLABLE_NAMES = {"Callable", "callable"}


@dataclass(frozen=True)
class ClassInfo:
    """A top-level class of the module, as far as building its instances needs."""

    name: str
    lineno: int
    init: ast.arguments | None  # its (or an inherited module class's) __init__, or None
    attributes: frozenset[str]
    buildable: bool  # no decorator but @dataclass, no base class from outside the module
    fields: tuple[Field, ...] | None = None  # a dataclass's fields (.dataclass_init)


class ModuleObjects:
    """The classes and functions of one module: what object parameters can be given.

    ``path`` (the module's file) and ``root`` (its import root) let :meth:`resolve`
    follow imports into sibling modules of the project; without them only the module's
    own classes are found. ``_loaded`` is shared by a module and the siblings read for
    it (module name -> objects, None for a module that is not the project's).
    """

    def __init__(
        self,
        module: str,
        tree: ast.Module,
        path: Path | None = None,
        root: Path | None = None,
        _loaded: dict[str, ModuleObjects | None] | None = None,
    ) -> None:
        self.module = module
        self.tree = tree
        self.path = Path(path) if path is not None else None
        self.root = Path(root).resolve() if root is not None else None
        self.aliases: Any = None  # the module's type aliases, read by signature.py on demand
        self._loaded = _loaded if _loaded is not None else {}
        self._loaded.setdefault(module, self)
        self.imported, self.modules = _imports(self, tree)
        nodes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
        self.functions = tuple(
            n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        )
        self.classes: dict[str, ClassInfo] = {}
        for name in nodes:
            self._read_class(name, nodes, ())

    def _read_class(self, name: str, nodes: dict[str, ast.ClassDef], seen: tuple) -> ClassInfo:
        if name in self.classes:
            return self.classes[name]
        node = nodes[name]
        attributes: set[str] = set()
        init: ast.arguments | None = None
        options = dataclass_options(node, self.imported, self.modules)
        buildable = (not node.decorator_list or options is not None) and not node.keywords
        if options is not None and not options["init"]:
            buildable = False  # @dataclass(init=False): the __init__ is not the fields'
        inherited_fields: tuple[Field, ...] = ()
        for base in node.bases:
            base_name = base.id if isinstance(base, ast.Name) else None
            if base_name == "object":
                continue
            if base_name in nodes and base_name not in seen and base_name != name:
                inherited = self._read_class(base_name, nodes, (*seen, name))
                attributes |= inherited.attributes
                init = init or inherited.init
                buildable = buildable and inherited.buildable
                inherited_fields = merged(inherited_fields, inherited.fields or ())
            else:
                buildable = False  # a base from elsewhere: its __init__ is not read here
        own_init = None
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                attributes.add(item.name)
                attributes |= _self_attributes(item)
                if item.name == "__init__":
                    own_init = item.args
            elif isinstance(item, ast.Assign):
                attributes |= {t.id for t in item.targets if isinstance(t, ast.Name)}
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                attributes.add(item.target.id)
        fields = None
        if options is not None:  # @dataclass writes __init__ unless the class has one
            fields = merged(inherited_fields, own_fields(node, options["kw_only"]))
            if own_init is None:
                own_init = dataclass_init(fields)
        info = ClassInfo(
            name, node.lineno, own_init or init, frozenset(attributes), buildable, fields
        )
        self.classes[name] = info
        return info

    def resolve(self, node: ast.expr, _depth: int = 0) -> tuple[ModuleObjects, str] | None:
        """The module and top-level name an annotation names: one of this module's own
        classes (``Vec``), a name imported from a sibling module of the project (``Vec``
        after ``from shapes import Vec``, followed through re-exports), or a name of an
        imported sibling module (``shapes.Vec`` after ``import shapes``). None for
        anything else (builtins, typing, the standard library, site-packages)."""
        if _depth > MAX_REEXPORTS:
            return None
        if isinstance(node, ast.Name):
            if node.id in self.classes:
                return self, node.id
            if node.id not in self.imported:
                return None
            module, name = self.imported[node.id]
            owner = self.sibling(module)
            if owner is None:
                return None
            if name in owner.classes or name not in owner.imported:
                return owner, name
            return owner.resolve(ast.Name(name, ast.Load()), _depth + 1)  # a re-export
        parts = _attribute_chain(node)
        if parts is None or len(parts) < 2:
            return None
        first, middle, name = parts[0], parts[1:-1], parts[-1]
        if first in self.modules:
            module = ".".join([self.modules[first], *middle])
        elif first in self.imported:  # from pkg import shapes; shapes.Vec
            module = ".".join([*self.imported[first], *middle])
        else:
            return None
        owner = self.sibling(module)
        if owner is None:
            return None
        if name in owner.imported and name not in owner.classes:
            return owner.resolve(ast.Name(name, ast.Load()), _depth + 1)
        return owner, name

    def sibling(self, module: str) -> ModuleObjects | None:
        """The objects of the project module ``module`` (read once), or None when it is
        not a ``.py`` file under the import root (see the module docstring)."""
        if module in self._loaded:
            return self._loaded[module]
        self._loaded[module] = None  # also while reading it: an import cycle ends here
        path = self._module_file(module)
        if path is None:
            return None
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            return None  # the worker's import fails alike; no recipes are made for it
        objects = ModuleObjects(module, tree, path, self.root, self._loaded)
        self._loaded[module] = objects
        return objects

    def loaded_file(self, module: str) -> Path | None:
        """The file of a sibling module already read (see :meth:`sibling`)."""
        found = self._loaded.get(module)
        return found.path if found is not None else None

    def _module_file(self, module: str) -> Path | None:
        if self.root is None or not module:
            return None
        top = module.partition(".")[0]
        if top in sys.stdlib_module_names or top in sys.builtin_module_names:
            return None  # a project file of that name does not win over the interpreter's
        base = self.root.joinpath(*module.split("."))
        for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
            if not candidate.is_file():
                continue
            real = candidate.resolve()
            if not real.is_relative_to(self.root):
                return None  # a link out of the project
            if {"site-packages", "dist-packages"} & set(real.relative_to(self.root).parts):
                return None  # an installed package inside the project (a venv)
            return real
        return None

    def callable_targets(self) -> tuple[str, ...]:
        """What a callable parameter is given: the module's functions, then builtins."""
        return tuple(f"{self.module}:{name}" for name in self.functions) + BUILTIN_CALLABLES

    def class_by_use(self, used: frozenset[str]) -> str | None:
        """The one class of the module that has every attribute in ``used``."""
        if not used:
            return None
        matches = [c.name for c in self.classes.values() if used <= c.attributes]
        return matches[0] if len(matches) == 1 else None


MAX_REEXPORTS = 8  # ``from a import C`` where a itself imported C from b, and so on


def _attribute_chain(node: ast.expr) -> list[str] | None:
    """``a.b.C`` as ``["a", "b", "C"]``; None for anything but names and attributes."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _imports(
    objects: ModuleObjects, tree: ast.Module
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """The module's top-level imports (also under ``if TYPE_CHECKING:``): names bound by
    ``from X import C [as D]`` (D -> (X, C), relative imports made absolute) and modules
    bound by ``import X.Y [as Z]`` (Z -> X.Y; without ``as``, X -> X)."""
    imported: dict[str, tuple[str, str]] = {}
    modules: dict[str, str] = {}
    statements: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.If) and _names_type_checking(node.test):
            statements.extend(node.body)
        else:
            statements.append(node)
    for node in statements:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    modules[alias.asname] = alias.name
                else:
                    top = alias.name.partition(".")[0]
                    modules[top] = top
                imported.pop(alias.asname or alias.name.partition(".")[0], None)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(objects, node)
            for alias in node.names:
                if alias.name == "*" or source is None:
                    continue
                local = alias.asname or alias.name
                imported[local] = (source, alias.name)
                modules.pop(local, None)
    return imported, modules


def _names_type_checking(test: ast.expr) -> bool:
    chain = _attribute_chain(test)
    return chain is not None and chain[-1] == "TYPE_CHECKING"


def _absolute(objects: ModuleObjects, node: ast.ImportFrom) -> str | None:
    """The module a ``from ... import`` reads, relative imports resolved against the
    module's package (None when they climb above it)."""
    if not node.level:
        return node.module
    package = objects.module.split(".")
    if objects.path is None or objects.path.name != "__init__.py":
        package = package[:-1]
    if node.level - 1 >= len(package):
        return None  # beyond the top-level package: CPython's import fails too
    package = package[: len(package) - (node.level - 1)]
    parts = [*package, *([node.module] if node.module else [])]
    return ".".join(parts) or None


def _self_attributes(method: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Attributes a method assigns on its first parameter (``self.x = ...``)."""
    params = [*method.args.posonlyargs, *method.args.args]
    if not params:
        return set()
    me = params[0].arg
    found: set[str] = set()
    for node in ast.walk(method):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == me
        ):
            found.add(node.attr)
    return found


def init_parameters(info: ClassInfo) -> list[tuple[ast.arg, bool]] | None:
    """``__init__``'s parameters after ``self`` as (arg, has a default), or None when a
    keyword-only parameter without a default makes positional construction impossible."""
    if info.init is None:
        return []
    arguments = info.init
    positional = [*arguments.posonlyargs, *arguments.args][1:]
    first_default = len(positional) - len(arguments.defaults)
    if any(default is None for default in arguments.kw_defaults):
        return None
    return [(arg, number >= first_default) for number, arg in enumerate(positional)]


@dataclass(frozen=True)
class Usage:
    """How a function's body uses one unannotated parameter."""

    only_called: bool  # every use is a call of it, f(x), or a test callable(f)
    attributes: frozenset[str]  # attributes read or written on it: p.x, p.m()
    only_attributes: bool = False  # every use reads or writes an attribute of it
    methods: frozenset[str] = frozenset()  # attributes called: p.m()


RECORD_TARGET = "types:SimpleNamespace"
# builtin containers a parameter is taken for when the methods called on it say so
_BUILTIN_METHODS = {
    "list": frozenset(dir(list)),
    "dict": frozenset(dir(dict)),
    "str": frozenset(dir(str)),
}


def record_fields(usage: Usage) -> tuple[str, ...] | None:
    """The fields of a plain record for a parameter used only through attributes it
    never calls (``args.iterations``, ``options.verbose``): a ``types.SimpleNamespace``
    holding them is a value the function can be given (an ``argparse.Namespace`` or a
    settings object in real use). None when it is used otherwise."""
    if not usage.only_attributes or usage.methods or not usage.attributes:
        return None
    if any(name.startswith("__") for name in usage.attributes):
        return None
    return tuple(sorted(usage.attributes))


def builtin_by_methods(usage: Usage) -> str | None:
    """The one builtin container (list, dict, str) that has every method called on a
    parameter used only through its methods (``cmd.extend(...)``: a list), or None."""
    if not usage.only_attributes or not usage.methods or usage.methods != usage.attributes:
        return None
    matches = [name for name, names in _BUILTIN_METHODS.items() if usage.methods <= names]
    return matches[0] if len(matches) == 1 else None


def _tests_callable(node: ast.AST | None, name: str) -> bool:
    """Whether ``node`` is the test ``callable(name)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "callable"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == name
        and not node.keywords
    )


def parameter_usage(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> Usage:
    """Where ``name`` is used in ``function``'s own body (nested functions and classes
    that rebind it count as uses, conservatively: they are not called-only)."""
    uses = 0
    calls = 0
    attribute_uses = 0
    attributes: set[str] = set()
    methods: set[str] = set()
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(function):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    guard_messages = {  # the message of `assert callable(name), msg` runs only on failure
        id(inner)
        for node in ast.walk(function)
        if isinstance(node, ast.Assert)
        and node.msg is not None
        and _tests_callable(node.test, name)
        for inner in ast.walk(node.msg)
    }
    for node in ast.walk(function):
        if not (isinstance(node, ast.Name) and node.id == name):
            continue
        if not isinstance(node.ctx, ast.Load):
            return Usage(False, frozenset())  # rebound: its type is not the argument's
        uses += 1
        parent = parents.get(id(node))
        if isinstance(parent, ast.Call) and parent.func is node:
            calls += 1
        elif _tests_callable(parent, name) or id(node) in guard_messages:
            calls += 1  # `assert callable(f), f"... {f}"` guarding calls of it
        elif isinstance(parent, ast.Attribute) and parent.value is node:
            attribute_uses += 1
            attributes.add(parent.attr)
            grand = parents.get(id(parent))
            if isinstance(grand, ast.Call) and grand.func is parent:
                methods.add(parent.attr)
    return Usage(
        uses > 0 and calls == uses,
        frozenset(attributes),
        uses > 0 and attribute_uses == uses,
        frozenset(methods),
    )
