"""The native tier's function emitter: one IR function -> its C function, its
Python-facing wrapper (argument parsing, unboxing, the boxed result) and, in embedded mode,
the entry the generic tier's C calls.

:class:`FuncGen` is assembled from :class:`.funcstate.FuncState` (the state of one
function's emission and the helpers every emitter uses) and emitter mixins by concern, one
module each: :mod:`.statements` (statements, loops, conditions), :mod:`.arithmetic`
(operators and comparisons on ints, floats and bools), :mod:`.calls` (calls between native
functions, builtins, ``math``) and :mod:`.sequences` (lists and tuples). They are mixins,
not free functions, because they share that state and call one another recursively
(``expr`` <-> ``cond`` <-> ``for_loop``...), so their code reads as one class's methods.
An expression is emitted by its kind's emitter (:data:`EXPR_EMITTERS`).

An expression yields a :class:`.cvalues.CVal`: an owned temporary (which the consumer
releases) or a borrowed value (a local variable or a constant). Every temporary and local
is declared at function scope and cleared after use, so the single error exit can release
everything with ``Py_CLEAR`` / ``PV_INT_CLEAR`` and add a traceback entry naming the
source line.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import ir
from ..cstrings import c_string
from ..ir import BOOL, FLOAT, INT, NONE, Expr
from .arithmetic import ArithmeticEmitter
from .boxing import call_and_box, exact_test, unbox_assignment
from .calls import CallEmitter
from .cvalues import CVal, cid, ctype, err_test, err_value, refcounted
from .dicts import DictEmitter
from .embedding import embedded_entry_name
from .sequences import SequenceEmitter
from .statements import StatementEmitter
from .strings import StringEmitter


class FuncGen(
    StatementEmitter, ArithmeticEmitter, CallEmitter, SequenceEmitter, StringEmitter, DictEmitter
):
    """One function's C: its state and helpers are :class:`.funcstate.FuncState`'s, its
    emitters the mixins'; this class writes the function, its wrapper and its entry."""

    def prototype(self) -> str:
        params = ", ".join(
            f"{ctype(p.type)}a_{cid(p.name)}"
            if ctype(p.type).endswith("*")
            else f"{ctype(p.type)} a_{cid(p.name)}"
            for p in self.f.params
        )
        params = params + ", int pv_budget" if params else "int pv_budget"
        return f"{self.mg.storage}{ctype(self.f.ret)} {self.mg.func_name(self.f.name)}({params})"

    def wrapper_signature(self) -> str:
        return (
            f"{self.mg.storage}PyObject *{self.mg.wrapper_name(self.f.name)}(PyObject *self, "
            "PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)"
        )

    # ---- function --------------------------------------------------------------------
    def generate(self) -> str:
        f = self.f
        for p in f.params:
            self.decls["v_" + cid(p.name)] = p.type
        for name, t in f.locals.items():
            self.decls["v_" + cid(name)] = t
        self.emit("if (0) goto pv_error;")
        for p in f.params:
            self.emit(f"v_{cid(p.name)} = a_{cid(p.name)};")
            if p.name in f.borrowed_params:
                continue  # never reassigned: the caller's reference outlives the call
            if p.type == INT:
                self.emit(f"pv_int_incref(v_{cid(p.name)});")
            elif ir.is_object(p.type):
                self.emit(f"Py_INCREF(v_{cid(p.name)});")
        self.block(f.body)
        if f.ret == NONE:
            self.emit("pv_retval = 0;")
        self.emit("goto pv_return;")
        body = self.out
        self.out = []
        self.indent = 1
        lines = [
            self.prototype(),
            "{",
            "    int pv_line = 0;",
            "    int pv_tick = 0;",
            "    (void)pv_line;",
            "    (void)pv_tick;",
            f"    {ctype(f.ret)} pv_retval = {err_value(f.ret)};",
        ]
        cleanup = []  # error exit: everything
        ret_cleanup = []  # normal exit: locals and loop holders (other temps are released)
        borrowed = {"v_" + cid(n) for n in f.borrowed_params}
        for name, t in self.decls.items():
            if isinstance(t, str) and t.startswith("arr:"):
                lines.append(f"    PyObject *{name}[{t[4:]}] = {{0}};")
                continue
            if isinstance(t, str) and t.startswith("raw:"):
                lines.append(f"    {t[4:]} {name} = 0;")
                continue
            init = "NULL" if ir.is_object(t) else "0"
            lines.append(f"    {ctype(t)} {name} = {init};")
            if name in borrowed:
                continue
            if t == INT:
                cleanup.append(f"    PV_INT_CLEAR({name});")
            elif ir.is_object(t):
                cleanup.append(f"    Py_CLEAR({name});")
            if refcounted(t) and (name.startswith("v_") or name in self.holders):
                ret_cleanup.append(cleanup[-1])
        if f.recursive:
            lines.append(
                f"    if (PV_UNLIKELY(pv_budget <= 0)) {{ pv_recursion_error(); "
                f"return {err_value(f.ret)}; }}"
            )
        lines += body
        leave: list[str] = []
        lines += [
            "pv_return:",
            *ret_cleanup,
            *leave,
            "    return pv_retval;",
            "pv_error:",
            f"    _PyTraceback_Add({c_string(f.name)[0]}, {self.path}, pv_line);",
            *cleanup,
            *leave,
        ]
        if refcounted(f.ret):
            lines.append(
                "    " + ("PV_INT_CLEAR(pv_retval);" if f.ret == INT else "Py_CLEAR(pv_retval);")
            )
        lines += [f"    return {err_value(f.ret)};", "}", ""]
        return "\n".join(lines)

    def wrapper(self) -> str:
        f = self.f
        n = len(f.params)
        nreq = sum(1 for p in f.params if not p.has_default)
        names = ", ".join(c_string(p.name)[0] for p in f.params)
        fname = c_string(f.name)[0]
        L = [self.wrapper_signature(), "{"]
        L.append(f"    static const char *const names[] = {{{names or 'NULL'}}};")
        L.append(f"    PyObject *o[{max(n, 1)}];")
        L.append("    PyObject *res = NULL;")
        L.append("    (void)self; (void)names;")
        for i, p in enumerate(f.params):
            init = "NULL" if ir.is_object(p.type) else "0"
            L.append(f"    {ctype(p.type)} x{i} = {init};")
        L.append(
            f"    if (pv_parse_args(args, nargs, kwnames, {fname}, names, {n}, {nreq}, o) "
            "< 0) return NULL;"
        )
        for i, p in enumerate(f.params):
            what = c_string(f"{f.name}() argument '{p.name}'")[0]
            t = p.type
            if p.has_default:
                dv = self.const(Expr("const", t, f.line, data=p.default))
                incref = (
                    f" pv_int_incref(x{i});"
                    if t == INT
                    else (f" Py_INCREF(x{i});" if ir.is_object(t) else "")
                )
                L.append(f"    if (o[{i}] == NULL) {{ x{i} = {dv.code};{incref} }} else {{")
            else:
                L.append("    {")
            L.append("        " + unbox_assignment(f"x{i}", f"o[{i}]", t, what))
            L.append(f"        if ({err_test(t, f'x{i}')}) goto done;")
            L.append("    }")
        args = "".join(f"x{i}, " for i in range(n))
        call = f"{self.mg.func_name(f.name)}({args}pv_recursion_budget())"
        L += call_and_box(f.ret, call, "res", "goto done;")
        L.append("done:")
        for i, p in enumerate(f.params):
            if p.type == INT:
                L.append(f"    if (x{i} != PV_INT_ERR) pv_int_decref(x{i});")
            elif ir.is_object(p.type):
                L.append(f"    Py_XDECREF(x{i});")
        L += ["    return res;", "}", ""]
        return "\n".join(L)

    def entry(self) -> str:
        """The entry of a native version from the generic function's C (``args``: its
        bound arguments, borrowed): 0 when an argument is not exactly of the native
        representation (the generic body runs then), else 1 with ``*res`` the boxed
        result (NULL with the exception set)."""
        f = self.f
        name = embedded_entry_name(self.mg.m.name, f.name)
        L = [f"PVM_SHARED int {name}(PyObject *const *args, PyObject **res)", "{"]
        for i, p in enumerate(f.params):
            L.append(f"    if (!{exact_test(self.mg, p.type, f'args[{i}]')}) return 0;")
        args = []
        for i, p in enumerate(f.params):
            if p.type == INT:
                L.append(f"    PvInt x{i} = pv_int_unbox(args[{i}], NULL);")
                L.append(f"    if (x{i} == PV_INT_ERR) {{ *res = NULL; return 1; }}")
            elif p.type == FLOAT:
                L.append(f"    double x{i} = PyFloat_AS_DOUBLE(args[{i}]);")
            elif p.type == BOOL:
                L.append(f"    char x{i} = args[{i}] == Py_True;")
            else:  # a str, list or tuple: borrowed (the caller's reference outlives the call)
                L.append(f"    PyObject *x{i} = args[{i}];")
            args.append(f"x{i}, ")
        call = f"{self.mg.func_name(f.name)}({''.join(args)}pv_recursion_budget())"
        L.append("    PyObject *out = NULL;")
        L += call_and_box(f.ret, call, "out", "goto done;")
        L.append("done:")
        L += [f"    pv_int_decref(x{i});" for i, p in enumerate(f.params) if p.type == INT]
        L += ["    *res = out;", "    return 1;", "}", ""]
        return "\n".join(L)

    # ---- expressions -------------------------------------------------------------------
    def expr(self, e: Expr) -> CVal:
        """Emit an expression by its kind's emitter (:data:`EXPR_EMITTERS`)."""
        emitter = EXPR_EMITTERS.get(e.kind)
        if emitter is None and e.kind.startswith("int_"):
            emitter = FuncGen.int_binary
        if emitter is None:
            raise AssertionError(e.kind)
        return emitter(self, e)


