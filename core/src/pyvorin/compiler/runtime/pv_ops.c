/* Operations of the generic tier that are more than one C-API call: names, imports,
 * exception state, raise, calls with * and **, unpacking, with, f-strings, classes.
 * Each follows the interpreter's code for the same bytecode (ceval.c, 3.10-3.13). */
#include "pv_generic.h"

/* An interned str for a C string literal, made once and kept for the process. */
PyObject *pv_istr_impl(const char *s)
{
    static const char *keys[64];
    static PyObject *vals[64];
    static int n = 0;
    for (int i = 0; i < n; i++)
        if (keys[i] == s) return vals[i];
    PyObject *u = PyUnicode_InternFromString(s);
    if (u && n < 64) { keys[n] = s; vals[n] = u; n++; }
    return u;
}

/* getattr that reports "missing" as 0 instead of AttributeError (1 found, -1 error). */
int pv_lookup_attr(PyObject *obj, PyObject *name, PyObject **result)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyObject_GetOptionalAttr(obj, name, result);
#else
    return _PyObject_LookupAttr(obj, name, result);
#endif
}

#if PY_VERSION_HEX >= 0x030D0000
/* still exported by 3.13, no longer declared in its public headers */
PyAPI_FUNC(int) _PyObject_GetMethod(PyObject *obj, PyObject *name, PyObject **method);
#endif

/* ``obj.name`` looked up for a call, before the arguments are evaluated (CPython's
   LOAD_METHOD / LOAD_ATTR with the method flag). Returns 1 when *meth is an unbound
   method to be called with obj as its first argument, 0 when *meth is the attribute's
   value to be called as it is; *meth is a new reference, or NULL with an exception set. */
int pv_load_method(PyObject *obj, PyObject *name, PyObject **meth)
{
    *meth = NULL;
    return _PyObject_GetMethod(obj, name, meth);
}

/* ---- exception state ----------------------------------------------------------- */

/* The current exception, normalised, with its traceback attached; the indicator cleared. */
PyObject *pv_fetch_exc(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(v, tb);
        Py_DECREF(tb);
    }
    Py_XDECREF(t);
    return v;
#endif
}

/* Make exc (stolen) the current exception again, traceback as it is (a re-raise). */
void pv_restore_exc(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyObject *t = (PyObject *)Py_TYPE(exc);
    Py_INCREF(t);
    PyErr_Restore(t, exc, PyException_GetTraceback(exc));
#endif
}

/* The exception the innermost exc_info entry holds (a new reference, or None): what an
   except/finally handler saves on entry and restores on exit (PUSH_EXC_INFO/POP_EXCEPT).
   Not the topmost handled exception (sys.exc_info()), which looks through the entries of
   the generators below: inside a generator, the entry is the generator's own. */
PyObject *pv_get_handled(void)
{
    _PyErr_StackItem *ei = PyThreadState_Get()->exc_info;
    PyObject *e = ei->exc_value;
    if (e == NULL) e = Py_None;
    Py_INCREF(e);
    return e;
}

/* sys.exc_info()[1] (a new reference, or None): the topmost exception being handled,
   looking through the entries of generators that handle none (what a bare `raise`
   re-raises and implicit chaining uses). */
PyObject *pv_topmost_handled(void)
{
#if PY_VERSION_HEX >= 0x030B0000
    PyObject *e = PyErr_GetHandledException();
    if (e == NULL) { Py_INCREF(Py_None); return Py_None; }
    return e;
#else
    PyObject *t, *v, *tb;
    PyErr_GetExcInfo(&t, &v, &tb);
    Py_XDECREF(t);
    Py_XDECREF(tb);
    if (v == NULL) { Py_INCREF(Py_None); return Py_None; }
    return v;
#endif
}

void pv_set_handled(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030B0000
    PyErr_SetHandledException(exc == Py_None ? NULL : exc);
#else
    if (exc == NULL || exc == Py_None) {
        PyErr_SetExcInfo(NULL, NULL, NULL);
    } else {
        PyObject *t = (PyObject *)Py_TYPE(exc);
        Py_INCREF(t);
        Py_INCREF(exc);
        PyErr_SetExcInfo(t, exc, PyException_GetTraceback(exc));
    }
#endif
}

/* check_except_type_valid (ceval.c): what an `except`/`except*` clause names must be an
   exception class or a tuple of them. 0, or -1 with TypeError. */
int pv_check_except_type(PyObject *type)
{
    if (PyTuple_Check(type)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(type); i++) {
            if (!PyExceptionClass_Check(PyTuple_GET_ITEM(type, i))) goto bad;
        }
        return 0;
    }
    if (PyExceptionClass_Check(type)) return 0;
bad:
    PyErr_SetString(PyExc_TypeError,
                    "catching classes that do not inherit from BaseException is not allowed");
    return -1;
}

/* `except T:`: does exc match T (checked as the interpreter checks it)? 1, 0, -1. */
int pv_exc_match(PyObject *exc, PyObject *type)
{
    if (pv_check_except_type(type) < 0) return -1;
    return PyErr_GivenExceptionMatches(exc, type);
}

/* `raise exc [from cause]` (borrowed); always returns -1 with the exception set. */
int pv_raise(PyObject *exc, PyObject *cause)
{
    PyObject *type = NULL, *value = NULL;
    if (PyExceptionClass_Check(exc)) {
        type = exc;
        Py_INCREF(type);
        value = PyObject_CallNoArgs(exc);
        if (value == NULL) goto error;
        if (!PyExceptionInstance_Check(value)) {
            PyErr_Format(PyExc_TypeError,
                         "calling %R should have returned an instance of BaseException, not %R",
                         type, Py_TYPE(value));
            goto error;
        }
    } else if (PyExceptionInstance_Check(exc)) {
        value = exc;
        Py_INCREF(value);
        type = PyExceptionInstance_Class(exc);
        Py_INCREF(type);
    } else {
        PyErr_SetString(PyExc_TypeError, "exceptions must derive from BaseException");
        goto error;
    }
    if (cause) {
        PyObject *fixed_cause;
        if (PyExceptionClass_Check(cause)) {
            fixed_cause = PyObject_CallNoArgs(cause);
            if (fixed_cause == NULL) goto error;
        } else if (PyExceptionInstance_Check(cause)) {
            fixed_cause = cause;
            Py_INCREF(fixed_cause);
        } else if (cause == Py_None) {
            fixed_cause = NULL;
        } else {
            PyErr_SetString(PyExc_TypeError, "exception causes must derive from BaseException");
            goto error;
        }
        PyException_SetCause(value, fixed_cause); /* steals fixed_cause */
    }
    PyErr_SetObject(type, value);
error:
    Py_XDECREF(value);
    Py_XDECREF(type);
    return -1;
}

