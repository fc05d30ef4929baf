/* Structural pattern matching (PEP 634): the run-time steps of a match statement.
 *
 * The control flow (cases in order, captures stored once the whole pattern matched, the
 * guard after the stores) is compiled (irbuild/patterns.py); what is here are the steps
 * the interpreter does in one opcode each, with its exact semantics and messages:
 * GET_LEN compared with the pattern's length, the subscripts of a sequence pattern with a
 * `*_` wildcard, MATCH_KEYS (ceval.c's match_keys), the `**rest` dict of a mapping
 * pattern, MATCH_CLASS (match_class, match_class_attr). MATCH_SEQUENCE and MATCH_MAPPING
 * are flag tests (gprims.py). CPython 3.10-3.13; differences between versions are marked
 * with PY_VERSION_HEX. */
#include "pv_generic.h"

/* GET_LEN, then `len == n` (exact) or `len >= n`: 1 true, 0 false, -1 error. */
int pv_match_len(PyObject *subject, Py_ssize_t n, int exact)
{
    Py_ssize_t len = PyObject_Length(subject);
    if (len < 0) return -1;
    return exact ? len == n : len >= n;
}

/* subject[i] with an int object, as BINARY_SUBSCR (a sequence pattern with `*_`). */
PyObject *pv_match_item(PyObject *subject, Py_ssize_t i)
{
    PyObject *index = PyLong_FromSsize_t(i);
    if (index == NULL) return NULL;
    PyObject *item = PyObject_GetItem(subject, index);
    Py_DECREF(index);
    return item;
}

/* subject[len(subject) - k]: an item after the `*_` (the subject may not support negative
   indexes, so CPython computes a non-negative one, calling len() again). */
PyObject *pv_match_item_from_end(PyObject *subject, Py_ssize_t k)
{
    Py_ssize_t len = PyObject_Length(subject);
    if (len < 0) return NULL;
    return pv_match_item(subject, len - k);
}

/* MATCH_KEYS: the values of `keys` (a tuple) in the mapping, looked up with its `get`
   method and a sentinel default (no __missing__, no key creation in a defaultdict).
   Returns 1 with *values a new tuple, 0 when a key is missing (looked up in order: the
   keys after it are not), -1 on error. A key seen before raises ValueError. */
int pv_match_keys(PyObject *map, PyObject *keys, PyObject **values)
{
    *values = NULL;
    Py_ssize_t nkeys = PyTuple_GET_SIZE(keys);
    if (nkeys == 0) {
        /* no keys means no items (and no lookup of `get`) */
        *values = PyTuple_New(0);
        return *values == NULL ? -1 : 1;
    }
    PyObject *name = pv_istr("get");
    if (name == NULL) return -1;
    PyObject *get = NULL, *seen = NULL, *dummy = NULL, *vals = NULL;
    int result = -1;
    int meth_found = pv_load_method(map, name, &get);
    if (get == NULL) goto done;
    seen = PySet_New(NULL);
    if (seen == NULL) goto done;
    dummy = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type);
    if (dummy == NULL) goto done;
    vals = PyTuple_New(nkeys);
    if (vals == NULL) goto done;
    for (Py_ssize_t i = 0; i < nkeys; i++) {
        PyObject *key = PyTuple_GET_ITEM(keys, i);
        if (PySet_Contains(seen, key) || PySet_Add(seen, key)) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "mapping pattern checks duplicate key (%R)", key);
            goto done;
        }
        PyObject *args[] = {map, key, dummy};
        PyObject *value = meth_found ? PyObject_Vectorcall(get, args, 3, NULL)
                                     : PyObject_Vectorcall(get, &args[1], 2, NULL);
        if (value == NULL) goto done;
        if (value == dummy) {  /* key not in map */
            Py_DECREF(value);
            result = 0;
            goto done;
        }
        PyTuple_SET_ITEM(vals, i, value);
    }
    *values = vals;
    vals = NULL;
    result = 1;
done:
    Py_XDECREF(get);
    Py_XDECREF(seen);
    Py_XDECREF(dummy);
    Py_XDECREF(vals);
    return result;
}

/* `**rest` of a mapping pattern: dict(map) (DICT_UPDATE), then `del rest[key]` for each
   key of the pattern, in order. */
PyObject *pv_match_rest(PyObject *map, PyObject *keys)
{
    PyObject *rest = PyDict_New();
    if (rest == NULL) return NULL;
    if (PyDict_Update(rest, map) < 0) {
#if PY_VERSION_HEX >= 0x030B0000
        /* 3.11+ builds the copy with DICT_UPDATE, which says so; 3.10's
           COPY_DICT_WITHOUT_KEYS let the AttributeError through */
        if (PyErr_ExceptionMatches(PyExc_AttributeError))
            PyErr_Format(PyExc_TypeError, "'%.200s' object is not a mapping",
                         Py_TYPE(map)->tp_name);
#endif
        Py_DECREF(rest);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(keys); i++) {
        if (PyObject_DelItem(rest, PyTuple_GET_ITEM(keys, i)) < 0) {
            Py_DECREF(rest);
            return NULL;
        }
    }
    return rest;
}

