"""C code generator: typed IR -> the C translation units of an extension module.

A small module is one unit, as it always was. A large one (see :mod:`.units`) is several:
a shared header of prototypes and ``extern`` declarations, function units (each
function with its Python-facing wrapper, functions that call each other kept together
where they fit), and a module unit with the constants, the method table and the init
function; the toolchain compiles them in parallel. Names shared between units carry a
module-unique prefix and hidden visibility; native calls between units stay direct C calls.

Values: ints are tagged ``PvInt`` words, floats C ``double``, bools C ``char``; lists,
tuples and strings are ``PyObject*``. An expression yields a :class:`CVal`: a C
expression plus whether it is an *owned* temporary (which the consumer releases) or a
borrowed value (a local variable or a constant). Every temporary and local is declared at
function scope and cleared after use, so the single error exit can release everything
with ``Py_CLEAR`` / ``PV_INT_CLEAR`` and add a traceback entry naming the source line.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from . import ir, units
from .cstrings import c_comment, c_identifier, c_string, init_function_name
from .ir import BOOL, FLOAT, INT, NONE, STR, Expr, Function, Stmt

PYOP = {"<": "Py_LT", "<=": "Py_LE", ">": "Py_GT", ">=": "Py_GE", "==": "Py_EQ", "!=": "Py_NE"}
REFLECT = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
MATH_FAST1 = {"sqrt", "sin", "cos", "tan", "exp", "fabs"}


def cid(name: str) -> str:
    """A C identifier fragment for a Python name (see :func:`cstrings.c_identifier`)."""
    return c_identifier(name)


def ctype(t: ir.Type) -> str:
    if t == INT:
        return "PvInt"
    if t == FLOAT:
        return "double"
    if t in (BOOL, NONE):
        return "char"
    return "PyObject *"


def refcounted(t: ir.Type) -> bool:
    return t == INT or ir.is_object(t)


def err_value(t: ir.Type) -> str:
    if t == INT:
        return "PV_INT_ERR"
    if t == FLOAT:
        return "PV_FLOAT_ERR"
    if t in (BOOL, NONE):
        return "PV_BOOL_ERR"
    return "NULL"


def err_test(t: ir.Type, x: str) -> str:
    if t == INT:
        return f"PV_UNLIKELY({x} == PV_INT_ERR)"
    if t == FLOAT:
        return f"PV_UNLIKELY(PV_FLOAT_FAILED({x}))"
    if t in (BOOL, NONE):
        return f"PV_UNLIKELY({x} == PV_BOOL_ERR)"
    return f"PV_UNLIKELY({x} == NULL)"


def float_literal(v: float) -> str:
    if math.isfinite(v):
        return f"({v.hex()})"
    bits = struct.unpack("<Q", struct.pack("<d", v))[0]
    return f"pv_bits(0x{bits:016x}ULL)"


@dataclass
class CVal:
    code: str
    type: ir.Type
    owned: bool = False


class ModuleGen:
    def __init__(
        self, module: ir.Module, leaf: str, split: bool | None = None, embedded: bool = False
    ):
        self.m = module
        self.leaf = leaf
        # several translation units? (decided before any C is written: it sets the names)
        # embedded: the native versions of a generic-tier module's functions, a unit of it
        self.split = embedded or (units.should_split(module) if split is None else split)
        self.prefix = units.symbol_prefix(module.name) if self.split else ""
        if embedded:
            self.prefix += "n_"
        # storage class of names shared between units: file-local when there is one unit
        self.storage = "PVM_SHARED " if self.split else "static "
        self.consts: list[str] = []  # init lines for module-level objects
        self.globals: list[str] = []
        self.const_names: dict[tuple, str] = {}
        self.math_objs: set[str] = set()
        self.builtin_objs: set[str] = set()
        self.funcs = {f.name: f for f in module.functions}
        self.exact_fns: dict[str, tuple[str, str]] = {}  # see exact_test

    def obj_const(self, kind: str, value) -> str:
        key = (kind, value if not isinstance(value, float) else struct.pack("<d", value))
        if key in self.const_names:
            return self.const_names[key]
        name = self.sym(f"k{len(self.const_names)}", "pv_")
        self.const_names[key] = name
        self.globals.append(f"{self.storage}PyObject *{name};")
        if kind == "int":
            self.consts.append(f'{name} = PyLong_FromString("{int(value)}", NULL, 10);')
        else:
            lit, n = c_string(value)
            self.consts.append(f'{name} = PyUnicode_DecodeUTF8({lit}, {n}, "strict");')
        self.consts.append(f"if (!{name}) return NULL;")
        return name

    def sym(self, name: str, single: str = "pv_") -> str:
        """The C name of a module-level symbol: ``single + name`` in a one-unit module,
        the module's unique prefix + ``name`` when units share it."""
        return (self.prefix or single) + name

    def func_name(self, name: str) -> str:
        return self.sym("f_" + cid(name)) if self.split else "pvf_" + cid(name)

    def wrapper_name(self, name: str) -> str:
        return self.sym("w_" + cid(name)) if self.split else "pyw_" + cid(name)

    def math_obj(self, name: str) -> str:
        self.math_objs.add(name)
        return self.sym(f"math_obj_{cid(name)}")

    def builtin_obj(self, name: str) -> str:
        self.builtin_objs.add(name)
        return self.sym(f"bi_{cid(name)}")

    def generate(self) -> str:
        """The module as one C translation unit (requires ``split=False``)."""
        if self.split:
            raise ValueError("this module is generated as several units: use generate_units()")
        return self.generate_units()[0][1]

    def generate_units(self, lines_per_unit: int | None = None) -> list[tuple[str, str]]:
        """``(file name, C text)`` of every unit: ``<leaf>.c`` alone for a one-unit
        module; else ``<leaf>.c`` (the module unit), ``<leaf>__pv.h`` (shared declarations)
        and ``<leaf>__1.c``... (functions)."""
        protos = []
        pieces: list[tuple[str, str]] = []  # (function name, its C: body and wrapper)
        for f in self.m.functions:
            g = FuncGen(self, f)
            protos.append(g.prototype() + ";")
            if self.split:
                protos.append(g.wrapper_signature() + ";")
            pieces.append((f.name, g.generate() + "\n" + g.wrapper()))
        methods = []
        for f in self.m.functions:
            doc = "NULL"
            if f.doc:
                doc = c_string(f.doc)[0]
            methods.append(
                f"    {{{c_string(f.name)[0]}, "
                f"(PyCFunction)(void (*)(void)){self.wrapper_name(f.name)}, "
                f"METH_FASTCALL | METH_KEYWORDS, {doc}}},"
            )
        init = [
            "PyMODINIT_FUNC",
            f"{init_function_name(self.leaf)}(void)",
            "{",
            "    if (pv_small_ints_init() < 0) return NULL;",
            "    PyObject *m = PyModule_Create(&pv_moduledef);",
            "    if (!m) return NULL;",
            '    PyObject *flags = PySys_GetObject("flags");',
            '    PyObject *opt = flags ? PyObject_GetAttrString(flags, "optimize") : NULL;',
            "    if (!opt) { Py_DECREF(m); return NULL; }",
            f"    {self.sym('optimize')} = PyLong_AsLong(opt);",
            "    Py_DECREF(opt);",
        ]
        # constants become module attributes, as in the interpreted module
        attr_lines = []
        for name, (t, v) in self.m.constants.items():
            if t == INT:
                obj = self.obj_const("int", v)
            elif t == STR:
                obj = self.obj_const("str", v)
            elif t == FLOAT:
                attr_lines.append(
                    f"    if (pv_add_attr(m, {c_string(name)[0]}, "
                    f"PyFloat_FromDouble({float_literal(v)})) < 0) goto fail;"
                )
                continue
            else:
                attr_lines.append(
                    f"    if (pv_add_attr(m, {c_string(name)[0]}, "
                    f"pv_bool_box({int(v)})) < 0) goto fail;"
                )
                continue
            attr_lines.append(f"    Py_INCREF({obj});")
            attr_lines.append(f"    if (pv_add_attr(m, {c_string(name)[0]}, {obj}) < 0) goto fail;")
        init += self.object_inits("goto fail;")
        init += attr_lines
        init += ["    return m;", "fail:", "    Py_DECREF(m);", "    return NULL;", "}"]
        moddoc = c_string(self.m.doc)[0] if self.m.doc else "NULL"
        tail = [
            "static PyMethodDef pv_methods[] = {",
            *methods,
            "    {NULL, NULL, 0, NULL}",
            "};",
            "static struct PyModuleDef pv_moduledef = {",
            f"    PyModuleDef_HEAD_INIT, {c_string(self.m.name)[0]}, {moddoc}, -1, pv_methods,",
            "};",
        ]
        add_attr = [
            "static int pv_add_attr(PyObject *m, const char *name, PyObject *v) {",
            "    if (!v) return -1;",
            "    int r = PyModule_AddObject(m, name, v);",
            "    if (r < 0) Py_DECREF(v);",
            "    return r;",
            "}",
        ]
        shared = self.shared_objects()
        comment = c_comment("Generated by pyvorin from " + self.m.path)
        if not self.split:
            head = [
                comment,
                '#include "pyvorin_rt.h"',
                "static long pv_optimize = 0;",
                *add_attr,
                *shared,
                *protos,
            ]
            bodies = [text for _, text in pieces]
            return [(f"{self.leaf}.c", "\n".join(head + bodies + tail + init) + "\n")]
        return self._split_units(pieces, protos, shared, add_attr + tail, init, lines_per_unit)

    def object_inits(self, fail: str) -> list[str]:
        """C lines that make the module-level objects the functions use (math functions,
        builtins, constants); ``fail`` is the statement run when one cannot be made."""
        init = []
        if self.math_objs:
            init.append('    PyObject *mathmod = PyImport_ImportModule("math");')
            init.append(f"    if (!mathmod) {fail}")
            for name in sorted(self.math_objs):
                obj = self.math_obj(name)
                init.append(f"    {obj} = PyObject_GetAttrString(mathmod, {c_string(name)[0]});")
                init.append(f"    if (!{obj}) {{ Py_DECREF(mathmod); {fail} }}")
            init.append("    Py_DECREF(mathmod);")
        if self.builtin_objs:
            init.append('    PyObject *bimod = PyImport_ImportModule("builtins");')
            init.append(f"    if (!bimod) {fail}")
            for name in sorted(self.builtin_objs):
                obj = self.builtin_obj(name)
                init.append(f"    {obj} = PyObject_GetAttrString(bimod, {c_string(name)[0]});")
                init.append(f"    if (!{obj}) {{ Py_DECREF(bimod); {fail} }}")
            init.append("    Py_DECREF(bimod);")
        return init + ["    " + c.replace("return NULL;", fail) for c in self.consts]

    def shared_objects(self) -> list[str]:
        return [
            *self.globals,
            *[f"{self.storage}PyObject *{self.math_obj(n)};" for n in sorted(self.math_objs)],
            *[f"{self.storage}PyObject *{self.builtin_obj(n)};" for n in sorted(self.builtin_objs)],
        ]

    def generate_embedded(self) -> str:
        """The native versions of a generic-tier module's functions, as one more unit of
        that module (requires ``embedded=True``): the native functions, and for each an
        entry the generic function's C calls (:meth:`FuncGen.entry`), plus the unit's
        init, which the generic module's exec runs first (see :mod:`.tiering`)."""
        bodies = []
        protos = []
        for f in self.m.functions:
            g = FuncGen(self, f)
            protos.append(g.prototype() + ";")
            bodies.append(g.generate() + "\n" + g.entry())
        optimize = self.sym("optimize")
        init = [
            f"PVM_SHARED int {self.sym('init')}(void)",
            "{",
            "    if (pv_small_ints_init() < 0) return -1;",
            '    PyObject *flags = PySys_GetObject("flags");',
            '    PyObject *opt = flags ? PyObject_GetAttrString(flags, "optimize") : NULL;',
            "    if (!opt) return -1;",
            f"    {optimize} = PyLong_AsLong(opt);",
            "    Py_DECREF(opt);",
            *self.object_inits("return -1;"),
            "    return 0;",
            "}",
        ]
        head = [
            c_comment("Generated by pyvorin from " + self.m.path + " (native versions)"),
            '#include "pyvorin_rt.h"',
            EMBEDDED_SHARED,
            f"static long {optimize} = 0;",
            *self.shared_objects(),
            *protos,
        ]
        exact = [f"static int {name}(PyObject *o);" for name, _ in self.exact_fns.values()]
        exact += [text for _, text in self.exact_fns.values()]
        return "\n".join(head + exact + bodies + init) + "\n"

    def _split_units(
        self,
        pieces: list[tuple[str, str]],
        protos: list[str],
        shared: list[str],
        module_part: list[str],
        init: list[str],
        lines_per_unit: int | None,
    ) -> list[tuple[str, str]]:
        groups = units.partition(
            [(name, text.count("\n") + 1) for name, text in pieces],
            {f.name: f.calls for f in self.m.functions},
            lines_per_unit or units.lines_per_unit(),
        )
        header_name = f"{self.leaf}__pv.h"
        comment = c_comment("Generated by pyvorin from " + self.m.path)
        optimize = self.sym("optimize")
        unit_inits = [self.sym(f"unit{i}_init") for i in range(1, len(groups) + 1)]
        header = [
            comment,
            '#include "pyvorin_rt.h"',
            "/* names shared between this module's units: hidden, never exported */",
            "#if defined(__GNUC__) || defined(__clang__)",
            '#define PVM_SHARED __attribute__((visibility("hidden")))',
            "#else",
            "#define PVM_SHARED",
            "#endif",
            f"extern PVM_SHARED long {optimize};",
            *["extern " + line for line in shared],
            *[f"PVM_SHARED int {name}(void);" for name in unit_inits],
            *protos,
        ]
        include = f'#include "{header_name}"'
        # the small-int table of the runtime header is per unit: each unit fills its own
        init_calls = [f"    if ({name}() < 0) return NULL;" for name in unit_inits]
        marker = "    if (pv_small_ints_init() < 0) return NULL;"
        at = init.index(marker) + 1
        init = init[:at] + init_calls + init[at:]
        module_unit = [comment, include, f"PVM_SHARED long {optimize} = 0;", *shared]
        module_unit += module_part + init
        out = [
            (f"{self.leaf}.c", "\n".join(module_unit) + "\n"),
            (header_name, "\n".join(header) + "\n"),
        ]
        text_of = dict(pieces)
        for i, group in enumerate(groups, 1):
            body = [comment, include, f"PVM_SHARED int {unit_inits[i - 1]}(void) {{"]
            body += ["    return pv_small_ints_init();", "}"]
            body += [text_of[name] for name in group]
            out.append((f"{self.leaf}__{i}.c", "\n".join(body) + "\n"))
        return out