/* A bare `raise`: re-raise the exception being handled. Always -1. */
int pv_reraise_handled(void)
{
    PyObject *exc = pv_topmost_handled();
    if (exc == Py_None) {
        Py_DECREF(exc);
        PyErr_SetString(PyExc_RuntimeError, "No active exception to reraise");
        return -1;
    }
    pv_restore_exc(exc);
    return -1;
}

/* ---- names ------------------------------------------------------------------- */

void pv_name_error(PyObject *name)
{
    PyErr_Format(PyExc_NameError, "name '%U' is not defined", name);
#if PY_VERSION_HEX >= 0x030A0000
    PyObject *exc = pv_fetch_exc();
    if (exc) {
        if (PyObject_SetAttrString(exc, "name", name) < 0) PyErr_Clear();
        pv_restore_exc(exc);
    }
#endif
}

PyObject *pv_unbound_local(PyObject *name)
{
#if PY_VERSION_HEX >= 0x030B0000
    PyErr_Format(PyExc_UnboundLocalError,
                 "cannot access local variable '%U' where it is not associated with a value", name);
#else
    PyErr_Format(PyExc_UnboundLocalError, "local variable '%U' referenced before assignment", name);
#endif
    return NULL;
}

PyObject *pv_unbound_free(PyObject *name)
{
#if PY_VERSION_HEX >= 0x030B0000
    PyErr_Format(PyExc_NameError,
                 "cannot access free variable '%U' where it is not associated with a value in enclosing scope",
                 name);
#else
    PyErr_Format(PyExc_NameError,
                 "free variable '%U' referenced before assignment in enclosing scope", name);
#endif
    PyObject *exc = pv_fetch_exc();
    if (exc) {
        if (PyObject_SetAttrString(exc, "name", name) < 0) PyErr_Clear();
        pv_restore_exc(exc);
    }
    return NULL;
}

PyObject *pv_load_global(PyObject *globals, PyObject *builtins, PyObject *name)
{
    PyObject *v = PyDict_GetItemWithError(globals, name);
    if (v) { Py_INCREF(v); return v; }
    if (PyErr_Occurred()) return NULL;
    if (PyDict_CheckExact(builtins)) {
        v = PyDict_GetItemWithError(builtins, name);
        if (v) { Py_INCREF(v); return v; }
        if (!PyErr_Occurred()) pv_name_error(name);
        return NULL;
    }
    v = PyObject_GetItem(builtins, name);
    if (v == NULL && PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyErr_Clear();
        pv_name_error(name);
    }
    return v;
}

int pv_delete_global(PyObject *globals, PyObject *name)
{
    int r = PyDict_DelItem(globals, name);
    if (r < 0 && PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyErr_Clear();
        pv_name_error(name);
    }
    return r;
}

/* LOAD_NAME in a class body: the namespace, then globals, then builtins. */
PyObject *pv_load_name(PyObject *ns, PyObject *globals, PyObject *builtins, PyObject *name)
{
    PyObject *v;
    if (PyDict_CheckExact(ns)) {
        v = PyDict_GetItemWithError(ns, name);
        if (v) { Py_INCREF(v); return v; }
        if (PyErr_Occurred()) return NULL;
    } else {
        v = PyObject_GetItem(ns, name);
        if (v) return v;
        if (!PyErr_ExceptionMatches(PyExc_KeyError)) return NULL;
        PyErr_Clear();
    }
    return pv_load_global(globals, builtins, name);
}

/* LOAD_CLASSDEREF: the class namespace first, then the enclosing function's cell. */
PyObject *pv_load_classderef(PyObject *ns, PyObject *cell, PyObject *name)
{
    PyObject *v;
    if (PyDict_CheckExact(ns)) {
        v = PyDict_GetItemWithError(ns, name);
        if (v) { Py_INCREF(v); return v; }
        if (PyErr_Occurred()) return NULL;
    } else {
        v = PyObject_GetItem(ns, name);
        if (v) return v;
        if (!PyErr_ExceptionMatches(PyExc_KeyError)) return NULL;
        PyErr_Clear();
    }
    v = PyCell_GET(cell);
    if (v == NULL) return pv_unbound_free(name);
    Py_INCREF(v);
    return v;
}

int pv_delete_name(PyObject *ns, PyObject *name)
{
    int r = PyObject_DelItem(ns, name);
    if (r < 0 && PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyErr_Clear();
        pv_name_error(name);
    }
    return r;
}

PyObject *pv_cell_get(PyObject *cell, PyObject *name)
{
    PyObject *v = PyCell_GET(cell);
    if (v == NULL) return pv_unbound_free(name);
    Py_INCREF(v);
    return v;
}

/* A cell that belongs to the running function (its own variable): unbound reads are
   UnboundLocalError, as for any local. */
PyObject *pv_cell_get_local(PyObject *cell, PyObject *name)
{
    PyObject *v = PyCell_GET(cell);
    if (v == NULL) return pv_unbound_local(name);
    Py_INCREF(v);
    return v;
}

int pv_cell_delete(PyObject *cell, PyObject *name, int own)
{
    if (PyCell_GET(cell) == NULL) {
        if (own) pv_unbound_local(name); else pv_unbound_free(name);
        return -1;
    }
    return PyCell_Set(cell, NULL);
}

/* ---- imports --------------------------------------------------------------------- */

