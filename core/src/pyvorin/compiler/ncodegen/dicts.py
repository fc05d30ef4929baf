"""Dicts (``dict[K, V]``, K int or str) and sets (``set[T]``, T int or str), in native
versions of a generic-tier module's functions: displays, ``d[k]``, ``d[k] = v``,
``d[k] op= v``, ``k in d``, ``len``, ``d.get(k, default)``, truth, the loops over a dict,
its ``keys()``, ``values()`` and ``items()``; ``set(x)``, ``s.add(x)``, ``s.discard(x)``,
``x in s`` and the loop over a set.

A dict or set is an exact ``PyObject *`` (the entry tests it and every key, value and
item). Each operation is the C-API call CPython's dict or set type makes for it, on boxed
keys and values: ``PyObject_GetItem`` (dict_subscript: the same ``KeyError``),
``PyDict_SetItem``, ``PyDict_Contains``, ``PySet_Add``, their own iterators (the same
``RuntimeError`` when the body changes the size). Hashing and comparing int and str keys
runs no Python code. A mixin of :class:`.function.FuncGen` (state and helpers:
:class:`.funcstate.FuncState`)."""

from __future__ import annotations

from .. import ir
from ..ir import INT, NONE, STR, Expr, Stmt
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
        """``len`` of a dict or a set."""
        d = self.expr(e.args[0])
        r = self.tmp(INT)
        size = "PySet_GET_SIZE" if ir.is_set(d.type) else "PyDict_GET_SIZE"
        self.emit(f"{r} = PV_SHORT({size}({d.code}));")
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
        contains = "PySet_Contains" if ir.is_set(d.type) else "PyDict_Contains"
        self.emit(f"{r} = {contains}({d.code}, {kb});")
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

    def set_display(self, e: Expr) -> CVal:
        """``{a, b}`` (items added in order, as BUILD_SET), ``set()`` of no items."""
        r = self.tmp(e.type)
        self.emit(f"{r} = PySet_New(NULL);")
        self.check(e.type, r, e.line)
        for item_e in e.args:
            ib = self.boxed(self.expr(item_e), e.line)
            c = self.ctmp("int")
            self.emit(f"{c} = PySet_Add({r}, {ib});")
            self.emit(f"Py_CLEAR({ib});")
            self.emit(f"if (PV_UNLIKELY({c} < 0)) {self.fail(e.line)}")
        return CVal(r, e.type, True)

    def set_from(self, e: Expr) -> CVal:
        """``set(x)`` of a list, str, dict or set: ``PySet_New`` of it (set_init's update)."""
        x = self.expr(e.args[0])
        return self.call_op(e.type, f"PySet_New({x.code})", [x], e.line)

    def set_update(self, e: Expr) -> CVal:
        """``s.add(x)`` (``PySet_Add``), ``s.discard(x)`` (``PySet_Discard``)."""
        s, item = self.expr(e.args[0]), self.expr(e.args[1])
        ib = self.boxed(item, e.line)
        fn = "PySet_Add" if e.kind == "set_add" else "PySet_Discard"
        c = self.ctmp("int")
        self.emit(f"{c} = {fn}({s.code}, {ib});")
        self.emit(f"Py_CLEAR({ib});")
        self.release(s)
        self.emit(f"if (PV_UNLIKELY({c} < 0)) {self.fail(e.line)}")
        return CVal("0", NONE)
