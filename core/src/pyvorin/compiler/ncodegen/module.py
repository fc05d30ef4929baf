"""The native tier's module emitter: a module's C translation units.

A small module is one unit; a large one (see :mod:`..units`) is a shared header, function
units and a module unit with the constants, the method table and the init function. In
embedded mode it writes the native versions of a generic-tier module's functions as one
more unit of that module (see :mod:`..tiering` and :mod:`.embedding`).
"""

from __future__ import annotations

import struct

from .. import ir, units
from ..cstrings import c_comment, c_string, init_function_name
from ..ir import FLOAT, INT, STR
from .cvalues import cid, float_literal
from .embedding import EMBEDDED_SHARED
from .function import FuncGen


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
        else:  # the exact code points, lone surrogates included (as the generic tier's)
            lit, n = c_string(value.encode("utf-8", "surrogatepass"))
            self.consts.append(f'{name} = PyUnicode_DecodeUTF8({lit}, {n}, "surrogatepass");')
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