PyObject *pv_import_name(PyObject *globals, PyObject *name, PyObject *fromlist, int level)
{
    return PyImport_ImportModuleLevelObject(name, globals, Py_None, fromlist, level);
}

PyObject *pv_import_from(PyObject *v, PyObject *name)
{
    PyObject *x;
    if (pv_lookup_attr(v, name, &x) != 0) return x;
    /* Not an attribute: maybe a submodule imported as a side effect (circular imports). */
    PyObject *pkgname = NULL, *fullmodname = NULL, *pkgpath = NULL, *errmsg = NULL;
    if (pv_lookup_attr(v, pv_istr("__name__"), &pkgname) < 0)
        return NULL;
    if (pkgname == NULL || !PyUnicode_Check(pkgname)) {
        Py_CLEAR(pkgname);
        goto error;
    }
    fullmodname = PyUnicode_FromFormat("%U.%U", pkgname, name);
    if (fullmodname == NULL) { Py_DECREF(pkgname); return NULL; }
    x = PyImport_GetModule(fullmodname);
    Py_DECREF(fullmodname);
    if (x == NULL && !PyErr_Occurred()) goto error;
    Py_DECREF(pkgname);
    return x;
error:
    if (PyErr_Occurred()) { Py_XDECREF(pkgname); return NULL; }
    pkgpath = PyModule_Check(v) ? PyModule_GetFilenameObject(v) : NULL;
    if (pkgpath == NULL) PyErr_Clear();
    if (pkgname == NULL) {
        pkgname = PyUnicode_FromString("<unknown module name>");
        if (pkgname == NULL) { Py_XDECREF(pkgpath); return NULL; }
    }
    if (pkgpath == NULL || !PyUnicode_Check(pkgpath)) {
        Py_CLEAR(pkgpath);
        errmsg = PyUnicode_FromFormat("cannot import name %R from %R (unknown location)", name, pkgname);
    } else {
        PyObject *spec = NULL, *initializing = NULL;
        int is_init = 0;
        if (pv_lookup_attr(v, pv_istr("__spec__"), &spec) > 0 && spec != Py_None) {
            if (pv_lookup_attr(spec, pv_istr("_initializing"), &initializing) > 0)
                is_init = PyObject_IsTrue(initializing) > 0;
        }
        PyErr_Clear();
        Py_XDECREF(spec);
        Py_XDECREF(initializing);
        if (is_init)
            errmsg = PyUnicode_FromFormat(
                "cannot import name %R from partially initialized module %R "
                "(most likely due to a circular import) (%S)", name, pkgname, pkgpath);
        else
            errmsg = PyUnicode_FromFormat("cannot import name %R from %R (%S)", name, pkgname, pkgpath);
    }
    if (errmsg) PyErr_SetImportError(errmsg, pkgname, pkgpath);
    Py_XDECREF(errmsg);
    Py_XDECREF(pkgname);
    Py_XDECREF(pkgpath);
    return NULL;
}

/* `from module import *` into the namespace ns. */
int pv_import_star(PyObject *ns, PyObject *v)
{
    PyObject *all, *dict, *name, *value;
    int skip_leading_underscores = 0;
    if (pv_lookup_attr(v, pv_istr("__all__"), &all) < 0) return -1;
    if (all == NULL) {
        if (pv_lookup_attr(v, pv_istr("__dict__"), &dict) < 0) return -1;
        if (dict == NULL) {
            PyErr_SetString(PyExc_ImportError, "from-import-* object has no __dict__ and no __all__");
            return -1;
        }
        all = PyMapping_Keys(dict);
        Py_DECREF(dict);
        if (all == NULL) return -1;
        skip_leading_underscores = 1;
    }
    int err = 0;
    for (Py_ssize_t pos = 0; ; pos++) {
        name = PySequence_GetItem(all, pos);
        if (name == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_IndexError)) err = -1;
            else PyErr_Clear();
            break;
        }
        if (!PyUnicode_Check(name)) {
            PyObject *modname = PyObject_GetAttrString(v, "__name__");
            if (modname == NULL) { Py_DECREF(name); err = -1; break; }
            if (!PyUnicode_Check(modname))
                PyErr_Format(PyExc_TypeError, "module __name__ must be a string, not %.100s",
                             Py_TYPE(modname)->tp_name);
            else
                PyErr_Format(PyExc_TypeError, "%s in %U.%s must be str, not %.100s",
                             skip_leading_underscores ? "Key" : "Item", modname,
                             skip_leading_underscores ? "__dict__" : "__all__",
                             Py_TYPE(name)->tp_name);
            Py_DECREF(modname);
            Py_DECREF(name);
            err = -1;
            break;
        }
        if (skip_leading_underscores && PyUnicode_READ_CHAR(name, 0) == '_') {
            Py_DECREF(name);
            continue;
        }
        value = PyObject_GetAttr(v, name);
        if (value == NULL) err = -1;
        else if (PyDict_CheckExact(ns)) err = PyDict_SetItem(ns, name, value);
        else err = PyObject_SetItem(ns, name, value);
        Py_DECREF(name);
        Py_XDECREF(value);
        if (err != 0) break;
    }
    Py_DECREF(all);
    return err;
}

/* ---- calls ----------------------------------------------------------------------- */

/* "mod.qualname()" as the interpreter names a callable in call errors. */
PyObject *pv_funcstr(PyObject *x)
{
    PyObject *qualname = NULL, *module = NULL, *result = NULL;
    if (pv_lookup_attr(x, pv_istr("__qualname__"), &qualname) < 0) return NULL;
    if (qualname == NULL) return PyObject_Str(x);
    if (pv_lookup_attr(x, pv_istr("__module__"), &module) < 0) goto done;
    if (module && module != Py_None) {
        int eq = PyUnicode_Check(module) ? PyUnicode_CompareWithASCIIString(module, "builtins") == 0 : 0;
        if (!eq) {
            result = PyUnicode_FromFormat("%S.%S()", module, qualname);
            goto done;
        }
    }
    result = PyUnicode_FromFormat("%S()", qualname);
done:
    Py_XDECREF(qualname);
    Py_XDECREF(module);
    return result;
}

