/* Async generators of compiled code (PEP 525) with the semantics of CPython's genobject.c:
 * an async generator is a PvGen of its own type ("async_generator"); its yields hand out
 * wrapped values (so an awaitable can tell a yield from a suspension of an `await` inside,
 * which passes through to the event loop); __anext__()/asend() return an "async_generator_asend"
 * awaitable and athrow()/aclose() an "async_generator_athrow" one; sys.set_asyncgen_hooks
 * hooks (firstiter at the first iteration, the finalizer when it is dropped unfinished)
 * are honoured, so asyncio's shutdown_asyncgens() closes them. */
#include "pv_generic.h"

enum { PV_AW_INIT, PV_AW_ITER, PV_AW_CLOSED };

typedef struct {
    PyObject_HEAD
    PyObject *val;
} PvAGWrapped;

typedef struct {
    PyObject_HEAD
    PvGen *gen;
    PyObject *sendval;
    int state;
} PvAGASend;

typedef struct {
    PyObject_HEAD
    PvGen *gen;
    PyObject *args; /* athrow()'s arguments; NULL: aclose() */
    int state;
} PvAGAThrow;

extern PyTypeObject PvAGWrapped_Type, PvAGASend_Type, PvAGAThrow_Type;

/* ---- wrapped yields ---------------------------------------------------------- */

PyObject *pv_ag_wrap(PyObject *value)
{
    PvAGWrapped *w = PyObject_New(PvAGWrapped, &PvAGWrapped_Type);
    if (w == NULL) { Py_DECREF(value); return NULL; }
    w->val = value;
    return (PyObject *)w;
}

static void pv_agw_dealloc(PvAGWrapped *w)
{
    Py_CLEAR(w->val);
    PyObject_Free(w);
}

PyTypeObject PvAGWrapped_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "async_generator_wrapped_value",
    .tp_basicsize = sizeof(PvAGWrapped),
    .tp_dealloc = (destructor)pv_agw_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
};

/* ---- the generator's side ----------------------------------------------------- */

/* async_gen_init_hooks: at the first __anext__/asend/athrow/aclose. */
static int pv_ag_init_hooks(PvGen *g)
{
    if (g->ag_hooks_inited) return 0;
    g->ag_hooks_inited = 1;
    PyThreadState *ts = PyThreadState_Get();
    if (ts->async_gen_finalizer) {
        Py_INCREF(ts->async_gen_finalizer);
        g->ag_finalizer = ts->async_gen_finalizer;
    }
    PyObject *firstiter = ts->async_gen_firstiter;
    if (firstiter) {
        Py_INCREF(firstiter);
        PyObject *res = PyObject_CallOneArg(firstiter, (PyObject *)g);
        Py_DECREF(firstiter);
        if (res == NULL) return -1;
        Py_DECREF(res);
    }
    return 0;
}

/* _PyGen_Finalize's async generator part: 1 when handled (exhausted, or given to the
   finalizer hook), 0 to close it as a generator. */
int pv_ag_finalize(PvGen *g)
{
    if (g->state == -1) return 1;
    if (g->ag_finalizer == NULL || g->ag_closed) return 0;
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyObject *res = PyObject_CallOneArg(g->ag_finalizer, (PyObject *)g);
    if (res == NULL) PyErr_WriteUnraisable((PyObject *)g);
    else Py_DECREF(res);
    PyErr_Restore(t, v, tb);
    return 1;
}

/* async_gen_unwrap_value */
static PyObject *pv_ag_unwrap(PvGen *g, PyObject *r)
{
    if (r == NULL) {
        if (!PyErr_Occurred()) PyErr_SetNone(PyExc_StopAsyncIteration);
        if (PyErr_ExceptionMatches(PyExc_StopAsyncIteration) ||
            PyErr_ExceptionMatches(PyExc_GeneratorExit))
            g->ag_closed = 1;
        g->ag_running_async = 0;
        return NULL;
    }
    if (Py_TYPE(r) == &PvAGWrapped_Type) {
        pv_set_stop_value(((PvAGWrapped *)r)->val);
        Py_DECREF(r);
        g->ag_running_async = 0;
        return NULL;
    }
    return r;
}

