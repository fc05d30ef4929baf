/* `try: ... except* T: ...` (PEP 654): the two steps the interpreter does for it.
 *
 * - pv_eg_match is CHECK_EG_MATCH: check_except_star_type_valid, then
 *   exception_group_match (Python/ceval.c): a naked exception that matches is wrapped in
 *   BaseExceptionGroup("", [exc]), a group is split with its own split(); the matched
 *   part becomes the exception being handled.
 * - pv_prep_reraise_star is PREP_RERAISE_STAR: what the statement re-raises at its end,
 *   from the original exception and the list of the exceptions raised or re-raised by
 *   the handlers plus the unhandled rest. CPython 3.12+ exports it
 *   (PyUnstable_Exc_PrepReraiseStar); on 3.11 it is internal (_PyExc_PrepReraiseStar,
 *   not exported), so it is reimplemented below after Objects/exceptions.c of CPython
 *   3.11 (is_same_exception_metadata, collect_exception_group_leaf_ids,
 *   exceptiongroup_split_recursive with the leaf-id matcher, exceptiongroup_subset,
 *   exception_group_projection; PSF licence, credit to Irit Katriel's PEP 654 work),
 *   step for step. The logic is unchanged in 3.12 and 3.13; there the reimplementation
 *   serves only an original exception without a traceback (re-raised bare after its
 *   __traceback__ was cleared), which the interpreter accepts and the exported wrapper
 *   refuses ("orig must be a raised exception").
 *
 * On 3.10 `except*` does not parse, so nothing here is compiled there. */
#include "pv_generic.h"

#if PY_VERSION_HEX >= 0x030B0000

#define PV_IS_EG(x) PyObject_TypeCheck((x), (PyTypeObject *)PyExc_BaseExceptionGroup)

/* check_except_star_type_valid (ceval.c): an exception class or a tuple of them, and no
   exception group type among them. */
static int pv_check_except_star_type(PyObject *type)
{
    if (pv_check_except_type(type) < 0) return -1;
    int is_subclass = 0;
    if (PyTuple_Check(type)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(type); i++) {
            is_subclass = PyObject_IsSubclass(PyTuple_GET_ITEM(type, i), PyExc_BaseExceptionGroup);
            if (is_subclass < 0) return -1;
            if (is_subclass) break;
        }
    } else {
        is_subclass = PyObject_IsSubclass(type, PyExc_BaseExceptionGroup);
        if (is_subclass < 0) return -1;
    }
    if (is_subclass) {
        PyErr_SetString(PyExc_TypeError,
                        "catching ExceptionGroup with except* is not allowed. Use except instead.");
        return -1;
    }
    return 0;
}

/* BaseExceptionGroup("", excs) (_PyExc_CreateExceptionGroup). */
static PyObject *pv_new_group(PyObject *excs)
{
    return PyObject_CallFunction(PyExc_BaseExceptionGroup, "sO", "", excs);
}

/* Since 3.12.9 and 3.13.2 (gh-128799) the group wrapping a naked exception gets a
   traceback entry for the frame of the except* clause (the clause's line). */
static int pv_wrapped_traceback(PyObject *wrapped, const char *func, const char *file, int line)
{
#if PY_VERSION_HEX >= 0x030C0000
    if (!((Py_Version >= 0x030C0900 && Py_Version < 0x030D0000) || Py_Version >= 0x030D0200))
        return 0;
    /* _PyTraceback_Add prepends an entry to the traceback of the raised exception */
    PyErr_SetRaisedException(Py_NewRef(wrapped));
    _PyTraceback_Add(func, file, line);
    PyObject *exc = PyErr_GetRaisedException();
    Py_XDECREF(exc);
#else
    (void)wrapped; (void)func; (void)file; (void)line;
#endif
    return 0;
}

