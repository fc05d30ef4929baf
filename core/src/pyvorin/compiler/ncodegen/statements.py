"""Statements, loops and conditions. A mixin of :class:`.function.FuncGen` (state and
helpers: :class:`.funcstate.FuncState`)."""

from __future__ import annotations

from .. import ir
from ..ir import BOOL, FLOAT, INT, STR, Expr, Stmt
from .cvalues import CVal, cid, refcounted
from .funcstate import FuncState


class StatementEmitter(FuncState):
    def block(self, stmts: list[Stmt]) -> None:
        for s in stmts:
            self.stmt(s)

    def assign_to(self, name: str, v: CVal) -> None:
        """Store v into local ``name``, taking ownership."""
        var = "v_" + cid(name)
        if not refcounted(v.type):
            self.emit(f"{var} = {v.code};")
            return
        v = self.own(v)
        if v.type == INT:
            self.emit(
                f"{{ PvInt old = {var}; {var} = {v.code}; {v.code} = 0; pv_int_decref(old); }}"
            )
        else:
            self.emit(
                f"{{ PyObject *old = {var}; {var} = {v.code}; {v.code} = NULL; Py_XDECREF(old); }}"
            )

    def stmt(self, s: Stmt) -> None:
        k = s.kind
        line = s.line
        if k == "expr":
            v = self.expr(s.exprs[0])
            self.release(v)
        elif k == "assign" and self.appends_in_place(s):
            # s = s + t / s += t on a str local: PyUnicode_Append resizes s in place when
            # nothing else references it, as CPython does for these statements
            # owned: `s = s + s` must not append s to itself while resizing it
            rhs = self.own(self.expr(s.exprs[0].args[1]))
            r = self.ctmp("int")
            self.emit(f"{r} = pv_str_append(&v_{cid(s.data)}, {rhs.code});")
            self.release(rhs)
            self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(line)}")
        elif k == "assign":
            v = self.expr(s.exprs[0])
            if isinstance(s.data, list):
                for name in s.data:
                    self.assign_to(
                        name, self.own(CVal(v.code, v.type, False)) if refcounted(v.type) else v
                    )
                self.release(v)
            else:
                self.assign_to(s.data, v)
        elif k == "unpack_values":
            vals = [self.expr(e) for e in s.exprs]
            owned = [self.own(v) for v in vals]
            for target, v in zip(s.data, owned, strict=False):
                if isinstance(target, str):
                    self.assign_to(target, v)
                    continue
                lst, idx = self.expr(target[0]), self.expr(target[1])
                self.store_item(lst, idx, v, line)
        elif k == "unpack_tuple":
            tup = self.expr(s.exprs[0])
            items = s.exprs[0].type[1]
            vals = [
                self.unbox(f"PyTuple_GET_ITEM({tup.code}, {i})", t, "tuple item", line)
                for i, t in enumerate(items)
            ]
            self.release(tup)
            for name, v in zip(s.data, vals, strict=False):
                self.assign_to(name, v)
        elif k == "setitem":
            lst_e, idx_e, val_e = s.exprs
            val = self.expr(val_e)
            lst = self.expr(lst_e)
            idx = self.expr(idx_e)
            self.store_item(lst, idx, val, line)
        elif k == "aug_setitem":
            lst_e, idx_e, res_e = s.exprs
            lst = self.own(self.expr(lst_e))
            idx = self.own(self.expr(idx_e))
            elem = lst_e.type[1]
            if elem in (INT, FLOAT, BOOL):
                b = self.ctmp("PyObject *")
                self.emit(f"{b} = pv_list_borrow({lst.code}, {idx.code});")
                self.emit(f"if (PV_UNLIKELY({b} == NULL)) {self.fail(line)}")
                self.aug_cur = self.unbox(b, elem, "list element", line)
            else:
                o = self.tmp(ir.list_of(res_e.type))
                self.emit(f"{o} = pv_list_get({lst.code}, {idx.code});")
                self.aug_cur = self.unbox_steal(o, elem, "list element", line)
            val = self.expr(res_e)
            self.release(self.aug_cur)
            self.aug_cur = None
            self.store_item(lst, idx, val, line)
        elif k == "if":
            c = self.cond(s.exprs[0])
            self.emit(f"if ({c}) {{")
            self.indent += 1
            self.block(s.body)
            self.indent -= 1
            if s.orelse:
                self.emit("} else {")
                self.indent += 1
                self.block(s.orelse)
                self.indent -= 1
            self.emit("}")
        elif k == "while":
            brk, cont = self.label("break"), self.label("continue")
            self.emit("for (;;) {")
            self.indent += 1
            c = self.cond(s.exprs[0])
            self.emit(f"if (!({c})) break;")
            self.loop_rest(brk, cont, lambda: self.block(s.body), s.orelse, line)
        elif k == "dict_set":
            self.dict_set(*s.exprs, line)
        elif k == "dict_aug_set":
            self.dict_aug_set(*s.exprs, line)
        elif k in ("for_range", "for_list", "for_str", "for_dict", "for_dict_values"):
            self.for_loop(k, s.exprs, s.data, line, lambda: self.block(s.body), s.orelse)
        elif k == "for_seq":
            self.seq_loop(s)
        elif k == "break":
            self.emit(f"goto {self.loops[-1][0]};")
        elif k == "continue":
            self.emit(f"goto {self.loops[-1][1]};")
        elif k == "return":
            if s.exprs:
                v = self.own(self.expr(s.exprs[0]))
                self.emit(f"pv_retval = {v.code};")
                if refcounted(v.type):
                    self.emit(f"{v.code} = {'0' if v.type == INT else 'NULL'};")
            else:
                self.emit("pv_retval = 0;")
            self.emit("goto pv_return;")
        elif k == "assert":
            self.emit(f"if ({self.mg.sym('optimize')} == 0) {{")
            self.indent += 1
            c = self.cond(s.exprs[0])
            self.emit(f"if (PV_UNLIKELY(!({c}))) {{")
            self.indent += 1
            if len(s.exprs) > 1:
                m = self.expr(s.exprs[1])
                self.emit(f"pv_assert_fail({self.box(m)});")
                self.release(m)
            else:
                self.emit("pv_assert_fail(NULL);")
            self.emit(self.fail(line))
            self.indent -= 1
            self.emit("}")
            self.indent -= 1
            self.emit("}")
        elif k == "raise":
            arr = self.boxed_args(s.exprs)
            self.emit(f"pv_raise_call({self.mg.builtin_obj(s.data)}, {arr}, {len(s.exprs)});")
            self.emit(self.fail(line))
        else:
            raise AssertionError(k)

    def loop_rest(self, brk: str, cont: str, body, orelse: list[Stmt], line: int) -> None:
        """The end every native loop shares, inside its open ``for (;;) {``: the body with
        ``brk``/``cont`` as its break and continue targets, the continue label, the signal
        check of each step, the loop's close, the ``else`` block and the break label."""
        self.loops.append((brk, cont))
        body()
        self.loops.pop()
        self.emit(f"{cont}: ;")
        self.emit(f"if (PV_CHECK_SIGNALS()) {self.fail(line)}")
        self.indent -= 1
        self.emit("}")
        self.block(orelse)
        self.emit(f"{brk}: ;")

    def for_loop(
        self, kind: str, exprs: list[Expr], var: str, line: int, body, orelse: list[Stmt]
    ) -> None:
        brk, cont = self.label("break"), self.label("continue")
        if kind == "for_range":
            start = self.own(self.expr(exprs[0]))
            stop = self.own(self.expr(exprs[1]))
            step_e = exprs[2]
            step = self.own(self.expr(step_e))
            self.holders.update((start.code, stop.code, step.code))
            pos = self.ctmp("int")
            if step_e.kind == "const":
                if step_e.data == 0:
                    self.emit(
                        'PyErr_SetString(PyExc_ValueError, "range() arg 3 must not be '
                        f'zero"); {self.fail(line)}'
                    )
                self.emit(f"{pos} = {1 if step_e.data > 0 else 0};")
            else:
                self.emit(
                    f"if (PV_UNLIKELY({step.code} == 0)) {{ PyErr_SetString("
                    'PyExc_ValueError, "range() arg 3 must not be zero"); '
                    f"{self.fail(line)} }}"
                )
                self.emit(f"{pos} = PV_INT_CMP({step.code}, (PvInt)0, >, Py_GT);")
                self.emit(f"if (PV_UNLIKELY({pos} < 0)) {self.fail(line)}")
            cur = start.code
            c = self.ctmp("int")
            # Fast mode: all three bounds are short ints, so the counter is a plain C
            # integer (no overflow: |k|, |step| < 2**62). Otherwise tagged arithmetic.
            fast, k, kstop, kstep = (
                self.ctmp("int"),
                self.ctmp("intptr_t"),
                self.ctmp("intptr_t"),
                self.ctmp("intptr_t"),
            )
            self.emit(f"{fast} = PV_BOTH_SHORT({cur}, {stop.code}) && PV_IS_SHORT({step.code});")
            self.emit(
                f"{k} = PV_VAL({cur}); {kstop} = PV_VAL({stop.code}); "
                f"{kstep} = PV_VAL({step.code});"
            )
            pos_c = pos
            if step_e.kind == "const":
                pos_c = "1" if step_e.data > 0 else "0"
            done = self.label("done")

            def test_and_assign(exit_code: str) -> None:
                # compare the counter with the bound; bind the loop variable if in range
                self.emit(f"if ({pos_c} ? !({k} < {kstop}) : !({k} > {kstop})) {exit_code}")
                self.emit(
                    f"{{ PvInt old = v_{cid(var)}; v_{cid(var)} = PV_SHORT({k}); "
                    "pv_int_decref(old); }"
                )

            def slow_test_and_assign(exit_code: str) -> None:
                self.emit(f"{c} = pv_range_more({cur}, {stop.code}, {pos_c});")
                self.emit(f"if (PV_UNLIKELY({c} < 0)) {self.fail(line)}")
                self.emit(f"if (!{c}) {exit_code}")
                self.assign_to(var, CVal(cur, INT, False))

            # The loop is rotated: the first test is made once before it, and each later
            # one together with the increment, so an iteration tests `fast` only once.
            # The order of effects is unchanged: increment, signal check, compare, bind.
            self.emit(f"if (PV_LIKELY({fast})) {{")
            self.indent += 1
            test_and_assign(f"goto {done};")
            self.indent -= 1
            self.emit("} else {")
            self.indent += 1
            slow_test_and_assign(f"goto {done};")
            self.indent -= 1
            self.emit("}")
            self.emit("for (;;) {")
            self.indent += 1
            self.loops.append((brk, cont))
            body()
            self.loops.pop()
            self.emit(f"{cont}: ;")
            self.emit(f"if (PV_LIKELY({fast})) {{")
            self.indent += 1
            self.emit(f"{k} += {kstep};")
            self.emit(f"if (PV_CHECK_SIGNALS()) {self.fail(line)}")
            test_and_assign("break;")
            self.indent -= 1
            self.emit("} else {")
            self.indent += 1
            nxt = self.tmp(INT)
            self.emit(f"{nxt} = pv_range_add({cur}, {step.code});")
            self.check(INT, nxt, line)
            self.emit(f"{{ PvInt old = {cur}; {cur} = {nxt}; {nxt} = 0; pv_int_decref(old); }}")
            self.emit(f"if (PV_CHECK_SIGNALS()) {self.fail(line)}")
            slow_test_and_assign("break;")
            self.indent -= 1
            self.emit("}")
            self.indent -= 1
            self.emit("}")
            self.emit(f"{done}: ;")
            self.block(orelse)
            self.emit(f"{brk}: ;")
            for v in (start, stop, step):
                self.release(v)
            return
        if kind in ("for_dict", "for_dict_values"):
            d = self.own(self.expr(exprs[0]))
            self.holders.add(d.code)
            it = self.dict_iterator(kind, d, line)
            self.holders.add(it)
            self.emit("for (;;) {")
            self.indent += 1
            elem = d.type[1] if kind == "for_dict" else d.type[2]
            self.assign_to(var, self.next_item(it, elem, line))
            self.loop_rest(brk, cont, body, orelse, line)
            self.emit(f"Py_CLEAR({it});")
            self.release(d)
            return
        seq = self.own(self.expr(exprs[0]))
        self.holders.add(seq.code)
        idx = self.ctmp("Py_ssize_t")
        self.emit(f"{idx} = 0;")
        self.emit("for (;;) {")
        self.indent += 1
        if kind == "for_str":
            # a str is immutable: its iterator reads each character as unicode_char does
            self.emit(f"if ({idx} >= PyUnicode_GET_LENGTH({seq.code})) break;")
            r = self.tmp(STR)
            self.emit(f"{r} = PyUnicode_FromOrdinal((int)PyUnicode_READ_CHAR({seq.code}, {idx}));")
            self.check(STR, r, line)
            item = CVal(r, STR, True)
        else:
            self.emit(f"if ({idx} >= PyList_GET_SIZE({seq.code})) break;")
            item = self.unbox(
                f"PyList_GET_ITEM({seq.code}, {idx})", seq.type[1], "list element", line
            )
        self.emit(f"{idx}++;")
        self.assign_to(var, item)
        self.loop_rest(brk, cont, body, orelse, line)
        self.release(seq)

    def seq_loop(self, s: Stmt) -> None:
        """``for_seq``: ``for i, x in enumerate(seq, start)``, ``for a, b in zip(s1, s2)``
        over lists and strs, ``for a, b in pairs`` over a list of tuples. Each step reads
        item ``k`` of every sequence in order, as the builtins' iterators do: a list's
        current length is tested first (items appended or removed in the body are seen,
        and zip stops at the first sequence without an item), a str's character is a new
        one-character str; then the names are bound left to right. enumerate's index is
        ``start + k``, an exact int, computed with tagged arithmetic (big ints beyond)."""
        mode, names = s.data
        line = s.line
        brk, cont = self.label("break"), self.label("continue")
        if mode == "items":
            self.items_loop(s, brk, cont)
            return
        nseq = len(s.exprs) - (1 if mode == "enumerate" else 0)
        seqs = []
        for e in s.exprs[:nseq]:
            q = self.own(self.expr(e))
            self.holders.add(q.code)
            seqs.append(q)
        count = None
        if mode == "enumerate":
            count = self.own(self.expr(s.exprs[-1]))
            self.holders.add(count.code)
        idx = self.ctmp("Py_ssize_t")
        self.emit(f"{idx} = 0;")
        self.emit("for (;;) {")
        self.indent += 1
        items: list[CVal] = []

        def stop(length: str) -> None:
            # exhausted: the loop ends, dropping the items zip already read this step
            self.emit(f"if ({idx} >= {length}) {{")
            self.indent += 1
            for item in items:
                self.release(item)
            self.emit("break;")
            self.indent -= 1
            self.emit("}")

        for q in seqs:
            if q.type == STR:
                stop(f"PyUnicode_GET_LENGTH({q.code})")
                r = self.tmp(STR)
                self.emit(
                    f"{r} = PyUnicode_FromOrdinal((int)PyUnicode_READ_CHAR({q.code}, {idx}));"
                )
                self.check(STR, r, line)
                items.append(CVal(r, STR, True))
            else:
                stop(f"PyList_GET_SIZE({q.code})")
                items.append(
                    self.unbox(f"PyList_GET_ITEM({q.code}, {idx})", q.type[1], "list element", line)
                )
        self.emit(f"{idx}++;")
        if mode == "unpack":
            tup, types = items[0], s.exprs[0].type[1][1]
            items = [
                self.unbox(f"PyTuple_GET_ITEM({tup.code}, {i})", t, "tuple item", line)
                for i, t in enumerate(types)
            ]
            self.release(tup)
        if count is not None:
            # the index, then the next one (enum_next: the item first, then the count)
            self.assign_to(names[0], CVal(count.code, INT, False))
            nxt = self.tmp(INT)
            self.emit(f"{nxt} = pv_int_add({count.code}, PV_SHORT(1));")
            self.check(INT, nxt, line)
            self.emit(
                f"{{ PvInt old = {count.code}; {count.code} = {nxt}; {nxt} = 0; "
                "pv_int_decref(old); }"
            )
            names = names[1:]
        for name, item in zip(names, items, strict=True):
            self.assign_to(name, item)
        self.loop_rest(brk, cont, lambda: self.block(s.body), s.orelse, line)
        for q in seqs:
            self.release(q)
        if count is not None:
            self.release(count)

    def appends_in_place(self, s: Stmt) -> bool:
        """``name = name + t`` of a str local that the function owns (assigned, so not a
        borrowed parameter)."""
        e = s.exprs[0]
        return (
            isinstance(s.data, str)
            and e.kind == "str_concat"
            and e.args[0].kind == "local"
            and e.args[0].data == s.data
            and s.data not in self.f.borrowed_params
        )

    # ---- conditions --------------------------------------------------------------------
    def cond(self, e: Expr) -> str:
        """Emit code for a truth value; returns a C expression of type char/int."""
        if e.kind in ("cond_and", "cond_or"):
            r = self.ctmp("char")
            first = self.cond(e.args[0])
            self.emit(f"{r} = ({first}) != 0;")
            for a in e.args[1:]:
                self.emit(f"if ({'' if e.kind == 'cond_and' else '!'}{r}) {{")
                self.indent += 1
                c = self.cond(a)
                self.emit(f"{r} = ({c}) != 0;")
                self.indent -= 1
                self.emit("}")
            return r
        if e.kind == "not":
            return f"!({self.cond(e.args[0])})"
        v = self.expr(e)
        return v.code
