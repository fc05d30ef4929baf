"""Functions declared interpreted: found, checked, and prepared for the compiled module.

A function is declared interpreted by ``[tool.pyvorin] interpreted`` (``"pkg.mod:func"``,
``"pkg.mod:Class.method"``; the entries for this module arrive here as qualnames) or by
the runtime's decorator, recognised statically when it is imported from
``pyvorin_runtime`` (``from pyvorin_runtime import interpreted`` or ``import
pyvorin_runtime`` + ``@pyvorin_runtime.interpreted``). Only top-level functions and the
methods of top-level classes can be declared; what is nested in a declared function is
interpreted with it.

A declared function is not compiled. Its decorators, defaults and annotations are
evaluated by the compiled code where the ``def`` stands (as CPython evaluates them); only
the code object comes from the interpreter: :func:`code_source` gives the exact source
text of the ``def`` placed at its original line numbers (inside a stand-in ``class``
statement of the same name for a method, so private names are mangled and
``__class__``/``super()`` work as in the original), which the compiled module passes to
``compile()`` at import (see ``pv_interpreted_code`` in ``runtime/pv_ops.c``).

Nothing about it is silent: every declared function gets a PV490 note from ``check``,
goes into the manifest's ``interpreted`` list and into the audit log.
"""

from __future__ import annotations
import __future__

import ast
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic
from ..errors import ConfigError

RUNTIME = "pyvorin_runtime"
DECORATOR = "interpreted"
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_BLOCKS = ("body", "orelse", "finalbody")


class DeclarationError(ConfigError):
    """A ``[tool.pyvorin] interpreted`` entry that names no declarable function (exit 2)."""

    def __init__(self, qualname: str, reason: str):
        super().__init__(f"{qualname!r}: {reason}")
        self.qualname = qualname
        self.reason = reason


