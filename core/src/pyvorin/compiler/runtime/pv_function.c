/* Compiled function objects: creation, argument binding (CPython's rules and messages,
 * ported from ceval.c initialize_locals), method binding, attributes. */
#include "pv_generic.h"

PyObject *pv_format_missing_names(PyObject *names)
{
    Py_ssize_t len = PyList_GET_SIZE(names);
    if (len == 1) {
        PyObject *s = PyList_GET_ITEM(names, 0);
        Py_INCREF(s);
        return s;
    }
    if (len == 2)
        return PyUnicode_FromFormat("%U and %U", PyList_GET_ITEM(names, 0),
                                    PyList_GET_ITEM(names, 1));
    PyObject *tail = PyUnicode_FromFormat(", %U, and %U", PyList_GET_ITEM(names, len - 2),
                                          PyList_GET_ITEM(names, len - 1));
    if (!tail) return NULL;
    PyObject *head = PyList_GetSlice(names, 0, len - 2);
    PyObject *comma = PyUnicode_FromString(", ");
    PyObject *joined = (head && comma) ? PyUnicode_Join(comma, head) : NULL;
    Py_XDECREF(head);
    Py_XDECREF(comma);
    PyObject *r = joined ? PyUnicode_Concat(joined, tail) : NULL;
    Py_XDECREF(joined);
    Py_DECREF(tail);
    return r;
}

void pv_missing_arguments(PvFunction *f, Py_ssize_t start, Py_ssize_t end,
                                 const char *kind, PyObject **locals)
{
    PyObject *names = PyList_New(0);
    if (!names) return;
    for (Py_ssize_t i = start; i < end; i++) {
        if (locals[i] == NULL) {
            PyObject *r = PyObject_Repr(PyTuple_GET_ITEM(f->spec->names, i));
            if (!r || PyList_Append(names, r) < 0) { Py_XDECREF(r); Py_DECREF(names); return; }
            Py_DECREF(r);
        }
    }
    Py_ssize_t len = PyList_GET_SIZE(names);
    PyObject *name_str = pv_format_missing_names(names);
    Py_DECREF(names);
    if (!name_str) return;
    PyErr_Format(PyExc_TypeError, "%U() missing %zd required %s argument%s: %U", f->qualname,
                 len, kind, len == 1 ? "" : "s", name_str);
    Py_DECREF(name_str);
}

void pv_too_many_positional(PvFunction *f, Py_ssize_t given, PyObject **locals)
{
    const PvFuncSpec *s = f->spec;
    Py_ssize_t kwonly_given = 0;
    for (Py_ssize_t i = s->argcount; i < s->argcount + s->kwonlyargcount; i++)
        if (locals[i] != NULL) kwonly_given++;
    Py_ssize_t defcount = f->defaults ? PyTuple_GET_SIZE(f->defaults) : 0;
    int plural;
    PyObject *sig;
    if (defcount) {
        plural = 1;
        sig = PyUnicode_FromFormat("from %zd to %d", s->argcount - defcount, s->argcount);
    } else {
        plural = (s->argcount != 1);
        sig = PyUnicode_FromFormat("%d", s->argcount);
    }
    if (!sig) return;
    PyObject *kwonly_sig;
    if (kwonly_given)
        kwonly_sig = PyUnicode_FromFormat(" positional argument%s (and %zd keyword-only argument%s)",
                                          given != 1 ? "s" : "", kwonly_given,
                                          kwonly_given != 1 ? "s" : "");
    else
        kwonly_sig = PyUnicode_FromString("");
    if (!kwonly_sig) { Py_DECREF(sig); return; }
    PyErr_Format(PyExc_TypeError, "%U() takes %U positional argument%s but %zd%U %s given",
                 f->qualname, sig, plural ? "s" : "", given, kwonly_sig,
                 given == 1 && !kwonly_given ? "was" : "were");
    Py_DECREF(sig);
    Py_DECREF(kwonly_sig);
}

