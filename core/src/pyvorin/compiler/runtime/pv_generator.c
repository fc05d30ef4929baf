/* Generators of compiled functions: send/throw/close/next with the semantics of
 * CPython's genobject.c (PEP 342, PEP 380 delegation, PEP 479). The compiled body is a
 * resumable C function over a heap frame of registers; see pv_generic.h. */
#include "pv_generic.h"

/* What the messages call it: "generator" or "coroutine". */
static const char *pv_gen_kind(PvGen *g)
{
    if (Py_TYPE(g) == &PvCoro_Type) return "coroutine";
    return Py_TYPE(g) == &PvAsyncGen_Type ? "async generator" : "generator";
}

PyObject *pv_gen_new(PvFunction *func, const PvGenSpec *spec, void *frame)
{
    return pv_gen_new_of(&PvGen_Type, func, spec, frame);
}

PyObject *pv_gen_new_of(PyTypeObject *type, PvFunction *func, const PvGenSpec *spec, void *frame)
{
    PvGen *g = PyObject_GC_New(PvGen, type);
    if (!g) return NULL;
    g->spec = spec;
    g->frame = frame;
    Py_INCREF(func);
    g->func = func;
    g->state = 0;
    g->running = 0;
    g->retval = NULL;
    g->yf = NULL;
    g->name = func->name;
    Py_INCREF(g->name);
    g->qualname = func->qualname;
    Py_INCREF(g->qualname);
    g->weakreflist = NULL;
    memset(&g->exc_state, 0, sizeof g->exc_state);
    g->ag_finalizer = NULL;
    g->ag_hooks_inited = g->ag_closed = g->ag_running_async = 0;
    PyObject_GC_Track(g);
    return (PyObject *)g;
}

/* Release the exception a generator's code was handling (its gi_exc_state). */
void pv_gen_clear_exc_state(PvGen *g)
{
#if PY_VERSION_HEX < 0x030B0000
    Py_CLEAR(g->exc_state.exc_type);
    Py_CLEAR(g->exc_state.exc_traceback);
#endif
    Py_CLEAR(g->exc_state.exc_value);
}

void pv_gen_finish(PvGen *g)
{
    g->state = -1;
    if (g->frame) g->spec->clear(g->frame);
    Py_CLEAR(g->yf);
    pv_gen_clear_exc_state(g);
}

/* Run the generator's code with its own exc_info entry on the thread's chain, as
   CPython's gen_send_ex2 does: sys.exc_info(), a bare `raise` and implicit chaining
   inside see the exception its code handles (kept while it is suspended in an except or
   finally block), else the caller's. An exception thrown in is chained to the one the
   generator handles (_PyErr_ChainStackItem). */
