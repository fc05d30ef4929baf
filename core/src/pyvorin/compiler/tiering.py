"""Per-function tiering: native versions of the typed functions of a generic-tier module.

A module the native checker does not accept whole is compiled by the generic tier. Its
top-level functions that the native checker accepts on their own (``Checker.
check_functions``: annotated with native types, using only parameters, locals, ``math``,
module constants and other such functions) also get a native version. The generic
function object and body stay as they are; the function's C entry first asks the guard
(``runtime/pv_tiers.c``) whether what the native code compiled in still holds, then the
native unit's entry whether every argument is exactly of its native representation, and
only then runs the native code (see docs/architecture.md, "Per-function native tier").

This module decides which functions qualify and what each one's guard checks: the module
globals its native body (and, transitively, the native bodies it calls directly) reads.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Any

from ..bindings import bound_names, declared_global
from ..diagnostics import Diagnostic
from . import frontend, ir


@dataclass(frozen=True)
class Dep:
    """One assumption of native code about the module, checked by the entry guard.

    ``kind``: ``func`` (``name`` is still bound to the function its ``def`` at ``line``
    made), ``value`` (``name`` is bound to an object of exactly ``type`` equal to
    ``value``), ``module`` (``name`` is the ``math`` module), ``mathobj`` (``name`` is
    ``math.<attr>``), ``builtin`` (``name`` is not a module global and is the builtin of
    that name), ``mathattr`` (``math.<name>`` is still the original)."""

    kind: str
    name: str
    line: int = 0
    type: Any = None
    value: Any = None
    attr: str = ""


@dataclass
class NativePart:
    """The native versions of a generic-tier module's functions."""

    module: ir.Module  # the qualifying functions (and the constants they compile in)
    deps: dict[str, list[Dep]] = field(default_factory=dict)  # per function, transitive
    reasons: dict[str, Diagnostic] = field(default_factory=dict)  # why a function has none
    typed: set[str] = field(default_factory=set)  # top-level functions with an annotation

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.module.functions]

    def notes(self) -> list[Diagnostic]:
        """What ``check`` and ``compile`` report: a PV480 note for each function with a
        native version, a PV481 note with the first reason for each function with
        annotations that has none (an unannotated function's reason is plain)."""
        out = []
        path = self.module.path
        for f in self.module.functions:
            out.append(
                Diagnostic(
                    path,
                    f.line,
                    1,
                    "PV480",
                    f"{f.name}() has a native version (taken when the arguments are exactly "
                    "of its parameter types and the module globals it uses are unchanged)",
                    "",
                    "note",
                )
            )
        for name, why in self.reasons.items():
            if name in self.typed:
                message = f"{name}() has no native version: {why.code} {why.message}"
                out.append(Diagnostic(path, why.line, why.col, "PV481", message, why.hint, "note"))
        return out


def select_functions(
    tree: ast.Module, source: str, path: str, module_name: str, interpreted: set[str]
) -> NativePart:
    """Which top-level functions of ``tree`` get a native version, and their guards.

    ``interpreted``: qualnames declared interpreted (they keep no compiled body at all)."""
    candidates: set[str] = set()
    reasons: dict[str, Diagnostic] = {}
    # name -> its first decorator: the name is bound to what the decorators return
    decorated: dict[str, ast.expr] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name not in interpreted:
            if stmt.decorator_list:
                decorated[stmt.name] = stmt.decorator_list[0]
            candidates.add(stmt.name)
    unstable = unstable_names(tree)
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name in candidates & unstable:
            reasons[stmt.name] = _diag(
                path,
                stmt,
                "PV122",
                f"'{stmt.name}' is bound more than once at module level",
            )
    checker = frontend.Checker(source, path, module_name)
    functions, why = checker.check_functions(tree, candidates, unstable)
    reasons.update(why)
    by_name = {f.name: f for f in functions}
    for f in functions:
        if _prints(f.body):
            reasons[f.name] = _diag(
                path,
                checker.functions[f.name],
                "PV303",
                "print() runs Python code (sys.stdout) in the middle of the native body, "
                "which could rebind what the native code compiled in",
            )
    for f in functions:
        # A decorated function's native version runs behind its own C entry, which the
        # decorated object calls (or not); a direct native call of it would bypass what
        # the decorator made of the name (a cache, a wrapper, a registry's replacement).
        # So no native code calls it: neither another function nor itself.
        if f.name in decorated and f.name not in reasons and f.name in f.calls:
            dec = decorated[f.name]
            reasons[f.name] = _diag(
                path,
                dec,
                "PV111",
                f"it calls itself by its name, which decorator '@{ast.unparse(dec)}' "
                "binds to the object the decorator returns",
            )
    changed = True
    while changed:  # a function calling one without a native version has none either
        changed = False
        for f in functions:
            if f.name in reasons:
                continue
            wrapped = sorted(c for c in f.calls if c in decorated and c != f.name)
            if wrapped:
                reasons[f.name] = _diag(
                    path,
                    checker.functions[f.name],
                    "PV307",
                    f"it calls {wrapped[0]}(), whose name is bound to what its decorator "
                    f"'@{ast.unparse(decorated[wrapped[0]])}' returns",
                )
                changed = True
                continue
            missing = sorted(c for c in f.calls if c in reasons or c not in by_name)
            if missing:
                reasons[f.name] = _diag(
                    path,
                    checker.functions[f.name],
                    "PV307",
                    f"it calls {missing[0]}(), which has no native version",
                )
                changed = True
    kept = [f for f in functions if f.name not in reasons]
    frontend.mark_recursive(kept)
    consts = dict(checker.constants)
    module = ir.Module(module_name, path, None, consts, kept)
    direct = {
        f.name: _direct_deps(checker, checker.functions[f.name], {g.name for g in kept})
        for f in kept
    }
    deps = {}
    for f in kept:
        seen, todo, out = {f.name}, [f.name], set()
        while todo:
            g = todo.pop()
            out |= direct[g]
            for c in by_name[g].calls:
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        deps[f.name] = sorted(out, key=lambda d: (d.kind, d.name, d.attr))
    typed = {
        s.name
        for s in tree.body
        if isinstance(s, ast.FunctionDef)
        and (s.returns is not None or any(a.annotation is not None for a in s.args.args))
    }
    return NativePart(module, deps, reasons, typed)