int pv_posonly_as_keyword(PvFunction *f, PyObject *const *kwargs, Py_ssize_t nkw,
                                 PyObject *kwnames, PyObject *kwdict_keys)
{
    const PvFuncSpec *s = f->spec;
    PyObject *names = PyList_New(0);
    if (!names) return -1;
    for (int k = 0; k < s->posonlyargcount; k++) {
        PyObject *posonly = PyTuple_GET_ITEM(s->names, k);
        for (Py_ssize_t i = 0; i < nkw; i++) {
            PyObject *kw = kwnames ? PyTuple_GET_ITEM(kwnames, i) : PyList_GET_ITEM(kwdict_keys, i);
            int eq = PyObject_RichCompareBool(posonly, kw, Py_EQ);
            if (eq < 0) { Py_DECREF(names); return -1; }
            if (eq) {
                if (PyList_Append(names, kw) < 0) { Py_DECREF(names); return -1; }
                break;
            }
        }
    }
    if (PyList_GET_SIZE(names) == 0) { Py_DECREF(names); return 0; }
    PyObject *comma = PyUnicode_FromString(", ");
    PyObject *joined = comma ? PyUnicode_Join(comma, names) : NULL;
    Py_XDECREF(comma);
    Py_DECREF(names);
    if (!joined) return -1;
    PyErr_Format(PyExc_TypeError,
                 "%U() got some positional-only arguments passed as keyword arguments: '%U'",
                 f->qualname, joined);
    Py_DECREF(joined);
    return 1;
}

/* Bind a vectorcall's arguments to the parameters of f into locals (owned references;
   NULL where unbound). Returns 0, or -1 with an exception set (locals then cleared). */
int pv_bind_args(PvFunction *f, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames, PyObject **locals)
{
    const PvFuncSpec *s = f->spec;
    const Py_ssize_t argcount = s->argcount;
    const Py_ssize_t total = argcount + s->kwonlyargcount;
    const Py_ssize_t nslots = total + ((s->flags & PV_VARARGS) ? 1 : 0) + ((s->flags & PV_VARKW) ? 1 : 0);
    PyObject *kwdict = NULL;
    for (Py_ssize_t i = 0; i < nslots; i++) locals[i] = NULL;
    if (s->flags & PV_VARKW) {
        kwdict = PyDict_New();
        if (!kwdict) goto fail;
        locals[nslots - 1] = kwdict;
    }
    Py_ssize_t n = nargs > argcount ? argcount : nargs;
    for (Py_ssize_t j = 0; j < n; j++) {
        Py_INCREF(args[j]);
        locals[j] = args[j];
    }
    if (s->flags & PV_VARARGS) {
        PyObject *u = PyTuple_New(nargs - n);
        if (!u) goto fail;
        for (Py_ssize_t j = n; j < nargs; j++) {
            Py_INCREF(args[j]);
            PyTuple_SET_ITEM(u, j - n, args[j]);
        }
        locals[total] = u;
    }
    if (kwnames) {
        Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t i = 0; i < nkw; i++) {
            PyObject *keyword = PyTuple_GET_ITEM(kwnames, i);
            PyObject *value = args[nargs + i];
            Py_ssize_t j;
            if (!PyUnicode_Check(keyword)) {
                PyErr_Format(PyExc_TypeError, "%U() keywords must be strings", f->qualname);
                goto fail;
            }
            for (j = s->posonlyargcount; j < total; j++)
                if (PyTuple_GET_ITEM(s->names, j) == keyword) goto found;
            for (j = s->posonlyargcount; j < total; j++) {
                int eq = PyObject_RichCompareBool(keyword, PyTuple_GET_ITEM(s->names, j), Py_EQ);
                if (eq < 0) goto fail;
                if (eq) goto found;
            }
            if (kwdict == NULL) {
                if (s->posonlyargcount) {
                    int r = pv_posonly_as_keyword(f, args + nargs, nkw, kwnames, NULL);
                    if (r != 0) goto fail;
                }
                PyErr_Format(PyExc_TypeError, "%U() got an unexpected keyword argument '%S'",
                             f->qualname, keyword);
                goto fail;
            }
            if (PyDict_SetItem(kwdict, keyword, value) < 0) goto fail;
            continue;
        found:
            if (locals[j] != NULL) {
                PyErr_Format(PyExc_TypeError, "%U() got multiple values for argument '%S'",
                             f->qualname, keyword);
                goto fail;
            }
            Py_INCREF(value);
            locals[j] = value;
        }
    }
    if (nargs > argcount && !(s->flags & PV_VARARGS)) {
        pv_too_many_positional(f, nargs, locals);
        goto fail;
    }
    if (nargs < argcount) {
        Py_ssize_t defcount = f->defaults ? PyTuple_GET_SIZE(f->defaults) : 0;
        Py_ssize_t m = argcount - defcount;
        Py_ssize_t missing = 0;
        for (Py_ssize_t i = nargs; i < m; i++)
            if (locals[i] == NULL) missing++;
        if (missing) {
            pv_missing_arguments(f, 0, m, "positional", locals);
            goto fail;
        }
        Py_ssize_t i = nargs > m ? nargs - m : 0;
        for (; i < defcount; i++) {
            if (locals[m + i] == NULL) {
                PyObject *def = PyTuple_GET_ITEM(f->defaults, i);
                Py_INCREF(def);
                locals[m + i] = def;
            }
        }
    }
    if (s->kwonlyargcount > 0) {
        Py_ssize_t missing = 0;
        for (Py_ssize_t i = argcount; i < total; i++) {
            if (locals[i] != NULL) continue;
            PyObject *name = PyTuple_GET_ITEM(s->names, i);
            if (f->kwdefaults != NULL) {
                PyObject *def = PyDict_GetItemWithError(f->kwdefaults, name);
                if (def) {
                    Py_INCREF(def);
                    locals[i] = def;
                    continue;
                } else if (PyErr_Occurred()) {
                    goto fail;
                }
            }
            missing++;
        }
        if (missing) {
            pv_missing_arguments(f, argcount, total, "keyword-only", locals);
            goto fail;
        }
    }
    return 0;