static PyObject *pv_gen_run(PvGen *g, PyObject *sent)
{
    PyThreadState *ts = PyThreadState_Get();
    g->exc_state.previous_item = ts->exc_info;
    ts->exc_info = &g->exc_state;
    if (sent == NULL && g->exc_state.exc_value != NULL && g->exc_state.exc_value != Py_None) {
        PyObject *exc = pv_fetch_exc();
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    g->running = 1;
    PyObject *r = g->spec->resume(g, sent);
    g->running = 0;
    ts->exc_info = g->exc_state.previous_item;
    g->exc_state.previous_item = NULL;
    return r;
}

/* StopIteration's value (None when no exception is set); 0, or -1 for another error. */
int pv_fetch_stop_value(PyObject **pvalue)
{
    if (!PyErr_Occurred()) {
        Py_INCREF(Py_None);
        *pvalue = Py_None;
        return 0;
    }
    if (!PyErr_ExceptionMatches(PyExc_StopIteration)) return -1;
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    PyObject *value = NULL;
    if (v && PyObject_TypeCheck(v, (PyTypeObject *)PyExc_StopIteration)) {
        value = ((PyStopIterationObject *)v)->value;
        Py_XINCREF(value);
    }
    Py_XDECREF(t);
    Py_XDECREF(v);
    Py_XDECREF(tb);
    if (value == NULL) { Py_INCREF(Py_None); value = Py_None; }
    *pvalue = value;
    return 0;
}

void pv_set_stop_value(PyObject *value)
{
    if (!PyTuple_Check(value) && !PyExceptionInstance_Check(value)) {
        PyErr_SetObject(PyExc_StopIteration, value);
        return;
    }
    PyObject *e = PyObject_CallOneArg(PyExc_StopIteration, value);
    if (e) {
        PyErr_SetObject(PyExc_StopIteration, e);
        Py_DECREF(e);
    }
}

/* Run the generator one step. exc: an exception is set to be thrown in. Returns the
   yielded value; NULL with *returned set to the return value when it finished; NULL
   with an exception otherwise. */
PyObject *pv_gen_step(PvGen *g, PyObject *arg, int exc, PyObject **returned)
{
    *returned = NULL;
    if (g->running) {
        PyErr_Format(PyExc_ValueError, "%s already executing", pv_gen_kind(g));
        return NULL;
    }
    if (g->state == -1) {
        if (Py_TYPE(g) == &PvCoro_Type) {
            PyErr_SetString(PyExc_RuntimeError, "cannot reuse already awaited coroutine");
            return NULL;
        }
        if (!exc) {
            Py_INCREF(Py_None);
            *returned = Py_None;
        }
        return NULL;
    }
    if (g->state == 0 && arg && arg != Py_None && !exc) {
        PyErr_Format(PyExc_TypeError, "can't send non-None value to a just-started %s",
                     pv_gen_kind(g));
        return NULL;
    }
    PyObject *r = pv_gen_run(g, exc ? NULL : (arg ? arg : Py_None));
    if (r != NULL) return r;
    if (!PyErr_Occurred() && g->state == -1) {
        *returned = g->retval ? g->retval : (Py_INCREF(Py_None), Py_None);
        g->retval = NULL;
        pv_gen_finish(g);
        return NULL;
    }
    pv_gen_finish(g);
    int stop_async = Py_TYPE(g) == &PvAsyncGen_Type &&
                     PyErr_ExceptionMatches(PyExc_StopAsyncIteration);
    if (stop_async || PyErr_ExceptionMatches(PyExc_StopIteration)) {
        PyObject *cause = pv_fetch_exc();
        PyErr_Format(PyExc_RuntimeError, "%s raised %s", pv_gen_kind(g),
                     stop_async ? "StopAsyncIteration" : "StopIteration");
        PyObject *err = pv_fetch_exc();
        if (err) {
            Py_INCREF(cause);
            PyException_SetCause(err, cause);
            PyException_SetContext(err, cause);
            pv_restore_exc(err);
        } else {
            Py_XDECREF(cause);
        }
    }
    return NULL;
}

/* The generator returned ret (stolen): StopIteration(ret), or StopAsyncIteration for an
   async generator (gen_send_ex). */
static PyObject *pv_gen_returned(PvGen *g, PyObject *ret)
{
    if (Py_TYPE(g) == &PvAsyncGen_Type) PyErr_SetNone(PyExc_StopAsyncIteration);
    else pv_set_stop_value(ret);
    Py_DECREF(ret);
    return NULL;
}

PyObject *pv_gen_iternext(PvGen *g)
{
    PyObject *ret;
    PyObject *r = pv_gen_step(g, NULL, 0, &ret);
    if (r || !ret) return r;
    if (ret == Py_None && Py_TYPE(g) != &PvAsyncGen_Type) { Py_DECREF(ret); return NULL; }
    return pv_gen_returned(g, ret);
}

PyObject *pv_gen_send(PvGen *g, PyObject *arg)
{
    PyObject *ret;
    PyObject *r = pv_gen_step(g, arg, 0, &ret);
    if (r || !ret) return r;
    return pv_gen_returned(g, ret);
}

/* Resume with the exception that is set; as send() for the value it produces. */
PyObject *pv_gen_send_exc(PvGen *g)
{
    PyObject *ret;
    PyObject *r = pv_gen_step(g, Py_None, 1, &ret);
    if (r || !ret) return r;
    return pv_gen_returned(g, ret);
}



int pv_gen_close_iter(PyObject *yf)
{
    PyObject *retval = NULL;
    if (PyGen_CheckExact(yf) || pv_is_compiled_gen(yf)) {
        retval = pv_is_compiled_gen(yf) ? pv_gen_close((PvGen *)yf, NULL)
                                            : PyObject_CallMethod(yf, "close", NULL);
        if (retval == NULL) return -1;
    } else {
        PyObject *meth;
        if (pv_lookup_attr(yf, pv_istr("close"), &meth) < 0) PyErr_WriteUnraisable(yf);
        if (meth) {
            retval = PyObject_CallNoArgs(meth);
            Py_DECREF(meth);
            if (retval == NULL) return -1;
        }
    }
    Py_XDECREF(retval);
    return 0;
}

PyObject *pv_gen_throw_impl(PvGen *g, int close_on_genexit, PyObject *typ, PyObject *val,
                                   PyObject *tb)
{
    PyObject *yf = g->yf;
    if (yf) {
        PyObject *ret;
        Py_INCREF(yf);
        if (PyErr_GivenExceptionMatches(typ, PyExc_GeneratorExit) && close_on_genexit) {
            g->running = 1;
            int err = pv_gen_close_iter(yf);
            g->running = 0;
            Py_DECREF(yf);
            if (err < 0) {
                Py_CLEAR(g->yf);
                return pv_gen_send_exc(g);
            }
            goto throw_here;
        }
        if (pv_is_compiled_gen(yf)) {
            g->running = 1;
            ret = pv_gen_throw_impl((PvGen *)yf, close_on_genexit, typ, val, tb);
            g->running = 0;
        } else {
            PyObject *meth;
            if (pv_lookup_attr(yf, pv_istr("throw"), &meth) < 0) { Py_DECREF(yf); return NULL; }
            if (meth == NULL) { Py_DECREF(yf); goto throw_here; }
            g->running = 1;
            ret = PyObject_CallFunctionObjArgs(meth, typ, val, tb, NULL);
            g->running = 0;
            Py_DECREF(meth);
        }
        Py_DECREF(yf);
        if (!ret) {
            PyObject *v;
            Py_CLEAR(g->yf);
            if (pv_fetch_stop_value(&v) == 0) {
                ret = pv_gen_send(g, v);
                Py_DECREF(v);
            } else {
                ret = pv_gen_send_exc(g);
            }
        }
        return ret;
    }
throw_here:
    if (tb == Py_None) tb = NULL;
    else if (tb != NULL && !PyTraceBack_Check(tb)) {
        PyErr_SetString(PyExc_TypeError, "throw() third argument must be a traceback object");
        return NULL;
    }
    Py_INCREF(typ);
    Py_XINCREF(val);
    Py_XINCREF(tb);
    if (PyExceptionClass_Check(typ)) {
        PyErr_NormalizeException(&typ, &val, &tb);
    } else if (PyExceptionInstance_Check(typ)) {
        if (val && val != Py_None) {
            PyErr_SetString(PyExc_TypeError, "instance exception may not have a separate value");
            goto failed;
        }
        Py_XDECREF(val);
        val = typ;
        typ = PyExceptionInstance_Class(typ);
        Py_INCREF(typ);
        if (tb == NULL) tb = PyException_GetTraceback(val);
    } else {
        PyErr_Format(PyExc_TypeError,
                     "exceptions must be classes or instances deriving from BaseException, not %s",
                     Py_TYPE(typ)->tp_name);
        goto failed;
    }
    PyErr_Restore(typ, val, tb);
    return pv_gen_send_exc(g);
failed:
    Py_DECREF(typ);
    Py_XDECREF(val);
    Py_XDECREF(tb);
    return NULL;
}

PyObject *pv_gen_throw(PvGen *g, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 3) {
        PyErr_Format(PyExc_TypeError, "throw expected at least 1 argument, got %zd", nargs);
        if (nargs > 3)
            PyErr_Format(PyExc_TypeError, "throw expected at most 3 arguments, got %zd", nargs);
        return NULL;
    }
#if PY_VERSION_HEX >= 0x030C0000
    if (nargs > 1) {
        if (PyErr_WarnEx(PyExc_DeprecationWarning,
                         "the (type, exc, tb) signature of throw() is deprecated, "
                         "use the single-arg signature instead.", 1) < 0)
            return NULL;
    }
#endif
    return pv_gen_throw_impl(g, 1, args[0], nargs > 1 ? args[1] : NULL, nargs > 2 ? args[2] : NULL);
}

