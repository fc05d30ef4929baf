"""The function checker: one function's body checked and built into native IR. Its parts
are mixins by concern: :mod:`.statements`, :mod:`.expressions`, :mod:`.calls` and the
type rules of :mod:`.typesys`; the state they share is :class:`.common.FunctionState`."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from .. import ir
from ..ir import NONE, Function, Param
from .calls import CallChecks
from .common import ERR
from .expressions import ExpressionChecks
from .statements import StatementChecks
from .typesys import TypeRules

if TYPE_CHECKING:
    from .module import Checker


def _assigned_names(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()

    class V(ast.NodeVisitor):
        def visit_Name(self, node: ast.Name) -> None:
            if isinstance(node.ctx, ast.Store):
                names.add(node.id)

        def visit_ListComp(self, node: ast.ListComp) -> None:
            pass  # comprehension targets are local to the comprehension

        def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
            pass

    for stmt in body:
        V().visit(stmt)
    return names


class FunctionChecker(StatementChecks, ExpressionChecks, CallChecks, TypeRules):
    def __init__(self, mod: Checker, fn: ast.FunctionDef, params: list[Param], ret: Any):
        self.m = mod
        self.fn = fn
        self.params = params
        self.ret = ret
        self.types: dict[str, Any] = {p.name: p.type for p in params}
        self.local_names = _assigned_names(fn.body) | set(self.types)
        self.calls: set[str] = set()
        self.loop_depth = 0
        self.comp_scopes: list[dict[str, tuple[str, Any]]] = []
        self.comp_counter = 0

    def run(self) -> Function:
        body = list(self.fn.body)
        doc = ast.get_docstring(self.fn)
        if doc is not None:
            body = body[1:]
        defined = {p.name for p in self.params}
        stmts, _, falls = self.block(body, defined)
        if self.ret not in (NONE, ERR) and falls:
            last = self.fn.body[-1]
            self.error(
                last,
                "PV115",
                f"{self.fn.name}() is declared to return "
                f"{ir.show(self.ret)} but can reach the end without a return",
                "add a final `return` statement with a value",
            )
        fn = Function(self.fn.name, self.params, self.ret, stmts, self.fn.lineno, doc)
        fn.locals = {k: v for k, v in self.types.items() if k not in {p.name for p in self.params}}
        fn.calls = self.calls
        fn.borrowed_params = {p.name for p in self.params} - _assigned_names(self.fn.body)
        return fn