fail:
    for (Py_ssize_t i = 0; i < nslots; i++) Py_CLEAR(locals[i]);
    return -1;
}

#define PV_MAX_STACK_LOCALS 16

PyObject *pv_function_vectorcall(PyObject *callable, PyObject *const *args,
                                        size_t nargsf, PyObject *kwnames)
{
    PvFunction *f = (PvFunction *)callable;
    const PvFuncSpec *s = f->spec;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Py_ssize_t nslots = s->argcount + s->kwonlyargcount + ((s->flags & PV_VARARGS) ? 1 : 0) +
                        ((s->flags & PV_VARKW) ? 1 : 0);
    PyObject *stack[PV_MAX_STACK_LOCALS];
    PyObject **locals = stack;
    if (nslots > PV_MAX_STACK_LOCALS) {
        locals = PyMem_Malloc(sizeof(PyObject *) * (size_t)nslots);
        if (!locals) return PyErr_NoMemory();
    }
    PyObject *r = NULL;
    if (kwnames == NULL && nargs == nslots && nargs == s->argcount) {
        /* the common call: exactly the positional parameters, nothing else to bind */
        for (Py_ssize_t j = 0; j < nargs; j++) {
            Py_INCREF(args[j]);
            locals[j] = args[j];
        }
        r = s->impl(f, locals);
    }
    else if (pv_bind_args(f, args, nargs, kwnames, locals) == 0)
        r = s->impl(f, locals); /* the impl takes over the bound references */
    if (locals != stack) PyMem_Free(locals);
    return r;
}

PyObject *pv_function_new(PvFuncSpec *spec, PyObject *qualname, PyObject *module,
                                 PyObject *globals, PyObject *doc, PyObject *defaults,
                                 PyObject *kwdefaults, PyObject *closure)
{
    PvFunction *f = PyObject_GC_New(PvFunction, &PvFunction_Type);
    if (!f) return NULL;
    f->vectorcall = pv_function_vectorcall;
    f->spec = spec;
    f->name = PyUnicode_FromString(spec->name);
    Py_INCREF(qualname);
    f->qualname = qualname;
    Py_XINCREF(module);
    f->module = module;
    Py_INCREF(doc);
    f->doc = doc;
    f->dict = NULL;
    f->defaults = (defaults && defaults != Py_None) ? defaults : NULL;
    Py_XINCREF(f->defaults);
    f->kwdefaults = (kwdefaults && kwdefaults != Py_None) ? kwdefaults : NULL;
    Py_XINCREF(f->kwdefaults);
    Py_XINCREF(closure);
    f->closure = closure;
    f->annotations = NULL;
    Py_XINCREF(globals);
    f->globals = globals;
    f->weakreflist = NULL;
    if (!f->name) { Py_DECREF(f); return NULL; }
    PyObject_GC_Track(f);
    return (PyObject *)f;
}