/* match_class_attr: getattr(subject, name); NULL without an exception set when the
   attribute is missing (no match); a name given twice is a TypeError. */
static PyObject *pv_match_class_attr(PyObject *subject, PyObject *type, PyObject *name,
                                     PyObject *seen)
{
    if (PySet_Contains(seen, name) || PySet_Add(seen, name)) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "%s() got multiple sub-patterns for attribute %R",
                         ((PyTypeObject *)type)->tp_name, name);
        return NULL;
    }
    PyObject *attr = PyObject_GetAttr(subject, name);
    if (attr == NULL && PyErr_ExceptionMatches(PyExc_AttributeError))
        PyErr_Clear();
    return attr;
}

/* MATCH_CLASS: isinstance(subject, type), then the attributes for the `nargs` positional
   sub-patterns (named by type.__match_args__, or the subject itself for the builtins
   that match themselves) and for the keyword sub-patterns `kwargs` (a tuple of str).
   Returns 1 with *attrs a new tuple of them, 0 when there is no match, -1 on error. */
int pv_match_class(PyObject *subject, PyObject *type, Py_ssize_t nargs, PyObject *kwargs,
                   PyObject **attrs)
{
    *attrs = NULL;
    if (!PyType_Check(type)) {
#if PY_VERSION_HEX >= 0x030C0000
        PyErr_SetString(PyExc_TypeError, "called match pattern must be a class");
#else
        PyErr_SetString(PyExc_TypeError, "called match pattern must be a type");
#endif
        return -1;
    }
    int inst = PyObject_IsInstance(subject, type);
    if (inst <= 0) return inst;
    PyObject *seen = PySet_New(NULL);
    if (seen == NULL) return -1;
    PyObject *list = PyList_New(0);
    if (list == NULL) {
        Py_DECREF(seen);
        return -1;
    }
    PyObject *match_args = NULL;
    if (nargs) {
        int match_self = 0;
        PyObject *name = pv_istr("__match_args__");
        if (name == NULL) goto fail;
        match_args = PyObject_GetAttr(type, name);
        if (match_args != NULL) {
            if (!PyTuple_CheckExact(match_args)) {
                PyErr_Format(PyExc_TypeError, "%s.__match_args__ must be a tuple (got %s)",
                             ((PyTypeObject *)type)->tp_name, Py_TYPE(match_args)->tp_name);
                goto fail;
            }
        }
        else if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Clear();
            /* _Py_TPFLAGS_MATCH_SELF counts only when the type has no __match_args__ */
            match_args = PyTuple_New(0);
            if (match_args == NULL) goto fail;
            match_self = PyType_HasFeature((PyTypeObject *)type, _Py_TPFLAGS_MATCH_SELF);
        }
        else {
            goto fail;
        }
        Py_ssize_t allowed = match_self ? 1 : PyTuple_GET_SIZE(match_args);
        if (allowed < nargs) {
            PyErr_Format(PyExc_TypeError, "%s() accepts %zd positional sub-pattern%s (%zd given)",
                         ((PyTypeObject *)type)->tp_name, allowed, allowed == 1 ? "" : "s",
                         nargs);
            goto fail;
        }
        if (match_self) {
            if (PyList_Append(list, subject) < 0) goto fail;
        }
        else {
            for (Py_ssize_t i = 0; i < nargs; i++) {
                PyObject *attr_name = PyTuple_GET_ITEM(match_args, i);
                if (!PyUnicode_CheckExact(attr_name)) {
                    PyErr_Format(PyExc_TypeError,
                                 "__match_args__ elements must be strings (got %s)",
                                 Py_TYPE(attr_name)->tp_name);
                    goto fail;
                }
                PyObject *attr = pv_match_class_attr(subject, type, attr_name, seen);
                if (attr == NULL) goto fail;
                int r = PyList_Append(list, attr);
                Py_DECREF(attr);
                if (r < 0) goto fail;
            }
        }
        Py_CLEAR(match_args);
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(kwargs); i++) {
        PyObject *attr = pv_match_class_attr(subject, type, PyTuple_GET_ITEM(kwargs, i), seen);
        if (attr == NULL) goto fail;
        int r = PyList_Append(list, attr);
        Py_DECREF(attr);
        if (r < 0) goto fail;
    }
    *attrs = PyList_AsTuple(list);
    Py_DECREF(list);
    Py_DECREF(seen);
    return *attrs == NULL ? -1 : 1;
fail:
    /* no match, or an error (an exception set) */
    Py_XDECREF(match_args);
    Py_DECREF(seen);
    Py_DECREF(list);
    return PyErr_Occurred() ? -1 : 0;
}
