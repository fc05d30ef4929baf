"""Dicts (``dict[K, V]``, K int or str, in native versions of a generic-tier module's
functions): displays, ``d[k]``, ``d[k] = v``, ``d[k] op= v``, ``k in d``, ``len``,
``d.get(k, default)``, truth, and the loops over a dict, its ``keys()``, ``values()`` and
``items()``.

A dict is an exact ``PyObject *`` (the entry tests it and every key and value). Each
operation is the C-API call CPython's dict type makes for it, on boxed keys and values:
``PyObject_GetItem`` (dict_subscript: the same ``KeyError``), ``PyDict_SetItem``,
``PyDict_Contains``, the dict's own iterators (the same ``RuntimeError`` when the body
changes the dict's size). Hashing and comparing int and str keys runs no Python code. A
mixin of :class:`.function.FuncGen` (state and helpers: :class:`.funcstate.FuncState`)."""

from __future__ import annotations

from .. import ir
from ..ir import INT, STR, Expr, Stmt
from .cvalues import CVal
from .funcstate import FuncState


class DictEmitter(FuncState):
    def boxed(self, v: CVal, line: int) -> str:
        """A temp holding a new reference to ``v`` boxed (released on every path); ``v``
        is released."""
        o = self.tmp(STR)  # any object: the temp is cleared on every path
        self.emit(f"{o} = {self.box(v)};")
        self.release(v)
        self.check(STR, o, line)
        return o

    def dict_get(self, e: Expr) -> CVal:
        d, k = self.expr(e.args[0]), self.expr(e.args[1])
        kb = self.boxed(k, e.line)
        o = self.tmp(STR)
        self.emit(f"{o} = PyObject_GetItem({d.code}, {kb});")
        self.emit(f"Py_CLEAR({kb});")
        self.release(d)
        return self.unbox_steal(o, e.type, "dict value", e.line)

    def dict_get_default(self, e: Expr) -> CVal:
        """``d.get(k, default)``: dict.get's lookup (``PyDict_GetItemWithError``)."""
        d, k, default = (self.expr(a) for a in e.args)
        kb = self.boxed(k, e.line)
        db = self.boxed(default, e.line)
        found = self.ctmp("PyObject *")
        self.emit(f"{found} = PyDict_GetItemWithError({d.code}, {kb});")
        self.emit(f"if ({found} == NULL) {{")
        self.emit(f"    if (PV_UNLIKELY(PyErr_Occurred())) {self.fail(e.line)}")
        self.emit(f"    {found} = {db};")
        self.emit("}")
        r = self.unbox(found, e.type, "dict value", e.line)
        self.emit(f"Py_CLEAR({kb}); Py_CLEAR({db});")
        self.release(d)
        return r

    def dict_len(self, e: Expr) -> CVal:
        d = self.expr(e.args[0])
        r = self.tmp(INT)
        self.emit(f"{r} = PV_SHORT(PyDict_GET_SIZE({d.code}));")
        self.release(d)
        return CVal(r, INT, True)

    def dict_display(self, e: Expr) -> CVal:
        """Key, then value, then the store, item by item (BUILD_MAP's result: a repeated
        key keeps its last value)."""
        r = self.tmp(e.type)
        self.emit(f"{r} = PyDict_New();")
        self.check(e.type, r, e.line)
        for k_e, v_e in zip(e.args[::2], e.args[1::2], strict=True):
            kb = self.boxed(self.expr(k_e), e.line)
            vb = self.boxed(self.expr(v_e), e.line)
            self.store_dict(CVal(r, e.type), kb, vb, e.line)
        return CVal(r, e.type, True)

    def store_dict(self, d: CVal, kb: str, vb: str, line: int) -> None:
        """``PyDict_SetItem`` of the boxed key and value temps, which are released."""
        c = self.ctmp("int")
        self.emit(f"{c} = PyDict_SetItem({d.code}, {kb}, {vb});")
        self.emit(f"Py_CLEAR({kb}); Py_CLEAR({vb});")
        self.emit(f"if (PV_UNLIKELY({c} < 0)) {self.fail(line)}")

    def dict_set(self, d_e: Expr, k_e: Expr, v_e: Expr, line: int) -> None:
        """``d[k] = v``: the value first, then the dict and the key (STORE_SUBSCR's order)."""
        vb = self.boxed(self.expr(v_e), line)
        d = self.expr(d_e)
        kb = self.boxed(self.expr(k_e), line)
        self.store_dict(d, kb, vb, line)
        self.release(d)

    def dict_aug_set(self, d_e: Expr, k_e: Expr, res_e: Expr, line: int) -> None:
        """``d[k] op= v``: the dict and the key once, the item read, the operation (its
        right operand evaluated now), the store."""
        d = self.own(self.expr(d_e))
        kb = self.boxed(self.expr(k_e), line)
        o = self.tmp(STR)
        self.emit(f"{o} = PyObject_GetItem({d.code}, {kb});")
        self.aug_cur = self.unbox_steal(o, d_e.type[2], "dict value", line)
        val = self.expr(res_e)
        self.release(self.aug_cur)
        self.aug_cur = None
        vb = self.boxed(val, line)
        self.store_dict(d, kb, vb, line)
        self.release(d)

    def dict_contains(self, a: CVal, op: str, d: CVal, line: int) -> str:
        kb = self.boxed(CVal(a.code, a.type), line)  # a is released by the caller
        r = self.ctmp("int")
        self.emit(f"{r} = PyDict_Contains({d.code}, {kb});")
        self.emit(f"Py_CLEAR({kb});")
        self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(line)}")
        return f"(!{r})" if op == "not in" else r

    def dict_iterator(self, kind: str, d: CVal, line: int) -> str:
        """A temp holding the iterator of a dict (its keys) or of its values view."""
        it = self.tmp(STR)
        if kind == "for_dict":
            self.emit(f"{it} = PyObject_GetIter({d.code});")
        else:
            view = self.tmp(STR)
            method = "values" if kind == "for_dict_values" else "items"
            self.emit(f'{view} = PyObject_CallMethod({d.code}, "{method}", NULL);')
            self.check(STR, view, line)
            self.emit(f"{it} = PyObject_GetIter({view});")
            self.emit(f"Py_CLEAR({view});")
        self.check(STR, it, line)
        return it

    def next_item(self, it: str, t: ir.Type, line: int) -> CVal:
        """The next item of ``it`` unboxed (``break`` when it is exhausted)."""
        o = self.tmp(STR)
        self.emit(f"{o} = PyIter_Next({it});")
        self.emit(
            f"if ({o} == NULL) {{ if (PV_UNLIKELY(PyErr_Occurred())) {self.fail(line)} break; }}"
        )
        return self.unbox_keep(o, t, "dict item", line)

    def items_loop(self, s: Stmt, brk: str, cont: str) -> None:
        """``for k, v in d.items()``: the items view's iterator; each item a (key, value)
        tuple, unpacked left to right."""
        line = s.line
        _, names = s.data
        d = self.own(self.expr(s.exprs[0]))
        self.holders.add(d.code)
        it = self.dict_iterator("for_dict_items", d, line)
        self.holders.add(it)
        self.emit("for (;;) {")
        self.indent += 1
        pair = self.tmp(STR)
        self.emit(f"{pair} = PyIter_Next({it});")
        self.emit(f"if ({pair} == NULL) {{")
        self.emit(f"    if (PV_UNLIKELY(PyErr_Occurred())) {self.fail(line)}")
        self.emit("    break;")
        self.emit("}")
        key = self.unbox(f"PyTuple_GET_ITEM({pair}, 0)", d.type[1], "dict key", line)
        value = self.unbox(f"PyTuple_GET_ITEM({pair}, 1)", d.type[2], "dict value", line)
        self.emit(f"Py_CLEAR({pair});")
        self.assign_to(names[0], key)
        self.assign_to(names[1], value)
        self.loop_rest(brk, cont, lambda: self.block(s.body), s.orelse, line)
        self.emit(f"Py_CLEAR({it});")
        self.release(d)