int pv_function_traverse(PvFunction *f, visitproc visit, void *arg)
{
    Py_VISIT(f->name);
    Py_VISIT(f->qualname);
    Py_VISIT(f->module);
    Py_VISIT(f->doc);
    Py_VISIT(f->dict);
    Py_VISIT(f->defaults);
    Py_VISIT(f->kwdefaults);
    Py_VISIT(f->closure);
    Py_VISIT(f->annotations);
    Py_VISIT(f->globals);
    return 0;
}

int pv_function_clear(PvFunction *f)
{
    Py_CLEAR(f->name);
    Py_CLEAR(f->qualname);
    Py_CLEAR(f->module);
    Py_CLEAR(f->doc);
    Py_CLEAR(f->dict);
    Py_CLEAR(f->defaults);
    Py_CLEAR(f->kwdefaults);
    Py_CLEAR(f->closure);
    Py_CLEAR(f->annotations);
    Py_CLEAR(f->globals);
    return 0;
}

void pv_function_dealloc(PvFunction *f)
{
    PyObject_GC_UnTrack(f);
    if (f->weakreflist) PyObject_ClearWeakRefs((PyObject *)f);
    pv_function_clear(f);
    PyObject_GC_Del(f);
}

PyObject *pv_function_repr(PvFunction *f)
{
    return PyUnicode_FromFormat("<function %U at %p>", f->qualname, f);
}

PyObject *pv_function_descr_get(PyObject *func, PyObject *obj, PyObject *type)
{
    if (obj == Py_None || obj == NULL) {
        Py_INCREF(func);
        return func;
    }
    return PyMethod_New(func, obj);
}

PyObject *pv_function_get_name(PvFunction *f, void *c) { Py_INCREF(f->name); return f->name; }
int pv_function_set_name(PvFunction *f, PyObject *v, void *c)
{
    if (v == NULL || !PyUnicode_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "__name__ must be set to a string object");
        return -1;
    }
    Py_INCREF(v);
    Py_XSETREF(f->name, v);
    return 0;
}
PyObject *pv_function_get_qualname(PvFunction *f, void *c) { Py_INCREF(f->qualname); return f->qualname; }
int pv_function_set_qualname(PvFunction *f, PyObject *v, void *c)
{
    if (v == NULL || !PyUnicode_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "__qualname__ must be set to a string object");
        return -1;
    }
    Py_INCREF(v);
    Py_XSETREF(f->qualname, v);
    return 0;
}
PyObject *pv_function_get_defaults(PvFunction *f, void *c)
{
    PyObject *r = f->defaults ? f->defaults : Py_None;
    Py_INCREF(r);
    return r;
}
int pv_function_set_defaults(PvFunction *f, PyObject *v, void *c)
{
    if (v == Py_None) v = NULL;
    if (v != NULL && !PyTuple_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "__defaults__ must be set to a tuple object");
        return -1;
    }
    Py_XINCREF(v);
    Py_XSETREF(f->defaults, v);
    return 0;
}
PyObject *pv_function_get_kwdefaults(PvFunction *f, void *c)
{
    PyObject *r = f->kwdefaults ? f->kwdefaults : Py_None;
    Py_INCREF(r);
    return r;
}
int pv_function_set_kwdefaults(PvFunction *f, PyObject *v, void *c)
{
    if (v == Py_None) v = NULL;
    if (v != NULL && !PyDict_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "__kwdefaults__ must be set to a dict object");
        return -1;
    }
    Py_XINCREF(v);
    Py_XSETREF(f->kwdefaults, v);
    return 0;
}
PyObject *pv_function_get_annotations(PvFunction *f, void *c)
{
    if (f->annotations == NULL) {
        f->annotations = PyDict_New();
        if (!f->annotations) return NULL;
    }
    Py_INCREF(f->annotations);
    return f->annotations;
}
int pv_function_set_annotations(PvFunction *f, PyObject *v, void *c)
{
    if (v == Py_None) v = NULL;
    if (v != NULL && !PyDict_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "__annotations__ must be set to a dict object");
        return -1;
    }
    Py_XINCREF(v);
    Py_XSETREF(f->annotations, v);
    return 0;
}
PyObject *pv_function_get_globals(PvFunction *f, void *c)
{
    PyObject *r = f->globals ? f->globals : Py_None;
    Py_INCREF(r);
    return r;
}
PyObject *pv_function_get_closure(PvFunction *f, void *c)
{
    PyObject *r = f->closure ? f->closure : Py_None;
    Py_INCREF(r);
    return r;
}