PyObject *pv_eg_match(PyObject **rest, PyObject *type, const char *func, const char *file,
                      int line)
{
    if (pv_check_except_star_type(type) < 0) return NULL;
    PyObject *exc = *rest;
    if (exc == Py_None) return Py_NewRef(Py_None); /* an earlier clause took everything */
    PyObject *match, *new_rest;
    if (PyErr_GivenExceptionMatches(exc, type)) {
        /* full match of the exception itself */
        if (PV_IS_EG(exc)) {
            match = Py_NewRef(exc);
        } else {
            PyObject *excs = PyTuple_Pack(1, exc);
            if (excs == NULL) return NULL;
            match = pv_new_group(excs);
            Py_DECREF(excs);
            if (match == NULL) return NULL;
            pv_wrapped_traceback(match, func, file, line);
        }
        new_rest = Py_NewRef(Py_None);
    } else if (PV_IS_EG(exc)) {
        PyObject *pair = PyObject_CallMethod(exc, "split", "(O)", type);
        if (pair == NULL) return NULL;
        if (!PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
            /* the interpreter only asserts this; a broken split() override must not crash */
            Py_DECREF(pair);
            PyErr_SetString(PyExc_TypeError, "split() must return a 2-tuple");
            return NULL;
        }
        match = Py_NewRef(PyTuple_GET_ITEM(pair, 0));
        new_rest = Py_NewRef(PyTuple_GET_ITEM(pair, 1));
        Py_DECREF(pair);
        if (match == Py_None) {
            /* no match: the stack keeps the exception as it was */
            Py_DECREF(new_rest);
            return match;
        }
    } else {
        return Py_NewRef(Py_None);
    }
    Py_SETREF(*rest, new_rest);
    pv_set_handled(match);
    return match;
}

static int is_same_exception_metadata(PyObject *exc1, PyObject *exc2)
{
    PyBaseExceptionObject *e1 = (PyBaseExceptionObject *)exc1;
    PyBaseExceptionObject *e2 = (PyBaseExceptionObject *)exc2;
    return (e1->notes == e2->notes && e1->traceback == e2->traceback &&
            e1->cause == e2->cause && e1->context == e2->context);
}

static int collect_leaf_ids(PyObject *exc, PyObject *leaf_ids)
{
    if (exc == Py_None) return 0;
    if (!PV_IS_EG(exc)) {
        PyObject *id = PyLong_FromVoidPtr(exc);
        if (id == NULL) return -1;
        int res = PySet_Add(leaf_ids, id);
        Py_DECREF(id);
        return res;
    }
    PyObject *excs = ((PyBaseExceptionGroupObject *)exc)->excs;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(excs); i++) {
        if (Py_EnterRecursiveCall(" in collect_exception_group_leaf_ids")) return -1;
        int res = collect_leaf_ids(PyTuple_GET_ITEM(excs, i), leaf_ids);
        Py_LeaveRecursiveCall();
        if (res < 0) return -1;
    }
    return 0;
}

/* exceptiongroup_subset: orig.derive(excs) with orig's traceback, context, cause and a
   copy of its notes; *result NULL when excs is empty. */
static int subset(PyObject *orig, PyObject *excs, PyObject **result)
{
    *result = NULL;
    Py_ssize_t n = PySequence_Size(excs);
    if (n < 0) return -1;
    if (n == 0) return 0;
    PyObject *eg = PyObject_CallMethod(orig, "derive", "(O)", excs);
    if (eg == NULL) return -1;
    if (!PV_IS_EG(eg)) {
        PyErr_SetString(PyExc_TypeError, "derive must return an instance of BaseExceptionGroup");
        goto error;
    }
    PyObject *tb = PyException_GetTraceback(orig);
    if (tb) {
        int res = PyException_SetTraceback(eg, tb);
        Py_DECREF(tb);
        if (res < 0) goto error;
    }
    PyException_SetContext(eg, PyException_GetContext(orig));
    PyException_SetCause(eg, PyException_GetCause(orig));
    PyObject *notes;
    if (pv_lookup_attr(orig, pv_istr("__notes__"), &notes) < 0) goto error;
    if (notes) {
        if (PySequence_Check(notes)) {
            PyObject *copy = PySequence_List(notes);
            Py_DECREF(notes);
            if (copy == NULL) goto error;
            int res = PyObject_SetAttr(eg, pv_istr("__notes__"), copy);
            Py_DECREF(copy);
            if (res < 0) goto error;
        } else {
            Py_DECREF(notes);
        }
    }
    *result = eg;
    return 0;
error:
    Py_DECREF(eg);
    return -1;
}

/* exceptiongroup_split_recursive with EXCEPTION_GROUP_MATCH_INSTANCE_IDS and no rest:
   the part of exc whose leaves are in leaf_ids (*match NULL: none). */