PyObject *pv_gen_close(PvGen *g, PyObject *unused)
{
    int err = 0;
    if (g->state == -1) Py_RETURN_NONE;
    if (g->state == 0) {
        pv_gen_finish(g);
        Py_RETURN_NONE;
    }
    if (g->yf) {
        PyObject *yf = g->yf;
        Py_INCREF(yf);
        g->running = 1;
        err = pv_gen_close_iter(yf);
        g->running = 0;
        Py_DECREF(yf);
        Py_CLEAR(g->yf);
    }
    if (err == 0) PyErr_SetNone(PyExc_GeneratorExit);
    PyObject *ret;
    PyObject *r = pv_gen_step(g, Py_None, 1, &ret);
    if (r) {
        Py_DECREF(r);
        PyErr_Format(PyExc_RuntimeError, "%s ignored GeneratorExit", pv_gen_kind(g));
        return NULL;
    }
    if (ret) { Py_DECREF(ret); Py_RETURN_NONE; }
    if (PyErr_ExceptionMatches(PyExc_StopIteration) || PyErr_ExceptionMatches(PyExc_GeneratorExit)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return NULL;
}

/* `yield from`: send v to the delegate. 1: it yielded *out; 0: it returned *out; -1 error. */
int pv_yf_send(PyObject *yf, PyObject *v, PyObject **out)
{
    PyObject *r;
    if (pv_is_compiled_gen(yf))
        r = pv_gen_send((PvGen *)yf, v);
    else if (v == Py_None && PyIter_Check(yf))
        r = Py_TYPE(yf)->tp_iternext(yf);
    else
        r = PyObject_CallMethodOneArg(yf, pv_istr("send"), v);
    if (r) { *out = r; return 1; }
    if (pv_fetch_stop_value(out) == 0) return 0;
    return -1;
}

/* GET_YIELD_FROM_ITER */
PyObject *pv_yf_iter(PyObject *v)
{
    if (PyCoro_CheckExact(v)) {
        PyErr_SetString(PyExc_TypeError,
                        "cannot 'yield from' a coroutine object in a non-coroutine generator");
        return NULL;
    }
    if (PyGen_CheckExact(v) || Py_TYPE(v) == &PvGen_Type) { Py_INCREF(v); return v; }
    return PyObject_GetIter(v);
}

void pv_gen_finalize(PyObject *self)
{
    PvGen *g = (PvGen *)self;
    if (Py_TYPE(g) == &PvAsyncGen_Type && pv_ag_finalize(g)) return;
    int unawaited = g->state == 0 && Py_TYPE(g) == &PvCoro_Type;
    if (g->state < 0 || (g->state == 0 && !unawaited)) return;
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    if (unawaited) {
        pv_coro_warn_unawaited(self);
    } else {
        PyObject *res = pv_gen_close(g, NULL);
        if (res == NULL) PyErr_WriteUnraisable(self);
        else Py_DECREF(res);
    }
    PyErr_Restore(t, v, tb);
}

int pv_gen_traverse(PvGen *g, visitproc visit, void *arg)
{
    Py_VISIT(g->func);
    Py_VISIT(g->retval);
    Py_VISIT(g->yf);
    Py_VISIT(g->name);
    Py_VISIT(g->qualname);
    Py_VISIT(g->exc_state.exc_value);
    Py_VISIT(g->ag_finalizer);
    if (g->frame && g->state != -1) return g->spec->traverse(g->frame, visit, arg);
    return 0;
}

int pv_gen_tp_clear(PvGen *g)
{
    if (g->frame) g->spec->clear(g->frame);
    Py_CLEAR(g->yf);
    Py_CLEAR(g->retval);
    Py_CLEAR(g->ag_finalizer);
    pv_gen_clear_exc_state(g);
    return 0;
}

void pv_gen_dealloc(PvGen *g)
{
    PyObject_GC_UnTrack(g);
    if (PyObject_CallFinalizerFromDealloc((PyObject *)g) < 0) return; /* resurrected */
    if (g->weakreflist) PyObject_ClearWeakRefs((PyObject *)g);
    if (g->frame) {
        g->spec->clear(g->frame);
        PyMem_Free(g->frame);
        g->frame = NULL;
    }
    Py_CLEAR(g->func);
    Py_CLEAR(g->retval);
    Py_CLEAR(g->yf);
    Py_CLEAR(g->name);
    Py_CLEAR(g->qualname);
    Py_CLEAR(g->ag_finalizer);
    pv_gen_clear_exc_state(g);
    PyObject_GC_Del(g);
}

PyObject *pv_gen_repr(PvGen *g)
{
    return PyUnicode_FromFormat("<generator object %U at %p>", g->qualname, g);
}

PyObject *pv_gen_get_running(PvGen *g, void *c) { return PyBool_FromLong(g->running); }
PyObject *pv_gen_get_suspended(PvGen *g, void *c) { return PyBool_FromLong(g->state > 0 && !g->running); }
PyObject *pv_gen_get_yf(PvGen *g, void *c)
{
    PyObject *r = g->yf ? g->yf : Py_None;
    Py_INCREF(r);
    return r;
}
PyObject *pv_gen_get_frame(PvGen *g, void *c) { Py_RETURN_NONE; }
PyObject *pv_gen_get_name(PvGen *g, void *c) { Py_INCREF(g->name); return g->name; }
int pv_gen_set_name(PvGen *g, PyObject *v, void *c)
{
    if (v == NULL || !PyUnicode_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "__name__ must be set to a string object");
        return -1;
    }
    Py_INCREF(v);
    Py_XSETREF(g->name, v);
    return 0;
}
PyObject *pv_gen_get_qualname(PvGen *g, void *c) { Py_INCREF(g->qualname); return g->qualname; }
int pv_gen_set_qualname(PvGen *g, PyObject *v, void *c)
{
    if (v == NULL || !PyUnicode_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "__qualname__ must be set to a string object");
        return -1;
    }
    Py_INCREF(v);
    Py_XSETREF(g->qualname, v);
    return 0;
}

