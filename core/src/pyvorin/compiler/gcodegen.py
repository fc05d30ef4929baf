"""C generation for the generic tier: one emitter per op class (a dispatch table).

Every string that comes from the user's program (names, file paths, constants) enters the
C text only through :mod:`.cstrings` (escaped literals); identifiers are generated
(``pvf_<n>``...), and user text never reaches a comment.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from pathlib import Path

from . import cstrings, gir
from .gir import FuncIR, ModuleIR, Reg
from .gprims import PRIMS
from .ncodegen import embedding

RUNTIME_DIR = Path(__file__).parent / "runtime"
# code objects compiled as a resumable function over a heap frame, and their object type
GENERATOR_KINDS = {
    "generator": "PvGen_Type",
    "coroutine": "PvCoro_Type",
    "asyncgen": "PvAsyncGen_Type",
}
RUNTIME_FILES = (
    "pv_generic.h",
    "pv_fast.h",
    "pv_ops.c",
    "pv_function.c",
    "pv_generator.c",
    "pv_coroutine.c",
    "pv_asyncgen.c",
    "pv_match.c",
    "pv_excgroup.c",
    "pv_attr.c",
    "pv_tiers.c",
)


def runtime_paths() -> tuple[Path, ...]:
    """The runtime sources a generic-tier module is built with."""
    return tuple(RUNTIME_DIR / f for f in RUNTIME_FILES)


def c_bytes(data: bytes) -> str:
    """A C string literal for arbitrary bytes (constants keep their exact bytes)."""
    return cstrings.c_string_literal(data)


def c_str(text: str) -> str:
    """A str constant's exact bytes (lone surrogates kept, decoded with surrogatepass)."""
    return cstrings.c_string_literal(text.encode("utf-8", "surrogatepass"))


def c_name(text: str) -> str:
    """Names and paths for messages and tracebacks (always valid UTF-8)."""
    return cstrings.c_string_literal(text)


def float_literal(v: float) -> str:
    if math.isfinite(v):
        return f"({v.hex()})"
    bits = struct.unpack("<Q", struct.pack("<d", v))[0]
    return f"pv_bits(0x{bits:016x}ULL)"


def _name_chars(s: str) -> bool:
    return all(c.isascii() and (c.isalnum() or c == "_") for c in s)