/* `f(*it)`: the positional arguments as a tuple (CALL_FUNCTION_EX's check). */
PyObject *pv_star_args(PyObject *func, PyObject *it)
{
    if (PyTuple_CheckExact(it)) { Py_INCREF(it); return it; }
    if (Py_TYPE(it)->tp_iter == NULL && !PySequence_Check(it)) {
        PyObject *fs = pv_funcstr(func);
        if (fs) {
            PyErr_Format(PyExc_TypeError, "%U argument after * must be an iterable, not %.200s",
                         fs, Py_TYPE(it)->tp_name);
            Py_DECREF(fs);
        }
        return NULL;
    }
    return PySequence_Tuple(it);
}

/* Merge `**mapping` into the call's keyword dict (DICT_MERGE). */
int pv_merge_kwargs(PyObject *func, PyObject *dict, PyObject *mapping)
{
    if (_PyDict_MergeEx(dict, mapping, 2) == 0) return 0;
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
        if (!PyMapping_Check(mapping) || PyObject_HasAttrString(mapping, "keys") == 0) {
            PyErr_Clear();
            PyObject *fs = pv_funcstr(func);
            if (fs) {
                PyErr_Format(PyExc_TypeError, "%U argument after ** must be a mapping, not %.200s",
                             fs, Py_TYPE(mapping)->tp_name);
                Py_DECREF(fs);
            }
        }
    } else if (PyErr_ExceptionMatches(PyExc_KeyError)) {
        PyObject *exc = pv_fetch_exc();
        PyObject *args = exc ? PyObject_GetAttrString(exc, "args") : NULL;
        if (args && PyTuple_Check(args) && PyTuple_GET_SIZE(args) == 1) {
            PyObject *key = PyTuple_GET_ITEM(args, 0);
            if (!PyUnicode_Check(key)) {
                PyObject *fs = pv_funcstr(func);
                if (fs) {
                    PyErr_Format(PyExc_TypeError, "%U keywords must be strings", fs);
                    Py_DECREF(fs);
                }
            } else {
                PyObject *fs = pv_funcstr(func);
                if (fs) {
                    PyErr_Format(PyExc_TypeError, "%U got multiple values for keyword argument '%S'",
                                 fs, key);
                    Py_DECREF(fs);
                }
            }
            Py_DECREF(args);
            Py_XDECREF(exc);
        } else {
            Py_XDECREF(args);
            if (exc) pv_restore_exc(exc);
        }
    }
    return -1;
}

/* [*a] / (*a,) / {*a}: extend a list (LIST_EXTEND's message for non-iterables). */
int pv_list_extend(PyObject *list, PyObject *it)
{
#if PY_VERSION_HEX >= 0x030D0000
    if (PyList_Extend(list, it) < 0) {
#else
    PyObject *r = _PyList_Extend((PyListObject *)list, it);
    if (r == NULL) {
#endif
        if (PyErr_ExceptionMatches(PyExc_TypeError) && Py_TYPE(it)->tp_iter == NULL &&
            !PySequence_Check(it)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "Value after * must be an iterable, not %.200s",
                         Py_TYPE(it)->tp_name);
        }
        return -1;
    }
#if PY_VERSION_HEX < 0x030D0000
    Py_DECREF(r);
#endif
    return 0;
}

int pv_set_update(PyObject *set, PyObject *it)
{
    PyObject *r = PyObject_CallMethod(set, "update", "O", it);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}

int pv_dict_update(PyObject *dict, PyObject *mapping)
{
    if (PyDict_Update(dict, mapping) == 0) return 0;
    if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "'%.200s' object is not a mapping", Py_TYPE(mapping)->tp_name);
    }
    return -1;
}

PyObject *pv_list_to_tuple(PyObject *list) { return PyList_AsTuple(list); }

PyObject *pv_tuple_pack(Py_ssize_t n, PyObject **items)
{
    PyObject *t = PyTuple_New(n);
    if (!t) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_INCREF(items[i]);
        PyTuple_SET_ITEM(t, i, items[i]);
    }
    return t;
}

PyObject *pv_list_pack(Py_ssize_t n, PyObject **items)
{
    PyObject *t = PyList_New(n);
    if (!t) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_INCREF(items[i]);
        PyList_SET_ITEM(t, i, items[i]);
    }
    return t;
}

PyObject *pv_set_pack(Py_ssize_t n, PyObject **items)
{
    PyObject *s = PySet_New(NULL);
    if (!s) return NULL;
    for (Py_ssize_t i = 0; i < n; i++)
        if (PySet_Add(s, items[i]) < 0) { Py_DECREF(s); return NULL; }
    return s;
}

PyObject *pv_dict_pack(Py_ssize_t n, PyObject **items)
{
    PyObject *d = _PyDict_NewPresized(n);
    if (!d) return NULL;
    for (Py_ssize_t i = 0; i < n; i++)
        if (PyDict_SetItem(d, items[2 * i], items[2 * i + 1]) < 0) { Py_DECREF(d); return NULL; }
    return d;
}

/* ---- unpacking ---------------------------------------------------------------- */

/* a, b, *c, d = v: out receives argcnt items, then (if argcntafter >= 0) the list of the
   rest, then argcntafter items; all new references. Returns 0 or -1. */
