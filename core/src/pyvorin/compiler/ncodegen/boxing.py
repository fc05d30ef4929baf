"""Boxing and unboxing between Python objects and the native tier's C values, and the
exact-representation tests of the arguments a native version takes without conversion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import ir
from ..ir import BOOL, FLOAT, INT, NONE, STR
from .cvalues import ctype, err_test

if TYPE_CHECKING:
    from .module import ModuleGen


def unbox_assignment(target: str, obj: str, t: ir.Type, what: str) -> str:
    """C that stores the borrowed object ``obj`` into ``target`` as type ``t``.

    ``what`` is the C string literal naming the value in TypeError messages. The result
    is a new owned value (objects of other types are increfed as they are).
    """
    fn = {INT: "pv_int_unbox", FLOAT: "pv_float_unbox", BOOL: "pv_bool_unbox"}.get(t)
    if fn:
        return f"{target} = {fn}({obj}, {what});"
    if t == STR:
        return f"{target} = pv_str_unbox({obj}, {what});"
    if ir.is_list(t):
        return f"{target} = pv_list_unbox({obj}, {what});"
    if ir.is_dict(t):
        return f"{target} = pv_dict_unbox({obj}, {what});"
    if ir.is_set(t):
        return f"{target} = pv_set_unbox({obj}, {what});"
    if ir.is_tuple(t):
        return f"{target} = pv_tuple_unbox({obj}, {len(t[1])}, {what});"
    return f"{target} = {obj}; Py_INCREF({target});"


def call_and_box(rt: ir.Type, call: str, res: str, on_error: str) -> list[str]:
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
    STR: "pv_str_exact({o})",
}


def exact_test(mg: ModuleGen, t: ir.Type, o: str) -> str:
    """A C expression true when the object ``o`` is exactly of the representation the
    native code takes for ``t`` without conversion: an exact int (not a bool) for int, an
    exact float, True/False, an exact (ready) str; an exact list whose items all pass the
    test of its element type, an exact tuple of the right length whose items pass theirs,
    an exact dict whose keys and values pass theirs, an exact set whose items pass theirs.
    A container's test is a helper function of the unit (written once per type, into
    ``mg.exact_fns``)."""
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
        elif ir.is_set(t):
            body += [
                "    if (!PySet_CheckExact(o)) return 0;",
                "    PyObject *it = PyObject_GetIter(o), *k;",
                "    int ok = it != NULL;",
                "    while (ok && (k = PyIter_Next(it)) != NULL) {",
                f"        ok = {exact_test(mg, t[1], 'k')};",
                "        Py_DECREF(k);",
                "    }",
                "    Py_XDECREF(it);",
                "    if (PyErr_Occurred()) { PyErr_Clear(); return 0; }  /* generic body */",
                "    return ok;",
            ]
        elif ir.is_dict(t):
            body += [
                "    if (!PyDict_CheckExact(o)) return 0;",
                "    Py_ssize_t pos = 0;",
                "    PyObject *k, *v;",
                "    while (PyDict_Next(o, &pos, &k, &v)) {",
                f"        if (!({exact_test(mg, t[1], 'k')}) || !({exact_test(mg, t[2], 'v')})) "
                "return 0;",
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