@dataclass(frozen=True)
class Declared:
    """One declared ``def``: its qualname, the class holding it (methods) and how."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str
    class_name: str | None
    how: str  # "config" | "decorator"


@dataclass
class Declarations:
    by_node: dict[int, Declared] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # PV491 misuse (errors)

    def __contains__(self, node: ast.AST) -> bool:
        return id(node) in self.by_node

    @property
    def qualnames(self) -> list[str]:
        """The declared qualnames in source order, each once (the manifest's list)."""
        out: list[str] = []
        for d in sorted(self.by_node.values(), key=lambda d: (d.node.lineno, d.node.col_offset)):
            if d.qualname not in out:
                out.append(d.qualname)
        return out

    def notes(self, path: str, module: str) -> list[Diagnostic]:
        """One PV490 note per declared ``def`` (what ``check`` and ``compile`` report)."""
        out = []
        for d in sorted(self.by_node.values(), key=lambda d: (d.node.lineno, d.node.col_offset)):
            source = (
                f'[tool.pyvorin] interpreted = ["{module}:{d.qualname}"]'
                if d.how == "config"
                else f"@{RUNTIME}.{DECORATOR}"
            )
            out.append(
                Diagnostic(
                    path,
                    d.node.lineno,
                    d.node.col_offset + 1,
                    "PV490",
                    f"{d.qualname} is declared interpreted ({source}): it is not compiled "
                    "or verified; the compiled module makes it from its source with the "
                    "interpreter's compile() at import",
                    "listed in the signed manifest and the audit log; remove the declaration "
                    "to compile it",
                    severity="note",
                )
            )
        return out


def _statements(body: list[ast.stmt]):
    """The statements of a scope, through compound statements but not into nested scopes."""
    for s in body:
        yield s
        if isinstance(s, (*_DEFS, ast.ClassDef)):
            continue
        for name in _BLOCKS:
            sub = getattr(s, name, None)
            if isinstance(sub, list) and sub and isinstance(sub[0], ast.stmt):
                yield from _statements(sub)
        for handler in getattr(s, "handlers", []):
            yield from _statements(handler.body)
        for case in getattr(s, "cases", []):
            yield from _statements(case.body)


def _markers(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names bound to the runtime's decorator, and names bound to the runtime package."""
    names: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == RUNTIME and node.level == 0:
            for alias in node.names:
                if alias.name in (DECORATOR, "*"):
                    names.add(alias.asname or DECORATOR)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == RUNTIME:
                    modules.add(alias.asname or RUNTIME)
    return names, modules


def _is_marker(node: ast.AST, names: set[str], modules: set[str]) -> bool:
    if isinstance(node, ast.Name):
        return node.id in names
    return (
        isinstance(node, ast.Attribute)
        and node.attr == DECORATOR
        and isinstance(node.value, ast.Name)
        and node.value.id in modules
    )


def _declarable(tree: ast.Module):
    """(def node, qualname, class name) for every top-level function and method."""
    for s in _statements(tree.body):
        if isinstance(s, _DEFS):
            yield s, s.name, None
        elif isinstance(s, ast.ClassDef):
            for m in _statements(s.body):
                if isinstance(m, _DEFS):
                    yield m, f"{s.name}.{m.name}", s.name


def find(tree: ast.Module, path: str, configured: tuple[str, ...] = ()) -> Declarations:
    """The declared functions of ``tree``: ``configured`` qualnames and decorated defs.

    A configured qualname that names no declarable function raises
    :class:`DeclarationError`; a use of the decorator anywhere but directly on a
    top-level function or a method of a top-level class is a PV491 error diagnostic.
    """
    out = Declarations()
    names, modules = _markers(tree)
    declarable = list(_declarable(tree))
    allowed_marks: set[int] = set()
    for node, qualname, cls in declarable:
        marks = [d for d in node.decorator_list if _is_marker(d, names, modules)]
        if marks:
            allowed_marks.update(id(m) for m in marks)
            out.by_node[id(node)] = Declared(node, qualname, cls, "decorator")
    for qualname in configured:
        found = [(n, q, c) for n, q, c in declarable if q == qualname]
        if not found:
            raise DeclarationError(qualname, _why_not_found(tree, qualname))
        for node, q, cls in found:
            out.by_node.setdefault(id(node), Declared(node, q, cls, "config"))
    skip = {id(d.node) for d in out.by_node.values()}
    for node in _walk_outside(tree, skip):
        if _is_marker(node, names, modules) and id(node) not in allowed_marks:
            out.diagnostics.append(
                Diagnostic(
                    path,
                    node.lineno,
                    node.col_offset + 1,
                    "PV491",
                    f"{RUNTIME}.{DECORATOR} declares only a top-level function or a method "
                    "of a top-level class, used as its decorator",
                    "decorate the enclosing top-level function or method instead (what is "
                    "nested in it is interpreted with it); a lambda cannot be declared",
                )
            )
    out.diagnostics.sort()
    return out


def compiled_parts(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """What of a declared ``def`` the compiled code evaluates where it stands: its
    decorators, defaults and annotations (the body is the interpreter's)."""
    args = node.args
    params = (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
    return [
        *node.decorator_list,
        *args.defaults,
        *(d for d in args.kw_defaults if d is not None),
        *(a.annotation for a in params if a is not None and a.annotation is not None),
        *([node.returns] if node.returns is not None else []),
    ]


def _walk_outside(tree: ast.AST, skip: set[int]):
    """Every node, but not the bodies of the declared functions."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if id(node) in skip:
            stack.extend(compiled_parts(node))  # type: ignore[arg-type]
            continue
        stack.extend(ast.iter_child_nodes(node))


def _why_not_found(tree: ast.Module, qualname: str) -> str:
    head, _, tail = qualname.partition(".")
    top = {s.name: s for s in _statements(tree.body) if isinstance(s, (*_DEFS, ast.ClassDef))}
    found = top.get(head)
    if not tail:
        if isinstance(found, ast.ClassDef):
            return (
                f"{head!r} is a class; declare its methods ('{head}.method'), classes "
                "cannot be declared interpreted"
            )
        return f"the module defines no top-level function {head!r}"
    if isinstance(found, _DEFS):
        return (
            f"{tail!r} would be a function nested in the function {head!r}; declare {head!r} "
            "instead (what is nested in it is interpreted with it)"
        )
    if found is None:
        return f"the module defines no top-level class {head!r}"
    return f"the class {head!r} defines no method {tail!r}"


def future_flags(tree: ast.Module) -> int:
    """The compiler flags of the module's ``from __future__`` imports (for ``compile()``)."""
    flags = 0
    for s in tree.body:
        if isinstance(s, ast.ImportFrom) and s.module == "__future__":
            for alias in s.names:
                feature = getattr(__future__, alias.name, None)
                if feature is not None:
                    flags |= feature.compiler_flag
    return flags


def code_source(source: str, declared: Declared) -> tuple[str, tuple[str, ...]]:
    """The text ``compile()`` gets for a declared ``def``, and the path of code-object
    names from the compiled text's module code down to the function's code.

    The ``def`` (with its decorators, so ``co_firstlineno`` is CPython's) keeps its exact
    lines and line numbers; blank lines stand for what precedes it. A method is put under
    ``class <its class name>:`` on the line above (its own indentation is kept), so name
    mangling, ``__class__`` and ``co_qualname`` are the original's. A function indented in
    a module-level ``if``/``try`` goes under ``if 1:``.
    """
    node = declared.node
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    last = node.end_lineno or node.lineno
    lines = source.split("\n")
    text = "\n".join(lines[first - 1 : last]) + "\n"
    if declared.class_name is not None:
        header = f"class {declared.class_name}:\n"
        return "\n" * (first - 2) + header + text, (declared.class_name, node.name)
    if node.col_offset:
        return "\n" * (first - 2) + "if 1:\n" + text, (node.name,)
    return "\n" * (first - 1) + text, (node.name,)