static PyGetSetDef pv_function_getset[] = {
    {"__name__", (getter)pv_function_get_name, (setter)pv_function_set_name, NULL, NULL},
    {"__qualname__", (getter)pv_function_get_qualname, (setter)pv_function_set_qualname, NULL, NULL},
    {"__defaults__", (getter)pv_function_get_defaults, (setter)pv_function_set_defaults, NULL, NULL},
    {"__kwdefaults__", (getter)pv_function_get_kwdefaults, (setter)pv_function_set_kwdefaults, NULL, NULL},
    {"__annotations__", (getter)pv_function_get_annotations, (setter)pv_function_set_annotations, NULL, NULL},
    {"__globals__", (getter)pv_function_get_globals, NULL, NULL, NULL},
    {"__closure__", (getter)pv_function_get_closure, NULL, NULL, NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL}
};

static PyMemberDef pv_function_members[] = {
    {"__doc__", T_OBJECT, offsetof(PvFunction, doc), 0, NULL},
    {"__module__", T_OBJECT, offsetof(PvFunction, module), 0, NULL},
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(PvFunction, vectorcall), READONLY, NULL},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(PvFunction, weakreflist), READONLY, NULL},
    {NULL}
};

/* Pickled and copied by reference, as functions are. */
PyObject *pv_function_reduce(PvFunction *f, PyObject *unused)
{
    Py_INCREF(f->qualname);
    return f->qualname;
}

static PyMethodDef pv_function_methods[] = {
    {"__reduce__", (PyCFunction)pv_function_reduce, METH_NOARGS, NULL},
    {NULL}
};

PyTypeObject PvFunction_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pyvorin_function",
    .tp_basicsize = sizeof(PvFunction),
    .tp_dealloc = (destructor)pv_function_dealloc,
    .tp_vectorcall_offset = offsetof(PvFunction, vectorcall),
    .tp_repr = (reprfunc)pv_function_repr,
    .tp_call = PyVectorcall_Call,
    .tp_getattro = PyObject_GenericGetAttr,
    .tp_setattro = PyObject_GenericSetAttr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_traverse = (traverseproc)pv_function_traverse,
    .tp_clear = (inquiry)pv_function_clear,
    .tp_weaklistoffset = offsetof(PvFunction, weakreflist),
    .tp_methods = pv_function_methods,
    .tp_members = pv_function_members,
    .tp_getset = pv_function_getset,
    .tp_descr_get = pv_function_descr_get,
    .tp_dictoffset = offsetof(PvFunction, dict),
};

/* Interned names for a spec's parameters (made once, at module exec). */
int pv_spec_init(PvFuncSpec *s)
{
    Py_ssize_t n = s->argcount + s->kwonlyargcount + ((s->flags & PV_VARARGS) ? 1 : 0) +
                   ((s->flags & PV_VARKW) ? 1 : 0);
    PyObject *t = PyTuple_New(n);
    if (!t) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *u = PyUnicode_InternFromString(s->argnames[i]);
        if (!u) { Py_DECREF(t); return -1; }
        PyTuple_SET_ITEM(t, i, u);
    }
    Py_XSETREF(s->names, t);
    return 0;
}