static int split_by_ids(PyObject *exc, PyObject *leaf_ids, PyObject **match)
{
    *match = NULL;
    if (!PV_IS_EG(exc)) {
        PyObject *id = PyLong_FromVoidPtr(exc);
        if (id == NULL) return -1;
        int found = PySet_Contains(leaf_ids, id);
        Py_DECREF(id);
        if (found < 0) return -1;
        if (found) *match = Py_NewRef(exc);
        return 0;
    }
    PyObject *excs = ((PyBaseExceptionGroupObject *)exc)->excs;
    PyObject *match_list = PyList_New(0);
    if (match_list == NULL) return -1;
    int retval = -1;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(excs); i++) {
        PyObject *part;
        if (Py_EnterRecursiveCall(" in exceptiongroup_split_recursive")) goto done;
        int res = split_by_ids(PyTuple_GET_ITEM(excs, i), leaf_ids, &part);
        Py_LeaveRecursiveCall();
        if (res < 0) goto done;
        if (part) {
            res = PyList_Append(match_list, part);
            Py_DECREF(part);
            if (res < 0) goto done;
        }
    }
    retval = subset(exc, match_list, match);
done:
    Py_DECREF(match_list);
    return retval;
}

/* exception_group_projection: the sub-group of eg with the leaves of the groups in keep,
   in eg's structure (None: no leaf kept). */
static PyObject *projection(PyObject *eg, PyObject *keep)
{
    PyObject *leaf_ids = PySet_New(NULL);
    if (leaf_ids == NULL) return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(keep); i++) {
        if (collect_leaf_ids(PyList_GET_ITEM(keep, i), leaf_ids) < 0) {
            Py_DECREF(leaf_ids);
            return NULL;
        }
    }
    PyObject *match;
    int err = split_by_ids(eg, leaf_ids, &match);
    Py_DECREF(leaf_ids);
    if (err < 0) return NULL;
    return match ? match : Py_NewRef(Py_None);
}

/* _PyExc_PrepReraiseStar (Objects/exceptions.c, 3.11). */
static PyObject *prep_reraise_star(PyObject *orig, PyObject *excs)
{
    Py_ssize_t numexcs = PyList_GET_SIZE(excs);
    if (numexcs == 0) return Py_NewRef(Py_None);
    if (!PV_IS_EG(orig)) {
        /* a naked exception was caught and wrapped: at most one clause ran */
        return Py_NewRef(PyList_GET_ITEM(excs, 0));
    }
    PyObject *raised_list = PyList_New(0);
    if (raised_list == NULL) return NULL;
    PyObject *reraised_list = PyList_New(0);
    if (reraised_list == NULL) {
        Py_DECREF(raised_list);
        return NULL;
    }
    PyObject *result = NULL;
    for (Py_ssize_t i = 0; i < numexcs; i++) {
        PyObject *e = PyList_GET_ITEM(excs, i);
        if (e == Py_None) continue;
        int is_reraise = is_same_exception_metadata(e, orig);
        if (PyList_Append(is_reraise ? reraised_list : raised_list, e) < 0) goto done;
    }
    PyObject *reraised_eg = projection(orig, reraised_list);
    if (reraised_eg == NULL) goto done;
    if (PyList_GET_SIZE(raised_list) == 0) {
        result = reraised_eg;
    } else {
        int res = 0;
        if (reraised_eg != Py_None) res = PyList_Append(raised_list, reraised_eg);
        Py_DECREF(reraised_eg);
        if (res < 0) goto done;
        if (PyList_GET_SIZE(raised_list) > 1)
            result = pv_new_group(raised_list);
        else
            result = Py_NewRef(PyList_GET_ITEM(raised_list, 0));
    }
done:
    Py_DECREF(raised_list);
    Py_DECREF(reraised_list);
    return result;
}

PyObject *pv_prep_reraise_star(PyObject *orig, PyObject *excs)
{
#if PY_VERSION_HEX >= 0x030C0000
    if (((PyBaseExceptionObject *)orig)->traceback != NULL)
        return PyUnstable_Exc_PrepReraiseStar(orig, excs);
#endif
    return prep_reraise_star(orig, excs);
}

#endif /* >= 3.11 */
