"""Values, operators and comparisons on ints, floats and bools: constants, locals, int
arithmetic (runtime calls on tagged ints), float arithmetic (inline C or runtime calls),
truth values, ``and``/``or``, comparison chains, conditional expressions. A mixin of
:class:`.function.FuncGen` (state and helpers: :class:`.funcstate.FuncState`)."""

from __future__ import annotations

from .. import ir
from ..ir import BOOL, FLOAT, INT, NONE, STR, Expr
from .cvalues import CVal, cid, ctype, float_literal, refcounted
from .funcstate import FuncState

PYOP = {"<": "Py_LT", "<=": "Py_LE", ">": "Py_GT", ">=": "Py_GE", "==": "Py_EQ", "!=": "Py_NE"}
REFLECT = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class ArithmeticEmitter(FuncState):
    def const(self, e: Expr) -> CVal:
        t, v = e.type, e.data
        if t == INT:
            if -(2**62) <= v < 2**62:
                return CVal(f"((PvInt){2 * v}LL)", INT)
            return CVal(f"((PvInt){self.mg.obj_const('int', v)} | 1)", INT)
        if t == FLOAT:
            return CVal(float_literal(float(v)), FLOAT)
        if t == BOOL:
            return CVal("1" if v else "0", BOOL)
        if t == STR:
            return CVal(self.mg.obj_const("str", v), STR)
        return CVal("0", NONE)

    def int_op(self, fn: str, args: list[CVal], line: int) -> CVal:
        return self.call_op(INT, f"{fn}({', '.join(a.code for a in args)})", args, line)

    def float_op(self, fn: str, args: list[CVal], line: int) -> CVal:
        r = self.ctmp("double")
        self.emit(f"{r} = {fn}({', '.join(a.code for a in args)});")
        for a in args:
            self.release(a)
        self.check(FLOAT, r, line)
        return CVal(r, FLOAT)

    def local(self, e: Expr) -> CVal:
        return CVal("v_" + cid(e.data), e.type)

    def aug_current(self, e: Expr) -> CVal:
        """The current value of the target of an augmented assignment."""
        assert self.aug_cur is not None
        return CVal(self.aug_cur.code, self.aug_cur.type)

    def convert(self, e: Expr) -> CVal:
        a = self.expr(e.args[0])
        if e.type == INT:  # from bool
            return CVal(f"((PvInt)({a.code}) << 1)", INT)
        if e.args[0].kind == "const" and abs(e.args[0].data) < 2**1000:
            return CVal(float_literal(float(e.args[0].data)), FLOAT)
        return self.float_op("pv_int_to_float", [a], e.line)

    def int_binary(self, e: Expr) -> CVal:
        """``int_<op>``: the runtime's ``pv_int_<op>`` on two ints, an int."""
        a, b = self.expr(e.args[0]), self.expr(e.args[1])
        return self.int_op("pv_" + e.kind, [a, b], e.line)

    def int_to_float_binary(self, e: Expr) -> CVal:
        a, b = self.expr(e.args[0]), self.expr(e.args[1])
        fn = {"int_truediv": "pv_int_truediv", "int_pow_float": "pv_int_pow_float"}[e.kind]
        return self.float_op(fn, [a, b], e.line)

    def float_inline_binary(self, e: Expr) -> CVal:
        a, b = self.expr(e.args[0]), self.expr(e.args[1])
        sym = {"float_add": "+", "float_sub": "-", "float_mul": "*"}[e.kind]
        r = self.ctmp("double")
        self.emit(f"{r} = {a.code} {sym} {b.code};")
        return CVal(r, FLOAT)

    def float_call_binary(self, e: Expr) -> CVal:
        a, b = self.expr(e.args[0]), self.expr(e.args[1])
        fn = {
            "float_truediv": "pv_float_div",
            "float_floordiv": "pv_float_floordiv",
            "float_mod": "pv_float_mod",
            "float_pow": "pv_float_pow",
        }[e.kind]
        return self.float_op(fn, [a, b], e.line)

    def bool_bitwise(self, e: Expr) -> CVal:
        a, b = self.expr(e.args[0]), self.expr(e.args[1])
        sym = {"bool_and": "&", "bool_or": "|", "bool_xor": "^"}[e.kind]
        return CVal(f"(char)({a.code} {sym} {b.code})", BOOL)

    def neg(self, e: Expr) -> CVal:
        a = self.expr(e.args[0])
        if e.type == FLOAT:
            return CVal(f"(-{a.code})", FLOAT)
        return self.int_op("pv_int_neg", [a], e.line)

    def invert(self, e: Expr) -> CVal:
        return self.int_op("pv_int_invert", [self.expr(e.args[0])], e.line)

    def logical_not(self, e: Expr) -> CVal:
        return CVal(f"(char)!({self.cond(e.args[0])})", BOOL)

    def cond_value(self, e: Expr) -> CVal:
        """``cond_and`` / ``cond_or`` (of truth values) as a bool."""
        return CVal(self.cond(e), BOOL)

    def truth(self, e: Expr) -> CVal:
        a = self.expr(e.args[0])
        t = a.type
        if t == INT:
            code = f"({a.code} != 0)"
        elif t == FLOAT:
            code = f"({a.code} != 0.0)"
        elif ir.is_list(t):
            code = f"(PyList_GET_SIZE({a.code}) != 0)"
        elif ir.is_dict(t):
            code = f"(PyDict_GET_SIZE({a.code}) != 0)"
        elif ir.is_set(t):
            code = f"(PySet_GET_SIZE({a.code}) != 0)"
        elif ir.is_tuple(t):
            code = "1" if t[1] else "0"
        elif t == STR:
            code = f"(PyUnicode_GET_LENGTH({a.code}) != 0)"
        else:
            code = a.code
        r = self.ctmp("char")
        self.emit(f"{r} = {code};")
        self.release(a)
        return CVal(r, BOOL)

    def ifexp(self, e: Expr) -> CVal:
        r = self.tmp(e.type) if refcounted(e.type) else self.ctmp(ctype(e.type))
        c = self.cond(e.args[0])
        self.emit(f"if ({c}) {{")
        self.indent += 1
        a = self.own(self.expr(e.args[1]))
        self.emit(f"{r} = {a.code};")
        if refcounted(e.type):
            self.emit(f"{a.code} = 0;")
        self.indent -= 1
        self.emit("} else {")
        self.indent += 1
        b = self.own(self.expr(e.args[2]))
        self.emit(f"{r} = {b.code};")
        if refcounted(e.type):
            self.emit(f"{b.code} = 0;")
        self.indent -= 1
        self.emit("}")
        return CVal(r, e.type, refcounted(e.type))

    def boolop(self, e: Expr) -> CVal:
        t = e.type
        rc = refcounted(t)
        r = self.tmp(t) if rc else self.ctmp(ctype(t))
        first = self.own(self.expr(e.args[0]))
        self.emit(f"{r} = {first.code};")
        if rc:
            self.emit(f"{first.code} = 0;")
        for a in e.args[1:]:
            truth = self.truth_code(CVal(r, t))
            neg = "" if e.kind == "and" else "!"
            self.emit(f"if ({neg}({truth})) {{")
            self.indent += 1
            if rc:
                self.release(CVal(r, t, True))
            v = self.own(self.expr(a))
            self.emit(f"{r} = {v.code};")
            if rc:
                self.emit(f"{v.code} = 0;")
            self.indent -= 1
            self.emit("}")
        return CVal(r, t, rc)

    def truth_code(self, v: CVal) -> str:
        if v.type == INT:
            return f"{v.code} != 0"
        if v.type == FLOAT:
            return f"{v.code} != 0.0"
        if ir.is_list(v.type):
            return f"PyList_GET_SIZE({v.code}) != 0"
        if ir.is_dict(v.type):
            return f"PyDict_GET_SIZE({v.code}) != 0"
        if ir.is_set(v.type):
            return f"PySet_GET_SIZE({v.code}) != 0"
        if ir.is_tuple(v.type):
            return "1" if v.type[1] else "0"
        if v.type == STR:
            return f"PyUnicode_GET_LENGTH({v.code}) != 0"
        return v.code

    def compare2(self, a: CVal, op: str, b: CVal, line: int) -> str:
        """Emit one comparison; returns a C int expression (temps checked)."""
        ta, tb = a.type, b.type
        if ir.is_dict(tb) or ir.is_set(tb):
            return self.dict_contains(a, op, b, line)
        if ta == STR and tb == STR:
            return self.compare_str(a, op, b, line)
        if ta == BOOL and tb == BOOL:
            return f"({a.code} {op} {b.code})"
        if FLOAT in (ta, tb):
            if ta == FLOAT and tb == FLOAT:
                return f"({a.code} {op} {b.code})"
            if ta == BOOL:
                return f"((double){a.code} {op} {b.code})"
            if tb == BOOL:
                return f"({a.code} {op} (double){b.code})"
            r = self.ctmp("int")
            if ta == INT:
                self.emit(f"{r} = pv_cmp_int_float({a.code}, {b.code}, {PYOP[op]});")
            else:
                self.emit(f"{r} = pv_cmp_int_float({b.code}, {a.code}, {PYOP[REFLECT[op]]});")
            self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(line)}")
            return r
        ac = f"((PvInt)({a.code}) << 1)" if ta == BOOL else a.code
        bc = f"((PvInt)({b.code}) << 1)" if tb == BOOL else b.code
        r = self.ctmp("int")
        self.emit(f"{r} = PV_INT_CMP({ac}, {bc}, {op}, {PYOP[op]});")
        self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(line)}")
        return r

    def compare_str(self, a: CVal, op: str, b: CVal, line: int) -> str:
        """``==``, ``!=`` (unicode_compare_eq), the orderings (PyUnicode_Compare), ``in``
        and ``not in`` (PyUnicode_Contains, str's sq_contains) of two strs."""
        if op in ("==", "!="):
            return f"({'' if op == '==' else '!'}pv_str_eq({a.code}, {b.code}))"
        r = self.ctmp("int")
        if op in ("in", "not in"):
            self.emit(f"{r} = PyUnicode_Contains({b.code}, {a.code});")
        else:
            self.emit(f"{r} = pv_str_order({a.code}, {b.code}, {PYOP[op]});")
        self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(line)}")
        return f"(!{r})" if op == "not in" else r

    def compare(self, e: Expr) -> CVal:
        ops = e.data
        r = self.ctmp("char")
        left = self.expr(e.args[0])
        if len(ops) > 1:
            left = self.own(left)
        kept = [left]
        depth = 0
        for i, op in enumerate(ops):
            right = self.expr(e.args[i + 1])
            if i < len(ops) - 1:
                right = self.own(right)
                kept.append(right)
            c = self.compare2(left, op, right, e.line)
            self.emit(f"{r} = ({c}) != 0;")
            self.release(left)
            left = right
            if i < len(ops) - 1:
                self.emit(f"if ({r}) {{")
                self.indent += 1
                depth += 1
        self.release(left)
        for _ in range(depth):
            self.indent -= 1
            self.emit("}")
        for v in kept:  # operands of a chain cut short are released here (no-op otherwise)
            self.release(v)
        return CVal(r, BOOL)
