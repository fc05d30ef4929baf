"""The state of one native function's emission and the helpers every emitter uses:
emitting lines, temporaries declared at function scope (cleared after use, so the single
error exit can release everything), labels, error checks, ownership (release, own), boxing
and unboxing. :class:`FuncState` is the base of :class:`.function.FuncGen` and of its
emitter mixins (:mod:`.statements`, :mod:`.arithmetic`, :mod:`.calls`, :mod:`.sequences`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ir
from ..cstrings import c_string
from ..ir import BOOL, FLOAT, INT, Expr, Function, Stmt
from .boxing import unbox_assignment
from .cvalues import CVal, ctype, err_test, refcounted

if TYPE_CHECKING:
    from collections.abc import Callable

    from .module import ModuleGen


class FuncState:
    def __init__(self, mg: ModuleGen, f: Function):
        self.mg = mg
        self.f = f
        self.decls: dict[str, ir.Type | str] = {}
        self.out: list[str] = []
        self.indent = 1
        self.ntemp = 0
        self.nlabel = 0
        self.loops: list[tuple[str, str]] = []
        self.aug_cur: CVal | None = None
        self.holders: set[str] = set()  # temps that stay alive across statements (loops)
        self.path = c_string(mg.m.path)[0]

    # ---- helpers ---------------------------------------------------------------------
    def emit(self, line: str) -> None:
        self.out.append("    " * self.indent + line)

    def tmp(self, t: ir.Type) -> str:
        self.ntemp += 1
        name = f"t{self.ntemp}"
        self.decls[name] = t
        return name

    def ctmp(self, ct: str) -> str:
        """A temporary of a raw C type (never needs releasing)."""
        self.ntemp += 1
        name = f"c{self.ntemp}"
        self.decls[name] = "raw:" + ct
        return name

    def arr(self, n: int) -> str:
        """A C array of n PyObject* slots (filled with new references, then stolen)."""
        self.ntemp += 1
        name = f"a{self.ntemp}"
        self.decls[name] = f"arr:{max(n, 1)}"
        return name

    def label(self, what: str) -> str:
        self.nlabel += 1
        return f"L{self.nlabel}_{what}"

    def fail(self, line: int) -> str:
        return f"{{ pv_line = {line}; goto pv_error; }}"

    def check(self, t: ir.Type, x: str, line: int) -> None:
        self.emit(f"if ({err_test(t, x)}) {self.fail(line)}")

    def boxed_args(self, exprs: list[Expr]) -> str:
        """Evaluate ``exprs`` and box each into a new C array of new references (NULL where
        boxing failed: the callee steals them and reports it); returns the array's name."""
        args = [self.expr(e) for e in exprs]
        arr = self.arr(len(args))
        for i, a in enumerate(args):
            self.emit(f"{arr}[{i}] = {self.box(a)};")
        for a in args:
            self.release(a)
        return arr

    def call_op(self, t: ir.Type, call: str, args: list[CVal], line: int) -> CVal:
        """A refcounted result of type t from the C expression ``call`` (its error value on
        failure); the operands are released."""
        r = self.tmp(t)
        self.emit(f"{r} = {call};")
        for a in args:
            self.release(a)
        self.check(t, r, line)
        return CVal(r, t, True)

    def release(self, v: CVal) -> None:
        if v.owned and refcounted(v.type):
            if v.type == INT:
                self.emit(f"PV_INT_CLEAR({v.code});")
            else:
                self.emit(f"Py_CLEAR({v.code});")

    def own(self, v: CVal) -> CVal:
        if v.owned or not refcounted(v.type):
            return v
        t = self.tmp(v.type)
        self.emit(f"{t} = {v.code};")
        if v.type == INT:
            self.emit(f"pv_int_incref({t});")
        else:
            self.emit(f"Py_INCREF({t});")
        return CVal(t, v.type, True)

    def box(self, v: CVal) -> str:
        """A C expression giving a new reference for v (NULL on failure)."""
        if v.type == INT:
            return f"pv_int_box({v.code})"
        if v.type == FLOAT:
            return f"PyFloat_FromDouble({v.code})"
        if v.type == BOOL:
            return f"pv_bool_box({v.code})"
        return f"(Py_INCREF({v.code}), {v.code})"

    def unbox(self, obj: str, t: ir.Type, what: str, line: int) -> CVal:
        """Unbox the borrowed object ``obj`` into a new owned value of type t."""
        r = self.tmp(t) if refcounted(t) else self.ctmp(ctype(t))
        self.emit(unbox_assignment(r, obj, t, c_string(what)[0]))
        self.check(t, r, line)
        return CVal(r, t, refcounted(t))

    def unbox_steal(self, obj: str, t: ir.Type, what: str, line: int) -> CVal:
        """Unbox a new reference held in the temp ``obj`` (checked non-NULL), releasing it."""
        self.emit(f"if (PV_UNLIKELY({obj} == NULL)) {self.fail(line)}")
        v = self.unbox_keep(obj, t, what, line)
        return v

    def unbox_keep(self, obj: str, t: ir.Type, what: str, line: int) -> CVal:
        r = self.tmp(t) if refcounted(t) else self.ctmp(ctype(t))
        self.emit(unbox_assignment(r, obj, t, c_string(what)[0]))
        self.emit(f"Py_CLEAR({obj});")
        self.check(t, r, line)
        return CVal(r, t, refcounted(t))

    if TYPE_CHECKING:
        # emitters one mixin calls in another (defined there; declared for type checkers)
        def expr(self, e: Expr) -> CVal: ...

        def cond(self, e: Expr) -> str: ...

        def for_loop(
            self,
            kind: str,
            exprs: list[Expr],
            var: str,
            line: int,
            body: Callable[[], None],
            orelse: list[Stmt],
        ) -> None: ...

        def store_item(self, lst: CVal, idx: CVal, val: CVal, line: int) -> None: ...

        def int_op(self, fn: str, args: list[CVal], line: int) -> CVal: ...

        def float_op(self, fn: str, args: list[CVal], line: int) -> CVal: ...

        def compare2(self, a: CVal, op: str, b: CVal, line: int) -> str: ...

        def dict_contains(self, a: CVal, op: str, d: CVal, line: int) -> str: ...

        def dict_iterator(self, kind: str, d: CVal, line: int) -> str: ...

        def next_item(self, it: str, t: ir.Type, line: int) -> CVal: ...

        def dict_set(self, d_e: Expr, k_e: Expr, v_e: Expr, line: int) -> None: ...

        def dict_aug_set(self, d_e: Expr, k_e: Expr, res_e: Expr, line: int) -> None: ...

        def items_loop(self, s: Stmt, brk: str, cont: str) -> None: ...

        def boxed(self, v: CVal, line: int) -> str: ...

        def block(self, stmts: list[Stmt]) -> None: ...

        def loop_rest(self, brk: str, cont: str, body, orelse: list[Stmt], line: int) -> None: ...
