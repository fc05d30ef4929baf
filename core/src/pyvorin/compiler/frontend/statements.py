"""The function checker's statements: blocks (definite assignment, fall-through),
assignment and unpacking, item and augmented assignment, if/while/for, return, assert,
raise of a builtin exception class."""

from __future__ import annotations

import ast
import builtins
from typing import Any

from .. import ir
from ..ir import BOOL, INT, NONE, STR, Expr, Stmt
from .common import ARITH, ERR, OP_SYMBOL, FunctionState


class StatementChecks(FunctionState):
    """Part of :class:`.function.FunctionChecker`: statements."""

    def raise_stmt(self, s: ast.Raise, defined: set[str], out: list[Stmt]) -> tuple[set[str], bool]:
        """``raise E`` or ``raise E(args)``: ``E`` names a builtin exception class (read
        through the function's builtin guard, like every builtin it uses) and the
        arguments are positional native values. The class is called with the boxed
        arguments and the instance raised, as CPython's ``RAISE_VARARGS`` does; anything
        else (``from``, a bare re-raise, an exception object or a class of the module)
        stays in the generic tier."""
        exc, args = s.exc, []
        if isinstance(exc, ast.Call) and not exc.keywords:
            exc, args = exc.func, list(exc.args)
        name = exc.id if isinstance(exc, ast.Name) else None
        builtin = getattr(builtins, name, None) if name else None
        if (
            s.cause is not None
            or not (isinstance(builtin, type) and issubclass(builtin, BaseException))
            or name in self.local_names
            or name in self.m.constants
            or name in self.m.functions
            or any(isinstance(a, ast.Starred) for a in args)
        ):
            self.error(
                s,
                "PV103",
                "only `raise E` and `raise E(args)` of a builtin exception class are supported",
                "raise a builtin exception such as ValueError with positional arguments",
            )
            return defined, False
        values = [self.expr(a, defined) for a in args]
        out.append(Stmt("raise", s.lineno, values, data=name))
        return defined, False

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
        if isinstance(s, ast.Raise):
            return self.raise_stmt(s, defined, out)
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
        expected = self.types.get(first.id) or self.hints.get(first.id)
        if (
            self.partial is not None
            and len(targets) == 1
            and isinstance(s.value, ast.List)
            and not s.value.elts
            and self.types.get(first.id, ERR) == ERR
            and first.id not in self.hints
        ):
            # probing: a list made empty, its type left open (infer_empty_lists)
            self.partial.setdefault(first.id, [])
            self.types[first.id] = ERR
            return defined | {first.id}
        e = self.expr(s.value, defined, expected=expected)
        for t in targets:
            assert isinstance(t, ast.Name)
            if self.partial is not None and self.types.get(t.id) == ERR:
                self.partial_use(Expr("local", ERR, t.lineno, data=t.id), e.type)
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
        if ir.is_dict(lst.type):
            key = self.expr(target.slice, defined)
            e = self.expr(value, defined, expected=lst.type[2])
            if self.dict_key(target.slice, key, lst.type):
                self.compatible(value, e, lst.type[2], "dict value")
                out.append(Stmt("dict_set", line, [lst, key, e]))
            return defined
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
            if ir.is_dict(lst.type):
                key = self.expr(s.target.slice, defined)
                rhs = self.expr(s.value, defined)
                if self.dict_key(s.target.slice, key, lst.type) and rhs.type != ERR:
                    res = self.binop(s, op, Expr("aug_cur", lst.type[2], line), rhs)
                    self.compatible(s, res, lst.type[2], "dict value")
                    out.append(Stmt("dict_aug_set", line, [lst, key, res]))
                return defined
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
        if isinstance(s.target, ast.Tuple) and self.plain_names(s.target):
            return self.for_unpack(s, s.target, defined, out)
        if not isinstance(s.target, ast.Name):
            self.error(
                s.target,
                "PV117",
                f"loop target '{ast.unparse(s.target)}' is not supported",
                "unpack into plain, distinct names: `for i, x in enumerate(xs)`, "
                "`for a, b in zip(xs, ys)`",
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

    @staticmethod
    def plain_names(target: ast.Tuple) -> bool:
        """A tuple of distinct plain names (``i, x``), the only tuple loop target."""
        names = [e.id for e in target.elts if isinstance(e, ast.Name)]
        return len(names) == len(target.elts) >= 1 and len(set(names)) == len(names)

    def for_unpack(
        self, s: ast.For, target: ast.Tuple, defined: set[str], out: list[Stmt]
    ) -> set[str]:
        """``for i, x in enumerate(seq[, start])``, ``for a, b in zip(s1, s2, ...)`` over
        lists and strs, ``for a, b in pairs`` over a list of tuples, and ``for k, v in
        d.items()`` of a dict: a ``for_seq`` statement. ``exprs``: the sequences (then the
        start of ``enumerate``; the dict); ``data``: ``(mode, names)`` with mode
        ``enumerate``, ``zip``, ``unpack`` or ``items``. The items are
        read as the builtins' iterators read them (a list's length checked at each step,
        so items appended in the loop are seen); the names keep their last values."""
        names = [e.id for e in target.elts if isinstance(e, ast.Name)]
        node = s.iter
        call = node if isinstance(node, ast.Call) else None
        if call is not None and self.builtin_name(call.func, "enumerate"):
            start_node = None
            if call.keywords and (
                len(call.keywords) != 1 or call.keywords[0].arg != "start" or len(call.args) != 1
            ):
                self.error(
                    call,
                    "PV309",
                    "enumerate() takes a sequence and an optional start here",
                    "write enumerate(xs) or enumerate(xs, start)",
                )
                return defined
            if call.keywords:
                start_node = call.keywords[0].value
            elif len(call.args) == 2:
                start_node = call.args[1]
            elif len(call.args) != 1:
                self.error(
                    call,
                    "PV212",
                    f"enumerate() takes 1 or 2 arguments ({len(call.args)} given)",
                    "write enumerate(xs) or enumerate(xs, start)",
                )
                return defined
            seqs = self.loop_sequences([call.args[0]], defined)
            if seqs is None:
                return defined
            if start_node is None:
                start = Expr("const", INT, call.lineno, data=0)
            else:
                start = self.expr(start_node, defined)
                if start.type == ERR:
                    return defined
                if start.type not in (INT, BOOL):
                    self.error(
                        start_node,
                        "PV204",
                        f"enumerate() start must be int, not {ir.show(start.type)}",
                        "pass an int start",
                    )
                    return defined
                start = self.to_int(start)
            mode, exprs, types = "enumerate", [*seqs, start], [INT, _item_type(seqs[0])]
        elif call is not None and self.builtin_name(call.func, "zip"):
            if call.keywords or not call.args:
                self.error(
                    call,
                    "PV309",
                    "zip() takes positional sequences only here (no strict=)",
                    "write zip(xs, ys)",
                )
                return defined
            seqs = self.loop_sequences(call.args, defined)
            if seqs is None:
                return defined
            mode, exprs, types = "zip", seqs, [_item_type(q) for q in seqs]
        elif (
            call is not None
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "items"
            and not call.args
            and not call.keywords
            and ir.is_dict((d := self.expr(call.func.value, defined)).type)
        ):
            mode, exprs, types = "items", [d], [d.type[1], d.type[2]]
        else:
            e = self.expr(node, defined)
            if e.type == ERR:
                return defined
            if not (ir.is_list(e.type) and ir.is_tuple(e.type[1])):
                self.error(
                    target,
                    "PV117",
                    f"loop target '{ast.unparse(target)}' over a {ir.show(e.type)} is not "
                    "supported",
                    "unpack items of enumerate(...), zip(...) or a list of tuples",
                )
                return defined
            mode, exprs, types = "unpack", [e], list(e.type[1][1])
        if len(types) != len(names):
            self.error(
                target,
                "PV213",
                f"cannot unpack {len(types)} values into {len(names)} names",
                f"use exactly {len(types)} names",
            )
            return defined
        for name, t, elt in zip(names, types, target.elts, strict=True):
            self.declare(elt, name, t)
        inner = defined | set(names)
        self.loop_depth += 1
        body, _, _ = self.block(s.body, set(inner))
        self.loop_depth -= 1
        orelse, _, _ = self.block(s.orelse, set(defined))
        out.append(Stmt("for_seq", s.lineno, exprs, body, orelse, data=(mode, names)))
        return defined

    def loop_sequences(self, nodes: list[ast.expr], defined: set[str]) -> list[Expr] | None:
        """The lists and strs ``enumerate``/``zip`` iterate (None after a diagnostic)."""
        seqs = [self.expr(n, defined) for n in nodes]
        if any(q.type == ERR for q in seqs):
            return None
        for q, n in zip(seqs, nodes, strict=True):
            if not (ir.is_list(q.type) or q.type == STR):
                self.error(
                    n,
                    "PV116",
                    f"cannot loop over a {ir.show(q.type)}",
                    "enumerate and zip lists or strs",
                )
                return None
        return seqs

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
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("keys", "values")
            and not node.args
            and not node.keywords
        ):
            d = self.expr(node.func.value, defined)
            if ir.is_dict(d.type):
                if node.func.attr == "keys":
                    return "for_dict", [d], d.type[1]
                return "for_dict_values", [d], d.type[2]
        e = self.expr(node, defined)
        if e.type == ERR:
            return None
        if ir.is_list(e.type):
            return "for_list", [e], e.type[1]
        if ir.is_dict(e.type) or ir.is_set(e.type):
            return "for_dict", [e], e.type[1]
        if e.type == STR:
            return "for_str", [e], STR
        self.error(
            node,
            "PV116",
            f"cannot loop over a {ir.show(e.type)}",
            "loop over range(...), a list or a str",
        )
        return None


def _item_type(seq: Expr) -> Any:
    """The type of the items a loop over the list or str ``seq`` reads."""
    return STR if seq.type == STR else seq.type[1]


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