int pv_unpack(PyObject *v, int argcnt, int argcntafter, PyObject **out)
{
    if (argcntafter < 0) {
        if (PyTuple_CheckExact(v) && PyTuple_GET_SIZE(v) == argcnt) {
            for (int i = 0; i < argcnt; i++) { out[i] = PyTuple_GET_ITEM(v, i); Py_INCREF(out[i]); }
            return 0;
        }
        if (PyList_CheckExact(v) && PyList_GET_SIZE(v) == argcnt) {
            for (int i = 0; i < argcnt; i++) { out[i] = PyList_GET_ITEM(v, i); Py_INCREF(out[i]); }
            return 0;
        }
    }
    int i = 0, j;
    PyObject *it = PyObject_GetIter(v), *w, *l;
    if (it == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError) && Py_TYPE(v)->tp_iter == NULL &&
            !PySequence_Check(v))
            PyErr_Format(PyExc_TypeError, "cannot unpack non-iterable %.200s object",
                         Py_TYPE(v)->tp_name);
        return -1;
    }
    for (; i < argcnt; i++) {
        w = PyIter_Next(it);
        if (w == NULL) {
            if (!PyErr_Occurred()) {
                if (argcntafter < 0)
                    PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected %d, got %d)",
                                 argcnt, i);
                else
                    PyErr_Format(PyExc_ValueError,
                                 "not enough values to unpack (expected at least %d, got %d)",
                                 argcnt + argcntafter, i);
            }
            goto error;
        }
        out[i] = w;
    }
    if (argcntafter < 0) {
        w = PyIter_Next(it);
        if (w == NULL) {
            if (PyErr_Occurred()) goto error;
            Py_DECREF(it);
            return 0;
        }
        Py_DECREF(w);
#if PY_VERSION_HEX >= 0x030E0000
        if (PyList_CheckExact(v) || PyTuple_CheckExact(v) || PyDict_CheckExact(v)) {
            Py_ssize_t ll = PyDict_CheckExact(v) ? PyDict_Size(v) : Py_SIZE(v);
            PyErr_Format(PyExc_ValueError, "too many values to unpack (expected %d, got %zd)", argcnt, ll);
        } else
#endif
        PyErr_Format(PyExc_ValueError, "too many values to unpack (expected %d)", argcnt);
        goto error;
    }
    l = PySequence_List(it);
    if (l == NULL) goto error;
    Py_ssize_t ll = PyList_GET_SIZE(l);
    if (ll < argcntafter) {
        PyErr_Format(PyExc_ValueError, "not enough values to unpack (expected at least %d, got %zd)",
                     argcnt + argcntafter, argcnt + ll);
        Py_DECREF(l);
        goto error;
    }
    for (j = 0; j < argcntafter; j++) {
        out[argcnt + 1 + j] = PyList_GET_ITEM(l, ll - argcntafter + j);
        Py_INCREF(out[argcnt + 1 + j]);
    }
    if (PyList_SetSlice(l, ll - argcntafter, ll, NULL) < 0) {
        for (j = 0; j < argcntafter; j++) Py_CLEAR(out[argcnt + 1 + j]);
        Py_DECREF(l);
        goto error;
    }
    out[argcnt] = l;
    Py_DECREF(it);
    return 0;
error:
    for (j = 0; j < i; j++) Py_CLEAR(out[j]);
    Py_DECREF(it);
    return -1;
}

/* ---- with ---------------------------------------------------------------------- */

PyObject *pv_lookup_special(PyObject *self, const char *attr)
{
    PyObject *name = PyUnicode_InternFromString(attr);
    if (!name) return NULL;
    PyObject *res = _PyType_Lookup(Py_TYPE(self), name);
    Py_DECREF(name);
    if (res == NULL) return NULL;
    descrgetfunc f = Py_TYPE(res)->tp_descr_get;
    if (f == NULL) { Py_INCREF(res); return res; }
    return f(res, self, (PyObject *)Py_TYPE(self));
}

/* BEFORE_WITH: *exit_out = bound __exit__; returns the result of __enter__(). */
PyObject *pv_with_enter(PyObject *mgr, PyObject **exit_out)
{
    PyObject *enter = pv_lookup_special(mgr, "__enter__");
    if (enter == NULL) {
        if (!PyErr_Occurred()) {
#if PY_VERSION_HEX >= 0x030B0000
            PyErr_Format(PyExc_TypeError,
                         "'%.200s' object does not support the context manager protocol",
                         Py_TYPE(mgr)->tp_name);
#else
            PyErr_SetString(PyExc_AttributeError, "__enter__");
#endif
        }
        return NULL;
    }
    PyObject *exit = pv_lookup_special(mgr, "__exit__");
    if (exit == NULL) {
        if (!PyErr_Occurred()) {
#if PY_VERSION_HEX >= 0x030B0000
            PyErr_Format(PyExc_TypeError,
                         "'%.200s' object does not support the context manager protocol "
                         "(missed __exit__ method)", Py_TYPE(mgr)->tp_name);
#else
            PyErr_SetString(PyExc_AttributeError, "__exit__");
#endif
        }
        Py_DECREF(enter);
        return NULL;
    }
    PyObject *res = PyObject_CallNoArgs(enter);
    Py_DECREF(enter);
    if (res == NULL) { Py_DECREF(exit); return NULL; }
    *exit_out = exit;
    return res;
}

/* __exit__(None, None, None) on the way out without an exception. */
int pv_with_exit_ok(PyObject *exit)
{
    PyObject *args[3] = {Py_None, Py_None, Py_None};
    PyObject *r = PyObject_Vectorcall(exit, args, 3, NULL);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}

/* __exit__(type, exc, tb) while exc is being handled: 1 suppress, 0 re-raise, -1 error. */
int pv_with_exit_exc(PyObject *exit, PyObject *exc)
{
    PyObject *tb = PyException_GetTraceback(exc);
    PyObject *args[3] = {(PyObject *)Py_TYPE(exc), exc, tb ? tb : Py_None};
    PyObject *r = PyObject_Vectorcall(exit, args, 3, NULL);
    Py_XDECREF(tb);
    if (!r) return -1;
    int t = PyObject_IsTrue(r);
    Py_DECREF(r);
    return t;
}

/* ---- values ---------------------------------------------------------------------- */

/* FORMAT_VALUE: conversion ('s', 'r', 'a' or 0) then format(value, spec). */
PyObject *pv_format_value(PyObject *v, int conversion, PyObject *spec)
{
    PyObject *c;
    switch (conversion) {
    case 's': c = PyObject_Str(v); break;
    case 'r': c = PyObject_Repr(v); break;
    case 'a': c = PyObject_ASCII(v); break;
    default: c = v; Py_INCREF(c);
    }
    if (!c) return NULL;
    if (spec == NULL && PyUnicode_CheckExact(c)) return c;
    PyObject *r = PyObject_Format(c, spec);
    Py_DECREF(c);
    return r;
}

