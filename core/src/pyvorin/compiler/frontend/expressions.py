"""The function checker's expressions: constants, names, operators, comparisons,
conditional expressions, list/tuple displays, subscripts, list comprehensions, math
constants; the expressions outside the subset."""

from __future__ import annotations

import ast
from typing import Any

from .. import ir
from ..ir import BOOL, FLOAT, INT, NONE, STR, Expr
from .common import ARITH, CMP, DYNAMIC, ERR, MATH_CONSTS, MATH_FUNCS, OP_SYMBOL, FunctionState


class ExpressionChecks(FunctionState):
    """Part of :class:`.function.FunctionChecker`: expressions."""

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
            inner = expected[1] if expected is not None and ir.is_list(expected) else None
            items = [self.expr(e, defined, inner) for e in node.elts]
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
            hints = [None] * len(node.elts)
            if expected is not None and ir.is_tuple(expected) and len(expected[1]) == len(hints):
                hints = list(expected[1])
            items = [self.expr(e, defined, h) for e, h in zip(node.elts, hints, strict=True)]
            if any(i.type == ERR for i in items):
                return Expr("error", ERR, line)
            return Expr("tuple", ir.tuple_of(tuple(i.type for i in items)), line, items)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, defined)
        if isinstance(node, ast.ListComp):
            return self.listcomp(node, defined, expected)
        if isinstance(node, ast.JoinedStr):
            return self.fstring(node, defined)
        if isinstance(node, ast.Dict) and (node.keys or (expected and ir.is_dict(expected))):
            return self.dict_display(node, defined, expected)
        if isinstance(node, ast.Set):
            return self.set_display(node, defined, expected)
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
        if STR in (a.type, b.type):
            if op == "add" and a.type == STR and b.type == STR:
                return Expr("str_concat", STR, line, [a, b])
            if op == "mul" and a.type == STR and b.type in (INT, BOOL):
                return Expr("str_repeat", STR, line, [a, self.to_int(b)])
            if op == "mul" and b.type == STR and a.type in (INT, BOOL):
                return Expr("str_repeat", STR, line, [b, self.to_int(a)])
            self.error(
                node,
                "PV210",
                f"operator {sym} is not supported for {ir.show(a.type)} and {ir.show(b.type)}",
                "strs support + (with a str) and * int",
            )
            return Expr("error", ERR, line)
        if not (ir.is_numeric(a.type) and ir.is_numeric(b.type)):
            code = "PV205"
            self.error(
                node,
                code,
                f"operator {sym} is not supported for {ir.show(a.type)} and {ir.show(b.type)}",
                "operators apply to int, float and bool values",
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
                if name in ("in", "not in"):
                    sym = name  # between strs only: checked below
                else:
                    self.error(
                        node,
                        "PV214",
                        f"the '{name}' operator is not supported",
                        "compare numbers or strs with == != < <= > >=",
                    )
                    ok = False
            ops.append(sym)
        if not ok or any(o.type == ERR for o in operands):
            return Expr("error", ERR, line)
        for i, sym in enumerate(ops):
            a, b = operands[i].type, operands[i + 1].type
            if sym in ("in", "not in"):
                if a == STR and b == STR:
                    continue
                if ir.is_dict(b) or ir.is_set(b):
                    if self.dict_key(node, operands[i], b):
                        continue
                    return Expr("error", ERR, line)
                self.error(
                    node,
                    "PV214",
                    f"the '{sym}' operator is supported only between strs, "
                    f"not {ir.show(a)} and {ir.show(b)}",
                    "search lists with a loop",
                )
                return Expr("error", ERR, line)
            if (a == STR and b == STR) or (ir.is_numeric(a) and ir.is_numeric(b)):
                continue
            shown = a if not ir.is_numeric(a) else b
            self.error(
                node,
                "PV214",
                f"comparison of {ir.show(shown)} values is not supported"
                if a == b or STR not in (a, b)
                else f"comparison of {ir.show(a)} and {ir.show(b)} is not supported",
                "compare numbers with numbers and strs with strs; compare lists item by item",
            )
            return Expr("error", ERR, line)
        return Expr("compare", BOOL, line, operands, data=ops)

    def subscript(self, node: ast.Subscript, defined: set[str]) -> Expr:
        line = node.lineno
        if isinstance(node.slice, ast.Slice):
            return self.slice(node, node.slice, defined)
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
        if ir.is_dict(base.type):
            key = self.expr(node.slice, defined)
            if not self.dict_key(node.slice, key, base.type):
                return Expr("error", ERR, line)
            return Expr("dict_get", base.type[2], line, [base, key])
        if ir.is_list(base.type) or base.type == STR:
            idx = self.index_expr(node.slice, defined)
            if idx.type == ERR:
                return idx
            if base.type == STR:
                return Expr("str_get", STR, line, [base, idx])
            return Expr("list_get", base.type[1], line, [base, idx])
        self.error(
            node,
            "PV205",
            f"indexing a {ir.show(base.type)} is not supported",
            "only lists, tuples and strs can be indexed",
        )
        return Expr("error", ERR, line)

    def slice(self, node: ast.Subscript, sl: ast.Slice, defined: set[str]) -> Expr:
        """``s[a:b]`` of a str or a list (either bound may be left out; no step):
        ``str_slice`` / ``list_slice``, its args the sequence and the bounds given, ``data``
        which bounds are given. Other slices are not supported."""
        base = self.expr(node.value, defined) if sl.step is None else None
        if base is not None and base.type == ERR:
            return base
        if base is None or not (base.type == STR or ir.is_list(base.type)):
            self.error(
                node,
                "PV216",
                "slicing with a step is not supported"
                if base is None
                else f"slicing a {ir.show(base.type)} is not supported",
                "slice strs and lists without a step; copy items with a list comprehension "
                "over an index range",
            )
            return Expr("error", ERR, node.lineno)
        bounds = [self.index_expr(b, defined) for b in (sl.lower, sl.upper) if b is not None]
        if any(b.type == ERR for b in bounds):
            return Expr("error", ERR, node.lineno)
        given = (sl.lower is not None, sl.upper is not None)
        kind = "str_slice" if base.type == STR else "list_slice"
        return Expr(kind, base.type, node.lineno, [base, *bounds], data=given)

    def comp_head(self, node: ast.ListComp | ast.GeneratorExp, what: str, defined: set[str]):
        """The one ``for`` clause (at most one ``if``) of a comprehension over a range, a
        list or a str: ``(generator, kind, iteration args, item type, C name of the
        target)``, or None after an error."""
        if len(node.generators) != 1 or len(node.generators[0].ifs) > 1:
            self.error(
                node,
                "PV119",
                f"only {what} with one for clause and at most one if are supported",
                "use nested for loops",
            )
            return None
        gen = node.generators[0]
        if gen.is_async or not isinstance(gen.target, ast.Name):
            self.error(
                gen.target,
                "PV117",
                "the comprehension target must be a plain name",
                "loop over indices and read tuple items inside",
            )
            return None
        it = self.iteration(gen.iter, defined)
        if it is None:
            return None
        kind, args, elem = it
        self.comp_counter += 1
        return gen, kind, args, elem, f"{gen.target.id}__comp{self.comp_counter}"

    def listcomp(self, node: ast.ListComp, defined: set[str], expected: Any = None) -> Expr:
        line = node.lineno
        head = self.comp_head(node, "list comprehensions", defined)
        if head is None:
            return Expr("error", ERR, line)
        gen, kind, args, elem, cname = head
        self.comp_scopes.append({gen.target.id: (cname, elem)})
        try:
            cond = [self.cond(gen.ifs[0], defined)] if gen.ifs else []
            inner = expected[1] if expected is not None and ir.is_list(expected) else None
            value = self.expr(node.elt, defined, inner)
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

    def reduction(self, node: ast.Call, n: str, defined: set[str]) -> Expr:
        """``all(...)``, ``any(...)`` and ``sum(...)`` of a generator expression (one ``for``
        clause, at most one ``if``) or of a list, compiled as a loop.

        A generator is lazy: ``all``/``any`` stop at the first false (true) item and the
        items after it are never computed, as CPython's stop pulling from the generator.
        An item's truth is the one ``if`` would use (``truth``). A list argument is
        evaluated whole first (a list comprehension too: CPython builds the list before
        the builtin sees it). ``sum`` takes int and bool items only, from ``start`` (an
        int, 0 by default; a bool start would be returned as it is when there are no
        items), adding as ``int + int`` does; a sum of floats keeps the generic
        body, because CPython 3.12 changed how ``sum`` rounds floats (compensated
        summation) and 3.10-3.11 add them one by one."""
        line = node.lineno
        most = 2 if n == "sum" else 1
        if not 1 <= len(node.args) <= most:
            self.error(
                node,
                "PV212",
                f"{n}() takes {'1 or 2 arguments' if most == 2 else 'exactly one argument'} "
                f"here ({len(node.args)} given)",
                "pass one iterable" + (" and an int start" if most == 2 else ""),
            )
            return Expr("error", ERR, line)
        arg = node.args[0]
        if isinstance(arg, ast.GeneratorExp):
            head = self.comp_head(arg, "generator expressions", defined)
            if head is None:
                return Expr("error", ERR, line)
            gen, kind, args, elem, cname = head
            self.comp_scopes.append({gen.target.id: (cname, elem)})
            try:
                cond = [self.cond(gen.ifs[0], defined)] if gen.ifs else []
                item_node = arg.elt
                value = self.cond(arg.elt, defined) if n != "sum" else self.expr(arg.elt, defined)
            finally:
                self.comp_scopes.pop()
        else:
            seq = self.expr(arg, defined)
            if seq.type == ERR:
                return seq
            if not ir.is_list(seq.type):
                self.error(
                    arg,
                    "PV204",
                    f"{n}() of a {ir.show(seq.type)} is not supported",
                    f"pass a list, or a generator expression: {n}(x for x in xs)",
                )
                return Expr("error", ERR, line)
            kind, args, elem = "for_list", [seq], seq.type[1]
            self.comp_counter += 1
            cname = f"{n}__item{self.comp_counter}"
            cond = []
            item_node = arg
            item = Expr("local", elem, line, data=cname)
            value = self.truth(arg, item) if n != "sum" else item
        if value.type == ERR or any(c.type == ERR for c in cond):
            return Expr("error", ERR, line)
        self.types[cname] = elem
        data = (kind, args, cname, bool(cond), n)
        if n != "sum":
            return Expr("all_any", BOOL, line, [value, *cond], data=data)
        start = self.expr(node.args[1], defined) if len(node.args) > 1 else None
        if start is not None and start.type == ERR:
            return start
        if start is not None and start.type == BOOL:
            self.error(
                node.args[1],
                "PV207",
                "sum() with a bool start returns that bool when there are no items, an "
                "int otherwise: the result type would depend on the values",
                "start from int(flag), or 0",
            )
            return Expr("error", ERR, line)
        for what, e, at in (("items", value, item_node), ("start", start, node)):
            if e is not None and e.type not in (INT, BOOL):
                self.error(
                    at,
                    "PV204",
                    f"sum() of {ir.show(e.type)} {what} is not supported natively: "
                    + (
                        "CPython 3.12 rounds a sum of floats differently from 3.10-3.11"
                        if e.type == FLOAT
                        else "only ints and bools are summed natively"
                    ),
                    "the function keeps its generic body; sum ints for a native version",
                )
                return Expr("error", ERR, line)
        zero = Expr("const", INT, line, data=0)
        value = self.to_int(value)
        start = zero if start is None else self.to_int(start)
        return Expr("int_sum", INT, line, [value, *cond, start], data=data)

    def fstring(self, node: ast.JoinedStr, defined: set[str]) -> Expr:
        """An f-string of int, float, bool and str values: each replacement field is what
        CPython's FORMAT_VALUE makes of it (the conversion ``!s``/``!r``/``!a``, then
        ``format(value, spec)``, the spec itself an f-string evaluated after the value),
        and the pieces are joined in order. Formatting these exact types runs no Python
        code."""
        line = node.lineno
        parts: list[Expr] = []
        for piece in node.values:
            if isinstance(piece, ast.Constant):
                parts.append(Expr("const", STR, line, data=piece.value))
                continue
            assert isinstance(piece, ast.FormattedValue)
            value = self.expr(piece.value, defined)
            if value.type == ERR:
                return value
            if value.type not in (INT, FLOAT, BOOL, STR):
                self.error(
                    piece.value,
                    "PV210",
                    f"an f-string field of type {ir.show(value.type)} is not supported",
                    "format ints, floats, bools and strs; or build the text with str() and +",
                )
                return Expr("error", ERR, line)
            args = [value]
            if piece.format_spec is not None:
                spec = self.fstring(piece.format_spec, defined)  # type: ignore[arg-type]
                if spec.type == ERR:
                    return spec
                args.append(spec)
            parts.append(Expr("fvalue", STR, line, args, data=piece.conversion))
        return Expr("fstring", STR, line, parts)

    def dict_display(self, node: ast.Dict, defined: set[str], expected: Any = None) -> Expr:
        """``{k: v, ...}``: keys and values evaluated in order (key, then its value), each
        stored in turn (a repeated key keeps its last value, as BUILD_MAP); the type is
        the expected one, or the first item's, and every key and value must be exactly
        of it. ``{}`` needs the expected type (an annotation, a parameter, a return)."""
        line = node.lineno
        if any(k is None for k in node.keys):
            self.error(node, "PV209", "** in a dict display is not supported", "copy in a loop")
            return Expr("error", ERR, line)
        args: list[Expr] = []
        want = expected if expected is not None and ir.is_dict(expected) else None
        for k, v in zip(node.keys, node.values, strict=True):
            key = self.expr(k, defined, want[1] if want else None)
            value = self.expr(v, defined, want[2] if want else None)
            if ERR in (key.type, value.type):
                return Expr("error", ERR, line)
            if want is None:
                if key.type not in (INT, STR):
                    self.error(
                        k,
                        "PV209",
                        f"dict keys of type {ir.show(key.type)} are not supported",
                        "use int or str keys",
                    )
                    return Expr("error", ERR, line)
                want = ir.dict_of(key.type, value.type)
            if not self.dict_key(k, key, want):
                return Expr("error", ERR, line)
            self.compatible(v, value, want[2], "dict value")
            args += [key, value]
        return Expr("dict", want, line, args)

    def set_display(self, node: ast.Set, defined: set[str], expected: Any = None) -> Expr:
        """``{a, b, ...}``: items evaluated and added in order (BUILD_SET); the type is the
        expected one or the first item's, every item exactly of it."""
        line = node.lineno
        want = expected if expected is not None and ir.is_set(expected) else None
        items: list[Expr] = []
        for n in node.elts:
            if isinstance(n, ast.Starred):
                self.error(n, "PV209", "* in a set display is not supported", "add in a loop")
                return Expr("error", ERR, line)
            item = self.expr(n, defined, want[1] if want else None)
            if item.type == ERR:
                return item
            if want is None:
                if item.type not in (INT, STR):
                    self.error(
                        n,
                        "PV209",
                        f"sets of {ir.show(item.type)} are not supported",
                        "use int or str items",
                    )
                    return Expr("error", ERR, line)
                want = ir.set_of(item.type)
            if not self.dict_key(n, item, want):
                return Expr("error", ERR, line)
            items.append(item)
        return Expr("set", want, line, items)