# the emitter of each expression kind; the other ``int_*`` kinds (int arithmetic with an
# int result, ``pv_int_*`` of the runtime) are FuncGen.int_binary
EXPR_EMITTERS: dict[str, Callable[[FuncGen, Expr], CVal]] = {
    # values
    "const": FuncGen.const,
    "local": FuncGen.local,
    "aug_cur": FuncGen.aug_current,
    "convert": FuncGen.convert,
    # arithmetic, logic and comparisons (.arithmetic)
    "int_truediv": FuncGen.int_to_float_binary,
    "int_pow_float": FuncGen.int_to_float_binary,
    "float_add": FuncGen.float_inline_binary,
    "float_sub": FuncGen.float_inline_binary,
    "float_mul": FuncGen.float_inline_binary,
    "float_truediv": FuncGen.float_call_binary,
    "float_floordiv": FuncGen.float_call_binary,
    "float_mod": FuncGen.float_call_binary,
    "float_pow": FuncGen.float_call_binary,
    "bool_and": FuncGen.bool_bitwise,
    "bool_or": FuncGen.bool_bitwise,
    "bool_xor": FuncGen.bool_bitwise,
    "neg": FuncGen.neg,
    "invert": FuncGen.invert,
    "not": FuncGen.logical_not,
    "cond_and": FuncGen.cond_value,
    "cond_or": FuncGen.cond_value,
    "truth": FuncGen.truth,
    "and": FuncGen.boolop,
    "or": FuncGen.boolop,
    "compare": FuncGen.compare,
    "ifexp": FuncGen.ifexp,
    # calls and builtins (.calls)
    "call": FuncGen.native_call,
    "print": FuncGen.print_call,
    "math": FuncGen.math,
    "abs": FuncGen.abs_call,
    "isinstance": FuncGen.isinstance_call,
    "float_to_int": FuncGen.float_to_int,
    "round": FuncGen.round_call,
    "round2": FuncGen.round2_call,
    "divmod": FuncGen.divmod_call,
    "minmax": FuncGen.minmax,
    "minmax_list": FuncGen.minmax_list,
    # lists and tuples (.sequences)
    "list": FuncGen.new_sequence,
    "tuple": FuncGen.new_sequence,
    "list_get": FuncGen.list_get,
    "tuple_get": FuncGen.tuple_get,
    "len": FuncGen.length,
    # strs (.strings)
    "str_len": FuncGen.length,
    "str_get": FuncGen.str_get,
    "str_slice": FuncGen.str_slice,
    "str_method": FuncGen.str_method,
    "builtin_call": FuncGen.builtin_call,
    "list_slice": FuncGen.str_slice,
    "list_copy": FuncGen.list_copy,
    "sorted": FuncGen.list_copy,
    "list_sort": FuncGen.list_sort,
    "str_concat": FuncGen.str_concat,
    "str_repeat": FuncGen.str_repeat,
    "to_str": FuncGen.to_str,
    "ord": FuncGen.ord_call,
    "chr": FuncGen.chr_call,
    "list_repeat": FuncGen.list_binary,
    "list_concat": FuncGen.list_binary,
    "append": FuncGen.append,
    "pop": FuncGen.pop,
    "listcomp": FuncGen.listcomp,
    "all_any": FuncGen.all_any,
    "int_sum": FuncGen.int_sum,
    "fvalue": FuncGen.fvalue,
    "fstring": FuncGen.fstring,
    "dict": FuncGen.dict_display,
    "dict_get": FuncGen.dict_get,
    "dict_get_default": FuncGen.dict_get_default,
    "dict_len": FuncGen.dict_len,
    "set": FuncGen.set_display,
    "set_from": FuncGen.set_from,
    "set_add": FuncGen.set_update,
    "set_discard": FuncGen.set_update,
}