static PyObject *pv_ag_asend_new(PvGen *g, PyObject *sendval)
{
    PvAGASend *o = PyObject_GC_New(PvAGASend, &PvAGASend_Type);
    if (o == NULL) return NULL;
    Py_INCREF(g);
    o->gen = g;
    Py_XINCREF(sendval);
    o->sendval = sendval;
    o->state = PV_AW_INIT;
    PyObject_GC_Track(o);
    return (PyObject *)o;
}

static PyObject *pv_ag_athrow_new(PvGen *g, PyObject *args)
{
    PvAGAThrow *o = PyObject_GC_New(PvAGAThrow, &PvAGAThrow_Type);
    if (o == NULL) return NULL;
    Py_INCREF(g);
    o->gen = g;
    Py_XINCREF(args);
    o->args = args;
    o->state = PV_AW_INIT;
    PyObject_GC_Track(o);
    return (PyObject *)o;
}

static PyObject *pv_ag_anext(PvGen *g)
{
    if (pv_ag_init_hooks(g) < 0) return NULL;
    return pv_ag_asend_new(g, NULL);
}

static PyObject *pv_ag_asend(PvGen *g, PyObject *arg)
{
    if (pv_ag_init_hooks(g) < 0) return NULL;
    return pv_ag_asend_new(g, arg);
}

static PyObject *pv_ag_athrow(PvGen *g, PyObject *args)
{
#if PY_VERSION_HEX >= 0x030C0000
    if (PyTuple_GET_SIZE(args) > 1) {
        if (PyErr_WarnEx(PyExc_DeprecationWarning,
                         "the (type, exc, tb) signature of athrow() is deprecated, "
                         "use the single-arg signature instead.", 1) < 0)
            return NULL;
    }
#endif
    if (pv_ag_init_hooks(g) < 0) return NULL;
    return pv_ag_athrow_new(g, args);
}

static PyObject *pv_ag_aclose(PvGen *g, PyObject *unused)
{
    if (pv_ag_init_hooks(g) < 0) return NULL;
    return pv_ag_athrow_new(g, NULL);
}

static PyObject *pv_ag_repr(PvGen *g)
{
    return PyUnicode_FromFormat("<async_generator object %U at %p>", g->qualname, g);
}

static PyObject *pv_ag_get_running(PvGen *g, void *c) { return PyBool_FromLong(g->ag_running_async); }

static PyGetSetDef pv_ag_getset[] = {
    {"ag_running", (getter)pv_ag_get_running, NULL, NULL, NULL},
    {"ag_await", (getter)pv_gen_get_yf, NULL, NULL, NULL},
    {"ag_frame", (getter)pv_gen_get_frame, NULL, NULL, NULL},
    {"ag_suspended", (getter)pv_gen_get_suspended, NULL, NULL, NULL},
    {"__name__", (getter)pv_gen_get_name, (setter)pv_gen_set_name, NULL, NULL},
    {"__qualname__", (getter)pv_gen_get_qualname, (setter)pv_gen_set_qualname, NULL, NULL},
    {NULL}
};

static PyMethodDef pv_ag_methods[] = {
    {"asend", (PyCFunction)pv_ag_asend, METH_O, NULL},
    {"athrow", (PyCFunction)pv_ag_athrow, METH_VARARGS, NULL},
    {"aclose", (PyCFunction)pv_ag_aclose, METH_NOARGS, NULL},
    {NULL}
};

static PyAsyncMethods pv_ag_as_async = {NULL, PyObject_SelfIter, (unaryfunc)pv_ag_anext};

PyTypeObject PvAsyncGen_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "async_generator",
    .tp_basicsize = sizeof(PvGen),
    .tp_dealloc = (destructor)pv_gen_dealloc,
    .tp_as_async = &pv_ag_as_async,
    .tp_repr = (reprfunc)pv_ag_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)pv_gen_traverse,
    .tp_clear = (inquiry)pv_gen_tp_clear,
    .tp_weaklistoffset = offsetof(PvGen, weakreflist),
    .tp_methods = pv_ag_methods,
    .tp_getset = pv_ag_getset,
    .tp_finalize = pv_gen_finalize,
};

/* ---- async_generator_asend ---------------------------------------------------- */

