"""``inspect`` reading the source of a function or class the module compiles (PV409).

``inspect.getsource(f)`` finds the text through ``f.__code__.co_filename`` and
``co_firstlineno`` (a class: through its module's ``__file__``). A compiled function is a
``pyvorin_function`` with no code object, and a compiled class's module is the extension,
so under the compiled module ``getsource`` raises (TypeError for a function, OSError for a
class) where the interpreter returns the text, and ``getfile`` raises or names the
extension where it names the ``.py`` file: it cannot be compiled exactly.

Only the calls whose argument is certainly compiled are reported, so nothing that would
behave alike is refused: a name that, where the call stands, can only mean an undecorated
top-level ``def`` or ``class`` of the module (no local binding in an enclosing function
or class body, no other module-level binding), or ``C.m`` for a method ``m`` defined in
such a class ``C`` (undecorated, or a staticmethod/classmethod). A function or method
declared interpreted is made by the interpreter from its source, with the original file
and line: its source is found as in CPython, so it is not reported. Other arguments (a
parameter, ``self.m``) are left to the verifier, which compares the calls it runs.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator

from ...bindings import bound_names, declared_global
from ...diagnostics import Diagnostic

# inspect's functions that locate a function's or class's source file (or read it) and
# answer differently for a compiled one. getcomments is not here: it returns None when
# the source cannot be found, which is also its answer for a def with no comment above it.
SOURCE_READERS = frozenset(
    {"getsource", "getsourcelines", "findsource", "getsourcefile", "getfile", "getabsfile"}
)
_ANSWERS = {
    "getsource": "source text",
    "getsourcelines": "source lines",
    "findsource": "source lines",
    "getsourcefile": "source file name",
    "getfile": "file name",
    "getabsfile": "file name",
}
_METHOD_DECORATORS = frozenset({"staticmethod", "classmethod"})
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def find_source_reads(
    tree: ast.Module, path: str, module_name: str, declared: Collection[int] = ()
) -> list[Diagnostic]:
    """PV409 for every ``inspect`` source call on a certainly compiled function or class."""
    modules, functions = _inspect_aliases(tree)
    if not modules and not functions:
        return []
    targets = _compiled_top_level(tree, declared)
    diags: list[Diagnostic] = []
    for call, shadowed in _calls(tree, frozenset(), frozenset()):
        reader = _reader(call.func, modules, functions, shadowed)
        if reader is None:
            continue
        arg = call.args[0] if call.args else None
        if arg is None:
            arg = next((k.value for k in call.keywords if k.arg == "object"), None)
        what = _compiled_target(arg, targets, declared, shadowed)
        if what is None:
            continue
        name, kind, _ = what
        if kind == "class":
            hint = (
                "a compiled class's module is the extension, which has no source file; keep "
                "the text you need in a string"
            )
        else:
            hint = (
                f"declare {name} interpreted ([tool.pyvorin] interpreted = "
                f'["{module_name}:{name}"]): the interpreter then makes it from its source, '
                "with its file and line, and inspect finds them as in CPython; or keep the "
                "text you need in a string"
            )
        diags.append(
            Diagnostic(
                path,
                call.lineno,
                call.col_offset + 1,
                "PV409",
                f"inspect.{reader}() of the compiled {kind} {name}, which has no code object "
                f"or source file: the interpreter returns its {_ANSWERS[reader]}, compiled "
                "code cannot",
                hint,
            )
        )
    return diags


def _inspect_aliases(tree: ast.Module) -> tuple[set[str], dict[str, str]]:
    """Names bound to the ``inspect`` module, and to its source readers, by imports that
    are the name's only binding in the module."""
    modules: set[str] = set()
    functions: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "inspect":
                    modules.add(a.asname or "inspect")
        elif isinstance(node, ast.ImportFrom) and node.module == "inspect" and not node.level:
            for a in node.names:
                if a.name in SOURCE_READERS:
                    functions[a.asname or a.name] = a.name
    other = {name for node in ast.walk(tree) if (name := _bound(node))}
    return modules - other, {k: v for k, v in functions.items() if k not in other}


