/* Coroutines of compiled `async def` functions (PEP 492) with the semantics of CPython's
 * genobject.c: a coroutine is a PvGen (the resumable C function over a heap frame that
 * generators use) of its own type, named "coroutine", with send/throw/close, __await__
 * (a "coroutine_wrapper" iterator), cr_await/cr_running/cr_suspended/cr_frame/cr_origin,
 * "cannot reuse already awaited coroutine" and the "coroutine ... was never awaited"
 * RuntimeWarning. Also the steps of await (GET_AWAITABLE), async for (GET_AITER,
 * GET_ANEXT, END_ASYNC_FOR) and async with (BEFORE_ASYNC_WITH and __aexit__) with the
 * interpreter's messages. */
#include "pv_generic.h"

/* ---- the coroutine type ------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    PvGen *coro;
} PvCoroWrapper;

static PyObject *pv_coro_await(PvGen *g)
{
    PvCoroWrapper *w = PyObject_GC_New(PvCoroWrapper, &PvCoroWrapper_Type);
    if (w == NULL) return NULL;
    Py_INCREF(g);
    w->coro = g;
    PyObject_GC_Track(w);
    return (PyObject *)w;
}

static PyObject *pv_coro_repr(PvGen *g)
{
    return PyUnicode_FromFormat("<coroutine object %U at %p>", g->qualname, g);
}

static PyObject *pv_coro_get_origin(PvGen *g, void *c) { Py_RETURN_NONE; }

/* _PyErr_WarnUnawaitedCoroutine: through warnings._warn_unawaited_coroutine when there
   is one (its message and filters), else the same message directly. */
void pv_coro_warn_unawaited(PyObject *coro)
{
    int warned = 0;
    PyObject *warnings = PyImport_GetModule(pv_istr("warnings"));
    if (warnings != NULL) {
        PyObject *fn = PyObject_GetAttrString(warnings, "_warn_unawaited_coroutine");
        Py_DECREF(warnings);
        if (fn != NULL) {
            PyObject *res = PyObject_CallOneArg(fn, coro);
            Py_DECREF(fn);
            if (res != NULL || PyErr_ExceptionMatches(PyExc_RuntimeWarning)) warned = 1;
            Py_XDECREF(res);
        }
    }
    if (PyErr_Occurred()) PyErr_WriteUnraisable(coro);
    if (!warned &&
        PyErr_WarnFormat(PyExc_RuntimeWarning, 1, "coroutine '%S' was never awaited",
                         ((PvGen *)coro)->qualname) < 0)
        PyErr_WriteUnraisable(coro);
}

static PyGetSetDef pv_coro_getset[] = {
    {"cr_running", (getter)pv_gen_get_running, NULL, NULL, NULL},
    {"cr_suspended", (getter)pv_gen_get_suspended, NULL, NULL, NULL},
    {"cr_await", (getter)pv_gen_get_yf, NULL, NULL, NULL},
    {"cr_frame", (getter)pv_gen_get_frame, NULL, NULL, NULL},
    {"cr_origin", (getter)pv_coro_get_origin, NULL, NULL, NULL},
    {"__name__", (getter)pv_gen_get_name, (setter)pv_gen_set_name, NULL, NULL},
    {"__qualname__", (getter)pv_gen_get_qualname, (setter)pv_gen_set_qualname, NULL, NULL},
    {NULL}
};

static PyMethodDef pv_coro_methods[] = {
    {"send", (PyCFunction)pv_gen_send, METH_O, NULL},
    {"throw", (PyCFunction)(void (*)(void))pv_gen_throw, METH_FASTCALL, NULL},
    {"close", (PyCFunction)pv_gen_close, METH_NOARGS, NULL},
    {NULL}
};

static PyAsyncMethods pv_coro_as_async = {(unaryfunc)pv_coro_await, NULL, NULL};

PyTypeObject PvCoro_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "coroutine",
    .tp_basicsize = sizeof(PvGen),
    .tp_dealloc = (destructor)pv_gen_dealloc,
    .tp_as_async = &pv_coro_as_async,
    .tp_repr = (reprfunc)pv_coro_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)pv_gen_traverse,
    .tp_clear = (inquiry)pv_gen_tp_clear,
    .tp_weaklistoffset = offsetof(PvGen, weakreflist),
    .tp_methods = pv_coro_methods,
    .tp_getset = pv_coro_getset,
    .tp_finalize = pv_gen_finalize,
};

/* ---- coroutine.__await__(): the coroutine_wrapper iterator -------------------- */

static void pv_cw_dealloc(PvCoroWrapper *w)
{
    PyObject_GC_UnTrack(w);
    Py_CLEAR(w->coro);
    PyObject_GC_Del(w);
}

static int pv_cw_traverse(PvCoroWrapper *w, visitproc visit, void *arg)
{
    Py_VISIT(w->coro);
    return 0;
}