static PyObject *pv_asend_send(PvAGASend *o, PyObject *arg)
{
    if (o->state == PV_AW_CLOSED) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited __anext__()/asend()");
        return NULL;
    }
    if (o->state == PV_AW_INIT) {
        if (o->gen->ag_running_async) {
            PyErr_SetString(PyExc_RuntimeError,
                            "anext(): asynchronous generator is already running");
            return NULL;
        }
        if (arg == NULL || arg == Py_None) arg = o->sendval;
        o->state = PV_AW_ITER;
    }
    o->gen->ag_running_async = 1;
    PyObject *r = pv_ag_unwrap(o->gen, pv_gen_send(o->gen, arg ? arg : Py_None));
    if (r == NULL) o->state = PV_AW_CLOSED;
    return r;
}

static PyObject *pv_asend_iternext(PvAGASend *o) { return pv_asend_send(o, NULL); }

static PyObject *pv_asend_throw(PvAGASend *o, PyObject *const *args, Py_ssize_t nargs)
{
    if (o->state == PV_AW_CLOSED) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited __anext__()/asend()");
        return NULL;
    }
    PyObject *r = pv_ag_unwrap(o->gen, pv_gen_throw(o->gen, args, nargs));
    if (r == NULL) o->state = PV_AW_CLOSED;
    return r;
}

static PyObject *pv_asend_close(PvAGASend *o, PyObject *unused)
{
    o->state = PV_AW_CLOSED;
    Py_RETURN_NONE;
}

static void pv_asend_dealloc(PvAGASend *o)
{
    PyObject_GC_UnTrack(o);
    Py_CLEAR(o->gen);
    Py_CLEAR(o->sendval);
    PyObject_GC_Del(o);
}

static int pv_asend_traverse(PvAGASend *o, visitproc visit, void *arg)
{
    Py_VISIT(o->gen);
    Py_VISIT(o->sendval);
    return 0;
}

static PyMethodDef pv_asend_methods[] = {
    {"send", (PyCFunction)pv_asend_send, METH_O, NULL},
    {"throw", (PyCFunction)(void (*)(void))pv_asend_throw, METH_FASTCALL, NULL},
    {"close", (PyCFunction)pv_asend_close, METH_NOARGS, NULL},
    {NULL}
};

static PyAsyncMethods pv_asend_as_async = {PyObject_SelfIter, NULL, NULL};

PyTypeObject PvAGASend_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "async_generator_asend",
    .tp_basicsize = sizeof(PvAGASend),
    .tp_dealloc = (destructor)pv_asend_dealloc,
    .tp_as_async = &pv_asend_as_async,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)pv_asend_traverse,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)pv_asend_iternext,
    .tp_methods = pv_asend_methods,
};

/* ---- async_generator_athrow (athrow() and aclose()) ------------------------------ */

static PyObject *pv_athrow_check_error(PvAGAThrow *o)
{
    o->gen->ag_running_async = 0;
    o->state = PV_AW_CLOSED;
    if ((PyErr_ExceptionMatches(PyExc_StopAsyncIteration) ||
         PyErr_ExceptionMatches(PyExc_GeneratorExit)) && o->args == NULL) {
        PyErr_Clear();
        PyErr_SetNone(PyExc_StopIteration);
    }
    return NULL;
}

static PyObject *pv_athrow_yield_close(PvAGAThrow *o)
{
    o->gen->ag_running_async = 0;
    o->state = PV_AW_CLOSED;
    PyErr_SetString(PyExc_RuntimeError, "async generator ignored GeneratorExit");
    return NULL;
}

static PyObject *pv_athrow_send(PvAGAThrow *o, PyObject *arg)
{
    PvGen *g = o->gen;
    PyObject *r;
    if (o->state == PV_AW_CLOSED) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited aclose()/athrow()");
        return NULL;
    }
    if (g->state == -1) {
        o->state = PV_AW_CLOSED;
        PyErr_SetNone(PyExc_StopIteration);
        return NULL;
    }
    if (o->state == PV_AW_INIT) {
        if (g->ag_running_async) {
            o->state = PV_AW_CLOSED;
            PyErr_SetString(PyExc_RuntimeError, o->args == NULL
                            ? "aclose(): asynchronous generator is already running"
                            : "athrow(): asynchronous generator is already running");
            return NULL;
        }
        if (g->ag_closed) {
            o->state = PV_AW_CLOSED;
            PyErr_SetNone(PyExc_StopAsyncIteration);
            return NULL;
        }
        if (arg != NULL && arg != Py_None) {
            PyErr_SetString(PyExc_RuntimeError,
                            "can't send non-None value to a just-started coroutine");
            return NULL;
        }
        o->state = PV_AW_ITER;
        g->ag_running_async = 1;
        if (o->args == NULL) {
            g->ag_closed = 1;
            r = pv_gen_throw_impl(g, 0, PyExc_GeneratorExit, NULL, NULL);
            if (r && Py_TYPE(r) == &PvAGWrapped_Type) {
                Py_DECREF(r);
                return pv_athrow_yield_close(o);
            }
        } else {
            PyObject *typ, *val = NULL, *tb = NULL;
            if (!PyArg_UnpackTuple(o->args, "athrow", 1, 3, &typ, &val, &tb)) return NULL;
            r = pv_ag_unwrap(g, pv_gen_throw_impl(g, 0, typ, val, tb));
        }
        if (r == NULL) return pv_athrow_check_error(o);
        return r;
    }
    r = pv_gen_send(g, arg ? arg : Py_None);
    if (o->args != NULL) return pv_ag_unwrap(g, r);
    if (r == NULL) return pv_athrow_check_error(o);
    if (Py_TYPE(r) == &PvAGWrapped_Type) {
        Py_DECREF(r);
        return pv_athrow_yield_close(o);
    }
    return r;
}