static PyGetSetDef pv_gen_getset[] = {
    {"gi_running", (getter)pv_gen_get_running, NULL, NULL, NULL},
    {"gi_suspended", (getter)pv_gen_get_suspended, NULL, NULL, NULL},
    {"gi_yieldfrom", (getter)pv_gen_get_yf, NULL, NULL, NULL},
    {"gi_frame", (getter)pv_gen_get_frame, NULL, NULL, NULL},
    {"__name__", (getter)pv_gen_get_name, (setter)pv_gen_set_name, NULL, NULL},
    {"__qualname__", (getter)pv_gen_get_qualname, (setter)pv_gen_set_qualname, NULL, NULL},
    {NULL}
};

static PyMethodDef pv_gen_methods[] = {
    {"send", (PyCFunction)pv_gen_send, METH_O, NULL},
    {"throw", (PyCFunction)(void (*)(void))pv_gen_throw, METH_FASTCALL, NULL},
    {"close", (PyCFunction)pv_gen_close, METH_NOARGS, NULL},
    {NULL}
};

PyTypeObject PvGen_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "generator",
    .tp_basicsize = sizeof(PvGen),
    .tp_dealloc = (destructor)pv_gen_dealloc,
    .tp_repr = (reprfunc)pv_gen_repr,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)pv_gen_traverse,
    .tp_clear = (inquiry)pv_gen_tp_clear,
    .tp_weaklistoffset = offsetof(PvGen, weakreflist),
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)pv_gen_iternext,
    .tp_methods = pv_gen_methods,
    .tp_getset = pv_gen_getset,
    .tp_finalize = pv_gen_finalize,
};

/* Ready the runtime's types once per module; register generators as
   collections.abc.Generator, as Cython does. */
int pv_types_ready(void)
{
    if (PyType_Ready(&PvFunction_Type) < 0) return -1;
    if (PvGen_Type.tp_dict != NULL) return 0;
    if (PyType_Ready(&PvGen_Type) < 0) return -1;
    PyObject *abc = PyImport_ImportModule("collections.abc");
    if (!abc) return -1;
    PyObject *r, *gen_abc = PyObject_GetAttrString(abc, "Generator");
    Py_DECREF(abc);
    if (!gen_abc) return -1;
    r = PyObject_CallMethod(gen_abc, "register", "O", (PyObject *)&PvGen_Type);
    Py_DECREF(gen_abc);
    if (!r) return -1;
    Py_DECREF(r);
    if (pv_coro_types_ready() < 0) return -1;
    return pv_asyncgen_types_ready();
}