def _diag(path: str, node: ast.AST, code: str, message: str) -> Diagnostic:
    return Diagnostic(
        path,
        getattr(node, "lineno", 1),
        getattr(node, "col_offset", 0) + 1,
        code,
        message,
        "",
        "note",
    )


def _prints(stmts: list[ir.Stmt]) -> bool:
    def expr(e: ir.Expr) -> bool:
        return e.kind == "print" or any(expr(a) for a in e.args)

    return any(any(expr(e) for e in s.exprs) or _prints(s.body) or _prints(s.orelse) for s in stmts)


def unstable_names(tree: ast.Module) -> set[str]:
    """Module globals native code cannot compile in: bound more than once at module level,
    or by anything other than one constant assignment, ``def`` or import; every name a
    function declares ``global``; and every name after a ``from m import *``."""
    counts: dict[str, int] = {}
    unstable: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            counts[stmt.name] = counts.get(stmt.name, 0) + 1
        elif isinstance(stmt, ast.Import):
            for a in stmt.names:
                n = a.asname or a.name.split(".")[0]
                counts[n] = counts.get(n, 0) + 1
        elif isinstance(stmt, ast.ImportFrom):
            for a in stmt.names:
                if a.name == "*":
                    unstable.add("*")
                n = a.asname or a.name
                counts[n] = counts.get(n, 0) + 1
        elif _constant_target(stmt) is not None:
            name = _constant_target(stmt)
            counts[name] = counts.get(name, 0) + 1
        else:
            unstable |= bound_names(stmt)
    unstable |= declared_global(tree)
    unstable |= {n for n, k in counts.items() if k > 1}
    if "*" in unstable:
        unstable |= set(counts) | {"math"}  # anything may be rebound: compile nothing in
    return unstable


def _constant_target(stmt: ast.stmt) -> str | None:
    """The name ``NAME = value`` / ``NAME: T = value`` binds (a walrus in the value binds
    more: None then)."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target = stmt.target
    else:
        return None
    if not isinstance(target, ast.Name):
        return None
    if any(isinstance(n, ast.NamedExpr) for n in ast.walk(stmt.value)):
        return None
    return target.id


def _direct_deps(checker: frontend.Checker, fn: ast.FunctionDef, native: set[str]) -> set[Dep]:
    """The module globals and builtins ``fn``'s native body reads."""
    local = {a.arg for a in fn.args.args}
    body = [n for stmt in fn.body for n in ast.walk(stmt)]
    for node in body:
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            local.add(node.id)
    out: set[Dep] = set()
    for node in body:
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in checker.math_aliases
            and node.value.id not in local
        ):
            out.add(Dep("mathattr", node.attr))
        if not isinstance(node, ast.Name) or node.id in local:
            continue
        n = node.id
        if n in ("True", "False", "None"):
            continue
        if n in checker.constants:
            t, v = checker.constants[n]
            out.add(Dep("value", n, type=t, value=v))
        elif n in native:
            out.add(Dep("func", n, line=checker.functions[n].lineno))
        elif n in checker.math_aliases:
            out.add(Dep("module", n))
        elif n in checker.math_names:
            out.add(Dep("mathobj", n, attr=checker.math_names[n]))
        elif hasattr(builtins, n):
            out.add(Dep("builtin", n))
    return out
