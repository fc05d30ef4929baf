"""Lists and tuples: list and tuple displays, indexing, ``len``, ``+`` and ``*``,
``append``, ``pop``, item assignment and list comprehensions. Items are boxed objects; an
int, float or bool item is unboxed as it is read. A mixin of :class:`.function.FuncGen`
(state and helpers: :class:`.funcstate.FuncState`)."""

from __future__ import annotations

from .. import ir
from ..ir import BOOL, FLOAT, INT, NONE, STR, Expr
from .cvalues import CVal
from .funcstate import FuncState


class SequenceEmitter(FuncState):
    def new_sequence(self, e: Expr) -> CVal:
        """A list or tuple display."""
        k, line = e.kind, e.line
        items = [self.expr(a) for a in e.args]
        r = self.tmp(e.type)
        new, setm = (
            ("PyList_New", "PyList_SET_ITEM")
            if k == "list"
            else ("PyTuple_New", "PyTuple_SET_ITEM")
        )
        self.emit(f"{r} = {new}({len(items)});")
        self.check(e.type, r, line)
        for i, it in enumerate(items):
            o = self.ctmp("PyObject *")
            self.emit(f"{o} = {self.box(it)};")
            self.release(it)
            self.emit(f"if (PV_UNLIKELY({o} == NULL)) {self.fail(line)}")
            self.emit(f"{setm}({r}, {i}, {o});")
        return CVal(r, e.type, True)

    def list_get(self, e: Expr) -> CVal:
        line = e.line
        lst, idx = self.expr(e.args[0]), self.expr(e.args[1])
        if e.type in (INT, FLOAT, BOOL):
            o = self.ctmp("PyObject *")
            self.emit(f"{o} = pv_list_borrow({lst.code}, {idx.code});")
            self.emit(f"if (PV_UNLIKELY({o} == NULL)) {self.fail(line)}")
            v = self.unbox(o, e.type, "list element", line)
            self.release(lst)
            self.release(idx)
            return v
        o = self.tmp(ir.list_of(e.type))
        self.emit(f"{o} = pv_list_get({lst.code}, {idx.code});")
        self.release(lst)
        self.release(idx)
        return self.unbox_steal(o, e.type, "list element", line)

    def tuple_get(self, e: Expr) -> CVal:
        line = e.line
        tup = self.expr(e.args[0])
        v = self.unbox(f"PyTuple_GET_ITEM({tup.code}, {e.data})", e.type, "tuple item", line)
        self.release(tup)
        return v

    def length(self, e: Expr) -> CVal:
        """``len`` of a list or a str."""
        seq = self.expr(e.args[0])
        size = "PyUnicode_GET_LENGTH" if seq.type == STR else "PyList_GET_SIZE"
        r = self.tmp(INT)
        self.emit(f"{r} = PV_SHORT({size}({seq.code}));")
        self.release(seq)
        return CVal(r, INT, True)

    def list_binary(self, e: Expr) -> CVal:
        """``list * int`` and ``list + list``."""
        k, line = e.kind, e.line
        a, b = self.expr(e.args[0]), self.expr(e.args[1])
        r = self.tmp(e.type)
        fn = "pv_list_repeat" if k == "list_repeat" else "PyNumber_Add"
        self.emit(f"{r} = {fn}({a.code}, {b.code});")
        self.release(a)
        self.release(b)
        self.check(e.type, r, line)
        return CVal(r, e.type, True)

    def append(self, e: Expr) -> CVal:
        line = e.line
        lst, v = self.expr(e.args[0]), self.expr(e.args[1])
        r = self.ctmp("int")
        self.emit(f"{r} = pv_list_append({lst.code}, {self.box(v)});")
        self.release(lst)
        self.release(v)
        self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(line)}")
        return CVal("0", NONE)

    def pop(self, e: Expr) -> CVal:
        line = e.line
        lst = self.expr(e.args[0])
        o = self.tmp(ir.list_of(e.type))
        if len(e.args) > 1:
            idx = self.own(self.expr(e.args[1]))
            self.emit(f"{o} = pv_list_pop({lst.code}, &{idx.code});")
            self.release(idx)
        else:
            self.emit(f"{o} = pv_list_pop({lst.code}, NULL);")
        self.release(lst)
        return self.unbox_steal(o, e.type, "list element", line)

    def store_item(self, lst: CVal, idx: CVal, val: CVal, line: int) -> None:
        """Emit lst[idx] = val (val is released by the caller)."""
        r = self.ctmp("int")
        if val.type == FLOAT:
            self.emit(f"{r} = pv_list_set_float({lst.code}, {idx.code}, {val.code});")
        elif val.type == BOOL:
            self.emit(f"{r} = pv_list_set_bool({lst.code}, {idx.code}, {val.code});")
        else:
            self.emit(f"{r} = pv_list_set({lst.code}, {idx.code}, {self.box(val)});")
        self.release(val)
        self.release(lst)
        self.release(idx)
        self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(line)}")

    def listcomp(self, e: Expr) -> CVal:
        kind, iter_args, var, has_cond = e.data
        line = e.line
        r = self.tmp(e.type)
        self.emit(f"{r} = PyList_New(0);")
        self.check(e.type, r, line)
        value_e = e.args[0]
        cond_e = e.args[1] if has_cond else None

        def body() -> None:
            if cond_e is not None:
                c = self.cond(cond_e)
                self.emit(f"if ({c}) {{")
                self.indent += 1
            v = self.expr(value_e)
            x = self.ctmp("int")
            self.emit(f"{x} = pv_list_append({r}, {self.box(v)});")
            self.release(v)
            self.emit(f"if (PV_UNLIKELY({x} < 0)) {self.fail(line)}")
            if cond_e is not None:
                self.indent -= 1
                self.emit("}")

        self.for_loop(kind, iter_args, var, line, body, [])
        return CVal(r, e.type, True)

    def all_any(self, e: Expr) -> CVal:
        """``all``/``any`` of a generator expression or a list: a loop that stops at the
        first item deciding the result (the items after it are never computed)."""
        kind, iter_args, var, has_cond, n = e.data
        value_e = e.args[0]
        cond_e = e.args[1] if has_cond else None
        r = self.ctmp("char")
        self.emit(f"{r} = {1 if n == 'all' else 0};")

        def body() -> None:
            if cond_e is not None:
                c = self.cond(cond_e)
                self.emit(f"if ({c}) {{")
                self.indent += 1
            t = self.cond(value_e)
            decides, result = (f"!({t})", 0) if n == "all" else (f"({t})", 1)
            self.emit(f"if ({decides}) {{ {r} = {result}; goto {self.loops[-1][0]}; }}")
            if cond_e is not None:
                self.indent -= 1
                self.emit("}")

        self.for_loop(kind, iter_args, var, e.line, body, [])
        return CVal(r, BOOL)

    def int_sum(self, e: Expr) -> CVal:
        """``sum`` of int items (bools converted) from an int start: ``pv_int_add`` into an
        accumulator that lives across the loop's iterations."""
        kind, iter_args, var, has_cond, _ = e.data
        value_e, start_e = e.args[0], e.args[-1]
        cond_e = e.args[1] if has_cond else None
        acc = self.own(self.expr(start_e))
        self.holders.add(acc.code)

        def body() -> None:
            if cond_e is not None:
                c = self.cond(cond_e)
                self.emit(f"if ({c}) {{")
                self.indent += 1
            v = self.expr(value_e)
            nxt = self.int_op("pv_int_add", [CVal(acc.code, INT), v], e.line)
            self.emit(
                f"{{ PvInt old = {acc.code}; {acc.code} = {nxt.code}; {nxt.code} = 0; "
                "pv_int_decref(old); }"
            )
            if cond_e is not None:
                self.indent -= 1
                self.emit("}")

        self.for_loop(kind, iter_args, var, e.line, body, [])
        return acc

    def list_copy(self, e: Expr) -> CVal:
        """``list(x)`` (``PySequence_List``) and ``sorted(x)`` (``pv_sorted``)."""
        x = self.expr(e.args[0])
        fn = "PySequence_List" if e.kind == "list_copy" else "pv_sorted"
        return self.call_op(e.type, f"{fn}({x.code})", [x], e.line)

    def list_sort(self, e: Expr) -> CVal:
        xs = self.expr(e.args[0])
        r = self.ctmp("int")
        self.emit(f"{r} = PyList_Sort({xs.code});")
        self.release(xs)
        self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(e.line)}")
        return CVal("0", NONE)