class FuncEmitter:
    def __init__(self, me: ModuleEmitter, f: FuncIR):
        self.me = me
        self.f = f
        self.gen = f.kind in GENERATOR_KINDS
        self.lines: list[str] = []
        self.fname = c_name(f.tb_name or f.name)

    # -- helpers -----------------------------------------------------------------

    def r(self, reg: Reg) -> str:
        return f"f->{reg.name}" if self.gen else reg.name

    def operand(self, x: gir.Operand) -> str:
        if isinstance(x, Reg):
            return self.r(x)
        if isinstance(x, gir.Const):
            return f"pv_const[{x.index}]"
        return x.text

    def w(self, text: str) -> None:
        self.lines.append("    " + text)

    def fail(self, line: int, err: str | None, tb: bool = True) -> str:
        target = err or "L_error"
        if tb:
            return f"{{ PV_TB({self.fname}, {line}); goto {target}; }}"
        return f"goto {target};"

    # -- ops ---------------------------------------------------------------------

    def op_Label(self, op: gir.Label) -> None:
        self.lines.append(f"  {op.name}:;")

    def op_Goto(self, op: gir.Goto) -> None:
        self.w(f"goto {op.target};")

    def op_Branch(self, op: gir.Branch) -> None:
        self.w(f"if ({self.r(op.cond)}) goto {op.then}; else goto {op.orelse};")

    def op_Prim(self, op: gir.Prim) -> None:
        template, result = PRIMS[op.prim]
        text = template.format(*[self.operand(a) for a in op.args])
        if op.prim == "load_global":  # a cache of its own per site (pv_generic.h)
            self.me.global_caches += 1
            cache = f"pv_gcache_{self.me.global_caches}"
            self.w(f"static PvGlobalCache {cache};")
            name = self.operand(op.args[0])
            text = f"pv_load_global_cached(pv_globals, pv_builtins, {name}, &{cache})"
        elif op.prim in ("getattr", "setattr"):  # per-site attribute caches (pv_attr.c)
            cache = self.attr_cache()
            args = ", ".join(self.operand(a) for a in op.args)
            text = f"pv_{op.prim}_cached({args}, &{cache})"
        fail = self.fail(op.line, op.err, op.tb)
        if result == "obj":
            d = self.r(op.dst)
            self.w(f"{d} = {text};")
            self.w(f"if (PV_UNLIKELY({d} == NULL)) {fail}")
        elif result == "cint":
            if op.dst is not None:
                d = self.r(op.dst)
                self.w(f"{d} = {text};")
                self.w(f"if (PV_UNLIKELY({d} < 0)) {fail}")
            else:
                self.w(f"if (PV_UNLIKELY(({text}) < 0)) {fail}")
        elif result in ("obj_ok", "cint_ok"):
            if op.dst is not None:
                self.w(f"{self.r(op.dst)} = {text};")
            else:
                self.w(f"(void)({text});")
        elif result == "void":
            self.w(f"{text};")
        elif result == "fail":
            self.w(f"{text};")
            self.w(fail)
        else:  # pragma: no cover - the table is closed
            raise ValueError(result)

    def _array(self, items: list[str], lead_null: bool = False) -> str:
        if lead_null:
            items = ["NULL", *items]
        if not items:
            return "NULL"
        return "(PyObject *[]){" + ", ".join(items) + "}"

    def op_Call(self, op: gir.Call) -> None:
        d = self.r(op.dst)
        args = [self.operand(a) for a in op.args]
        nkw = len((op.kwnames and self.me.m.consts[op.kwnames.index][1]) or ())
        kwnames = self.operand(op.kwnames) if op.kwnames else "NULL"
        fail = self.fail(op.line, op.err, op.tb)
        npos = len(args) - nkw
        site = "PV_CALL_DISCARDED" if op.discarded else "0"
        self.w("{")
        self.w(
            f"    PyObject *pv_args[] = {{NULL, {', '.join(args)}}};"
            if args
            else "    PyObject *pv_args[] = {NULL};"
        )
        if op.unbound is not None:
            fn, flag = self.operand(op.func), self.r(op.unbound)
            self.w(
                f"    {d} = {flag} ? pv_call({fn}, pv_args + 1, "
                f"{npos} | PY_VECTORCALL_ARGUMENTS_OFFSET, {kwnames}, PV_CALL_METHOD | {site})"
            )
            self.w(
                f"        : pv_call({fn}, pv_args + 2, "
                f"{npos - 1} | PY_VECTORCALL_ARGUMENTS_OFFSET, {kwnames}, {site});"
            )
        else:
            fn = self.operand(op.func)
            self.w(
                f"    {d} = pv_call({fn}, pv_args + 1, "
                f"{npos} | PY_VECTORCALL_ARGUMENTS_OFFSET, {kwnames}, {site});"
            )
        self.w("}")
        self.w(f"if (PV_UNLIKELY({d} == NULL)) {fail}")

    def attr_cache(self) -> str:
        """A new per-site attribute cache (a static of the function), by name."""
        self.me.attr_caches += 1
        cache = f"pv_acache_{self.me.attr_caches}"
        self.w(f"static PvAttrCache {cache};")
        return cache

    def op_LoadMethod(self, op: gir.LoadMethod) -> None:
        d = self.r(op.dst)
        cache = self.attr_cache()
        self.w(
            f"{self.r(op.unbound)} = pv_load_method_cached({self.operand(op.obj)}, "
            f"{self.operand(op.name)}, &{d}, &{cache});"
        )
        self.w(f"if (PV_UNLIKELY({d} == NULL)) {self.fail(op.line, op.err)}")

    def op_Pack(self, op: gir.Pack) -> None:
        d = self.r(op.dst)
        items = [self.operand(a) for a in op.items]
        n = len(items) // 2 if op.what == "dict" else len(items)
        fn = {
            "tuple": "pv_tuple_pack",
            "list": "pv_list_pack",
            "set": "pv_set_pack",
            "dict": "pv_dict_pack",
            "str": "pv_join_str",
        }[op.what]
        self.w(f"{d} = {fn}({n}, {self._array(items)});")
        self.w(f"if (PV_UNLIKELY({d} == NULL)) {self.fail(op.line, op.err)}")

    def op_Unpack(self, op: gir.Unpack) -> None:
        n = len(op.dsts)
        self.w("{")
        self.w(f"    PyObject *pv_out[{n}];")
        self.w(
            f"    if (pv_unpack({self.operand(op.src)}, {op.before}, {op.after}, pv_out) < 0) "
            f"{self.fail(op.line, op.err)}"
        )
        for i, dreg in enumerate(op.dsts):
            self.w(f"    {self.r(dreg)} = pv_out[{i}];")
        self.w("}")

    def op_ForIter(self, op: gir.ForIter) -> None:
        d = self.r(op.dst)
        self.w(f"{d} = PyIter_Next({self.r(op.it)});")
        self.w(
            f"if ({d} == NULL) {{ if (PyErr_Occurred()) {self.fail(op.line, op.err)} "
            f"goto {op.done}; }}"
        )

    def op_Move(self, op: gir.Move) -> None:
        self.w(f"Py_XSETREF({self.r(op.dst)}, {self.r(op.src)}); {self.r(op.src)} = NULL;")

    def op_Copy(self, op: gir.Copy) -> None:
        src = self.operand(op.src)
        self.w(
            f"{{ PyObject *pv_t = {src}; Py_INCREF(pv_t); Py_XSETREF({self.r(op.dst)}, pv_t); }}"
        )

    def op_DecRef(self, op: gir.DecRef) -> None:
        self.w(f"Py_CLEAR({self.r(op.reg)});")

    def op_InterpretedDef(self, op: gir.InterpretedDef) -> None:
        d = self.r(op.dst)
        args = ", ".join(
            self.operand(x) for x in (op.code, op.qualname, op.defaults, op.kwdefaults, op.closure)
        )
        self.w(f"{d} = pv_interpreted_function({args}, pv_globals);")
        self.w(f"if (PV_UNLIKELY({d} == NULL)) {self.fail(op.line, op.err)}")

    def op_ClearRegs(self, op: gir.ClearRegs) -> None:
        for reg in op.regs:
            self.w(f"Py_CLEAR({self.r(reg)});")

    def op_CheckBound(self, op: gir.CheckBound) -> None:
        fn = "pv_unbound_local" if op.what == "local" else "pv_unbound_free"
        self.w(
            f"if (PV_UNLIKELY({self.r(op.reg)} == NULL)) {{ {fn}({self.operand(op.name)}); "
            f"{self.fail(op.line, op.err)} }}"
        )

    def op_Return(self, op: gir.Return) -> None:
        self.w(f"retval = {self.r(op.value)}; {self.r(op.value)} = NULL; goto L_return;")

    def op_Yield(self, op: gir.Yield) -> None:
        v = self.r(op.value)
        self.w(f"gen->state = {op.state};")
        if self.f.kind == "asyncgen":  # a yield, told apart from an await's suspension
            self.w(f"{{ PyObject *pv_y = pv_ag_wrap({v}); {v} = NULL;")
            self.w(f"  if (pv_y == NULL) {self.fail(op.line, op.err)}")
            self.w("  pv_leave_frame(); return pv_y; }")
        else:
            self.w(f"{{ PyObject *pv_y = {v}; {v} = NULL; pv_leave_frame(); return pv_y; }}")
        self.lines.append(f"  L_resume_{op.state}:;")
        self.w(f"if (sent == NULL) {self.fail(op.line, op.err)}")
        self.w(f"Py_INCREF(sent); {self.r(op.dst)} = sent;")

    def op_YieldFrom(self, op: gir.YieldFrom) -> None:
        k = op.state
        it = self.r(op.it)
        fail = self.fail(op.line, op.err, op.tb)
        self.w(f"gen->yf = {it}; {it} = NULL; sent = Py_None; goto L_yfsend_{k};")
        self.lines.append(f"  L_resume_{k}:;")
        self.w(f"if (sent == NULL) {fail}")
        self.w(
            f"if (gen->yf == NULL) {{ Py_INCREF(sent); {self.r(op.dst)} = sent; "
            f"goto L_yfdone_{k}; }}"
        )
        self.lines.append(f"  L_yfsend_{k}:;")
        self.w("{")
        self.w("    PyObject *pv_o;")
        self.w("    int pv_s = pv_yf_send(gen->yf, sent, &pv_o);")
        self.w(f"    if (pv_s == 1) {{ gen->state = {k}; pv_leave_frame(); return pv_o; }}")
        self.w("    Py_CLEAR(gen->yf);")
        self.w(f"    if (pv_s < 0) {fail}")
        self.w(f"    {self.r(op.dst)} = pv_o;")
        self.w("}")
        self.lines.append(f"  L_yfdone_{k}:;")

    def op_AddTraceback(self, op: gir.AddTraceback) -> None:
        self.w(f"PV_TB({self.fname}, {op.line});")

    def op_Comment(self, op: gir.Comment) -> None:
        return None

    # -- whole functions -------------------------------------------------------------

    def body(self) -> None:
        for op in self.f.ops:
            getattr(self, "op_" + type(op).__name__)(op)

    def decls(self) -> list[str]:
        out = []
        for r in self.f.regs:
            if r.kind == "obj":
                out.append(f"    PyObject *{r.name} = NULL;")
            else:
                out.append(f"    int {r.name} = 0;")
        return out

    def entry(self, source: str) -> list[str]:
        """Move the bound arguments into registers; make cells; load free variables."""
        f = self.f
        out = []
        for i, p in enumerate(f.params):
            out.append(f"    {self.r(p)} = {source}[{i}];")
        return out

    def cells(self, closure: str, on_fail: str) -> list[str]:
        f = self.f
        out = []
        for reg, param in f.cell_regs:
            init = "NULL" if param is None else self.r(f.params[param])
            out.append(f"    {self.r(reg)} = PyCell_New({init});")
            out.append(f"    if ({self.r(reg)} == NULL) {on_fail}")
            if param is not None:
                out.append(f"    Py_CLEAR({self.r(f.params[param])});")
        for i, reg in enumerate(f.free_regs):
            out.append(
                f"    {self.r(reg)} = PyTuple_GET_ITEM({closure}, {i}); Py_INCREF({self.r(reg)});"
            )
        return out

    def cleanup(self) -> list[str]:
        return [f"    Py_XDECREF({self.r(r)});" for r in self.f.regs if r.kind == "obj"]

    def emit_plain(self, signature: str, closure: str, args: str | None) -> list[str]:
        """A function, class body or module body (not a generator)."""
        out = [signature, "{", "    PyObject *retval = NULL;"]
        out += self.decls()
        if self.f.kind == "class":
            out.append("    PyObject *ns = pv_ns;")
        if args is not None:
            out += self.me.native_dispatch(self.f, args)
            out += self.entry(args)
        out.append("    if (pv_enter_frame()) goto L_exit_norecursion;")
        out += self.cells(closure, "goto L_error;")
        self.body()
        out += self.lines
        out += [
            "  L_error:;",
            "    retval = NULL;",
            "  L_return:;",
            "    pv_leave_frame();",
            "  L_exit_norecursion:;",
            *self.cleanup(),
            "    return retval;",
            "}",
        ]
        return out

    def emit_generator(self) -> list[str]:
        f = self.f
        c = f.cname
        fields = []
        for r in f.regs:
            fields.append(f"    {'PyObject *' if r.kind == 'obj' else 'int '}{r.name};")
        objs = [r for r in f.regs if r.kind == "obj"]
        out = [f"struct pvgf_{c} {{", "    int pv_unused;", *fields, "};"]
        out += [f"static void pvclr_{c}(void *fp)", "{", f"    struct pvgf_{c} *f = fp;"]
        out += [f"    Py_CLEAR(f->{r.name});" for r in objs]
        out += ["}"]
        out += [
            f"static int pvtrv_{c}(void *fp, visitproc visit, void *arg)",
            "{",
            f"    struct pvgf_{c} *f = fp;",
        ]
        out += [f"    Py_VISIT(f->{r.name});" for r in objs]
        out += ["    return 0;", "}"]
        out += [f"static PyObject *pvr_{c}(PvGen *gen, PyObject *sent);"]
        out += [
            f"static const PvGenSpec pvgs_{c} = {{sizeof(struct pvgf_{c}), pvr_{c}, pvclr_{c}, "
            f"pvtrv_{c}}};"
        ]
        # the function: bind, make the frame, return the generator
        out += [f"static PyObject *pvf_{c}(PvFunction *self, PyObject **args)", "{"]
        out += [f"    struct pvgf_{c} *f = PyMem_Calloc(1, sizeof(struct pvgf_{c}));"]
        nparams = len(f.params)
        out += [
            "    if (f == NULL) {",
            f"        for (int i = 0; i < {nparams}; i++) Py_XDECREF(args[i]);",
            "        return PyErr_NoMemory();",
            "    }",
        ]
        out += self.entry("args")
        out += self.cells("self->closure", f"{{ pvclr_{c}(f); PyMem_Free(f); return NULL; }}")
        out += [
            f"    PyObject *g = pv_gen_new_of(&{GENERATOR_KINDS[f.kind]}, self, &pvgs_{c}, f);",
            f"    if (g == NULL) {{ pvclr_{c}(f); PyMem_Free(f); }}",
            "    return g;",
            "}",
        ]
        # the resume function
        out += [f"static PyObject *pvr_{c}(PvGen *gen, PyObject *sent)", "{"]
        out += [f"    struct pvgf_{c} *f = gen->frame;", "    PyObject *retval = NULL;"]
        out += ["    if (pv_enter_frame()) return NULL;"]
        out += ["    switch (gen->state) {", "    case 0: goto L_start;"]
        nstates = max(
            [op.state for op in f.ops if isinstance(op, (gir.Yield, gir.YieldFrom))], default=0
        )
        out += [f"    case {k}: goto L_resume_{k};" for k in range(1, nstates + 1)]
        out += ["    default: goto L_start;", "    }", "  L_start:;"]
        out += [f"    if (sent == NULL) {self.fail(f.line, None)}"]
        self.body()
        out += self.lines
        out += [
            "  L_return:;",
            "    gen->state = -1;",
            "    gen->retval = retval;",
            "    pv_leave_frame();",
            "    return NULL;",
            "  L_error:;",
            "    pv_leave_frame();",
            "    return NULL;",
            "}",
        ]
        return out

    def emit(self) -> list[str]:
        f = self.f
        c = f.cname
        if f.kind in GENERATOR_KINDS:
            return self.emit_generator()
        if f.kind == "function":
            return self.emit_plain(
                f"static PyObject *pvf_{c}(PvFunction *self, PyObject **args)",
                "self->closure",
                "args",
            )
        if f.kind == "class":
            return self.emit_plain(
                f"static PyObject *pvc_{c}(PyObject *pv_ns, PyObject *closure)", "closure", None
            )
        return self.emit_plain("static PyObject *pvm_body(void)", "NULL", None)


