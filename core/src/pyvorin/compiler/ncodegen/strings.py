"""Strs: indexing, slicing without a step, ``+``, ``*`` by an int, ``str()`` of a number,
``ord`` and ``chr``, f-strings (``len`` is in :mod:`.sequences`; comparisons, ``in`` and
``for c in s`` in :mod:`.arithmetic` and :mod:`.statements`). A str is an exact, ready
``PyObject *`` (see ``pv_str_unbox`` in the runtime); each operation is the C-API call
CPython's own str slot or builtin makes, so values and exceptions are CPython's. A mixin
of :class:`.function.FuncGen` (state and helpers: :class:`.funcstate.FuncState`)."""

from __future__ import annotations

from .. import ir
from ..ir import STR, Expr
from .cvalues import CVal
from .funcstate import FuncState


class StringEmitter(FuncState):
    def str_result(self, call: str, args: list[CVal], line: int) -> CVal:
        """``call`` gives a new str (NULL on failure); the operands are released."""
        return self.call_op(STR, call, args, line)

    def str_get(self, e: Expr) -> CVal:
        s, i = self.expr(e.args[0]), self.expr(e.args[1])
        return self.str_result(f"pv_str_get({s.code}, {i.code})", [s, i], e.line)

    def str_slice(self, e: Expr) -> CVal:
        """``s[a:b]``, ``s[a:]``, ``s[:b]``, ``s[:]`` of a str or a list: pv_str_slice /
        pv_list_slice, a bound left out passed as 0 with its flag off."""
        s = self.expr(e.args[0])
        given = [self.expr(b) for b in e.args[1:]]
        it = iter(given)
        parts = [f"1, {next(it).code}" if has else "0, 0" for has in e.data]
        fn = "pv_str_slice" if e.kind == "str_slice" else "pv_list_slice"
        return self.call_op(e.type, f"{fn}({s.code}, {', '.join(parts)})", [s, *given], e.line)

    def str_concat(self, e: Expr) -> CVal:
        a, b = self.expr(e.args[0]), self.expr(e.args[1])
        return self.str_result(f"PyUnicode_Concat({a.code}, {b.code})", [a, b], e.line)

    def str_repeat(self, e: Expr) -> CVal:
        s, n = self.expr(e.args[0]), self.expr(e.args[1])
        return self.str_result(f"pv_str_repeat({s.code}, {n.code})", [s, n], e.line)

    def to_str(self, e: Expr) -> CVal:
        """``str(x)`` of an int, float or bool: PyObject_Str of the boxed value."""
        v = self.expr(e.args[0])
        o = self.ctmp("PyObject *")
        self.emit(f"{o} = {self.box(v)};")
        self.release(v)
        self.emit(f"if (PV_UNLIKELY({o} == NULL)) {self.fail(e.line)}")
        r = self.tmp(STR)
        self.emit(f"{r} = PyObject_Str({o});")
        self.emit(f"Py_DECREF({o});")
        self.check(STR, r, e.line)
        return CVal(r, STR, True)

    def ord_call(self, e: Expr) -> CVal:
        s = self.expr(e.args[0])
        fn = self.mg.builtin_obj("ord")
        return self.int_op("pv_str_ord", [s, CVal(fn, STR)], e.line)

    def chr_call(self, e: Expr) -> CVal:
        i = self.expr(e.args[0])
        fn = self.mg.builtin_obj("chr")
        return self.str_result(f"pv_str_chr({i.code}, {fn})", [i], e.line)

    def fvalue(self, e: Expr) -> CVal:
        """One replacement field, as CPython's FORMAT_VALUE: the value boxed, converted
        (``!s``, ``!r``, ``!a``), then ``PyObject_Format`` with the spec (evaluated after
        the value) or none, which gives an exact str back unchanged."""
        v = self.expr(e.args[0])
        o = self.tmp(STR)  # any object: released on every path
        self.emit(f"{o} = {self.box(v)};")
        self.release(v)
        self.check(STR, o, e.line)
        convert = {ord("s"): "PyObject_Str", ord("r"): "PyObject_Repr", ord("a"): "PyObject_ASCII"}
        if e.data in convert:
            c = self.tmp(STR)
            self.emit(f"{c} = {convert[e.data]}({o});")
            self.emit(f"Py_CLEAR({o});")
            self.check(STR, c, e.line)
            o = c
        spec = self.expr(e.args[1]) if len(e.args) > 1 else None
        r = self.tmp(STR)
        self.emit(f"{r} = PyObject_Format({o}, {spec.code if spec else 'NULL'});")
        self.emit(f"Py_CLEAR({o});")
        if spec is not None:
            self.release(spec)
        self.check(STR, r, e.line)
        return CVal(r, STR, True)

    def fstring(self, e: Expr) -> CVal:
        """The pieces in order, joined: ``PyUnicode_Join`` of a list of them (CPython's
        BUILD_STRING joins the same strs)."""
        parts = self.tmp(ir.list_of(STR))
        self.emit(f"{parts} = PyList_New({len(e.args)});")
        self.check(ir.list_of(STR), parts, e.line)
        for i, a in enumerate(e.args):
            v = self.own(self.expr(a))
            self.emit(f"PyList_SET_ITEM({parts}, {i}, {v.code}); {v.code} = NULL;")
        empty = self.mg.obj_const("str", "")
        return self.str_result(
            f"PyUnicode_Join({empty}, {parts})", [CVal(parts, ir.list_of(STR), True)], e.line
        )

    def str_method(self, e: Expr) -> CVal:
        """A str method (frontend ``STR_METHODS``): ``PyObject_VectorcallMethod`` with the
        str and the boxed arguments (temps, released on every path), the result unboxed
        as its type."""
        temps = [self.boxed(self.expr(a), e.line) for a in e.args]
        o = self.tmp(STR)
        name = self.mg.obj_const("str", e.data)
        self.emit(
            f"{{ PyObject *pv_argv[{len(temps)}] = {{{', '.join(temps)}}}; "
            f"{o} = PyObject_VectorcallMethod({name}, pv_argv, {len(temps)}, NULL); }}"
        )
        for t in temps:
            self.emit(f"Py_CLEAR({t});")
        return self.unbox_steal(o, e.type, f"str.{e.data}() result", e.line)

    def builtin_call(self, e: Expr) -> CVal:
        """``int(s)``, ``int(s, base)``, ``float(s)`` of a str: the builtin called with the
        boxed arguments (the guard checks that the name is still the builtin)."""
        temps = [self.boxed(self.expr(a), e.line) for a in e.args]
        o = self.tmp(STR)
        fn = self.mg.builtin_obj(e.data)
        self.emit(
            f"{{ PyObject *pv_argv[{len(temps)}] = {{{', '.join(temps)}}}; "
            f"{o} = PyObject_Vectorcall({fn}, pv_argv, {len(temps)}, NULL); }}"
        )
        for t in temps:
            self.emit(f"Py_CLEAR({t});")
        return self.unbox_steal(o, e.type, f"{e.data}() result", e.line)