static PyObject *pv_athrow_iternext(PvAGAThrow *o) { return pv_athrow_send(o, NULL); }

static PyObject *pv_athrow_throw(PvAGAThrow *o, PyObject *const *args, Py_ssize_t nargs)
{
    if (o->state == PV_AW_CLOSED) {
        PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited aclose()/athrow()");
        return NULL;
    }
    PyObject *r = pv_gen_throw(o->gen, args, nargs);
    if (o->args != NULL) return pv_ag_unwrap(o->gen, r);
    if (r != NULL && Py_TYPE(r) == &PvAGWrapped_Type) {
        o->gen->ag_running_async = 0;
        o->state = PV_AW_CLOSED;
        Py_DECREF(r);
        PyErr_SetString(PyExc_RuntimeError, "async generator ignored GeneratorExit");
        return NULL;
    }
    if (r == NULL) return pv_athrow_check_error(o);
    return r;
}

static PyObject *pv_athrow_close(PvAGAThrow *o, PyObject *unused)
{
    o->state = PV_AW_CLOSED;
    Py_RETURN_NONE;
}

static void pv_athrow_dealloc(PvAGAThrow *o)
{
    PyObject_GC_UnTrack(o);
    Py_CLEAR(o->gen);
    Py_CLEAR(o->args);
    PyObject_GC_Del(o);
}

static int pv_athrow_traverse(PvAGAThrow *o, visitproc visit, void *arg)
{
    Py_VISIT(o->gen);
    Py_VISIT(o->args);
    return 0;
}

static PyMethodDef pv_athrow_methods[] = {
    {"send", (PyCFunction)pv_athrow_send, METH_O, NULL},
    {"throw", (PyCFunction)(void (*)(void))pv_athrow_throw, METH_FASTCALL, NULL},
    {"close", (PyCFunction)pv_athrow_close, METH_NOARGS, NULL},
    {NULL}
};

static PyAsyncMethods pv_athrow_as_async = {PyObject_SelfIter, NULL, NULL};

PyTypeObject PvAGAThrow_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "async_generator_athrow",
    .tp_basicsize = sizeof(PvAGAThrow),
    .tp_dealloc = (destructor)pv_athrow_dealloc,
    .tp_as_async = &pv_athrow_as_async,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)pv_athrow_traverse,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)pv_athrow_iternext,
    .tp_methods = pv_athrow_methods,
};

/* Ready the types; register async generators as collections.abc.AsyncGenerator. */
int pv_asyncgen_types_ready(void)
{
    if (PvAsyncGen_Type.tp_dict != NULL) return 0;
    if (PyType_Ready(&PvAGWrapped_Type) < 0 || PyType_Ready(&PvAGASend_Type) < 0 ||
        PyType_Ready(&PvAGAThrow_Type) < 0 || PyType_Ready(&PvAsyncGen_Type) < 0)
        return -1;
    PyObject *abc = PyImport_ImportModule("collections.abc");
    if (!abc) return -1;
    PyObject *ag_abc = PyObject_GetAttrString(abc, "AsyncGenerator");
    Py_DECREF(abc);
    if (!ag_abc) return -1;
    PyObject *r = PyObject_CallMethod(ag_abc, "register", "O", (PyObject *)&PvAsyncGen_Type);
    Py_DECREF(ag_abc);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}