static PyObject *pv_cw_iternext(PvCoroWrapper *w) { return pv_gen_iternext(w->coro); }
static PyObject *pv_cw_send(PvCoroWrapper *w, PyObject *arg) { return pv_gen_send(w->coro, arg); }
static PyObject *pv_cw_throw(PvCoroWrapper *w, PyObject *const *args, Py_ssize_t nargs)
{
    return pv_gen_throw(w->coro, args, nargs);
}
static PyObject *pv_cw_close(PvCoroWrapper *w, PyObject *unused) { return pv_gen_close(w->coro, NULL); }

static PyMethodDef pv_cw_methods[] = {
    {"send", (PyCFunction)pv_cw_send, METH_O, NULL},
    {"throw", (PyCFunction)(void (*)(void))pv_cw_throw, METH_FASTCALL, NULL},
    {"close", (PyCFunction)pv_cw_close, METH_NOARGS, NULL},
    {NULL}
};

PyTypeObject PvCoroWrapper_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "coroutine_wrapper",
    .tp_basicsize = sizeof(PvCoroWrapper),
    .tp_dealloc = (destructor)pv_cw_dealloc,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)pv_cw_traverse,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)pv_cw_iternext,
    .tp_methods = pv_cw_methods,
};

/* Ready the types; register coroutines as collections.abc.Coroutine (so asyncio's
   iscoroutine() and inspect.isawaitable() accept them), as Cython does. */
int pv_coro_types_ready(void)
{
    if (PvCoro_Type.tp_dict != NULL) return 0;
    if (PyType_Ready(&PvCoroWrapper_Type) < 0) return -1;
    if (PyType_Ready(&PvCoro_Type) < 0) return -1;
    PyObject *abc = PyImport_ImportModule("collections.abc");
    if (!abc) return -1;
    PyObject *coro_abc = PyObject_GetAttrString(abc, "Coroutine");
    Py_DECREF(abc);
    if (!coro_abc) return -1;
    PyObject *r = PyObject_CallMethod(coro_abc, "register", "O", (PyObject *)&PvCoro_Type);
    Py_DECREF(coro_abc);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}

/* ---- await ------------------------------------------------------------------- */

/* A generator decorated with types.coroutine (CO_ITERABLE_COROUTINE)? */
static int pv_gen_is_coroutine(PyObject *o)
{
    if (!PyGen_CheckExact(o)) return 0;
    PyObject *code = PyObject_GetAttrString(o, "gi_code");
    if (code == NULL) { PyErr_Clear(); return 0; }
    int r = PyCode_Check(code) && (((PyCodeObject *)code)->co_flags & CO_ITERABLE_COROUTINE);
    Py_DECREF(code);
    return r;
}

/* What a coroutine is awaiting (cr_await), borrowed-or-NULL semantics as a new ref. */
static PyObject *pv_coro_awaiting(PyObject *o)
{
    if (pv_is_compiled_gen(o)) {
        PyObject *yf = ((PvGen *)o)->yf;
        Py_XINCREF(yf);
        return yf;
    }
    PyObject *yf = PyObject_GetAttrString(o, PyCoro_CheckExact(o) ? "cr_await" : "gi_yieldfrom");
    if (yf == NULL) { PyErr_Clear(); return NULL; }
    if (yf == Py_None) { Py_DECREF(yf); return NULL; }
    return yf;
}

/* GET_AWAITABLE: the iterator `await o` delegates to. where: 0 `await`, 1 the result of
   __aenter__, 2 the result of __aexit__ (for the interpreter's messages). */
PyObject *pv_get_awaitable(PyObject *o, int where)
{
    PyObject *it = NULL;
    PyTypeObject *ot = Py_TYPE(o);
    if (ot == &PvCoro_Type || PyCoro_CheckExact(o) || pv_gen_is_coroutine(o)) {
        Py_INCREF(o);
        it = o;
    } else if (ot->tp_as_async != NULL && ot->tp_as_async->am_await != NULL) {
        PyObject *res = ot->tp_as_async->am_await(o);
        if (res == NULL) return NULL;
        if (Py_TYPE(res) == &PvCoro_Type || PyCoro_CheckExact(res) || pv_gen_is_coroutine(res)) {
            PyErr_SetString(PyExc_TypeError, "__await__() returned a coroutine");
            Py_DECREF(res);
            return NULL;
        }
        if (!PyIter_Check(res)) {
            PyErr_Format(PyExc_TypeError, "__await__() returned non-iterator of type '%.100s'",
                         Py_TYPE(res)->tp_name);
            Py_DECREF(res);
            return NULL;
        }
        return res;
    } else {
        if (where == 1)
            PyErr_Format(PyExc_TypeError,
                         "'async with' received an object from __aenter__ that does not "
                         "implement __await__: %.100s", ot->tp_name);
        else if (where == 2)
            PyErr_Format(PyExc_TypeError,
                         "'async with' received an object from __aexit__ that does not "
                         "implement __await__: %.100s", ot->tp_name);
        else
            PyErr_Format(PyExc_TypeError, "object %.100s can't be used in 'await' expression",
                         ot->tp_name);
        return NULL;
    }
    PyObject *yf = pv_coro_awaiting(it);
    if (yf != NULL) {
        Py_DECREF(yf);
        Py_DECREF(it);
        PyErr_SetString(PyExc_RuntimeError, "coroutine is being awaited already");
        return NULL;
    }
    return it;
}