PyObject *pv_join_str(Py_ssize_t n, PyObject **items)
{
    PyObject *empty = PyUnicode_FromStringAndSize(NULL, 0);
    if (!empty) return NULL;
    PyObject *r = _PyUnicode_JoinArray(empty, items, n);
    Py_DECREF(empty);
    return r;
}

/* `x += y` and `x = x + y` on a fast local `x` when both operands are exact strs and `x`
   still holds the left operand: CPython's BINARY_OP_INPLACE_ADD_UNICODE (3.11; the same
   in 3.12 and 3.13's bytecodes.c, and unicode_concatenate's STORE_FAST case in 3.10).
   *left (the value `x` was read as) and *right are owned references, both consumed; the
   left one is dropped before PyUnicode_Append so that the local's own reference is the
   only one when nothing else holds the str, and PyUnicode_Append's unicode_modifiable
   test (one reference, no cached hash, not interned, exact str) lets it resize in place.
   On failure (MemoryError; OverflowError past PY_SSIZE_T_MAX) PyUnicode_Append has
   released the old value and *local is NULL: the local is unbound, as in CPython.
   Called by pv_add_to_local (pv_fast.h) only; the counts are evidence for tests. */
static long long pv_str_append_counts[2]; /* [0] appends, [1] of a str nothing else held */

int pv_str_append_local(PyObject **local, PyObject **left, PyObject **right)
{
    PyObject *l = *left, *r = *right;
    *left = NULL;
    *right = NULL;
    Py_DECREF(l); /* *local still references it: never the last reference */
    pv_str_append_counts[0]++;
    if (Py_REFCNT(l) == 1) pv_str_append_counts[1]++;
    PyUnicode_Append(local, r);
    Py_DECREF(r);
    return *local == NULL ? -1 : 0;
}

/* How many appends pv_str_append_local made in this module ([0]), and how many of them
   on a str no other reference held ([1]): read with ctypes by the tests, which prove the
   in-place path ran without timing it. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((visibility("default")))
#endif
long long pyvorin_str_appends(int which);
long long pyvorin_str_appends(int which)
{
    return which == 0 || which == 1 ? pv_str_append_counts[which] : -1;
}

PyObject *pv_bool(int b)
{
    PyObject *r = b ? Py_True : Py_False;
    Py_INCREF(r);
    return r;
}

PyObject *pv_slice(PyObject *a, PyObject *b, PyObject *c)
{
    return PySlice_New(a, b, c);
}

/* `super()` with no arguments inside a method: super(__class__, first argument). */
PyObject *pv_super0(PyObject *super_obj, PyObject *cell, PyObject *first)
{
    if (super_obj != (PyObject *)&PySuper_Type)
        return PyObject_CallNoArgs(super_obj);
    if (cell == NULL || first == NULL) {
        PyErr_SetString(PyExc_RuntimeError, first == NULL ? "super(): no arguments"
                                                          : "super(): __class__ cell not found");
        return NULL;
    }
    PyObject *cls = PyCell_GET(cell);
    if (cls == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "super(): empty __class__ cell");
        return NULL;
    }
    if (!PyType_Check(cls)) {
        PyErr_Format(PyExc_RuntimeError, "super(): __class__ is not a type (%s)", Py_TYPE(cls)->tp_name);
        return NULL;
    }
    PyObject *args[2] = {cls, first};
    return PyObject_Vectorcall(super_obj, args, 2, NULL);
}

/* ---- classes --------------------------------------------------------------------- */



/* PEP 560 __mro_entries__ (builtins.__build_class__'s update_bases). */
PyObject *pv_update_bases(PyObject *bases)
{
    Py_ssize_t n = PyTuple_GET_SIZE(bases);
    PyObject *new_bases = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *base = PyTuple_GET_ITEM(bases, i), *meth, *new_base;
        if (PyType_Check(base)) {
            if (new_bases && PyList_Append(new_bases, base) < 0) goto error;
            continue;
        }
        if (pv_lookup_attr(base, pv_istr("__mro_entries__"), &meth) < 0) goto error;
        if (!meth) {
            if (new_bases && PyList_Append(new_bases, base) < 0) goto error;
            continue;
        }
        new_base = PyObject_CallOneArg(meth, bases);
        Py_DECREF(meth);
        if (!new_base) goto error;
        if (!PyTuple_Check(new_base)) {
            PyErr_SetString(PyExc_TypeError, "__mro_entries__ must return a tuple");
            Py_DECREF(new_base);
            goto error;
        }
        if (!new_bases) {
            new_bases = PyList_New(i);
            if (!new_bases) { Py_DECREF(new_base); goto error; }
            for (Py_ssize_t j = 0; j < i; j++) {
                PyObject *b = PyTuple_GET_ITEM(bases, j);
                Py_INCREF(b);
                PyList_SET_ITEM(new_bases, j, b);
            }
        }
        Py_ssize_t end = PyList_GET_SIZE(new_bases);
        if (PyList_SetSlice(new_bases, end, end, new_base) < 0) { Py_DECREF(new_base); goto error; }
        Py_DECREF(new_base);
    }
    if (!new_bases) { Py_INCREF(bases); return bases; }
    PyObject *r = PyList_AsTuple(new_bases);
    Py_DECREF(new_bases);
    return r;
error:
    Py_XDECREF(new_bases);
    return NULL;
}

/* The class statement: builtins.__build_class__ with a compiled body. */
/* The most derived metaclass of `metatype` and the types of `bases` (CPython's
 * _PyType_CalculateMetaclass, Objects/typeobject.c, which 3.13 no longer exports). */
