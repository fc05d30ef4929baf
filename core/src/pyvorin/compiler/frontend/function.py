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


def _empty_list_names(body: list[ast.stmt]) -> set[str]:
    """The names a statement ``name = []`` assigns (candidates for inference)."""
    names: set[str] = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.List)
                and not node.value.elts
            ):
                names.add(node.targets[0].id)
    return names


class FunctionChecker(StatementChecks, ExpressionChecks, CallChecks, TypeRules):
    def __init__(
        self,
        mod: Checker,
        fn: ast.FunctionDef,
        params: list[Param],
        ret: Any,
        hints: dict[str, Any] | None = None,
        probe: bool = False,
    ):
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
        self.hints: dict[str, Any] = dict(hints or {})
        self.partial: dict[str, list[Any]] | None = {} if probe else None

    def infer_empty_lists(self) -> None:
        """The element types of the lists made empty (``xs = []``, no annotation) that
        the function's uses fix, as mypy's partial types: a probe checks the body with
        each such name left untyped and collects what the uses require of it (the items
        ``xs.append(v)`` adds, a ``list[T]`` it is returned, passed, assigned or stored
        as, a list value assigned to it); a name whose uses all agree gets that type as
        if annotated (``xs: list[T] = []``), again until nothing new is found (a list
        appended to another one is typed once the inner one is). The real check then
        checks every use against it: the inference only chooses an annotation, which has
        no effect on what CPython does (docs/architecture.md)."""
        names = _empty_list_names(self.fn.body) - set(self.types)
        while names - set(self.hints):
            probe = FunctionChecker(self.m, self.fn, self.params, self.ret, self.hints, True)
            kept = len(self.m.diags)
            try:
                probe.run()
            finally:
                del self.m.diags[kept:]
            assert probe.partial is not None
            found = {}
            for name, uses in probe.partial.items():
                types = {t for t in uses if t != ERR}
                if name not in self.hints and len(types) == 1:
                    found[name] = types.pop()
            if not found:
                return
            self.hints.update(found)

    def run(self) -> Function:
        if self.partial is None:
            self.infer_empty_lists()
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
