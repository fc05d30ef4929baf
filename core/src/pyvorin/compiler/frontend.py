"""Frontend: parse, resolve names, check types, build the typed IR, collect diagnostics.

Every construct outside the subset produces one diagnostic and checking continues, so a
single run reports all of them. An expression that failed to check gets the type ``"?"``,
which silences follow-on errors about the same expression.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic
from . import ir
from .ir import BOOL, FLOAT, INT, NONE, STR, Expr, Function, Param, Stmt

ERR = "?"

MATH_FUNCS_FLOAT1 = {"sqrt", "sin", "cos", "tan", "exp", "log10", "fabs"}
MATH_FUNCS = MATH_FUNCS_FLOAT1 | {
    "log",
    "atan2",
    "pow",
    "hypot",
    "floor",
    "ceil",
    "isnan",
    "isinf",
    "isfinite",
}
MATH_CONSTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "tau": math.tau}
BUILTINS = {"abs", "min", "max", "len", "int", "float", "bool", "round", "divmod", "range", "print"}
DYNAMIC = {
    "eval",
    "exec",
    "getattr",
    "setattr",
    "hasattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "compile",
    "__import__",
    "open",
    "input",
    "type",
    "isinstance",
    "issubclass",
    "id",
    "hash",
    "dir",
    "callable",
    "breakpoint",
    "super",
    "object",
}
BUILTIN_HINTS = {
    "sum": "accumulate in a for loop: `total = 0` then `for x in xs: total += x`",
    "enumerate": "loop over indices: `for i in range(len(xs)): x = xs[i]`",
    "zip": "loop over indices: `for i in range(len(xs)): a, b = xs[i], ys[i]`",
    "sorted": "sort the list in Python before calling the compiled function",
    "list": "build the list with a list comprehension or `[x] * n`",
    "pow": "use the `**` operator or math.pow(x, y)",
    "str": "format text in Python outside the compiled module",
    "reversed": "loop with a negative step: `for i in range(len(xs) - 1, -1, -1)`",
}
TYPING_NAMES = {"Final", "List", "Tuple", "annotations"}
ARITH = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "truediv",
    ast.FloorDiv: "floordiv",
    ast.Mod: "mod",
    ast.Pow: "pow",
    ast.BitAnd: "and",
    ast.BitOr: "or",
    ast.BitXor: "xor",
    ast.LShift: "lshift",
    ast.RShift: "rshift",
}
CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
OP_SYMBOL = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "truediv": "/",
    "floordiv": "//",
    "mod": "%",
    "pow": "**",
    "and": "&",
    "or": "|",
    "xor": "^",
    "lshift": "<<",
    "rshift": ">>",
}


class _Abort(Exception):
    pass


class Checker:
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

    # ---- annotations -----------------------------------------------------------
    def parse_type(self, node: ast.AST | None, *, allow_none: bool = False) -> Any:
        if node is None:
            return ERR
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                inner = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                self.error(node, "PV203", f"annotation {node.value!r} is not a valid type")
                return ERR
            ast.copy_location(inner, node)
            for sub in ast.walk(inner):
                sub.lineno, sub.col_offset = node.lineno, node.col_offset
            return self.parse_type(inner, allow_none=allow_none)
        if isinstance(node, ast.Constant) and node.value is None:
            if allow_none:
                return NONE
            self.error(
                node,
                "PV203",
                "None is only supported as a return annotation",
                "annotate the value as int, float, bool or a list/tuple of those",
            )
            return ERR
        if isinstance(node, ast.Name) and node.id in ("int", "float", "bool"):
            return node.id
        base, args = None, None
        if isinstance(node, ast.Subscript):
            value = node.value
            if isinstance(value, ast.Name):
                base = self.typing_names.get(value.id, value.id)
            elif (
                isinstance(value, ast.Attribute)
                and isinstance(value.value, ast.Name)
                and (value.value.id in self.typing_aliases)
            ):
                base = value.attr
            sl = node.slice
            args = list(sl.elts) if isinstance(sl, ast.Tuple) else [sl]
        if base in ("list", "List") and args is not None and len(args) == 1:
            elem = self.parse_type(args[0])
            return ERR if elem == ERR else ir.list_of(elem)
        if base in ("tuple", "Tuple") and args is not None:
            if any(isinstance(a, ast.Constant) and a.value is Ellipsis for a in args):
                self.error(
                    node,
                    "PV203",
                    "variable-length tuple[..., ...] is not supported",
                    "use list[T] for a sequence of unknown length, or spell out "
                    "every item type: tuple[int, int]",
                )
                return ERR
            items = [self.parse_type(a) for a in args]
            return ERR if ERR in items else ir.tuple_of(tuple(items))
        shown = ast.unparse(node)
        hint = "use int, float, bool, list[T] or tuple[T1, T2, ...] of those"
        if shown == "str":
            hint = "strings can only be module constants, print() arguments or assert messages"
        self.error(node, "PV203", f"type annotation '{shown}' is not supported", hint)
        return ERR

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

    def signature(self, fn: ast.FunctionDef) -> tuple[list[Param], Any]:
        for dec in fn.decorator_list:
            self.error(
                dec,
                "PV111",
                f"decorator '@{ast.unparse(dec)}' is not supported",
                "remove the decorator; apply it in an interpreted wrapper module",
            )
        a = fn.args
        for bad, what in (
            (a.posonlyargs, "positional-only parameters"),
            (a.kwonlyargs, "keyword-only parameters"),
        ):
            for arg in bad:
                self.error(
                    arg,
                    "PV110",
                    f"{what} are not supported ('{arg.arg}')",
                    "make it a plain positional-or-keyword parameter",
                )
        if a.vararg:
            self.error(
                a.vararg,
                "PV110",
                f"*{a.vararg.arg} is not supported",
                "pass a list[T] parameter instead",
            )
        if a.kwarg:
            self.error(
                a.kwarg,
                "PV110",
                f"**{a.kwarg.arg} is not supported",
                "pass explicit parameters instead",
            )
        params = []
        defaults: list[ast.expr | None] = [None] * (len(a.args) - len(a.defaults)) + list(
            a.defaults
        )
        for arg, default in zip(a.args, defaults, strict=False):
            if arg.annotation is None:
                self.error(
                    arg,
                    "PV201",
                    f"parameter '{arg.arg}' of {fn.name}() has no type annotation",
                    f"annotate it, e.g. `{arg.arg}: int` or `{arg.arg}: list[float]`",
                )
                t: Any = ERR
            else:
                t = self.parse_type(arg.annotation)
            p = Param(arg.arg, t)
            if default is not None:
                p.has_default = True
                p.default = self.default_value(fn, arg.arg, t, default)
            params.append(p)
        if fn.returns is None:
            self.error(
                fn,
                "PV202",
                f"function {fn.name}() has no return annotation",
                "add `-> int`, `-> float`, `-> None` or the type it returns",
            )
            ret: Any = ERR
        else:
            ret = self.parse_type(fn.returns, allow_none=True)
        return params, ret

    def default_value(self, fn: ast.FunctionDef, name: str, t: Any, node: ast.expr) -> Any:
        value: Any = None
        ok = False
        if isinstance(node, ast.Constant):
            value, ok = node.value, True
        elif (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, (ast.USub, ast.UAdd))
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, (int, float))
            and not isinstance(node.operand.value, bool)
        ):
            value = -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
            ok = True
        elif isinstance(node, ast.Name) and node.id in self.constants:
            value, ok = self.constants[node.id][1], True
        if ok and t != ERR:
            kind = {bool: BOOL, int: INT, float: FLOAT}.get(type(value))
            if kind == t:
                return value
            self.error(
                node,
                "PV121",
                f"default {ast.unparse(node)} of parameter '{name}' is not a {ir.show(t)}",
                f"write a {ir.show(t)} literal" + (", e.g. 0.0" if t == FLOAT else ""),
            )
            return None
        if not ok:
            self.error(
                node,
                "PV121",
                f"default of parameter '{name}' must be a literal "
                f"constant, not '{ast.unparse(node)}'",
                "use a number or bool literal; for a list, make the parameter required",
            )
        return None


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


class FunctionChecker:
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

    def error(self, node: ast.AST, code: str, message: str, hint: str = "") -> None:
        self.m.error(node, code, message, hint)

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

    # ---- statements --------------------------------------------------------------
    def block(self, body: list[ast.stmt], defined: set[str]) -> tuple[list[Stmt], set[str], bool]:
        """Check a block. Returns (IR, names definitely assigned after it, may fall through)."""
        out: list[Stmt] = []
        falls = True
        for stmt in body:
            if not falls:
                # unreachable code is still checked so every diagnostic is reported
                self.stmt(stmt, set(defined), [])
                continue
            defined, falls = self.stmt(stmt, defined, out)
        return out, defined, falls

    def stmt(self, s: ast.stmt, defined: set[str], out: list[Stmt]) -> tuple[set[str], bool]:
        line = s.lineno
        if isinstance(s, ast.FunctionDef):
            self.error(
                s,
                "PV108",
                f"nested function '{s.name}' is not supported",
                "move it to module level and pass what it needs as parameters",
            )
            return defined, True
        if self.m.structural(s):
            return defined, True
        if isinstance(s, ast.Pass):
            return defined, True
        if isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant):
                return defined, True
            e = self.expr(s.value, defined, allow_none=True)
            out.append(Stmt("expr", line, [e]))
            return defined, True
        if isinstance(s, ast.Return):
            if s.value is None or (isinstance(s.value, ast.Constant) and s.value.value is None):
                if self.ret not in (NONE, ERR):
                    self.error(
                        s,
                        "PV204",
                        f"{self.fn.name}() must return {ir.show(self.ret)}, not None",
                        "return a value",
                    )
                out.append(Stmt("return", line, []))
                return defined, False
            if self.ret == NONE:
                self.error(
                    s,
                    "PV204",
                    f"{self.fn.name}() is declared `-> None` but returns a value",
                    "change the return annotation",
                )
                return defined, False
            e = self.expr(s.value, defined, expected=self.ret)
            self.compatible(s.value, e, self.ret, f"return value of {self.fn.name}()")
            out.append(Stmt("return", line, [e]))
            return defined, False
        if isinstance(s, ast.Assign):
            return self.assign(s, defined, out), True
        if isinstance(s, ast.AnnAssign):
            if not isinstance(s.target, ast.Name):
                self.error(
                    s.target,
                    "PV117",
                    f"annotated assignment to '{ast.unparse(s.target)}' is not supported",
                    "annotate a plain name",
                )
                return defined, True
            t = self.m.parse_type(s.annotation)
            name = s.target.id
            old = self.types.get(name)
            if old is not None and old != t and t != ERR and old != ERR:
                self.error(
                    s,
                    "PV206",
                    f"'{name}' is declared {ir.show(t)} but was {ir.show(old)} before",
                    "use a new variable name",
                )
            elif t != ERR:
                self.types[name] = t
            if s.value is None:
                return defined, True
            e = self.expr(s.value, defined, expected=t)
            self.compatible(s.value, e, t, f"'{name}'")
            out.append(Stmt("assign", line, [e], data=name))
            return defined | {name}, True
        if isinstance(s, ast.AugAssign):
            return self.augassign(s, defined, out), True
        if isinstance(s, ast.If):
            test = self.cond(s.test, defined)
            b1, d1, f1 = self.block(s.body, set(defined))
            b2, d2, f2 = self.block(s.orelse, set(defined))
            out.append(Stmt("if", line, [test], b1, b2))
            if not f1:
                return d2, f2
            if not f2:
                return d1, f1
            return d1 & d2, True
        if isinstance(s, ast.While):
            test = self.cond(s.test, defined)
            infinite = isinstance(s.test, ast.Constant) and bool(s.test.value) is True
            self.loop_depth += 1
            body, _, _ = self.block(s.body, set(defined))
            self.loop_depth -= 1
            has_break = _break_at_this_level(s.body)
            orelse, d2, f2 = self.block(s.orelse, set(defined))
            out.append(Stmt("while", line, [test], body, orelse))
            if infinite and not has_break:
                return defined, False
            return defined, True
        if isinstance(s, ast.For):
            return self.for_stmt(s, defined, out), True
        if isinstance(s, (ast.Break, ast.Continue)):
            out.append(Stmt("break" if isinstance(s, ast.Break) else "continue", line))
            return defined, False
        if isinstance(s, ast.Assert):
            test = self.cond(s.test, defined)
            msg = [self.expr(s.msg, defined)] if s.msg is not None else []
            out.append(Stmt("assert", line, [test, *msg]))
            return defined, True
        self.error(
            s,
            "PV114",
            f"{type(s).__name__} statement is not supported",
            "rewrite it with assignments, if/while/for and function calls",
        )
        return defined, True

    def declare(self, node: ast.AST, name: str, t: Any) -> None:
        if t == ERR:
            return
        old = self.types.get(name)
        if old is None:
            if t == NONE:
                self.error(
                    node,
                    "PV211",
                    f"cannot assign None to '{name}'",
                    "call the function as a statement",
                )
                return
            self.types[name] = t
        elif old != t and old != ERR:
            self.error(
                node,
                "PV206",
                f"'{name}' was {ir.show(old)} and is assigned a {ir.show(t)} here",
                "use a new variable name, or make the types "
                "agree (e.g. initialise a float with 0.0)",
            )

    def assign(self, s: ast.Assign, defined: set[str], out: list[Stmt]) -> set[str]:
        line = s.lineno
        targets = s.targets
        if len(targets) > 1 and not all(isinstance(t, ast.Name) for t in targets):
            self.error(
                s,
                "PV117",
                "chained assignment is supported only to plain names",
                "assign each target separately",
            )
            return defined
        first = targets[0]
        if isinstance(first, ast.Tuple):
            return self.unpack(s, first, defined, out)
        if isinstance(first, ast.Subscript):
            return self.store_index(first, s.value, defined, out, line)
        if not isinstance(first, ast.Name):
            self.error(
                first,
                "PV117",
                f"assignment to '{ast.unparse(first)}' is not supported",
                "assign to a local variable or a list item",
            )
            return defined
        expected = self.types.get(first.id)
        e = self.expr(s.value, defined, expected=expected)
        for t in targets:
            assert isinstance(t, ast.Name)
            if t.id in self.types:
                self.compatible(t, e, self.types[t.id], f"'{t.id}'", "PV206")
            else:
                self.declare(t, t.id, e.type)
        out.append(
            Stmt(
                "assign", line, [e], data=[t.id for t in targets] if len(targets) > 1 else first.id
            )
        )
        return defined | {t.id for t in targets}  # type: ignore[union-attr]

    def unpack(
        self, s: ast.Assign, target: ast.Tuple, defined: set[str], out: list[Stmt]
    ) -> set[str]:
        names = []
        for elt in target.elts:
            if isinstance(elt, ast.Name):
                names.append(elt.id)
            elif (
                isinstance(elt, ast.Subscript)
                and isinstance(s.value, ast.Tuple)
                and not isinstance(elt.slice, ast.Slice)
            ):
                names.append(elt)
            else:
                self.error(
                    elt,
                    "PV117",
                    f"unpacking into '{ast.unparse(elt)}' is not supported",
                    "unpack into plain local names or list items",
                )
                return defined
        if isinstance(s.value, ast.Tuple):
            if len(s.value.elts) != len(names):
                self.error(
                    s,
                    "PV213",
                    f"cannot unpack {len(s.value.elts)} values into {len(names)} names",
                    "make both sides the same length",
                )
                return defined
            values = [
                self.expr(v, defined, expected=self.types.get(n) if isinstance(n, str) else None)
                for v, n in zip(s.value.elts, names, strict=False)
            ]
            targets: list = []
            for n, v, node in zip(names, values, target.elts, strict=False):
                if isinstance(n, str):
                    if n in self.types:
                        self.compatible(node, v, self.types[n], f"'{n}'", "PV206")
                    else:
                        self.declare(node, n, v.type)
                    targets.append(n)
                    continue
                lst = self.expr(n.value, defined)
                idx = self.index_expr(n.slice, defined)
                if lst.type == ERR:
                    continue
                if not ir.is_list(lst.type):
                    self.error(
                        n,
                        "PV205",
                        f"item assignment on {ir.show(lst.type)} is not supported",
                        "only list items can be assigned",
                    )
                    continue
                self.compatible(node, v, lst.type[1], "list item")
                targets.append((lst, idx))
            out.append(Stmt("unpack_values", s.lineno, values, data=targets))
            return defined | {n for n in names if isinstance(n, str)}
        e = self.expr(s.value, defined)
        if e.type == ERR:
            return defined | set(names)
        if not ir.is_tuple(e.type):
            self.error(
                s.value,
                "PV213",
                f"cannot unpack a {ir.show(e.type)}",
                "unpack a tuple, e.g. a function result annotated tuple[int, int]",
            )
            return defined
        items = e.type[1]
        if len(items) != len(names):
            self.error(
                s,
                "PV213",
                f"cannot unpack {ir.show(e.type)} into {len(names)} names",
                f"use exactly {len(items)} names",
            )
            return defined
        for n, t, node in zip(names, items, target.elts, strict=False):
            if n in self.types:
                if self.types[n] != t:
                    self.error(
                        node,
                        "PV206",
                        f"'{n}' is {ir.show(self.types[n])} but receives {ir.show(t)}",
                        "use a new variable name",
                    )
            else:
                self.declare(node, n, t)
        out.append(Stmt("unpack_tuple", s.lineno, [e], data=names))
        return defined | set(names)

    def store_index(
        self, target: ast.Subscript, value: ast.expr, defined: set[str], out: list[Stmt], line: int
    ) -> set[str]:
        if isinstance(target.slice, ast.Slice):
            self.error(
                target,
                "PV216",
                "slice assignment is not supported",
                "assign items one by one in a loop",
            )
            return defined
        lst = self.expr(target.value, defined)
        idx = self.index_expr(target.slice, defined)
        if lst.type == ERR:
            return defined
        if not ir.is_list(lst.type):
            self.error(
                target,
                "PV205",
                f"item assignment on {ir.show(lst.type)} is not supported",
                "only list items can be assigned",
            )
            return defined
        e = self.expr(value, defined, expected=lst.type[1])
        self.compatible(value, e, lst.type[1], "list item")
        out.append(Stmt("setitem", line, [lst, idx, e]))
        return defined

    def augassign(self, s: ast.AugAssign, defined: set[str], out: list[Stmt]) -> set[str]:
        op = ARITH.get(type(s.op))
        line = s.lineno
        if op is None:
            self.error(
                s,
                "PV205",
                f"operator {type(s.op).__name__} is not supported",
                "use + - * / // % ** & | ^ << >>",
            )
            return defined
        if isinstance(s.target, ast.Name):
            name = s.target.id
            if name not in self.local_names or name not in self.types:
                self.error(
                    s.target,
                    "PV306",
                    f"'{name}' is used before it is assigned",
                    f"assign an initial value to '{name}' first",
                )
                return defined
            if name not in defined:
                self.error(
                    s.target,
                    "PV306",
                    f"'{name}' may be used before it is assigned",
                    f"assign '{name}' before the branch or loop",
                )
            cur = Expr("local", self.types[name], line, data=name)
            rhs = self.expr(s.value, defined)
            res = self.binop(s, op, cur, rhs)
            if ir.is_list(cur.type):
                self.error(
                    s,
                    "PV205",
                    f"augmented assignment {OP_SYMBOL[op]}= on a list is not supported",
                    f"write `{name} = {name} {OP_SYMBOL[op]} ...`, or use append in a loop",
                )
                return defined
            self.compatible(s, res, self.types[name], f"'{name}'", "PV206")
            out.append(Stmt("assign", line, [res], data=name))
            return defined
        if isinstance(s.target, ast.Subscript) and not isinstance(s.target.slice, ast.Slice):
            lst = self.expr(s.target.value, defined)
            idx = self.index_expr(s.target.slice, defined)
            rhs = self.expr(s.value, defined)
            if lst.type == ERR:
                return defined
            if not ir.is_list(lst.type):
                self.error(
                    s.target,
                    "PV205",
                    f"item assignment on {ir.show(lst.type)} is not supported",
                    "only list items can be assigned",
                )
                return defined
            cur = Expr("aug_cur", lst.type[1], line)
            res = self.binop(s, op, cur, rhs)
            self.compatible(s, res, lst.type[1], "list item")
            out.append(Stmt("aug_setitem", line, [lst, idx, res]))
            return defined
        self.error(
            s.target,
            "PV117",
            f"augmented assignment to '{ast.unparse(s.target)}' is not supported",
            "assign to a local variable or a list item",
        )
        return defined

    def for_stmt(self, s: ast.For, defined: set[str], out: list[Stmt]) -> set[str]:
        line = s.lineno
        if not isinstance(s.target, ast.Name):
            self.error(
                s.target,
                "PV117",
                f"loop target '{ast.unparse(s.target)}' is not supported",
                "loop over indices and read tuple items inside the loop",
            )
            return defined
        name = s.target.id
        it = self.iteration(s.iter, defined)
        if it is None:
            return defined
        kind, args, elem = it
        self.declare(s.target, name, elem)
        inner = defined | {name}
        self.loop_depth += 1
        body, _, _ = self.block(s.body, set(inner))
        self.loop_depth -= 1
        orelse, _, _ = self.block(s.orelse, set(defined))
        out.append(Stmt(kind, line, args, body, orelse, data=name))
        return defined

    def iteration(self, node: ast.expr, defined: set[str]) -> tuple[str, list[Expr], Any] | None:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "range"
            and "range" not in self.local_names
        ):
            if node.keywords or not 1 <= len(node.args) <= 3:
                self.error(
                    node,
                    "PV212",
                    "range() takes 1 to 3 positional arguments",
                    "write range(stop), range(start, stop) or range(start, stop, step)",
                )
                return None
            args = [self.expr(a, defined) for a in node.args]
            for a, n in zip(args, node.args, strict=False):
                if a.type not in (INT, BOOL, ERR):
                    self.error(
                        n,
                        "PV204",
                        f"range() argument must be int, not {ir.show(a.type)}",
                        "convert with int(...)",
                    )
                    return None
            args = [self.to_int(a) for a in args]
            if len(args) == 1:
                args = [Expr("const", INT, node.lineno, data=0), args[0]]
            if len(args) == 2:
                args.append(Expr("const", INT, node.lineno, data=1))
            return "for_range", args, INT
        e = self.expr(node, defined)
        if e.type == ERR:
            return None
        if ir.is_list(e.type):
            return "for_list", [e], e.type[1]
        self.error(
            node, "PV116", f"cannot loop over a {ir.show(e.type)}", "loop over range(...) or a list"
        )
        return None

    # ---- types ---------------------------------------------------------------------
    def compatible(self, node: ast.AST, e: Expr, t: Any, what: str, code: str = "PV204") -> None:
        if e.type == ERR or t == ERR or e.type == t:
            return
        if e.type == NONE:
            self.error(
                node,
                "PV211",
                f"{what} expects {ir.show(t)} but the call returns None",
                "make the function return a value",
            )
            return
        hint = ""
        if t == FLOAT and e.type in (INT, BOOL):
            hint = (
                "CPython would keep the int; write a float literal such as 0.0 or convert "
                "with float(...)"
            )
        elif t == INT and e.type == BOOL:
            hint = "CPython would keep the bool; convert with int(...)"
        elif t == INT and e.type == FLOAT:
            hint = "convert with int(...) or round(...)"
        else:
            hint = "make the types agree"
        if code == "PV206":
            self.error(
                node,
                code,
                f"{what} is {ir.show(t)} but is assigned a {ir.show(e.type)} here",
                hint + "; or use a new variable name",
            )
            return
        self.error(node, code, f"{what} expects {ir.show(t)}, got {ir.show(e.type)}", hint)

    def to_int(self, e: Expr) -> Expr:
        if e.type == BOOL:
            return Expr("convert", INT, e.line, [e])
        return e

    def to_float(self, e: Expr) -> Expr:
        if e.type in (INT, BOOL):
            return Expr("convert", FLOAT, e.line, [self.to_int(e)])
        return e

    def cond(self, node: ast.expr, defined: set[str]) -> Expr:
        """An expression used for its truth value only."""
        if isinstance(node, ast.BoolOp):
            vals = [self.cond(v, defined) for v in node.values]
            kind = "cond_and" if isinstance(node.op, ast.And) else "cond_or"
            return Expr(kind, BOOL, node.lineno, vals)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Expr("not", BOOL, node.lineno, [self.cond(node.operand, defined)])
        e = self.expr(node, defined)
        return self.truth(node, e)

    def truth(self, node: ast.AST, e: Expr) -> Expr:
        if e.type in (BOOL, ERR):
            return e
        if e.type == NONE:
            self.error(
                node,
                "PV211",
                "a None result is used as a condition",
                "make the function return a bool",
            )
            return Expr("error", ERR, e.line)
        if e.type == STR and e.kind == "const":
            return Expr("const", BOOL, e.line, data=bool(e.data))
        return Expr("truth", BOOL, e.line, [e])

    # ---- expressions ---------------------------------------------------------------
    def expr(
        self, node: ast.expr, defined: set[str], expected: Any = None, allow_none: bool = False
    ) -> Expr:
        e = self._expr(node, defined, expected)
        if e.type == NONE and not allow_none:
            self.error(
                node,
                "PV211",
                "the result of a function returning None is used as a value",
                "call it as a statement",
            )
            return Expr("error", ERR, node.lineno)
        return e

    def index_expr(self, node: ast.expr, defined: set[str]) -> Expr:
        e = self.expr(node, defined)
        if e.type not in (INT, BOOL, ERR):
            self.error(
                node,
                "PV205",
                f"list index must be int, not {ir.show(e.type)}",
                "convert the index with int(...)",
            )
            return Expr("error", ERR, node.lineno)
        return self.to_int(e)

    def _expr(self, node: ast.expr, defined: set[str], expected: Any) -> Expr:
        line = node.lineno
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                return Expr("const", BOOL, line, data=v)
            if isinstance(v, int):
                return Expr("const", INT, line, data=v)
            if isinstance(v, float):
                return Expr("const", FLOAT, line, data=v)
            if isinstance(v, str):
                return Expr("const", STR, line, data=v)
            if v is None:
                return Expr("const", NONE, line, data=None)
            self.error(
                node,
                "PV205",
                f"{type(v).__name__} literals are not supported",
                "use int, float, bool or str constants",
            )
            return Expr("error", ERR, line)
        if isinstance(node, ast.Name):
            return self.name(node, defined)
        if isinstance(node, ast.BinOp):
            op = ARITH.get(type(node.op))
            left = self.expr(node.left, defined, expected if ir.is_list(expected or 0) else None)
            right = self.expr(node.right, defined)
            if op is None:
                self.error(
                    node,
                    "PV205",
                    "the @ operator is not supported",
                    "write the matrix product as loops",
                )
                return Expr("error", ERR, line)
            return self.binop(node, op, left, right, right_node=node.right)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return Expr("not", BOOL, line, [self.cond(node.operand, defined)])
            e = self.expr(node.operand, defined)
            if e.type == ERR:
                return e
            if isinstance(node.op, ast.Invert):
                if e.type == BOOL:
                    self.error(
                        node,
                        "PV205",
                        "~ on a bool is deprecated (Python 3.12+ warns) and gives an int",
                        "use `not x` for negation, or `~int(x)`",
                    )
                    return Expr("error", ERR, line)
                if e.type not in (INT, BOOL):
                    self.error(
                        node,
                        "PV205",
                        f"~ is not supported for {ir.show(e.type)}",
                        "apply ~ to ints only",
                    )
                    return Expr("error", ERR, line)
                return Expr("invert", INT, line, [self.to_int(e)])
            if e.type not in (INT, BOOL, FLOAT):
                self.error(
                    node,
                    "PV205",
                    f"unary operator is not supported for {ir.show(e.type)}",
                    "apply it to numbers only",
                )
                return Expr("error", ERR, line)
            if isinstance(node.op, ast.UAdd):
                return self.to_int(e) if e.type == BOOL else e
            if e.type == FLOAT:
                return Expr("neg", FLOAT, line, [e])
            return Expr("neg", INT, line, [self.to_int(e)])
        if isinstance(node, ast.BoolOp):
            vals = [self.expr(v, defined, expected) for v in node.values]
            types = {v.type for v in vals}
            if ERR in types:
                return Expr("error", ERR, line)
            if len(types) != 1:
                self.error(
                    node,
                    "PV207",
                    "operands of and/or have different types ("
                    + ", ".join(sorted(ir.show(t) for t in types))
                    + "): the result's "
                    "type would depend on the values",
                    "convert the operands to one type, or use the expression only as a condition",
                )
                return Expr("error", ERR, line)
            kind = "and" if isinstance(node.op, ast.And) else "or"
            return Expr(kind, vals[0].type, line, vals)
        if isinstance(node, ast.Compare):
            return self.compare(node, defined)
        if isinstance(node, ast.IfExp):
            test = self.cond(node.test, defined)
            a = self.expr(node.body, defined, expected)
            b = self.expr(node.orelse, defined, expected)
            if ERR in (a.type, b.type):
                return Expr("error", ERR, line)
            if a.type != b.type:
                self.error(
                    node,
                    "PV207",
                    f"the branches of the conditional expression have "
                    f"different types ({ir.show(a.type)} and {ir.show(b.type)})",
                    "make both branches the same type, e.g. 0.0 instead of 0",
                )
                return Expr("error", ERR, line)
            return Expr("ifexp", a.type, line, [test, a, b])
        if isinstance(node, ast.Call):
            return self.call(node, defined, expected)
        if isinstance(node, ast.List):
            items = [self.expr(e, defined) for e in node.elts]
            if any(i.type == ERR for i in items):
                return Expr("error", ERR, line)
            if not items:
                if expected is not None and ir.is_list(expected):
                    return Expr("list", expected, line, [])
                self.error(
                    node,
                    "PV215",
                    "the element type of an empty list cannot be inferred",
                    "annotate the variable: `xs: list[int] = []`",
                )
                return Expr("error", ERR, line)
            types = {i.type for i in items}
            if len(types) != 1:
                self.error(
                    node,
                    "PV204",
                    "list items have different types ("
                    + ", ".join(sorted(ir.show(t) for t in types))
                    + ")",
                    "make every item the same type, e.g. write 1.0 instead of 1",
                )
                return Expr("error", ERR, line)
            return Expr("list", ir.list_of(items[0].type), line, items)
        if isinstance(node, ast.Tuple):
            items = [self.expr(e, defined) for e in node.elts]
            if any(i.type == ERR for i in items):
                return Expr("error", ERR, line)
            return Expr("tuple", ir.tuple_of(tuple(i.type for i in items)), line, items)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, defined)
        if isinstance(node, ast.ListComp):
            return self.listcomp(node, defined)
        if isinstance(node, ast.Attribute):
            if (
                isinstance(node.value, ast.Name)
                and node.value.id in self.m.math_aliases
                and (node.value.id not in self.local_names)
            ):
                if node.attr in MATH_CONSTS:
                    return Expr("const", FLOAT, line, data=MATH_CONSTS[node.attr])
                if node.attr in MATH_FUNCS:
                    self.error(
                        node,
                        "PV307",
                        f"math.{node.attr} can only be called",
                        f"call it: math.{node.attr}(...)",
                    )
                else:
                    self.error(
                        node,
                        "PV304",
                        f"math.{node.attr} is not supported",
                        "supported: " + ", ".join(sorted(MATH_FUNCS | set(MATH_CONSTS))),
                    )
                return Expr("error", ERR, line)
            self.error(
                node,
                "PV305",
                f"attribute access '{ast.unparse(node)}' is not supported",
                "only math constants and the list methods append and pop are supported",
            )
            return Expr("error", ERR, line)
        simple = {
            ast.Dict: (
                "PV209",
                "dict literals are not supported",
                "use parallel lists, or a list indexed by a small int key",
            ),
            ast.Set: (
                "PV209",
                "set literals are not supported",
                "use a list[bool] indexed by value, or a list",
            ),
            ast.DictComp: ("PV209", "dict comprehensions are not supported", "use parallel lists"),
            ast.SetComp: (
                "PV209",
                "set comprehensions are not supported",
                "use a list[bool] indexed by value",
            ),
            ast.GeneratorExp: (
                "PV119",
                "generator expressions are not supported",
                "use a list comprehension [...] or a for loop",
            ),
            ast.JoinedStr: (
                "PV210",
                "f-strings are not supported",
                "pass the values to print(...) as separate arguments",
            ),
            ast.Lambda: (
                "PV107",
                "lambda is not supported",
                "define a module-level function and call it",
            ),
            ast.NamedExpr: (
                "PV118",
                "assignment expressions (:=) are not supported",
                "assign the value in a separate statement first",
            ),
            ast.Await: ("PV106", "await is not supported", "make the function synchronous"),
            ast.Yield: (
                "PV105",
                "yield is not supported (generators)",
                "build and return a list instead",
            ),
            ast.YieldFrom: (
                "PV105",
                "yield from is not supported (generators)",
                "build and return a list instead",
            ),
            ast.Starred: (
                "PV117",
                "starred expressions are not supported",
                "pass the items explicitly",
            ),
            ast.Slice: (
                "PV216",
                "slicing is not supported",
                "copy the items with a list comprehension over an index range",
            ),
        }
        for cls, (code, msg, hint) in simple.items():
            if isinstance(node, cls):
                self.error(node, code, msg, hint)
                return Expr("error", ERR, line)
        self.error(
            node,
            "PV205",
            f"{type(node).__name__} expressions are not supported",
            "rewrite it with the supported operators",
        )
        return Expr("error", ERR, line)

    def name(self, node: ast.Name, defined: set[str]) -> Expr:
        line, n = node.lineno, node.id
        for scope in reversed(self.comp_scopes):
            if n in scope:
                cname, t = scope[n]
                return Expr("local", t, line, data=cname)
        if n in self.local_names:
            if n not in self.types:
                self.error(
                    node,
                    "PV306",
                    f"'{n}' is used before it is assigned",
                    f"assign '{n}' before this line",
                )
                return Expr("error", ERR, line)
            if n not in defined:
                self.error(
                    node,
                    "PV306",
                    f"'{n}' may be used before it is assigned",
                    f"assign '{n}' on every path before this use, e.g. initialise it "
                    "before the if/loop",
                )
            return Expr("local", self.types[n], line, data=n)
        if n in self.m.constants:
            t, v = self.m.constants[n]
            return Expr("const", t, line, data=v)
        if n in self.m.functions:
            self.error(
                node,
                "PV307",
                f"function '{n}' can only be called, not used as a value",
                f"call it: {n}(...)",
            )
            return Expr("error", ERR, line)
        if n in ("True", "False", "None"):
            return Expr("const", BOOL, line, data=n == "True")
        if n in DYNAMIC:
            self.error(
                node,
                "PV303",
                f"'{n}' is a dynamic feature and is not supported",
                "keep dynamic code in an interpreted module",
            )
            return Expr("error", ERR, line)
        self.error(
            node,
            "PV301",
            f"name '{n}' is not defined in this module",
            "define it as a module constant, a parameter or a local variable",
        )
        return Expr("error", ERR, line)

    def binop(
        self, node: ast.AST, op: str, a: Expr, b: Expr, right_node: ast.expr | None = None
    ) -> Expr:
        line = getattr(node, "lineno", a.line)
        if ERR in (a.type, b.type):
            return Expr("error", ERR, line)
        sym = OP_SYMBOL[op]
        if ir.is_list(a.type) or ir.is_list(b.type):
            if op == "add" and a.type == b.type:
                return Expr("list_concat", a.type, line, [a, b])
            if op == "mul" and ir.is_list(a.type) and b.type in (INT, BOOL):
                return Expr("list_repeat", a.type, line, [a, self.to_int(b)])
            if op == "mul" and ir.is_list(b.type) and a.type in (INT, BOOL):
                return Expr("list_repeat", b.type, line, [b, self.to_int(a)])
            self.error(
                node,
                "PV205",
                f"operator {sym} is not supported for {ir.show(a.type)} and {ir.show(b.type)}",
                "lists support + (same type) and * int",
            )
            return Expr("error", ERR, line)
        if not (ir.is_numeric(a.type) and ir.is_numeric(b.type)):
            code = "PV210" if STR in (a.type, b.type) else "PV205"
            self.error(
                node,
                code,
                f"operator {sym} is not supported for {ir.show(a.type)} and {ir.show(b.type)}",
                "operators apply to int, float and bool values"
                if code == "PV205"
                else "strings can only be printed or used as constants",
            )
            return Expr("error", ERR, line)
        if op in ("and", "or", "xor", "lshift", "rshift"):
            if FLOAT in (a.type, b.type):
                self.error(
                    node,
                    "PV205",
                    f"operator {sym} is not supported for float",
                    "bitwise operators apply to ints only",
                )
                return Expr("error", ERR, line)
            if a.type == BOOL and b.type == BOOL and op in ("and", "or", "xor"):
                return Expr("bool_" + op, BOOL, line, [a, b])
            return Expr("int_" + op, INT, line, [self.to_int(a), self.to_int(b)])
        if op == "pow":
            return self.power(node, a, b, right_node)
        if FLOAT in (a.type, b.type):
            return Expr("float_" + op, FLOAT, line, [self.to_float(a), self.to_float(b)])
        if op == "truediv":
            return Expr("int_truediv", FLOAT, line, [self.to_int(a), self.to_int(b)])
        return Expr("int_" + op, INT, line, [self.to_int(a), self.to_int(b)])

    def power(self, node: ast.AST, a: Expr, b: Expr, right_node: ast.expr | None) -> Expr:
        line = getattr(node, "lineno", a.line)
        const = b.data if b.kind == "const" else None
        if b.kind == "neg" and b.args[0].kind == "const":
            const = -b.args[0].data
        if a.type in (INT, BOOL) and b.type in (INT, BOOL):
            if const is None:
                self.error(
                    node,
                    "PV208",
                    "int ** int with a non-constant exponent: the result "
                    "is an int for exponents >= 0 and a float for negative ones",
                    "write float(x) ** n for a float result, or use a constant exponent",
                )
                return Expr("error", ERR, line)
            if const < 0:
                return Expr("int_pow_float", FLOAT, line, [self.to_int(a), self.to_int(b)])
            return Expr("int_pow", INT, line, [self.to_int(a), self.to_int(b)])
        # a float is involved: complex results are possible for a negative base and a
        # non-integral exponent; accept only exponents that are ints or integral constants
        if b.type in (INT, BOOL) or (const is not None and float(const).is_integer()):
            return Expr("float_pow", FLOAT, line, [self.to_float(a), self.to_float(b)])
        self.error(
            node,
            "PV208",
            "float ** float: CPython returns a complex number for a "
            "negative base and a fractional exponent",
            "use math.pow(x, y) (ValueError for a negative base), math.sqrt, or an int exponent",
        )
        return Expr("error", ERR, line)

    def compare(self, node: ast.Compare, defined: set[str]) -> Expr:
        line = node.lineno
        operands = [self.expr(node.left, defined)] + [
            self.expr(c, defined) for c in node.comparators
        ]
        ops = []
        ok = True
        for op in node.ops:
            sym = CMP.get(type(op))
            if sym is None:
                name = {ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}[
                    type(op)
                ]
                self.error(
                    node,
                    "PV214",
                    f"the '{name}' operator is not supported",
                    "compare numbers with == != < <= > >=; search lists with a loop",
                )
                ok = False
            ops.append(sym)
        if not ok or any(o.type == ERR for o in operands):
            return Expr("error", ERR, line)
        for o in operands:
            if not ir.is_numeric(o.type):
                self.error(
                    node,
                    "PV214",
                    f"comparison of {ir.show(o.type)} values is not supported",
                    "compare numbers only; compare lists item by item",
                )
                return Expr("error", ERR, line)
        return Expr("compare", BOOL, line, operands, data=ops)

    def subscript(self, node: ast.Subscript, defined: set[str]) -> Expr:
        line = node.lineno
        if isinstance(node.slice, ast.Slice):
            self.error(
                node,
                "PV216",
                "slicing is not supported",
                "copy the items with a list comprehension over an index range",
            )
            return Expr("error", ERR, line)
        base = self.expr(node.value, defined)
        if base.type == ERR:
            return base
        if ir.is_tuple(base.type):
            items = base.type[1]
            k = None
            sl = node.slice
            if isinstance(sl, ast.Constant) and type(sl.value) is int:
                k = sl.value
            elif (
                isinstance(sl, ast.UnaryOp)
                and isinstance(sl.op, ast.USub)
                and isinstance(sl.operand, ast.Constant)
                and type(sl.operand.value) is int
            ):
                k = -sl.operand.value
            if k is None:
                self.error(
                    sl,
                    "PV213",
                    "tuple index must be an int literal",
                    "write t[0], t[1], ... or unpack the tuple",
                )
                return Expr("error", ERR, line)
            if not -len(items) <= k < len(items):
                self.error(
                    sl,
                    "PV213",
                    f"tuple index {k} is out of range for {ir.show(base.type)}",
                    f"use an index from {-len(items)} to {len(items) - 1}",
                )
                return Expr("error", ERR, line)
            k %= len(items)
            return Expr("tuple_get", items[k], line, [base], data=k)
        if ir.is_list(base.type):
            idx = self.index_expr(node.slice, defined)
            if idx.type == ERR:
                return idx
            return Expr("list_get", base.type[1], line, [base, idx])
        self.error(
            node,
            "PV205" if base.type != STR else "PV210",
            f"indexing a {ir.show(base.type)} is not supported",
            "only lists and tuples can be indexed",
        )
        return Expr("error", ERR, line)

    def listcomp(self, node: ast.ListComp, defined: set[str]) -> Expr:
        line = node.lineno
        if len(node.generators) != 1 or len(node.generators[0].ifs) > 1:
            self.error(
                node,
                "PV119",
                "only list comprehensions with one for clause and at most one if are supported",
                "use nested for loops with append",
            )
            return Expr("error", ERR, line)
        gen = node.generators[0]
        if gen.is_async or not isinstance(gen.target, ast.Name):
            self.error(
                gen.target,
                "PV117",
                "the comprehension target must be a plain name",
                "loop over indices and read tuple items inside",
            )
            return Expr("error", ERR, line)
        it = self.iteration(gen.iter, defined)
        if it is None:
            return Expr("error", ERR, line)
        kind, args, elem = it
        self.comp_counter += 1
        cname = f"{gen.target.id}__comp{self.comp_counter}"
        self.comp_scopes.append({gen.target.id: (cname, elem)})
        try:
            cond = [self.cond(gen.ifs[0], defined)] if gen.ifs else []
            value = self.expr(node.elt, defined)
        finally:
            self.comp_scopes.pop()
        if value.type == ERR:
            return value
        self.types[cname] = elem
        return Expr(
            "listcomp",
            ir.list_of(value.type),
            line,
            [value, *cond],
            data=(kind, args, cname, bool(cond)),
        )

    # ---- calls ---------------------------------------------------------------------
    def call(self, node: ast.Call, defined: set[str], expected: Any) -> Expr:
        line = node.lineno
        f = node.func
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            self.error(
                node,
                "PV117",
                "*args and **kwargs in calls are not supported",
                "pass each argument explicitly",
            )
            return Expr("error", ERR, line)
        if isinstance(f, ast.Attribute):
            if (
                isinstance(f.value, ast.Name)
                and f.value.id in self.m.math_aliases
                and (f.value.id not in self.local_names)
            ):
                return self.math_call(node, f.attr, defined)
            if f.attr in ("append", "pop"):
                return self.method(node, f, defined)
            self.error(
                f,
                "PV305",
                f"method or attribute '{ast.unparse(f)}' is not supported",
                "lists support .append(x) and .pop() / .pop(i)",
            )
            return Expr("error", ERR, line)
        if not isinstance(f, ast.Name):
            self.error(
                f,
                "PV308",
                f"cannot call '{ast.unparse(f)}'",
                "call module functions, supported builtins or math functions by name",
            )
            return Expr("error", ERR, line)
        n = f.id
        if n in self.local_names or any(n in s for s in self.comp_scopes):
            self.error(
                f,
                "PV308",
                f"'{n}' is a variable and cannot be called",
                "call module functions by name",
            )
            return Expr("error", ERR, line)
        if n in self.m.functions:
            return self.user_call(node, n, defined)
        if n in self.m.math_names:
            return self.math_call(node, self.m.math_names[n], defined)
        if n in BUILTINS:
            return self.builtin(node, n, defined, expected)
        if n in DYNAMIC:
            self.error(
                f,
                "PV303",
                f"'{n}()' is a dynamic feature and is not supported",
                "keep dynamic code in an interpreted module",
            )
            return Expr("error", ERR, line)
        if n in self.m.constants:
            self.error(f, "PV308", f"'{n}' is a constant and cannot be called", "")
            return Expr("error", ERR, line)
        import builtins

        if hasattr(builtins, n):
            self.error(
                f,
                "PV302",
                f"builtin '{n}()' is not supported",
                BUILTIN_HINTS.get(n, "supported builtins: " + ", ".join(sorted(BUILTINS))),
            )
            return Expr("error", ERR, line)
        self.error(
            f,
            "PV301",
            f"name '{n}' is not defined in this module",
            "call a function defined in this module",
        )
        return Expr("error", ERR, line)

    def user_call(self, node: ast.Call, n: str, defined: set[str]) -> Expr:
        line = node.lineno
        params, ret = self.m.signatures[n]
        self.calls.add(n)
        slots: list[Expr | None] = [None] * len(params)
        nodes: list[ast.AST | None] = [None] * len(params)
        if len(node.args) > len(params):
            self.error(
                node,
                "PV212",
                f"{n}() takes {len(params)} arguments but {len(node.args)} were given",
                "pass the right number of arguments",
            )
            return Expr("error", ERR, line)
        for i, a in enumerate(node.args):
            slots[i] = self.expr(a, defined, expected=params[i].type)
            nodes[i] = a
        names = [p.name for p in params]
        for k in node.keywords:
            if k.arg not in names:
                self.error(
                    k,
                    "PV309",
                    f"{n}() has no parameter named '{k.arg}'",
                    "parameters: " + ", ".join(names),
                )
                return Expr("error", ERR, line)
            i = names.index(k.arg)
            if slots[i] is not None:
                self.error(
                    k, "PV309", f"{n}() got multiple values for argument '{k.arg}'", "pass it once"
                )
                return Expr("error", ERR, line)
            slots[i] = self.expr(k.value, defined, expected=params[i].type)
            nodes[i] = k.value
        args = []
        for i, p in enumerate(params):
            e = slots[i]
            if e is None:
                if not p.has_default:
                    self.error(
                        node, "PV212", f"{n}() is missing argument '{p.name}'", f"pass {p.name}=..."
                    )
                    return Expr("error", ERR, line)
                if self.m.per_function:
                    # the generic function's __defaults__ can be rebound: no compiled-in value
                    self.error(
                        node,
                        "PV212",
                        f"the call to {n}() leaves argument '{p.name}' to its default",
                        f"pass {p.name}=... explicitly for a native call",
                    )
                    return Expr("error", ERR, line)
                e = Expr("const", p.type, line, data=p.default)
            else:
                self.compatible(nodes[i] or node, e, p.type, f"argument '{p.name}' of {n}()")
            args.append(e)
        if ret == ERR or any(p.type == ERR for p in params):
            return Expr("error", ERR, line)
        return Expr("call", ret, line, args, data=n)

    def method(self, node: ast.Call, f: ast.Attribute, defined: set[str]) -> Expr:
        line = node.lineno
        obj = self.expr(f.value, defined)
        if obj.type == ERR:
            return obj
        if not ir.is_list(obj.type):
            self.error(
                f,
                "PV305",
                f"{ir.show(obj.type)} has no supported method '{f.attr}'",
                "append and pop are supported on lists",
            )
            return Expr("error", ERR, line)
        if node.keywords:
            self.error(
                node,
                "PV309",
                f"list.{f.attr}() takes no keyword arguments",
                "pass the arguments positionally",
            )
            return Expr("error", ERR, line)
        elem = obj.type[1]
        if f.attr == "append":
            if len(node.args) != 1:
                self.error(
                    node,
                    "PV212",
                    "list.append() takes exactly one argument",
                    "append one item at a time",
                )
                return Expr("error", ERR, line)
            v = self.expr(node.args[0], defined, expected=elem)
            self.compatible(node.args[0], v, elem, "list.append() argument")
            return Expr("append", NONE, line, [obj, v])
        if len(node.args) > 1:
            self.error(
                node,
                "PV212",
                "list.pop() takes at most one argument",
                "write lst.pop() or lst.pop(i)",
            )
            return Expr("error", ERR, line)
        args = [obj] + [self.index_expr(a, defined) for a in node.args]
        return Expr("pop", elem, line, args)

    def math_call(self, node: ast.Call, fname: str, defined: set[str]) -> Expr:
        line = node.lineno
        if fname not in MATH_FUNCS:
            self.error(
                node.func,
                "PV304",
                f"math.{fname} is not supported",
                "supported: " + ", ".join(sorted(MATH_FUNCS | set(MATH_CONSTS))),
            )
            return Expr("error", ERR, line)
        if node.keywords:
            self.error(
                node,
                "PV309",
                f"math.{fname}() takes no keyword arguments",
                "pass the arguments positionally",
            )
            return Expr("error", ERR, line)
        args = [self.expr(a, defined) for a in node.args]
        if any(a.type == ERR for a in args):
            return Expr("error", ERR, line)
        for a, an in zip(args, node.args, strict=False):
            if a.type not in (INT, FLOAT, BOOL):
                self.error(
                    an,
                    "PV204",
                    f"math.{fname}() argument must be a number, not {ir.show(a.type)}",
                    "pass an int or float",
                )
                return Expr("error", ERR, line)
        arity = {"atan2": (2, 2), "pow": (2, 2), "log": (1, 2), "hypot": (0, 64)}.get(fname, (1, 1))
        if not arity[0] <= len(args) <= arity[1]:
            self.error(
                node,
                "PV212",
                f"math.{fname}() takes {arity[0]}"
                + (f" to {arity[1]}" if arity[1] != arity[0] else "")
                + f" arguments, {len(args)} given",
                "pass the right number of arguments",
            )
            return Expr("error", ERR, line)
        args = [self.to_int(a) for a in args]
        if fname in ("floor", "ceil"):
            return Expr("math", INT, line, args, data=fname)
        if fname in ("isnan", "isinf", "isfinite"):
            return Expr("math", BOOL, line, args, data=fname)
        return Expr("math", FLOAT, line, args, data=fname)

    def builtin(self, node: ast.Call, n: str, defined: set[str], expected: Any) -> Expr:
        line = node.lineno
        if n == "print":
            args = [self.expr(a, defined) for a in node.args]
            kws = {}
            for k in node.keywords:
                if k.arg not in ("sep", "end") or not (
                    isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)
                ):
                    self.error(
                        k,
                        "PV309",
                        f"print() keyword '{k.arg}' is not supported",
                        "only sep= and end= with string literals are supported",
                    )
                    return Expr("error", ERR, line)
                kws[k.arg] = k.value.value
            if any(a.type == ERR for a in args):
                return Expr("error", ERR, line)
            return Expr("print", NONE, line, args, data=kws)
        if n == "range":
            self.error(
                node,
                "PV205",
                "range() can only be used in a for loop or comprehension",
                "build a list with [i for i in range(...)]",
            )
            return Expr("error", ERR, line)
        if node.keywords:
            self.error(
                node,
                "PV309",
                f"{n}() keyword arguments are not supported",
                "pass the arguments positionally",
            )
            return Expr("error", ERR, line)
        if (
            n == "float"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Constant)
            and (isinstance(node.args[0].value, str))
        ):
            try:
                return Expr("const", FLOAT, line, data=float(node.args[0].value))
            except ValueError:
                self.error(
                    node,
                    "PV210",
                    f"float({node.args[0].value!r}) is not a number",
                    "write float('inf'), float('-inf') or float('nan')",
                )
                return Expr("error", ERR, line)
        args = [self.expr(a, defined) for a in node.args]
        if any(a.type == ERR for a in args):
            return Expr("error", ERR, line)
        types = [a.type for a in args]

        def bad(msg: str, hint: str, code: str = "PV204") -> Expr:
            self.error(node, code, msg, hint)
            return Expr("error", ERR, line)

        if n in ("int", "float", "bool") and not args:
            return Expr(
                "const",
                {"int": INT, "float": FLOAT, "bool": BOOL}[n],
                line,
                data={"int": 0, "float": 0.0, "bool": False}[n],
            )
        if n in ("abs", "int", "float", "bool", "len") and len(args) != 1:
            return bad(
                f"{n}() takes exactly one argument here ({len(args)} given)",
                "pass one argument",
                "PV212",
            )
        if n == "len":
            if ir.is_tuple(types[0]):
                return Expr("const", INT, line, data=len(types[0][1]))
            if not ir.is_list(types[0]):
                return bad(
                    f"len() of {ir.show(types[0])} is not supported",
                    "len() applies to lists and tuples",
                )
            return Expr("len", INT, line, args)
        if n == "bool":
            return self.truth(node, args[0])
        if types[0] not in (INT, FLOAT, BOOL) and n in ("abs", "int", "float", "round", "divmod"):
            return bad(
                f"{n}() of {ir.show(types[0])} is not supported",
                f"{n}() applies to numbers",
                "PV210" if types[0] == STR else "PV204",
            )
        if n == "abs":
            a = args[0]
            return Expr(
                "abs",
                FLOAT if a.type == FLOAT else INT,
                line,
                [a if a.type == FLOAT else self.to_int(a)],
            )
        if n == "int":
            a = args[0]
            if a.type == FLOAT:
                return Expr("float_to_int", INT, line, [a])
            return self.to_int(a) if a.type == BOOL else a
        if n == "float":
            return self.to_float(args[0])
        if n == "round":
            if len(args) not in (1, 2):
                return bad(
                    "round() takes 1 or 2 arguments", "round(x) or round(x, ndigits)", "PV212"
                )
            a = args[0]
            if len(args) == 2:
                if args[1].type not in (INT, BOOL):
                    return bad("round() ndigits must be int", "pass an int")
                t = FLOAT if a.type == FLOAT else INT
                return Expr(
                    "round2", t, line, [a if t == FLOAT else self.to_int(a), self.to_int(args[1])]
                )
            if a.type == FLOAT:
                return Expr("round", INT, line, [a])
            return self.to_int(a)
        if n == "divmod":
            if len(args) != 2:
                return bad("divmod() takes exactly two arguments", "divmod(a, b)", "PV212")
            if args[1].type not in (INT, FLOAT, BOOL):
                return bad(
                    f"divmod() of {ir.show(args[1].type)} is not supported",
                    "divmod() applies to numbers",
                )
            if FLOAT in types:
                a, b = self.to_float(args[0]), self.to_float(args[1])
                return Expr("divmod", ir.tuple_of((FLOAT, FLOAT)), line, [a, b])
            a, b = self.to_int(args[0]), self.to_int(args[1])
            return Expr("divmod", ir.tuple_of((INT, INT)), line, [a, b])
        if n in ("min", "max"):
            if len(args) == 1:
                if not ir.is_list(types[0]) or types[0][1] not in (INT, FLOAT, BOOL):
                    return bad(
                        f"{n}() of a single {ir.show(types[0])} is not supported",
                        f"pass a list of numbers or several numbers to {n}()",
                    )
                return Expr("minmax_list", types[0][1], line, args, data=n)
            if not args:
                return bad(f"{n}() needs arguments", "pass a list or two numbers", "PV212")
            if len(set(types)) != 1 or types[0] not in (INT, FLOAT, BOOL):
                return bad(
                    f"{n}() arguments have different types ("
                    + ", ".join(ir.show(t) for t in types)
                    + "): CPython returns the "
                    "winning argument unchanged, so the result type would depend on "
                    "the values",
                    "convert all arguments to one type, e.g. float(...)",
                    "PV207",
                )
            return Expr("minmax", types[0], line, args, data=n)
        raise AssertionError(n)


def _break_at_this_level(body: list[ast.stmt]) -> bool:
    for stmt in body:
        if isinstance(stmt, ast.Break):
            return True
        if isinstance(stmt, (ast.While, ast.For)):
            if _break_at_this_level(stmt.orelse):
                return True
            continue
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and _break_at_this_level(inner):
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


def analyse(source: str, path: str, module_name: str) -> tuple[ir.Module | None, list[Diagnostic]]:
    """Parse and check ``source``; returns the IR (None if there are errors) and diagnostics."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        col = exc.offset or 1
        return None, [
            Diagnostic(
                path,
                exc.lineno or 1,
                col,
                "PV100",
                f"syntax error: {exc.msg}",
                "fix the syntax error first",
            )
        ]
    checker = Checker(source, path, module_name)
    module = checker.check_module(tree)
    diags = sorted(set(checker.diags))
    if any(d.severity == "error" for d in diags):
        return None, diags
    return module, diags


def analyse_file(
    path: Path, module_name: str | None = None
) -> tuple[ir.Module | None, list[Diagnostic]]:
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            Diagnostic(
                str(path), 1, 1, "PV100", f"the file is not UTF-8: {exc}", "save the file as UTF-8"
            )
        ]
    return analyse(source, str(path), module_name or path.stem)