static PyTypeObject *pv_calculate_metaclass(PyTypeObject *metatype, PyObject *bases)
{
    PyTypeObject *winner = metatype;
    Py_ssize_t nbases = PyTuple_GET_SIZE(bases);
    for (Py_ssize_t i = 0; i < nbases; i++) {
        PyTypeObject *tmptype = Py_TYPE(PyTuple_GET_ITEM(bases, i));
        if (PyType_IsSubtype(winner, tmptype)) continue;
        if (PyType_IsSubtype(tmptype, winner)) {
            winner = tmptype;
            continue;
        }
        PyErr_SetString(PyExc_TypeError,
                        "metaclass conflict: "
                        "the metaclass of a derived class "
                        "must be a (non-strict) subclass "
                        "of the metaclasses of all its bases");
        return NULL;
    }
    return winner;
}

/* type.__new__ makes a plain function named __new__ a staticmethod and one named
   __init_subclass__ or __class_getitem__ a classmethod (type_new_set_classcell's
   neighbours in typeobject.c), but only when it is a PyFunction: a compiled function
   must get the same wrapping, or super().__new__(cls) and every subclass's implicit
   __init_subclass__ call would bind it differently. Done on the created class, before
   anything else can use it, so a metaclass sees the namespace CPython would give it. */
static int pv_implicit_method_kinds(PyObject *cls)
{
    static const char *names[3] = {"__new__", "__init_subclass__", "__class_getitem__"};
    PyObject *dict = ((PyTypeObject *)cls)->tp_dict;
    if (dict == NULL) return 0;
    for (int i = 0; i < 3; i++) {
        PyObject *key = pv_istr(names[i]);
        if (key == NULL) return -1;
        PyObject *f = PyDict_GetItemWithError(dict, key);
        if (f == NULL) {
            if (PyErr_Occurred()) return -1;
            continue;
        }
        if (Py_TYPE(f) != &PvFunction_Type) continue;
        PyObject *wrapped = i == 0 ? PyStaticMethod_New(f) : PyClassMethod_New(f);
        if (wrapped == NULL) return -1;
        /* straight into the dict, as type_new does (a metaclass __setattr__ is not
           involved); slot_tp_new looks __new__ up on each call */
        int r = PyDict_SetItem(dict, key, wrapped);
        Py_DECREF(wrapped);
        if (r < 0) return -1;
        PyType_Modified((PyTypeObject *)cls);
    }
    return 0;
}

PyObject *pv_build_class(pv_class_body body, PyObject *closure, PyObject *name,
                                PyObject *orig_bases, PyObject *kwds)
{
    PyObject *bases = pv_update_bases(orig_bases), *meta = NULL, *ns = NULL, *cls = NULL, *cell = NULL;
    PyObject *mkw = NULL;
    int isclass = 0;
    if (!bases) return NULL;
    if (kwds && PyDict_GET_SIZE(kwds)) {
        mkw = PyDict_Copy(kwds);
        if (!mkw) goto done;
        meta = PyDict_GetItemString(mkw, "metaclass");
        if (meta) {
            Py_INCREF(meta);
            if (PyDict_DelItemString(mkw, "metaclass") < 0) goto done;
            isclass = PyType_Check(meta);
        }
    }
    if (meta == NULL) {
        meta = PyTuple_GET_SIZE(bases) == 0 ? (PyObject *)&PyType_Type
                                            : (PyObject *)Py_TYPE(PyTuple_GET_ITEM(bases, 0));
        Py_INCREF(meta);
        isclass = 1;
    }
    if (isclass) {
        PyObject *winner = (PyObject *)pv_calculate_metaclass((PyTypeObject *)meta, bases);
        if (winner == NULL) goto done;
        if (winner != meta) { Py_INCREF(winner); Py_SETREF(meta, winner); }
    }
    PyObject *prep;
    if (pv_lookup_attr(meta, pv_istr("__prepare__"), &prep) < 0) goto done;
    if (prep == NULL) {
        ns = PyDict_New();
    } else {
        PyObject *pargs[2] = {name, bases};
        ns = PyObject_VectorcallDict(prep, pargs, 2, mkw);
        Py_DECREF(prep);
    }
    if (ns == NULL) goto done;
    if (!PyMapping_Check(ns)) {
        PyErr_Format(PyExc_TypeError, "%.200s.__prepare__() must return a mapping, not %.200s",
                     isclass ? ((PyTypeObject *)meta)->tp_name : "<metaclass>", Py_TYPE(ns)->tp_name);
        goto done;
    }
    cell = body(ns, closure);
    if (cell == NULL) goto done;
    if (bases != orig_bases && PyMapping_SetItemString(ns, "__orig_bases__", orig_bases) < 0) goto done;
    {
        PyObject *margs[3] = {name, bases, ns};
        cls = PyObject_VectorcallDict(meta, margs, 3, mkw);
    }
    if (cls != NULL && PyType_Check(cls) && pv_implicit_method_kinds(cls) < 0) Py_CLEAR(cls);
    if (cls != NULL && PyType_Check(cls) && PyCell_Check(cell)) {
        PyObject *cell_cls = PyCell_GET(cell);
        if (cell_cls != cls) {
            if (cell_cls == NULL)
                PyErr_Format(PyExc_RuntimeError,
                             "__class__ not set defining %.200R as %.200R. Was __classcell__ "
                             "propagated to type.__new__?", name, cls);
            else
                PyErr_Format(PyExc_TypeError, "__class__ set to %.200R defining %.200R as %.200R",
                             cell_cls, name, cls);
            Py_CLEAR(cls);
        }
    }
done:
    Py_XDECREF(cell);
    Py_XDECREF(ns);
    Py_XDECREF(meta);
    Py_XDECREF(mkw);
    Py_DECREF(bases);
    return cls;
}