def _bound(node: ast.AST) -> str | None:
    """The name ``node`` binds, if it binds one otherwise than by an import (so that an
    alias of ``inspect`` bound by anything else is not taken for the module)."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return node.id
    if isinstance(node, _DEFS):
        return node.name
    if isinstance(node, ast.arg):
        return node.arg
    if isinstance(node, (ast.MatchAs, ast.MatchStar, ast.ExceptHandler)):
        return node.name
    if isinstance(node, ast.MatchMapping):
        return node.rest
    return None


def _compiled_top_level(tree: ast.Module, declared: Collection[int]) -> dict[str, ast.AST]:
    """Undecorated top-level functions and classes that are their name's only binding at
    module level (a function declared interpreted is not compiled: left out)."""
    defs: dict[str, list[ast.AST]] = {}
    for node in tree.body:
        if isinstance(node, _DEFS):
            defs.setdefault(node.name, []).append(node)
    # other module-level bindings (nested scopes' names included: conservative) and the
    # names a function declares global or nonlocal (it may rebind them)
    rebound = declared_global(tree)
    for node in tree.body:
        if not isinstance(node, _DEFS):
            rebound |= bound_names(node)
    out: dict[str, ast.AST] = {}
    for name, nodes in defs.items():
        if len(nodes) != 1 or name in rebound:
            continue
        (node,) = nodes
        if node.decorator_list or id(node) in declared:  # type: ignore[attr-defined]
            continue
        out[name] = node
    return out


def _local_names(scope: ast.AST) -> set[str]:
    """Names bound in ``scope`` (a function, lambda, class body or comprehension), those
    of the scopes nested in it included: a name is at most taken as shadowed more often
    than it is, never less (a ``global`` name rebound there is no compiled target at all,
    see :func:`_compiled_top_level`)."""
    out: set[str] = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        out = {a.arg for a in _all_args(scope.args)}
        body = [scope.body] if isinstance(scope, ast.Lambda) else list(scope.body)
    elif isinstance(scope, ast.ClassDef):
        body = list(scope.body)
    else:  # a comprehension (its first iterable is evaluated in the enclosing scope)
        body = [scope.elt] if not isinstance(scope, ast.DictComp) else [scope.key, scope.value]
        body += [g.target for g in scope.generators] + [c for g in scope.generators for c in g.ifs]
        body += [g.iter for g in scope.generators[1:]]
    for node in body:
        out |= bound_names(node)
    return out


def _calls(
    node: ast.AST, visible: frozenset[str], in_functions: frozenset[str]
) -> Iterator[tuple[ast.Call, frozenset[str]]]:
    """Every call in the tree with the names that shadow module-level ones where it stands.

    ``visible``: the local names of the enclosing scopes seen at this point;
    ``in_functions``: the same without the names of an enclosing class body, which the
    functions and comprehensions nested in it do not see (as in Python)."""
    if isinstance(node, ast.Call):
        yield node, visible
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        outer: list[ast.AST] = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        if not isinstance(node, ast.Lambda):
            outer += node.decorator_list
            outer += [a.annotation for a in _all_args(args) if a.annotation is not None]
            if node.returns is not None:
                outer.append(node.returns)
        for part in outer:
            yield from _calls(part, visible, in_functions)
        inner = in_functions | _local_names(node)
        body = [node.body] if isinstance(node, ast.Lambda) else node.body
        for stmt in body:
            yield from _calls(stmt, inner, inner)
        return
    if isinstance(node, ast.ClassDef):
        for part in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            yield from _calls(part, visible, in_functions)
        in_body = visible | _local_names(node)
        for stmt in node.body:
            yield from _calls(stmt, in_body, in_functions)
        return
    if isinstance(node, _COMPREHENSIONS):
        first, *rest = node.generators
        yield from _calls(first.iter, visible, in_functions)
        inner = in_functions | _local_names(node)
        parts: list[ast.AST] = [g.iter for g in rest]
        parts += [cond for g in node.generators for cond in g.ifs]
        parts += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for part in parts:
            yield from _calls(part, inner, inner)
        return
    for child in ast.iter_child_nodes(node):
        yield from _calls(child, visible, in_functions)


def _all_args(args: ast.arguments) -> list[ast.arg]:
    out = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    out += [a for a in (args.vararg, args.kwarg) if a is not None]
    return out


def _reader(
    func: ast.AST, modules: set[str], functions: dict[str, str], shadowed: frozenset[str]
) -> str | None:
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in modules
        and func.value.id not in shadowed
    ):
        return func.attr if func.attr in SOURCE_READERS else None
    if isinstance(func, ast.Name) and func.id in functions and func.id not in shadowed:
        return functions[func.id]
    return None


def _compiled_target(
    arg: ast.AST | None,
    targets: dict[str, ast.AST],
    declared: Collection[int],
    shadowed: frozenset[str],
) -> tuple[str, str, ast.AST] | None:
    """(qualified name, "function"/"class"/"method", node) when ``arg`` certainly names a
    compiled top-level function or class or a compiled method of a top-level class."""
    if isinstance(arg, ast.Name):
        node = targets.get(arg.id)
        if node is None or arg.id in shadowed:
            return None
        kind = "class" if isinstance(node, ast.ClassDef) else "function"
        return arg.id, kind, node
    if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
        cls = targets.get(arg.value.id)
        if not isinstance(cls, ast.ClassDef) or arg.value.id in shadowed or cls.keywords:
            return None  # (a metaclass could make the class's attributes anything)
        found = [s for s in cls.body if isinstance(s, _DEFS) and s.name == arg.attr]
        if len(found) != 1 or _rebinds(cls, arg.attr):
            return None
        (member,) = found
        if isinstance(member, ast.ClassDef):
            return None  # a nested class (reported by the verifier when it differs)
        if id(member) in declared:
            return None
        decorators = [d.id if isinstance(d, ast.Name) else None for d in member.decorator_list]
        if not all(d in _METHOD_DECORATORS for d in decorators):
            return None
        return f"{cls.name}.{member.name}", "method", member
    return None


def _rebinds(cls: ast.ClassDef, name: str) -> bool:
    """Whether the class body binds ``name`` otherwise than by a def."""
    return any(name in bound_names(s) for s in cls.body if not isinstance(s, _DEFS))
