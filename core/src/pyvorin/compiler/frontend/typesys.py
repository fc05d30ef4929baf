"""The native subset's types: annotations parsed into IR types and function signatures
(module checker), and the rules the function checker applies to typed expressions
(compatibility, int/float conversions, truth values)."""

from __future__ import annotations

import ast
from typing import Any

from .. import ir
from ..ir import BOOL, FLOAT, INT, NONE, STR, Expr, Param
from .common import ERR, FunctionState


class AnnotationChecks:
    """Part of :class:`.module.Checker`: annotations and signatures."""

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
                "annotate the value as int, float, bool, str or a list/tuple of those",
            )
            return ERR
        if isinstance(node, ast.Name) and node.id in ("int", "float", "bool", "str"):
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
        if base in ("set", "Set") and args is not None and len(args) == 1:
            if not self.per_function:
                self.error(
                    node,
                    "PV203",
                    f"type annotation '{ast.unparse(node)}' is native only in the native "
                    "version of a function in a module the generic tier compiles",
                )
                return ERR
            elem = self.parse_type(args[0])
            if elem == ERR:
                return ERR
            if elem not in (INT, STR):
                self.error(
                    node,
                    "PV203",
                    f"sets of {ir.show(elem)} are not supported",
                    "use int or str items",
                )
                return ERR
            return ir.set_of(elem)
        if base in ("dict", "Dict") and args is not None and len(args) == 2:
            if not self.per_function:
                # a module native whole converts its arguments at the call boundary, and
                # has no conversion for a dict: dicts are native in native versions only
                self.error(
                    node,
                    "PV203",
                    f"type annotation '{ast.unparse(node)}' is native only in the native "
                    "version of a function in a module the generic tier compiles",
                )
                return ERR
            key, value = self.parse_type(args[0]), self.parse_type(args[1])
            if ERR in (key, value):
                return ERR
            if key not in (INT, STR):
                self.error(
                    node,
                    "PV203",
                    f"dict keys of type {ir.show(key)} are not supported",
                    "use int or str keys",
                )
                return ERR
            return ir.dict_of(key, value)
        shown = ast.unparse(node)
        hint = "use int, float, bool, str, list[T] or tuple[T1, T2, ...] of those"
        self.error(node, "PV203", f"type annotation '{shown}' is not supported", hint)
        return ERR

    def signature(self, fn: ast.FunctionDef) -> tuple[list[Param], Any]:
        # A native version in a generic-tier module runs behind the function's own C
        # entry, whatever the decorator made of the name (tiering.select_functions); a
        # module compiled natively whole has no decorators at all.
        for dec in () if self.per_function else fn.decorator_list:
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
            kind = {bool: BOOL, int: INT, float: FLOAT, str: STR}.get(type(value))
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
                "use a number, bool or str literal; for a list, make the parameter required",
            )
        return None


class TypeRules(FunctionState):
    """Part of :class:`.function.FunctionChecker`: type compatibility and conversions."""

    def dict_key(self, node: ast.AST, key: Expr, d: Any) -> bool:
        """A key used with a dict (or an item with a set) of type ``d`` must be exactly of
        its key type: a bool finds the int key 1, but stored it would put a bool among
        int keys."""
        if key.type in (ERR, d[1]):
            return key.type != ERR
        self.error(
            node,
            "PV204",
            f"{'an item' if ir.is_set(d) else 'a key'} of a {ir.show(d)} must be "
            f"{ir.show(d[1])}, not {ir.show(key.type)}",
            f"convert the key with {ir.show(d[1])}(...)",
        )
        return False

    def compatible(self, node: ast.AST, e: Expr, t: Any, what: str, code: str = "PV204") -> None:
        self.partial_use(e, t)
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