/* ---- async for ----------------------------------------------------------------- */

PyObject *pv_get_aiter(PyObject *o)
{
    PyTypeObject *t = Py_TYPE(o);
    if (t->tp_as_async == NULL || t->tp_as_async->am_aiter == NULL) {
        PyErr_Format(PyExc_TypeError,
                     "'async for' requires an object with __aiter__ method, got %.100s",
                     t->tp_name);
        return NULL;
    }
    PyObject *it = t->tp_as_async->am_aiter(o);
    if (it == NULL) return NULL;
    PyTypeObject *it_t = Py_TYPE(it);
    if (it_t->tp_as_async == NULL || it_t->tp_as_async->am_anext == NULL) {
        PyErr_Format(PyExc_TypeError,
                     "'async for' received an object from __aiter__ that does not implement "
                     "__anext__: %.100s", it_t->tp_name);
        Py_DECREF(it);
        return NULL;
    }
    return it;
}

/* The TypeError of a bad __anext__ result, with the awaitable error as its cause and
   context (_PyErr_FormatFromCause). */
static void pv_anext_error(PyObject *next)
{
    PyObject *cause = pv_fetch_exc();
    PyErr_Format(PyExc_TypeError, "'async for' received an invalid object from __anext__: %.100s",
                 Py_TYPE(next)->tp_name);
    if (cause == NULL) return;
    PyObject *exc = pv_fetch_exc();
    Py_INCREF(cause);
    PyException_SetCause(exc, cause);
    PyException_SetContext(exc, cause);
    pv_restore_exc(exc);
}

PyObject *pv_get_anext(PyObject *aiter)
{
    PyTypeObject *t = Py_TYPE(aiter);
    if (PyAsyncGen_CheckExact(aiter)) return t->tp_as_async->am_anext(aiter);
    if (t->tp_as_async == NULL || t->tp_as_async->am_anext == NULL) {
        PyErr_Format(PyExc_TypeError,
                     "'async for' requires an iterator with __anext__ method, got %.100s",
                     t->tp_name);
        return NULL;
    }
    PyObject *next = t->tp_as_async->am_anext(aiter);
    if (next == NULL) return NULL;
    PyObject *aw = pv_get_awaitable(next, 0);
    if (aw == NULL) pv_anext_error(next);
    Py_DECREF(next);
    return aw;
}

/* END_ASYNC_FOR: does the exception end the loop? */
int pv_is_stop_async(PyObject *exc)
{
    return PyErr_GivenExceptionMatches(exc, PyExc_StopAsyncIteration);
}

/* ---- async with ---------------------------------------------------------------- */

/* BEFORE_ASYNC_WITH: *exit_out = bound __aexit__; returns __aenter__() (to be awaited). */
PyObject *pv_async_with_enter(PyObject *mgr, PyObject **exit_out)
{
    PyObject *enter = pv_lookup_special(mgr, "__aenter__");
    if (enter == NULL) {
        if (!PyErr_Occurred()) {
#if PY_VERSION_HEX >= 0x030B0000
            PyErr_Format(PyExc_TypeError,
                         "'%.200s' object does not support the asynchronous context manager "
                         "protocol", Py_TYPE(mgr)->tp_name);
#else
            PyErr_SetString(PyExc_AttributeError, "__aenter__");
#endif
        }
        return NULL;
    }
    PyObject *exit = pv_lookup_special(mgr, "__aexit__");
    if (exit == NULL) {
        if (!PyErr_Occurred()) {
#if PY_VERSION_HEX >= 0x030B0000
            PyErr_Format(PyExc_TypeError,
                         "'%.200s' object does not support the asynchronous context manager "
                         "protocol (missed __aexit__ method)", Py_TYPE(mgr)->tp_name);
#else
            PyErr_SetString(PyExc_AttributeError, "__aexit__");
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

/* __aexit__(None, None, None): the result, to be awaited. */
PyObject *pv_async_with_exit_ok(PyObject *exit)
{
    PyObject *args[3] = {Py_None, Py_None, Py_None};
    return PyObject_Vectorcall(exit, args, 3, NULL);
}

/* __aexit__(type, exc, tb) while exc is being handled: the result, to be awaited. */
PyObject *pv_async_with_exit_exc(PyObject *exit, PyObject *exc)
{
    PyObject *tb = PyException_GetTraceback(exc);
    PyObject *args[3] = {(PyObject *)Py_TYPE(exc), exc, tb ? tb : Py_None};
    PyObject *r = PyObject_Vectorcall(exit, args, 3, NULL);
    Py_XDECREF(tb);
    return r;
}