/* SETUP_ANNOTATIONS: make sure __annotations__ exists in the namespace. */
int pv_setup_annotations(PyObject *ns)
{
    PyObject *key = PyUnicode_InternFromString("__annotations__");
    if (!key) return -1;
    int r;
    if (PyDict_CheckExact(ns)) {
        r = PyDict_Contains(ns, key);
        if (r == 0) {
            PyObject *d = PyDict_New();
            r = d ? PyDict_SetItem(ns, key, d) : -1;
            Py_XDECREF(d);
        } else if (r > 0) r = 0;
    } else {
        PyObject *v = PyObject_GetItem(ns, key);
        if (v) { Py_DECREF(v); r = 0; }
        else if (PyErr_ExceptionMatches(PyExc_KeyError)) {
            PyErr_Clear();
            PyObject *d = PyDict_New();
            r = d ? PyObject_SetItem(ns, key, d) : -1;
            Py_XDECREF(d);
        } else r = -1;
    }
    Py_DECREF(key);
    return r;
}

int pv_store_annotation(PyObject *ns, PyObject *name, PyObject *value)
{
    PyObject *ann = PyDict_CheckExact(ns) ? PyDict_GetItemString(ns, "__annotations__") : NULL;
    if (ann) Py_INCREF(ann);
    else {
        ann = PyMapping_GetItemString(ns, "__annotations__");
        if (!ann) return -1;
    }
    int r = PyObject_SetItem(ann, name, value);
    Py_DECREF(ann);
    return r;
}

/* `assert`: honours -O (sys.flags.optimize) of the running interpreter. */
static int pv_optimize_flag = -1;
int pv_asserts_enabled(void)
{
    if (pv_optimize_flag < 0) {
        PyObject *flags = PySys_GetObject("flags");
        PyObject *opt = flags ? PyObject_GetAttrString(flags, "optimize") : NULL;
        pv_optimize_flag = opt ? (int)PyLong_AsLong(opt) : 0;
        Py_XDECREF(opt);
        PyErr_Clear();
    }
    return pv_optimize_flag == 0;
}

/* `globals()`: the builtin reads the calling frame, which compiled code does not have;
   the compiled module's own dict is what the interpreter would return. */
PyObject *pv_call_globals(PyObject *f, PyObject *globals, PyObject *builtins)
{
    PyObject *builtin = PyDict_GetItemString(builtins, "globals");
    if (f == builtin) { Py_INCREF(globals); return globals; }
    return PyObject_CallNoArgs(f);
}

/* ---- functions declared interpreted ------------------------------------------------ */

/* The code object of a function declared interpreted ([tool.pyvorin] interpreted or
   @pyvorin_runtime.interpreted). `source` is the function's exact source text at its
   original line numbers (under a stand-in `class` statement for a method), compiled by
   the interpreter's own compile() with the module's __future__ flags; `path` names the
   code objects from the compiled text's module code down to the function's (for a
   method: the class body's, then the method's). Each name must match exactly one code
   object among the constants. */
PyObject *pv_interpreted_code(const char *source, Py_ssize_t len, const char *filename,
                              int flags, int depth, const char *const *path)
{
    PyObject *builtins = PyImport_ImportModule("builtins");
    if (builtins == NULL) return NULL;
    PyObject *compile = PyObject_GetAttrString(builtins, "compile");
    Py_DECREF(builtins);
    if (compile == NULL) return NULL;
    PyObject *text = PyUnicode_DecodeUTF8(source, len, "surrogatepass");
    PyObject *fname = PyUnicode_DecodeFSDefault(filename);
    PyObject *code = NULL;
    if (text != NULL && fname != NULL)
        code = PyObject_CallFunction(compile, "OOsii", text, fname, "exec", flags, 1);
    Py_DECREF(compile);
    Py_XDECREF(text);
    Py_XDECREF(fname);
    for (int i = 0; code != NULL && i < depth; i++) {
        PyObject *consts = PyObject_GetAttrString(code, "co_consts");
        PyObject *want = PyUnicode_FromString(path[i]);
        PyObject *found = NULL;
        int matches = 0;
        if (consts != NULL && want != NULL && PyTuple_Check(consts)) {
            for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(consts); k++) {
                PyObject *c = PyTuple_GET_ITEM(consts, k);
                if (!PyCode_Check(c)) continue;
                PyObject *name = PyObject_GetAttrString(c, "co_name");
                if (name == NULL) { matches = -1; break; }
                int same = PyUnicode_Compare(name, want) == 0;
                Py_DECREF(name);
                if (same) { found = c; matches++; }
            }
        }
        if (matches == 1) Py_INCREF(found);
        else if (!PyErr_Occurred())
            PyErr_Format(PyExc_SystemError,
                         "%s: the interpreted function's code object %s was found %d times",
                         filename, path[i], matches);
        Py_XDECREF(consts);
        Py_XDECREF(want);
        Py_DECREF(code);
        code = matches == 1 ? found : NULL;
    }
    return code;
}

/* MAKE_FUNCTION for a code object from pv_interpreted_code: the function the interpreter
   would make where the `def` stands, with the compiled code's defaults, keyword defaults
   and closure (cells in co_freevars order). Decorators and annotations are the caller's. */
PyObject *pv_interpreted_function(PyObject *code, PyObject *qualname, PyObject *defaults,
                                  PyObject *kwdefaults, PyObject *closure, PyObject *globals)
{
    PyObject *freevars = PyObject_GetAttrString(code, "co_freevars");
    if (freevars == NULL) return NULL;
    Py_ssize_t want = PyTuple_Check(freevars) ? PyTuple_GET_SIZE(freevars) : -1;
    Py_DECREF(freevars);
    Py_ssize_t given = closure != NULL ? PyTuple_GET_SIZE(closure) : 0;
    if (want != given) {
        PyErr_Format(PyExc_SystemError,
                     "interpreted function %R: %zd free variables, %zd cells given",
                     qualname, want, given);
        return NULL;
    }
    PyObject *f = PyFunction_NewWithQualName(code, globals, qualname);
    if (f == NULL) return NULL;
    if ((defaults != NULL && PyFunction_SetDefaults(f, defaults) < 0) ||
        (kwdefaults != NULL && PyFunction_SetKwDefaults(f, kwdefaults) < 0) ||
        (closure != NULL && PyFunction_SetClosure(f, closure) < 0)) {
        Py_DECREF(f);
        return NULL;
    }
    return f;
}
