"""The module-level checker: imports (math, typing), module constants, the statements
never supported, the table of functions and their signatures; the entry points
:meth:`Checker.check_module` (whole module) and :meth:`Checker.check_functions` (per
function, for the generic tier); :func:`mark_recursive` over the call graph."""

from __future__ import annotations

import ast
import math
from typing import Any

from ...diagnostics import Diagnostic
from .. import ir
from ..ir import BOOL, FLOAT, INT, STR, Function, Param
from .common import MATH_CONSTS, MATH_FUNCS
from .function import FunctionChecker
from .typesys import AnnotationChecks


class _Abort(Exception):
    pass


class Checker(AnnotationChecks):
    def __init__(self, source: str, path: str, module_name: str) -> None:
        self.source = source
        self.path = path
        self.module_name = module_name
        self.lines = source.splitlines()
        self.diags: list[Diagnostic] = []
        self.constants: dict[str, tuple[Any, Any]] = {}  # name -> (type, value)
        self.functions: dict[str, ast.FunctionDef] = {}
        self.signatures: dict[str, tuple[list[Param], Any]] = {}
        self.math_aliases: set[str] = set()
        self.math_names: dict[str, str] = {}  # local name -> math attribute
        self.typing_aliases: set[str] = set()
        self.typing_names: dict[str, str] = {}
        self.per_function = False  # see check_functions

    # ---- diagnostics ---------------------------------------------------------
    def col(self, node: ast.AST) -> int:
        line = getattr(node, "lineno", 1)
        offset = getattr(node, "col_offset", 0)
        if 1 <= line <= len(self.lines):
            text = self.lines[line - 1].encode("utf-8")[:offset]
            return len(text.decode("utf-8", errors="replace")) + 1
        return offset + 1

    def error(self, node: ast.AST, code: str, message: str, hint: str = "") -> None:
        self.diags.append(
            Diagnostic(self.path, getattr(node, "lineno", 1), self.col(node), code, message, hint)
        )

    # ---- module level ----------------------------------------------------------
    def check_module(self, tree: ast.Module) -> ir.Module:
        body = list(tree.body)
        doc = ast.get_docstring(tree)
        if doc is not None:
            body = body[1:]
        for stmt in body:
            self.module_stmt(stmt)
        for name, fn in self.functions.items():
            self.signatures[name] = self.signature(fn)
        functions = []
        for name, fn in self.functions.items():
            params, ret = self.signatures[name]
            functions.append(FunctionChecker(self, fn, params, ret).run())
        mark_recursive(functions)
        consts = {k: v for k, v in self.constants.items()}
        return ir.Module(self.module_name, self.path, doc, consts, functions)

    def check_functions(
        self, tree: ast.Module, candidates: set[str], unstable: set[str]
    ) -> tuple[list[Function], dict[str, Diagnostic]]:
        """Per-function mode, for a module the generic tier compiles: the native IR of
        each function of ``candidates`` (top-level, undecorated, not declared interpreted)
        that the checker accepts on its own, and for each other candidate the first reason.

        Module statements the native tier cannot take are ignored instead of failing the
        module; so are names in ``unstable`` (bound more than once at module level, or by
        anything but a constant assignment, a def or a math/typing import): native code
        can use neither. Module constants are the values native code compiles in; the
        generic module's entry guard checks at run time that they are still bound."""
        body = list(tree.body)
        if ast.get_docstring(tree) is not None:
            body = body[1:]
        kept = len(self.diags)
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef):
                if stmt.name in candidates and stmt.name not in unstable:
                    self.functions[stmt.name] = stmt
            elif isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign)):
                self.module_stmt(stmt)
        del self.diags[kept:]
        for name in unstable:
            self.constants.pop(name, None)
            self.math_names.pop(name, None)
            self.math_aliases.discard(name)
        reasons: dict[str, Diagnostic] = {}
        self.per_function = True
        for name, fn in self.functions.items():
            self.signatures[name] = self.signature(fn)
            errors = [d for d in sorted(self.diags[kept:]) if d.severity == "error"]
            del self.diags[kept:]
            if errors:
                reasons[name] = errors[0]
        checked: dict[str, Function] = {}
        for name, fn in self.functions.items():
            params, ret = self.signatures[name]
            out = FunctionChecker(self, fn, params, ret).run()
            errors = [d for d in sorted(self.diags[kept:]) if d.severity == "error"]
            del self.diags[kept:]
            if name in reasons:
                continue
            if errors:
                reasons[name] = errors[0]
            else:
                checked[name] = out
        return list(checked.values()), reasons

    def module_stmt(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.ImportFrom):
            if stmt.module == "__future__":
                return
            if stmt.module == "math":
                for alias in stmt.names:
                    if alias.name not in MATH_FUNCS and alias.name not in MATH_CONSTS:
                        self.error(
                            stmt,
                            "PV304",
                            f"math.{alias.name} is not supported",
                            "supported: " + ", ".join(sorted(MATH_FUNCS | set(MATH_CONSTS))),
                        )
                        continue
                    local = alias.asname or alias.name
                    self.math_names[local] = alias.name
                    if alias.name in MATH_CONSTS:
                        self.define(stmt, local, (FLOAT, MATH_CONSTS[alias.name]))
                return
            if stmt.module == "typing":
                for alias in stmt.names:
                    self.typing_names[alias.asname or alias.name] = alias.name
                return
            self.error(
                stmt,
                "PV112",
                f"import from {stmt.module!r} is not supported",
                "only `import math`, `from math import ...` and typing imports are "
                "compiled; keep other imports in an interpreted module",
            )
            return
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.name == "math":
                    self.math_aliases.add(alias.asname or "math")
                elif alias.name == "typing":
                    self.typing_aliases.add(alias.asname or "typing")
                else:
                    self.error(
                        stmt,
                        "PV112",
                        f"import of {alias.name!r} is not supported",
                        "only `import math` and `import typing` are compiled; keep other "
                        "imports in an interpreted module",
                    )
            return
        if isinstance(stmt, ast.FunctionDef):
            if stmt.name in self.functions or stmt.name in self.constants:
                self.error(
                    stmt,
                    "PV122",
                    f"'{stmt.name}' is defined more than once",
                    "give each function and constant a unique name",
                )
                return
            self.functions[stmt.name] = stmt
            return
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            self.module_constant(stmt)
            return
        self.structural(stmt, module_level=True)

    def define(self, node: ast.AST, name: str, value: tuple) -> None:
        if name in self.constants or name in self.functions:
            self.error(
                node,
                "PV122",
                f"'{name}' is defined more than once",
                "give each function and constant a unique name",
            )
            return
        self.constants[name] = value

    def module_constant(self, stmt: ast.Assign | ast.AnnAssign) -> None:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        else:
            targets, value = [stmt.target], stmt.value
        if len(targets) != 1 or not isinstance(targets[0], ast.Name) or value is None:
            self.error(
                stmt,
                "PV113",
                "only `NAME = constant expression` is supported at module level",
                "bind one name to an int, float, bool or str constant",
            )
            return
        name = targets[0].id
        if isinstance(stmt, ast.AnnAssign):
            ann = stmt.annotation
            if isinstance(ann, ast.Subscript):
                ann = ann.value
            ok = (
                isinstance(ann, ast.Name)
                and (
                    self.typing_names.get(ann.id) == "Final"
                    or ann.id in ("int", "float", "bool", "str")
                )
            ) or (isinstance(ann, ast.Attribute) and ann.attr == "Final")
            if not ok:
                self.error(
                    stmt.annotation,
                    "PV203",
                    "module constants may be annotated only with Final, int, float, bool or str",
                    "write `NAME: Final = value`",
                )
                return
        try:
            result = self.const_eval(value)
        except _Abort:
            return
        if isinstance(result, bool):
            kind: Any = BOOL
        elif isinstance(result, int):
            kind = INT
        elif isinstance(result, float):
            kind = FLOAT
        elif isinstance(result, str):
            kind = STR
        else:
            self.error(
                value,
                "PV123",
                f"module constant '{name}' is not an int, float, bool or str",
                "bind module names to number, bool or string constants only",
            )
            return
        self.define(stmt, name, (kind, result))

    def const_eval(self, node: ast.expr) -> Any:
        allowed = (
            ast.Constant,
            ast.BinOp,
            ast.UnaryOp,
            ast.operator,
            ast.unaryop,
            ast.Name,
            ast.Load,
            ast.Attribute,
            ast.BoolOp,
            ast.boolop,
            ast.Compare,
            ast.cmpop,
            ast.IfExp,
        )
        env: dict[str, Any] = {}
        float_calls = {
            id(sub.func)
            for sub in ast.walk(node)
            if isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Name)
            and sub.func.id == "float"
            and len(sub.args) == 1
            and not sub.keywords
            and isinstance(sub.args[0], ast.Constant)
            and isinstance(sub.args[0].value, str)
        }
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and id(sub.func) in float_calls:
                continue
            if isinstance(sub, ast.Name) and id(sub) in float_calls:
                env["float"] = float
                continue
            if not isinstance(sub, allowed):
                self.error(
                    sub,
                    "PV123",
                    f"module constants must be constant expressions (found {type(sub).__name__})",
                    "compute the value inside a function, or write the literal",
                )
                raise _Abort
            if isinstance(sub, ast.Name):
                if sub.id in self.constants:
                    env[sub.id] = self.constants[sub.id][1]
                elif sub.id in self.math_aliases:
                    env[sub.id] = math
                else:
                    self.error(
                        sub,
                        "PV301",
                        f"name '{sub.id}' is not a constant defined above",
                        "define constants before the constants that use them",
                    )
                    raise _Abort
            if isinstance(sub, ast.Attribute) and not (
                isinstance(sub.value, ast.Name)
                and sub.value.id in self.math_aliases
                and sub.attr in MATH_CONSTS
            ):
                self.error(
                    sub,
                    "PV304",
                    f"'{ast.unparse(sub)}' is not a constant",
                    "use math.pi, math.e, math.inf, math.nan or math.tau",
                )
                raise _Abort
        try:
            code = compile(ast.Expression(node), self.path, "eval")
            return eval(code, {"__builtins__": {}}, env)
        except Exception as exc:
            self.error(
                node,
                "PV123",
                f"constant expression raises {type(exc).__name__}: {exc}",
                "fix the expression so that it evaluates",
            )
            raise _Abort from None

    def structural(self, stmt: ast.AST, module_level: bool = False) -> bool:
        """Report statements that are never supported; return True if one was reported."""
        kinds = {
            ast.ClassDef: (
                "PV101",
                "class definitions are not supported",
                "use module functions over lists and tuples",
            ),
            ast.Try: (
                "PV102",
                "try/except is not supported",
                "check the condition before the operation, or handle errors in the "
                "interpreted caller",
            ),
            ast.Raise: (
                "PV103",
                "raise is not supported",
                "return a status value, or validate inputs in the interpreted caller",
            ),
            ast.With: (
                "PV104",
                "with statements are not supported",
                "do resource handling in the interpreted caller",
            ),
            ast.AsyncFunctionDef: (
                "PV106",
                "async functions are not supported",
                "make it a plain function",
            ),
            ast.AsyncFor: ("PV106", "async for is not supported", "use a plain for loop"),
            ast.AsyncWith: (
                "PV106",
                "async with is not supported",
                "do resource handling in the interpreted caller",
            ),
            ast.Global: (
                "PV109",
                "global is not supported",
                "pass the value as a parameter and return the new value",
            ),
            ast.Nonlocal: (
                "PV109",
                "nonlocal is not supported",
                "pass the value as a parameter and return the new value",
            ),
            ast.Delete: (
                "PV114",
                "del is not supported",
                "use lst.pop(i) to remove a list item; let locals go out of scope",
            ),
        }
        if hasattr(ast, "TryStar"):
            kinds[ast.TryStar] = kinds[ast.Try]
        if hasattr(ast, "Match"):
            kinds[ast.Match] = ("PV114", "match statements are not supported", "use if/elif/else")
        if not module_level:
            del kinds[ast.Raise]  # in a function: StatementChecks.raise_stmt decides
        for cls, (code, msg, hint) in kinds.items():
            if isinstance(stmt, cls):
                self.error(stmt, code, msg, hint)
                return True
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            self.error(
                stmt,
                "PV112",
                "imports inside functions are not supported",
                "import math at module level",
            )
            return True
        if module_level:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                return True  # a stray string literal: harmless
            what = type(stmt).__name__
            hint = "keep only imports, constants and function definitions in a compiled module"
            if isinstance(stmt, ast.If):
                hint = (
                    'move `if __name__ == "__main__":` code into a separate script that '
                    "imports this module"
                )
            self.error(stmt, "PV113", f"{what} statement at module level is not supported", hint)
            return True
        return False


def mark_recursive(functions: list[Function]) -> None:
    """Mark functions that can reach themselves through calls (need a recursion guard).

    Those are the functions that call themselves or lie on a cycle: a strongly connected
    component of two or more (Tarjan's algorithm, iterative; linear in the call graph,
    where a walk from every function was quadratic on a 1,000-function call chain).
    """
    names = {f.name for f in functions}
    graph = {f.name: [g for g in sorted(f.calls) if g != f.name and g in names] for f in functions}
    for f in functions:
        f.recursive = f.name in f.calls
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    by_name = {f.name: f for f in functions}
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            callees = graph[node]
            if i < len(callees):
                work.append((node, i + 1))
                callee = callees[i]
                if callee not in index:
                    work.append((callee, 0))
                elif callee in on_stack:
                    low[node] = min(low[node], index[callee])
                continue
            if work:  # propagate to the caller that is waiting on this node
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    for member in component:
                        by_name[member].recursive = True
