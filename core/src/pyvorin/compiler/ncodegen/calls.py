"""Calls: direct C calls between the module's native functions, the builtins the native
tier compiles (``print``, ``abs``, ``int`` of a float, ``round``, ``divmod``,
``min``/``max``) and ``math`` functions; a call the runtime has no fast path for goes
through the Python callable on boxed arguments (:meth:`CallEmitter.slow_call`). A mixin of
:class:`.function.FuncGen` (state and helpers: :class:`.funcstate.FuncState`)."""

from __future__ import annotations

from .. import ir
from ..ir import BOOL, FLOAT, INT, NONE, Expr
from .cvalues import CVal, ctype, refcounted
from .funcstate import FuncState

MATH_FAST1 = {"sqrt", "sin", "cos", "tan", "exp", "fabs"}


class CallEmitter(FuncState):
    def native_call(self, e: Expr) -> CVal:
        """A call of one of the module's native functions: a direct C call."""
        line = e.line
        args = [self.expr(a) for a in e.args]
        rt = e.type
        r = self.tmp(rt) if refcounted(rt) else self.ctmp(ctype(rt))
        self.emit(
            f"{r} = {self.mg.func_name(e.data)}("
            f"{''.join(a.code + ', ' for a in args)}pv_budget - 1);"
        )
        for a in args:
            self.release(a)
        self.check(rt, r, line)
        return CVal(r, rt, refcounted(rt))

    def print_call(self, e: Expr) -> CVal:
        line = e.line
        arr = self.boxed_args(e.args)
        sep = self.mg.obj_const("str", e.data["sep"]) if "sep" in e.data else "NULL"
        end = self.mg.obj_const("str", e.data["end"]) if "end" in e.data else "NULL"
        r = self.ctmp("int")
        self.emit(
            f"{r} = pv_print({self.mg.builtin_obj('print')}, {arr}, {len(e.args)}, {sep}, {end});"
        )
        self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(line)}")
        return CVal("0", NONE)

    def isinstance_call(self, e: Expr) -> CVal:
        """``isinstance(x, T)``: the constant the frontend computed from the exact class
        of ``x``, after ``x`` is evaluated (for its exceptions)."""
        self.release(self.expr(e.args[0]))
        return CVal("1" if e.data else "0", BOOL)

    def abs_call(self, e: Expr) -> CVal:
        line = e.line
        a = self.expr(e.args[0])
        if e.type == FLOAT:
            return CVal(f"fabs({a.code})", FLOAT)
        return self.int_op("pv_int_abs", [a], line)

    def float_to_int(self, e: Expr) -> CVal:
        """``int(x)`` of a float."""
        return self.int_op("pv_float_to_int", [self.expr(e.args[0])], e.line)

    def round_call(self, e: Expr) -> CVal:
        return self.int_op("pv_float_round", [self.expr(e.args[0])], e.line)

    def round2_call(self, e: Expr) -> CVal:
        """``round(x, n)``: the builtin."""
        return self.slow_call(self.mg.builtin_obj("round"), e.args, e.type, e.line)

    def divmod_call(self, e: Expr) -> CVal:
        line = e.line
        a, b = self.expr(e.args[0]), self.expr(e.args[1])
        r = self.tmp(e.type)
        fn = "pv_divmod_int" if e.args[0].type == INT else "pv_divmod_float"
        self.emit(f"{r} = {fn}({a.code}, {b.code}, {self.mg.builtin_obj('divmod')});")
        self.release(a)
        self.release(b)
        self.check(e.type, r, line)
        return CVal(r, e.type, True)

    def minmax_list(self, e: Expr) -> CVal:
        """``min``/``max`` of a list: the builtin."""
        return self.slow_call(self.mg.builtin_obj(e.data), e.args, e.type, e.line)

    def slow_call(self, fn: str, args_e: list[Expr], t: ir.Type, line: int) -> CVal:
        """Call a Python callable on boxed arguments and unbox the result."""
        arr = self.boxed_args(args_e)
        o = self.tmp(ir.list_of(t))
        self.emit(f"{o} = pv_call_steal({fn}, {arr}, {len(args_e)});")
        return self.unbox_steal(o, t, "result", line)

    def math(self, e: Expr) -> CVal:
        name, line = e.data, e.line
        args_e = e.args
        fnobj = self.mg.math_obj(name)
        if name in ("hypot",) or (
            name in ("log", "log10") and (len(args_e) > 1 or args_e[0].type == INT)
        ):
            return self.slow_call(fnobj, args_e, e.type, line)
        if name in ("floor", "ceil") and args_e[0].type == INT:
            return self.expr(args_e[0])
        args = []
        for a in args_e:
            v = self.expr(a)
            if v.type == INT:
                v = self.float_op("pv_int_to_float", [v], line)
            args.append(v)
        codes = [a.code for a in args]
        if name in MATH_FAST1:
            return self.float_op(f"pv_math_{name}", [args[0], CVal(fnobj, FLOAT)], line)
        if name in ("log", "log10"):
            r = self.ctmp("double")
            self.emit(f"{r} = pv_math_log_c({codes[0]}, {fnobj}, {name});")
            self.check(FLOAT, r, line)
            return CVal(r, FLOAT)
        if name in ("atan2", "pow"):
            return self.float_op(f"pv_math_{name}", [*args, CVal(fnobj, FLOAT)], line)
        if name in ("floor", "ceil"):
            return self.int_op(f"pv_math_{name}", args, line)
        if name in ("isnan", "isinf", "isfinite"):
            return CVal(f"(char)({name}({codes[0]}) != 0)", BOOL)
        raise AssertionError(name)

    def minmax(self, e: Expr) -> CVal:
        t = e.type
        op = "<" if e.data == "min" else ">"
        rc = refcounted(t)
        r = self.tmp(t) if rc else self.ctmp(ctype(t))
        first = self.own(self.expr(e.args[0]))
        self.emit(f"{r} = {first.code};")
        if rc:
            self.emit(f"{first.code} = 0;")
        for a in e.args[1:]:
            v = self.own(self.expr(a))
            c = self.compare2(v, op, CVal(r, t), e.line)
            self.emit(f"if ({c}) {{")
            self.indent += 1
            if rc:
                self.emit(f"PV_INT_CLEAR({r});")
                self.emit(f"{r} = {v.code}; {v.code} = 0;")
            else:
                self.emit(f"{r} = {v.code};")
            self.indent -= 1
            self.emit("}")
            self.release(v)
        return CVal(r, t, rc)