# the hidden-visibility storage class of names the native unit shares with the generic one
EMBEDDED_SHARED = """#if defined(__GNUC__) || defined(__clang__)
#define PVM_SHARED __attribute__((visibility("hidden")))
#else
#define PVM_SHARED
#endif"""


def embedded_entry_name(module_name: str, function: str) -> str:
    """The C name of the native unit's entry for ``function`` (see :meth:`FuncGen.entry`)."""
    return f"{units.symbol_prefix(module_name)}n_e_{cid(function)}"


def embedded_init_name(module_name: str) -> str:
    return f"{units.symbol_prefix(module_name)}n_init"


def _unbox_assignment(target: str, obj: str, t: ir.Type, what: str) -> str:
    """C that stores the borrowed object ``obj`` into ``target`` as type ``t``.

    ``what`` is the C string literal naming the value in TypeError messages. The result
    is a new owned value (objects of other types are increfed as they are).
    """
    fn = {INT: "pv_int_unbox", FLOAT: "pv_float_unbox", BOOL: "pv_bool_unbox"}.get(t)
    if fn:
        return f"{target} = {fn}({obj}, {what});"
    if ir.is_list(t):
        return f"{target} = pv_list_unbox({obj}, {what});"
    if ir.is_tuple(t):
        return f"{target} = pv_tuple_unbox({obj}, {len(t[1])}, {what});"
    return f"{target} = {obj}; Py_INCREF({target});"