class ModuleEmitter:
    def __init__(self, m: ModuleIR, leaf: str, native=None):
        self.m = m
        self.leaf = leaf
        # tiering.NativePart: the functions that also have a native version (another unit)
        self.native = native
        self.native_funcs: dict[str, FuncIR] = {}  # function name -> its generic FuncIR
        if native is not None:
            lines = {f.name: f.line for f in native.module.functions}
            for f in m.functions:
                if f.kind == "function" and f.qualname == f.name and lines.get(f.name) == f.line:
                    self.native_funcs[f.name] = f
        self.global_caches = 0  # one PvGlobalCache per load_global site
        self.attr_caches = 0  # one PvAttrCache per attribute load, store or method site

    def const_init(self) -> list[str]:
        out = ["static int pv_init_consts(void)", "{"]
        for i, (kind, value) in enumerate(self.m.consts):
            out.append(f"    pv_const[{i}] = {self.const_expr(kind, value)};")
            out.append(f"    if (pv_const[{i}] == NULL) return -1;")
        out += ["    return 0;", "}"]
        return out

    def const_expr(self, kind: str, value) -> str:
        if kind == "name":
            return f"PyUnicode_InternFromString({c_name(value)})"
        if kind == "str":
            data = value.encode("utf-8", "surrogatepass")
            make = f'PyUnicode_DecodeUTF8({c_bytes(data)}, {len(data)}, "surrogatepass")'
            if _name_chars(value):
                return f"pv_intern({make})"
            return make
        if kind == "bytes":
            return f"PyBytes_FromStringAndSize({c_bytes(value)}, {len(value)})"
        if kind == "bool":
            return "(Py_INCREF(Py_True), Py_True)" if value else "(Py_INCREF(Py_False), Py_False)"
        if kind == "int":
            return f"PyLong_FromString({c_str(str(value))}, NULL, 10)"
        if kind == "float":
            return f"PyFloat_FromDouble({float_literal(value)})"
        if kind == "complex":
            return (
                f"PyComplex_FromDoubles({float_literal(value.real)}, {float_literal(value.imag)})"
            )
        if kind == "none":
            return "(Py_INCREF(Py_None), Py_None)"
        if kind == "ellipsis":
            return "(Py_INCREF(Py_Ellipsis), Py_Ellipsis)"
        if kind == "code":
            text, filename, flags, path = value
            data = text.encode("utf-8", "surrogatepass")
            names = ", ".join(c_name(n) for n in path)
            return (
                f"pv_interpreted_code({c_bytes(data)}, {len(data)}, {c_name(filename)}, "
                f"{flags}, {len(path)}, (const char *[]){{{names}}})"
            )
        if kind == "tuple":
            items = [self.const_expr(_kind_of(v), v) for v in value]
            return f"pv_const_tuple({len(items)}, (PyObject *[]){{{', '.join(items) or 'NULL'}}})"
        raise ValueError(f"constant of kind {kind}")

    def native_dispatch(self, f: FuncIR, args: str) -> list[str]:
        """The prologue of a function with a native version: when the guard holds and
        every argument is exactly of the native representation, the native version runs
        (the bound arguments, owned here, are released) and its boxed result is returned;
        otherwise the generic body below runs."""
        if self.native_funcs.get(f.name) is not f:
            return []
        entry = embedding.embedded_entry_name(self.m.name, f.name)
        release = [f"            Py_DECREF({args}[{i}]);" for i in range(len(f.params))]
        return [
            f"    if (pv_native_guard_check(&pvng_{f.cname}, pv_globals, pv_builtins)) {{",
            "        PyObject *pv_nres;",
            f"        if ({entry}({args}, &pv_nres)) {{",
            f"            pvnc_{f.cname}++;",
            *release,
            "            return pv_nres;",
            "        }",
            "    }",
        ]

    def native_decls(self) -> list[str]:
        """Declarations of the native unit's entries and each native function's guard."""
        if not self.native_funcs:
            return []
        out = [embedding.EMBEDDED_SHARED]
        out.append(f"PVM_SHARED int {embedding.embedded_init_name(self.m.name)}(void);")
        kinds = {
            "func": "PV_DEP_FUNC",
            "value": "PV_DEP_VALUE",
            "module": "PV_DEP_MODULE",
            "mathobj": "PV_DEP_MATHOBJ",
            "builtin": "PV_DEP_BUILTIN",
            "mathattr": "PV_DEP_MATHATTR",
        }
        calls = []
        for name, f in self.native_funcs.items():
            c = f.cname
            entry = embedding.embedded_entry_name(self.m.name, name)
            out.append(f"PVM_SHARED int {entry}(PyObject *const *args, PyObject **res);")
            rows = []
            for d in self.native.deps[name]:
                spec = f"&pvs_{self.native_funcs[d.name].cname}" if d.kind == "func" else "NULL"
                attr = c_name(d.attr) if d.attr else "NULL"
                kind, dname = kinds[d.kind], c_name(d.name)
                rows.append(f"    {{{kind}, {dname}, {attr}, {spec}, NULL, NULL, 0}},")
            out += [f"static PvNativeDep pvnd_{c}[] = {{", *rows]
            out += ["    {0, NULL, NULL, NULL, NULL, NULL, 0},", "};"]
            out.append(f"static PvNativeGuard pvng_{c} = {{pvnd_{c}, {len(rows)}, -1, 0, 0, 0}};")
            out.append(f"static long long pvnc_{c};")
            calls.append(f"    if (strcmp(name, {c_name(name)}) == 0) return pvnc_{c};")
        # how many calls took each native version: evidence for tests, read with ctypes
        out += [
            "#if defined(__GNUC__) || defined(__clang__)",
            '__attribute__((visibility("default")))',
            "#endif",
            "long long pyvorin_native_calls(const char *name);",
            "long long pyvorin_native_calls(const char *name)",
            "{",
            *calls,
            "    return -1;",
            "}",
        ]
        return out

    def native_init(self) -> list[str]:
        """pv_exec's lines that ready the native unit and the guards (before the body)."""
        if not self.native_funcs:
            return []
        out = [f"    if ({embedding.embedded_init_name(self.m.name)}() < 0) return -1;"]
        for name, f in self.native_funcs.items():
            for i, d in enumerate(self.native.deps[name]):
                if d.kind == "value":
                    slot = f"pvnd_{f.cname}[{i}].expect"
                    out.append(f"    {slot} = {self.const_expr(d.type, d.value)};")
                    out.append(f"    if ({slot} == NULL) return -1;")
            out.append(f"    if (pv_native_guard_init(&pvng_{f.cname}, pv_builtins) < 0)")
            out.append("        return -1;")
        return out

    def spec(self, f: FuncIR) -> list[str]:
        c = f.cname
        names = ", ".join(c_name(n) for n in f.argnames) or "NULL"
        flags = (
            " | ".join(x for x, on in (("PV_VARARGS", f.varargs), ("PV_VARKW", f.varkw)) if on)
            or "0"
        )
        return [
            f"static const char *const pvn_{c}[] = {{{names}}};",
            f"static PyObject *pvf_{c}(PvFunction *self, PyObject **args);",
            f"static PvFuncSpec pvs_{c} = {{{c_name(f.name)}, {c_name(f.qualname)}, NULL, "
            f"{f.line}, "
            f"{f.argcount}, {f.posonlyargcount}, {f.kwonlyargcount}, {flags}, pvn_{c}, "
            f"pvf_{c}, NULL}};",
        ]

    def generate(self) -> str:
        m = self.m
        head = [
            "/* Generated by pyvorin (generic tier). */",
            '#include "pv_generic.h"',
            f"static const char *pv_filename = {c_name(m.path)};",
            "#define PV_TB(name, line) _PyTraceback_Add((name), pv_filename, (line))",
            "static PyObject *pv_globals, *pv_builtins, *pv_modname;",
            f"static PyObject *pv_const[{max(1, len(m.consts))}];",
            "static inline double pv_bits(unsigned long long b)",
            "{ double d; memcpy(&d, &b, sizeof d); return d; }",
            "static PyObject *pv_intern(PyObject *s)",
            "{ if (s) PyUnicode_InternInPlace(&s); return s; }",
            "static PyObject *pv_const_tuple(Py_ssize_t n, PyObject **items) {",
            "    PyObject *t = PyTuple_New(n);",
            "    for (Py_ssize_t i = 0; i < n; i++) {",
            "        if (items[i] == NULL || t == NULL) {",
            "            for (Py_ssize_t j = i; j < n; j++) Py_XDECREF(items[j]);",
            "            Py_XDECREF(t); return NULL; }",
            "        PyTuple_SET_ITEM(t, i, items[i]);",
            "    }",
            "    return t;",
            "}",
        ]
        decls: list[str] = []
        bodies: list[str] = []
        for f in m.functions:
            if f.kind in ("function", *GENERATOR_KINDS):
                decls += self.spec(f)
            elif f.kind == "class":
                decls.append(f"static PyObject *pvc_{f.cname}(PyObject *pv_ns, PyObject *closure);")
        decls.append("static PyObject *pvm_body(void);")
        decls += self.native_decls()
        for f in [*m.functions, m.body]:
            bodies += FuncEmitter(self, f).emit()
        specs = [f for f in m.functions if f.kind in ("function", *GENERATOR_KINDS)]
        exec_fn = [
            "static int pv_exec(PyObject *module)",
            "{",
            "    if (pv_types_ready() < 0) return -1;",
            "    pv_globals = PyModule_GetDict(module);",
            "    if (pv_globals == NULL) return -1;",
            "    Py_INCREF(pv_globals);",
            '    PyObject *bmod = PyImport_ImportModule("builtins");',
            "    if (bmod == NULL) return -1;",
            "    pv_builtins = PyModule_GetDict(bmod);",
            "    Py_INCREF(pv_builtins);",
            "    Py_DECREF(bmod);",
            '    if (PyDict_GetItemString(pv_globals, "__builtins__") == NULL &&',
            '        PyDict_SetItemString(pv_globals, "__builtins__", pv_builtins) < 0) return -1;',
            '    pv_modname = PyDict_GetItemString(pv_globals, "__name__");',
            "    Py_XINCREF(pv_modname);",
            "    if (pv_init_consts() < 0) return -1;",
            *[f"    pvs_{f.cname}.filename = pv_filename;" for f in specs],
            *[f"    if (pv_spec_init(&pvs_{f.cname}) < 0) return -1;" for f in specs],
            *self.native_init(),
            "    PyObject *r = pvm_body();",
            "    if (r == NULL) return -1;",
            "    Py_DECREF(r);",
            "    return 0;",
            "}",
            "static PyModuleDef_Slot pv_slots[] = {{Py_mod_exec, (void *)pv_exec}, {0, NULL}};",
            "static struct PyModuleDef pv_moduledef = {",
            f"    PyModuleDef_HEAD_INIT, {c_name(m.name)}, NULL, 0, NULL, pv_slots,",
            "    NULL, NULL, NULL",
            "};",
            f"PyMODINIT_FUNC {cstrings.init_function_name(self.leaf)}(void)",
            "{ return PyModuleDef_Init(&pv_moduledef); }",
        ]
        return "\n".join(head + decls + bodies + self.const_init() + exec_fn) + "\n"


def _kind_of(v) -> str:
    if v is None:
        return "none"
    if v is Ellipsis:
        return "ellipsis"
    return type(v).__name__


EMITTERS: dict[type, Callable] = {
    t: getattr(FuncEmitter, "op_" + t.__name__)
    for t in (
        gir.Label,
        gir.Goto,
        gir.Branch,
        gir.Prim,
        gir.Call,
        gir.LoadMethod,
        gir.Pack,
        gir.Unpack,
        gir.ForIter,
        gir.Move,
        gir.Copy,
        gir.DecRef,
        gir.InterpretedDef,
        gir.ClearRegs,
        gir.CheckBound,
        gir.Return,
        gir.Yield,
        gir.YieldFrom,
        gir.AddTraceback,
        gir.Comment,
    )
}
