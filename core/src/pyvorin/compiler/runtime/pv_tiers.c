/* Per-function native tier: the entry guard of a generic-tier function with a native
 * version.
 *
 * Native code calls the module's other native functions directly and reads module
 * constants, math functions and builtins as values compiled in (or found at import).
 * CPython looks each of them up when it runs, so a rebinding (`mod.f = g`, `mod.N = 5`,
 * `math.sqrt = ...`, `builtins.abs = ...`, a global shadowing a builtin) changes what it
 * does. Before the native version runs, the guard checks every such assumption of the
 * function and of the native functions it calls (transitively): a global still bound to
 * the function its `def` made, a constant still an object of exactly its type and value,
 * a builtin not shadowed and still the original (the interpreter's own object: one rebound
 * before the import is never taken for it). Any difference: the generic body runs.
 *
 * The result is cached on the dict versions of the module globals, the builtins and the
 * math module's dict (what pv_load_global_cached does per site): any change to a dict
 * gives it a new, globally unique ma_version_tag, so while the three tags are the ones
 * recorded, the last result still holds and a call costs three compares. ma_version_tag
 * is deprecated from 3.12: there the check runs in full on every call (a few dict
 * lookups). Between entry and return only native code runs, except Python signal
 * handlers run by the native loops' Ctrl-C check (PyErr_CheckSignals): a handler that
 * rebinds a global the running native code depends on is seen at the next entry only.
 */
#include "pv_generic.h"

static PyObject *pv_math_dict; /* borrowed from the math module, kept alive by sys.modules */

/* 1 when `o`, found under `name` in the builtins when the module is imported, is the
   object the interpreter itself defines under that name: a static (not heap) type of that
   name (IOError and EnvironmentError: OSError), or a function of the builtins module of
   that name. Native code compiles in what these objects do (an inlined range, len or
   enumerate, isinstance's answer for int or float), so a builtin rebound before the
   import (which the check at each call, comparing with the object found here, cannot
   see) must keep the generic body too. */
static int builtin_pristine(PyObject *o, const char *name)
{
    if (PyType_Check(o)) {
        PyTypeObject *t = (PyTypeObject *)o;
        if (t->tp_flags & Py_TPFLAGS_HEAPTYPE) return 0;
        if (strcmp(name, "IOError") == 0 || strcmp(name, "EnvironmentError") == 0)
            return o == PyExc_OSError;
        return strcmp(t->tp_name, name) == 0;
    }
    if (PyCFunction_Check(o)) {
        PyObject *self = PyCFunction_GET_SELF(o);
        if (self == NULL || !PyModule_Check(self)) return 0;
        const char *mod = PyModule_GetName(self);
        if (mod == NULL) {
            PyErr_Clear();
            return 0;
        }
        return strcmp(mod, "builtins") == 0
               && strcmp(((PyCFunctionObject *)o)->m_ml->ml_name, name) == 0;
    }
    return 0;
}

int pv_native_guard_init(PvNativeGuard *g, PyObject *builtins)
{
    PyObject *math = NULL;
    for (int i = 0; i < g->n; i++) {
        PvNativeDep *d = &g->deps[i];
        d->key = PyUnicode_InternFromString(d->name);
        if (d->key == NULL) goto fail;
        if (d->kind == PV_DEP_BUILTIN) {
            d->expect = PyDict_GetItemWithError(builtins, d->key);
            if (d->expect == NULL) {
                if (!PyErr_Occurred())
                    PyErr_Format(PyExc_ImportError, "no builtin %s", d->name);
                goto fail;
            }
            Py_INCREF(d->expect);
            d->pristine = builtin_pristine(d->expect, d->name);
        } else if (d->kind == PV_DEP_MODULE || d->kind == PV_DEP_MATHOBJ
                   || d->kind == PV_DEP_MATHATTR) {
            if (math == NULL) {
                math = PyImport_ImportModule("math");
                if (math == NULL) goto fail;
                pv_math_dict = PyModule_GetDict(math);
            }
            if (d->kind == PV_DEP_MODULE) {
                d->expect = math;
                Py_INCREF(math);
            } else {
                d->expect = PyObject_GetAttrString(math, d->kind == PV_DEP_MATHOBJ ? d->attr
                                                                                 : d->name);
                if (d->expect == NULL) goto fail;
            }
        }
    }
    Py_XDECREF(math);
    g->result = -1;
    return 0;
fail:
    Py_XDECREF(math);
    return -1;
}

/* 1: globals[key] is bound as `d` assumes; 0: not (or the lookup failed). */
static int dep_holds(PvNativeDep *d, PyObject *globals, PyObject *builtins)
{
    PyObject *dict = d->kind == PV_DEP_MATHATTR ? pv_math_dict : globals;
    PyObject *v = PyDict_GetItemWithError(dict, d->key);
    if (v == NULL) {
        if (PyErr_Occurred()) PyErr_Clear(); /* the generic body meets it where CPython would */
        if (d->kind != PV_DEP_BUILTIN) return 0;
        v = PyDict_GetItemWithError(builtins, d->key);
        if (v == NULL && PyErr_Occurred()) PyErr_Clear();
        return v == d->expect && d->pristine;
    }
    switch (d->kind) {
    case PV_DEP_FUNC:
        return Py_TYPE(v) == &PvFunction_Type && ((PvFunction *)v)->spec == d->spec;
    case PV_DEP_VALUE:
        if (Py_TYPE(v) != Py_TYPE(d->expect)) return 0;
        if (v == d->expect) return 1;
        if (PyFloat_CheckExact(v)) {
            double a = PyFloat_AS_DOUBLE(v), b = PyFloat_AS_DOUBLE(d->expect);
            return memcmp(&a, &b, sizeof a) == 0; /* the same bits: -0.0, NaN payloads */
        }
        if (PyLong_CheckExact(v) || PyUnicode_CheckExact(v)) {
            /* exact int and str compare in C: no Python code runs */
            int r = PyObject_RichCompareBool(v, d->expect, Py_EQ);
            if (r < 0) PyErr_Clear();
            return r == 1;
        }
        return 0; /* bool: the identity test above */
    case PV_DEP_BUILTIN:
        return 0; /* shadowed by a module global */
    default: /* MODULE, MATHOBJ, MATHATTR */
        return v == d->expect;
    }
}

int pv_native_guard_check(PvNativeGuard *g, PyObject *globals, PyObject *builtins)
{
#if PY_VERSION_HEX < 0x030C0000
    uint64_t mv = pv_math_dict ? ((PyDictObject *)pv_math_dict)->ma_version_tag : 0;
    if (g->result >= 0 && ((PyDictObject *)globals)->ma_version_tag == g->globals_version
        && ((PyDictObject *)builtins)->ma_version_tag == g->builtins_version
        && mv == g->math_version)
        return g->result;
#endif
    int ok = 1;
    for (int i = 0; i < g->n && ok; i++) ok = dep_holds(&g->deps[i], globals, builtins);
#if PY_VERSION_HEX < 0x030C0000
    g->globals_version = ((PyDictObject *)globals)->ma_version_tag;
    g->builtins_version = ((PyDictObject *)builtins)->ma_version_tag;
    g->math_version = mv;
    g->result = ok;
#endif
    return ok;
}