def _call_and_box(rt: ir.Type, call: str, res: str, on_error: str) -> list[str]:
    """C lines that run the native ``call`` and set ``res`` to its boxed result (NULL with
    the exception set on failure, after ``on_error``)."""
    out = [f"    {ctype(rt)} r = {call};", f"    if ({err_test(rt, 'r')}) {on_error}"]
    if rt == NONE:
        out.append(f"    {res} = pv_none();")
    elif rt == INT:
        out += [f"    {res} = pv_int_box(r);", "    pv_int_decref(r);"]
    elif rt == FLOAT:
        out.append(f"    {res} = PyFloat_FromDouble(r);")
    elif rt == BOOL:
        out.append(f"    {res} = pv_bool_box(r);")
    else:
        out.append(f"    {res} = r;")
    return out


# the exact-representation test of an argument a native version takes without conversion
_EXACT = {
    INT: "PyLong_CheckExact({o})",
    FLOAT: "PyFloat_CheckExact({o})",
    BOOL: "({o} == Py_True || {o} == Py_False)",
}


def exact_test(mg: ModuleGen, t: ir.Type, o: str) -> str:
    """A C expression true when the object ``o`` is exactly of the representation the
    native code takes for ``t`` without conversion: an exact int (not a bool) for int, an
    exact float, True/False; an exact list whose items all pass the test of its element
    type, an exact tuple of the right length whose items pass theirs. A container's test
    is a helper function of the unit (written once per type, into ``mg.exact_fns``)."""
    if t in _EXACT:
        return _EXACT[t].format(o=o)
    key = repr(t)
    if key not in mg.exact_fns:
        name = f"pv_exact_{len(mg.exact_fns)}"
        mg.exact_fns[key] = (name, "")  # reserved first: element tests may add their own
        body = [f"static int {name}(PyObject *o)", "{"]
        if ir.is_list(t):
            body += [
                "    if (!PyList_CheckExact(o)) return 0;",
                "    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(o); i++) {",
                "        PyObject *x = PyList_GET_ITEM(o, i);",
                f"        if (!({exact_test(mg, t[1], 'x')})) return 0;",
                "    }",
                "    return 1;",
            ]
        else:
            items = t[1]
            body.append(
                f"    if (!PyTuple_CheckExact(o) || PyTuple_GET_SIZE(o) != {len(items)}) return 0;"
            )
            for i, item in enumerate(items):
                test = exact_test(mg, item, f"PyTuple_GET_ITEM(o, {i})")
                body.append(f"    if (!({test})) return 0;")
            body.append("    return 1;")
        mg.exact_fns[key] = (name, "\n".join([*body, "}"]))
    return f"{mg.exact_fns[key][0]}({o})"


class FuncGen:
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

    def label(self, what: str) -> str:
        self.nlabel += 1
        return f"L{self.nlabel}_{what}"

    def fail(self, line: int) -> str:
        return f"{{ pv_line = {line}; goto pv_error; }}"

    def check(self, t: ir.Type, x: str, line: int) -> None:
        self.emit(f"if ({err_test(t, x)}) {self.fail(line)}")

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
        self.emit(_unbox_assignment(r, obj, t, c_string(what)[0]))
        self.check(t, r, line)
        return CVal(r, t, refcounted(t))

    def unbox_steal(self, obj: str, t: ir.Type, what: str, line: int) -> CVal:
        """Unbox a new reference held in the temp ``obj`` (checked non-NULL), releasing it."""
        self.emit(f"if (PV_UNLIKELY({obj} == NULL)) {self.fail(line)}")
        v = self.unbox_keep(obj, t, what, line)
        return v

    def unbox_keep(self, obj: str, t: ir.Type, what: str, line: int) -> CVal:
        r = self.tmp(t) if refcounted(t) else self.ctmp(ctype(t))
        self.emit(_unbox_assignment(r, obj, t, c_string(what)[0]))
        self.emit(f"Py_CLEAR({obj});")
        self.check(t, r, line)
        return CVal(r, t, refcounted(t))

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
                incref = f" pv_int_incref(x{i});" if t == INT else ""
                L.append(f"    if (o[{i}] == NULL) {{ x{i} = {dv.code};{incref} }} else {{")
            else:
                L.append("    {")
            L.append("        " + _unbox_assignment(f"x{i}", f"o[{i}]", t, what))
            L.append(f"        if ({err_test(t, f'x{i}')}) goto done;")
            L.append("    }")
        args = "".join(f"x{i}, " for i in range(n))
        call = f"{self.mg.func_name(f.name)}({args}pv_recursion_budget())"
        L += _call_and_box(f.ret, call, "res", "goto done;")
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
            else:  # a list or tuple: borrowed (the caller's reference outlives the call)
                L.append(f"    PyObject *x{i} = args[{i}];")
            args.append(f"x{i}, ")
        call = f"{self.mg.func_name(f.name)}({''.join(args)}pv_recursion_budget())"
        L.append("    PyObject *out = NULL;")
        L += _call_and_box(f.ret, call, "out", "goto done;")
        L.append("done:")
        L += [f"    pv_int_decref(x{i});" for i, p in enumerate(f.params) if p.type == INT]
        L += ["    *res = out;", "    return 1;", "}", ""]
        return "\n".join(L)

    # ---- statements --------------------------------------------------------------------
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
            self.loops.append((brk, cont))
            self.block(s.body)
            self.loops.pop()
            self.emit(f"{cont}: ;")
            self.emit(f"if (PV_CHECK_SIGNALS()) {self.fail(line)}")
            self.indent -= 1
            self.emit("}")
            self.block(s.orelse)
            self.emit(f"{brk}: ;")
        elif k in ("for_range", "for_list"):
            self.for_loop(k, s.exprs, s.data, line, lambda: self.block(s.body), s.orelse)
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
        else:
            raise AssertionError(k)

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
        seq = self.own(self.expr(exprs[0]))
        self.holders.add(seq.code)
        idx = self.ctmp("Py_ssize_t")
        self.emit(f"{idx} = 0;")
        self.emit("for (;;) {")
        self.indent += 1
        self.emit(f"if ({idx} >= PyList_GET_SIZE({seq.code})) break;")
        item = self.unbox(f"PyList_GET_ITEM({seq.code}, {idx})", seq.type[1], "list element", line)
        self.emit(f"{idx}++;")
        self.assign_to(var, item)
        self.loops.append((brk, cont))
        body()
        self.loops.pop()
        self.emit(f"{cont}: ;")
        self.emit(f"if (PV_CHECK_SIGNALS()) {self.fail(line)}")
        self.indent -= 1
        self.emit("}")
        self.block(orelse)
        self.emit(f"{brk}: ;")
        self.release(seq)

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

    # ---- expressions -------------------------------------------------------------------
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
        r = self.tmp(INT)
        self.emit(f"{r} = {fn}({', '.join(a.code for a in args)});")
        for a in args:
            self.release(a)
        self.check(INT, r, line)
        return CVal(r, INT, True)

    def float_op(self, fn: str, args: list[CVal], line: int) -> CVal:
        r = self.ctmp("double")
        self.emit(f"{r} = {fn}({', '.join(a.code for a in args)});")
        for a in args:
            self.release(a)
        self.check(FLOAT, r, line)
        return CVal(r, FLOAT)

    def expr(self, e: Expr) -> CVal:
        k, line = e.kind, e.line
        if k == "const":
            return self.const(e)
        if k == "local":
            return CVal("v_" + cid(e.data), e.type)
        if k == "aug_cur":
            assert self.aug_cur is not None
            return CVal(self.aug_cur.code, self.aug_cur.type)
        if k == "convert":
            a = self.expr(e.args[0])
            if e.type == INT:  # from bool
                return CVal(f"((PvInt)({a.code}) << 1)", INT)
            if e.args[0].kind == "const" and abs(e.args[0].data) < 2**1000:
                return CVal(float_literal(float(e.args[0].data)), FLOAT)
            return self.float_op("pv_int_to_float", [a], line)
        if k.startswith("int_") and k not in ("int_truediv", "int_pow_float"):
            a, b = self.expr(e.args[0]), self.expr(e.args[1])
            return self.int_op("pv_" + k, [a, b], line)
        if k == "int_truediv":
            a, b = self.expr(e.args[0]), self.expr(e.args[1])
            return self.float_op("pv_int_truediv", [a, b], line)
        if k == "int_pow_float":
            a, b = self.expr(e.args[0]), self.expr(e.args[1])
            return self.float_op("pv_int_pow_float", [a, b], line)
        if k in ("float_add", "float_sub", "float_mul"):
            a, b = self.expr(e.args[0]), self.expr(e.args[1])
            sym = {"float_add": "+", "float_sub": "-", "float_mul": "*"}[k]
            r = self.ctmp("double")
            self.emit(f"{r} = {a.code} {sym} {b.code};")
            return CVal(r, FLOAT)
        if k in ("float_truediv", "float_floordiv", "float_mod", "float_pow"):
            a, b = self.expr(e.args[0]), self.expr(e.args[1])
            fn = {
                "float_truediv": "pv_float_div",
                "float_floordiv": "pv_float_floordiv",
                "float_mod": "pv_float_mod",
                "float_pow": "pv_float_pow",
            }[k]
            return self.float_op(fn, [a, b], line)
        if k in ("bool_and", "bool_or", "bool_xor"):
            a, b = self.expr(e.args[0]), self.expr(e.args[1])
            sym = {"bool_and": "&", "bool_or": "|", "bool_xor": "^"}[k]
            return CVal(f"(char)({a.code} {sym} {b.code})", BOOL)
        if k == "neg":
            a = self.expr(e.args[0])
            if e.type == FLOAT:
                return CVal(f"(-{a.code})", FLOAT)
            return self.int_op("pv_int_neg", [a], line)
        if k == "invert":
            return self.int_op("pv_int_invert", [self.expr(e.args[0])], line)
        if k == "not":
            return CVal(f"(char)!({self.cond(e.args[0])})", BOOL)
        if k in ("cond_and", "cond_or"):
            return CVal(self.cond(e), BOOL)
        if k == "truth":
            a = self.expr(e.args[0])
            t = a.type
            if t == INT:
                code = f"({a.code} != 0)"
            elif t == FLOAT:
                code = f"({a.code} != 0.0)"
            elif ir.is_list(t):
                code = f"(PyList_GET_SIZE({a.code}) != 0)"
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
        if k in ("and", "or"):
            return self.boolop(e)
        if k == "compare":
            return self.compare(e)
        if k == "ifexp":
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
        if k == "call":
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
        if k in ("list", "tuple"):
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
        if k == "list_get":
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
        if k == "tuple_get":
            tup = self.expr(e.args[0])
            v = self.unbox(f"PyTuple_GET_ITEM({tup.code}, {e.data})", e.type, "tuple item", line)
            self.release(tup)
            return v
        if k == "len":
            lst = self.expr(e.args[0])
            r = self.tmp(INT)
            self.emit(f"{r} = PV_SHORT(PyList_GET_SIZE({lst.code}));")
            self.release(lst)
            return CVal(r, INT, True)
        if k in ("list_repeat", "list_concat"):
            a, b = self.expr(e.args[0]), self.expr(e.args[1])
            r = self.tmp(e.type)
            fn = "pv_list_repeat" if k == "list_repeat" else "PyNumber_Add"
            self.emit(f"{r} = {fn}({a.code}, {b.code});")
            self.release(a)
            self.release(b)
            self.check(e.type, r, line)
            return CVal(r, e.type, True)
        if k == "append":
            lst, v = self.expr(e.args[0]), self.expr(e.args[1])
            r = self.ctmp("int")
            self.emit(f"{r} = pv_list_append({lst.code}, {self.box(v)});")
            self.release(lst)
            self.release(v)
            self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(line)}")
            return CVal("0", NONE)
        if k == "pop":
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
        if k == "listcomp":
            return self.listcomp(e)
        if k == "print":
            args = [self.expr(a) for a in e.args]
            arr = self.arr(len(args))
            boxes = [self.box(a) for a in args]
            for i, b in enumerate(boxes):
                self.emit(f"{arr}[{i}] = {b};")
            for a in args:
                self.release(a)
            sep = self.mg.obj_const("str", e.data["sep"]) if "sep" in e.data else "NULL"
            end = self.mg.obj_const("str", e.data["end"]) if "end" in e.data else "NULL"
            r = self.ctmp("int")
            self.emit(
                f"{r} = pv_print({self.mg.builtin_obj('print')}, {arr}, {len(args)}, {sep}, {end});"
            )
            self.emit(f"if (PV_UNLIKELY({r} < 0)) {self.fail(line)}")
            return CVal("0", NONE)
        if k == "math":
            return self.math(e)
        if k == "abs":
            a = self.expr(e.args[0])
            if e.type == FLOAT:
                return CVal(f"fabs({a.code})", FLOAT)
            return self.int_op("pv_int_abs", [a], line)
        if k == "float_to_int":
            return self.int_op("pv_float_to_int", [self.expr(e.args[0])], line)
        if k == "round":
            return self.int_op("pv_float_round", [self.expr(e.args[0])], line)
        if k == "round2":
            return self.slow_call(self.mg.builtin_obj("round"), e.args, e.type, line)
        if k == "divmod":
            a, b = self.expr(e.args[0]), self.expr(e.args[1])
            r = self.tmp(e.type)
            fn = "pv_divmod_int" if e.args[0].type == INT else "pv_divmod_float"
            self.emit(f"{r} = {fn}({a.code}, {b.code}, {self.mg.builtin_obj('divmod')});")
            self.release(a)
            self.release(b)
            self.check(e.type, r, line)
            return CVal(r, e.type, True)
        if k == "minmax":
            return self.minmax(e)
        if k == "minmax_list":
            return self.slow_call(self.mg.builtin_obj(e.data), e.args, e.type, line)
        raise AssertionError(k)

    def slow_call(self, fn: str, args_e: list[Expr], t: ir.Type, line: int) -> CVal:
        """Call a Python callable on boxed arguments and unbox the result."""
        args = [self.expr(a) for a in args_e]
        arr = self.arr(len(args))
        for i, a in enumerate(args):
            self.emit(f"{arr}[{i}] = {self.box(a)};")
        for a in args:
            self.release(a)
        o = self.tmp(ir.list_of(t))
        self.emit(f"{o} = pv_call_steal({fn}, {arr}, {len(args)});")
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
        if ir.is_tuple(v.type):
            return "1" if v.type[1] else "0"
        if v.type == STR:
            return f"PyUnicode_GET_LENGTH({v.code}) != 0"
        return v.code

    def compare2(self, a: CVal, op: str, b: CVal, line: int) -> str:
        """Emit one comparison; returns a C int expression (temps checked)."""
        ta, tb = a.type, b.type
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
