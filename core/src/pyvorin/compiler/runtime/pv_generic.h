/* Pyvorin generic-tier runtime: what compiled code needs beyond the C API itself.
 *
 * The generic tier compiles every Python construct to the C-API calls the interpreter
 * makes for it; this header declares the few pieces the C API does not offer as one call:
 * a function object for compiled functions (argument binding with CPython's exact
 * messages, method binding, closures), a generator object, class creation, exception
 * state handling, imports, name lookup, unpacking and pattern matching. Each topic lives in its own .c file
 * beside this header.
 *
 * Behaviour follows CPython 3.10-3.13 (ceval.c, genobject.c, bltinmodule.c); where the
 * interpreter's behaviour differs between versions the code says so with PY_VERSION_HEX.
 */
#ifndef PYVORIN_GENERIC_H
#define PYVORIN_GENERIC_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-label"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#endif

#ifndef PV_LIKELY
#define PV_LIKELY(x) __builtin_expect(!!(x), 1)
#define PV_UNLIKELY(x) __builtin_expect(!!(x), 0)
#endif

/* _PyTraceback_Add is exported by every supported CPython but not always declared. */
extern void _PyTraceback_Add(const char *, const char *, int);

#if PY_VERSION_HEX >= 0x030D0000
/* Still exported by 3.13 (PyAPI_FUNC) but declared only in its internal headers; no
 * public API has their semantics (DICT_MERGE's duplicate-key KeyError, joining an array). */
extern int _PyDict_MergeEx(PyObject *, PyObject *, int);
extern PyObject *_PyUnicode_JoinArray(PyObject *, PyObject *const *, Py_ssize_t);
#endif

/* ---- entering a compiled frame --------------------------------------------------
 * Every compiled function, class body and generator step counts as one level of the
 * interpreter's recursion limit (Py_EnterRecursiveCall), as a Python frame does. But a
 * compiled frame is a C frame: where CPython 3.11+ runs a deep recursion on its heap-allocated
 * frames (sys.setrecursionlimit(10**5) and 25,000 levels are fine under CPython), the same
 * depth compiled overflowed the C stack and crashed the process. So before the counter, the
 * frame checks that the thread's C stack keeps a margin (a quarter of the stack, at most
 * 512 KiB) and raises RecursionError instead of crashing. Where the stack's bounds cannot be
 * read (not Linux or macOS) only the counter applies. */
#if defined(__linux__) || defined(__APPLE__)
#include <pthread.h>
#define PV_HAVE_STACK_CHECK 1
#endif

#ifdef PV_HAVE_STACK_CHECK
#if defined(_MSC_VER)
#define PV_THREAD_LOCAL __declspec(thread)
#else
#define PV_THREAD_LOCAL __thread
#endif
static PV_THREAD_LOCAL uintptr_t pv_stack_floor; /* lowest usable address; 0: not read */

static void pv_stack_floor_init(void) {
    uintptr_t low = 0, size = 0;
#if defined(__APPLE__)
    pthread_t self = pthread_self();
    size = (uintptr_t)pthread_get_stacksize_np(self);
    low = (uintptr_t)pthread_get_stackaddr_np(self) - size; /* the address is the top */
#else
    pthread_attr_t attr;
    void *addr = NULL;
    size_t sz = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &sz) == 0) { low = (uintptr_t)addr; size = sz; }
        pthread_attr_destroy(&attr);
    }
#endif
    if (low == 0 || size == 0) { pv_stack_floor = 1; return; } /* unknown: never refuse */
    uintptr_t margin = size / 4;
    if (margin > (uintptr_t)512 * 1024) margin = (uintptr_t)512 * 1024;
    pv_stack_floor = low + margin;
}
#endif

static inline int pv_enter_frame(void) {
#ifdef PV_HAVE_STACK_CHECK
    char here;
    if (PV_UNLIKELY(pv_stack_floor == 0)) pv_stack_floor_init();
    if (PV_UNLIKELY((uintptr_t)&here < pv_stack_floor)) {
        PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded");
        return -1;
    }
#endif
#if PY_VERSION_HEX >= 0x030C0000
    /* 3.12+: Py_EnterRecursiveCall counts C calls against a fixed C limit, no longer the
       Python recursion limit; a Python frame counts against sys.getrecursionlimit() through
       py_recursion_remaining (_Py_EnterRecursivePy / _Py_CheckRecursiveCallPy in ceval.c),
       and so does a compiled frame, step for step: */
    PyThreadState *ts = PyThreadState_Get();
    if (PV_UNLIKELY(ts->py_recursion_remaining-- <= 0)) {
        if (ts->recursion_headroom) {
            if (ts->py_recursion_remaining < -50) {
                Py_FatalError("Cannot recover from Python stack overflow.");
            }
        } else if (ts->py_recursion_remaining < 0) {
            ts->recursion_headroom++;
            PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded");
            ts->recursion_headroom--;
            ts->py_recursion_remaining++; /* the frame is not entered (exit_unwind leaves it) */
            return -1;
        }
    }
    return 0;
#else
    return Py_EnterRecursiveCall("");
#endif
}

/* Leave a frame pv_enter_frame entered. */
static inline void pv_leave_frame(void) {
#if PY_VERSION_HEX >= 0x030C0000
    PyThreadState_Get()->py_recursion_remaining++;
#else
    Py_LeaveRecursiveCall();
#endif
}

/* ---- calls ------------------------------------------------------------------------
 * Compiled code calls through PyObject_Vectorcall, as the interpreter's generic CALL does.
 * On 3.11 the vectorcall of a builtin counts a level of the recursion limit
 * (cfunction_enter_call in Objects/methodobject.c, method_enter_call in
 * Objects/descrobject.c, _PyObject_MakeTpCall in Objects/call.c), but a warm call site's
 * specialised instruction (Python/ceval.c) calls some C functions directly and counts
 * nothing: PRECALL_NO_KW_BUILTIN_FAST, PRECALL_BUILTIN_FAST_WITH_KEYWORDS,
 * PRECALL_NO_KW_ISINSTANCE and PRECALL_NO_KW_LEN (a builtin_function_or_method whose flags
 * are exactly METH_FASTCALL without keywords, METH_FASTCALL|METH_KEYWORDS, or len with one
 * argument), PRECALL_NO_KW_METHOD_DESCRIPTOR_FAST and
 * PRECALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS (a method descriptor, METH_FASTCALL with or
 * without METH_KEYWORDS, called without keywords on an instance of exactly its type),
 * PRECALL_NO_KW_LIST_APPEND (x.append(y) on a list or subclass, in method form as an
 * expression statement: the specialiser wants the POP_TOP after the call) and
 * PRECALL_NO_KW_STR_1 (str(x): PyObject_Str only, which counts for itself). A recursion
 * through these (min(f(k) for k in ...) with sum, sorted(key=f), ...) was a level per
 * builtin shallower compiled than interpreted. pv_call gives that level back, under the
 * guards those instructions specialise and deoptimise on, so the compiled depth is the
 * warm interpreter's. 3.10 specialises nothing (every call counts, as compiled); 3.12 and
 * later count C calls against a separate limit, not sys.getrecursionlimit(). */
#define PV_CALL_METHOD 1    /* x.m(...): a method loaded unbound, args[0] is x */
#define PV_CALL_DISCARDED 2 /* an expression statement: the result is discarded */

#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
static inline PyCFunction pv_cfunction_of(PyObject *container, const char *name) {
    PyObject *f = PyDict_GetItemString(container, name); /* borrowed; an immortal builtin */
    if (f != NULL && PyCFunction_Check(f)) return PyCFunction_GET_FUNCTION(f);
    if (f != NULL && Py_IS_TYPE(f, &PyMethodDescr_Type))
        return ((PyMethodDescrObject *)f)->d_method->ml_meth;
    return NULL;
}

static inline int pv_call_uncounted(PyObject *fn, PyObject *const *args, Py_ssize_t nargs,
                                    PyObject *kwnames, int site) {
    static PyCFunction len_impl, append_impl;
    int nokw = kwnames == NULL || PyTuple_GET_SIZE(kwnames) == 0;
    if (Py_IS_TYPE(fn, &PyCFunction_Type)) {
        int flags = PyCFunction_GET_FLAGS(fn);
        if (flags == (METH_FASTCALL | METH_KEYWORDS)) return 1;
        if (flags == METH_FASTCALL) return nokw;
        if (flags != METH_O || !nokw || nargs != 1) return 0;
        if (len_impl == NULL) len_impl = pv_cfunction_of(PyEval_GetBuiltins(), "len");
        return PyCFunction_GET_FUNCTION(fn) == len_impl;
    }
    if (Py_IS_TYPE(fn, &PyMethodDescr_Type)) {
        PyMethodDescrObject *d = (PyMethodDescrObject *)fn;
        int flags = d->d_method->ml_flags;
        if (!nokw || nargs < 1) return 0;
        if (flags == METH_FASTCALL || flags == (METH_FASTCALL | METH_KEYWORDS))
            return Py_IS_TYPE(args[0], PyDescr_TYPE(d));
        if (flags != METH_O || site != (PV_CALL_METHOD | PV_CALL_DISCARDED) || nargs != 2 ||
            !PyList_Check(args[0]))
            return 0;
        if (append_impl == NULL) append_impl = pv_cfunction_of(PyList_Type.tp_dict, "append");
        return d->d_method->ml_meth == append_impl;
    }
    return fn == (PyObject *)&PyUnicode_Type && nokw && nargs == 1;
}
#endif

/* PyObject_Vectorcall(fn, args, nargsf, kwnames); site: PV_CALL_* bits. */
static inline PyObject *pv_call(PyObject *fn, PyObject *const *args, size_t nargsf,
                                PyObject *kwnames, int site) {
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
    if (pv_call_uncounted(fn, args, PyVectorcall_NARGS(nargsf), kwnames, site)) {
        PyThreadState *ts = PyThreadState_Get();
        ts->recursion_remaining++; /* the level the callee's entry counts */
        PyObject *res = PyObject_Vectorcall(fn, args, nargsf, kwnames);
        ts->recursion_remaining--;
        return res;
    }
#else
    (void)site;
#endif
    return PyObject_Vectorcall(fn, args, nargsf, kwnames);
}

/* ---- compiled functions ------------------------------------------------------- */

#define PV_VARARGS 1
#define PV_VARKW 2
#define PV_GENERATOR 4

struct PvFunction;
typedef PyObject *(*pv_impl)(struct PvFunction *self, PyObject **locals);

typedef struct PvFuncSpec {
    const char *name;
    const char *qualname;
    const char *filename;
    int firstlineno;
    int argcount;         /* positional parameters, positional-only included */
    int posonlyargcount;
    int kwonlyargcount;
    int flags;            /* PV_VARARGS | PV_VARKW | PV_GENERATOR */
    const char *const *argnames; /* argcount + kwonlyargcount [+ *args] [+ **kw] names */
    pv_impl impl;
    PyObject *names;      /* tuple of argnames as interned str, made at module exec */
} PvFuncSpec;

typedef struct PvFunction {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PvFuncSpec *spec;
    PyObject *name;
    PyObject *qualname;
    PyObject *module;
    PyObject *doc;
    PyObject *dict;
    PyObject *defaults;   /* tuple or NULL */
    PyObject *kwdefaults; /* dict or NULL */
    PyObject *closure;    /* tuple of cells or NULL */
    PyObject *annotations;
    PyObject *globals;
    PyObject *weakreflist;
} PvFunction;

extern PyTypeObject PvFunction_Type;

/* ---- generators ---------------------------------------------------------------- */

struct PvGen;
/* resume: run from gen->state with `sent` (NULL: an exception is set to be thrown in).
   Returns the yielded value (state >= 1), or NULL: finished when gen->state == -1 (the
   return value in gen->retval, or an exception set), error otherwise. */
typedef PyObject *(*pv_resume)(struct PvGen *gen, PyObject *sent);
typedef void (*pv_frame_clear)(void *frame);
typedef int (*pv_frame_traverse)(void *frame, visitproc visit, void *arg);

typedef struct PvGenSpec {
    size_t frame_size;
    pv_resume resume;
    pv_frame_clear clear;
    pv_frame_traverse traverse;
} PvGenSpec;

typedef struct PvGen {
    PyObject_HEAD
    const PvGenSpec *spec;
    void *frame;          /* registers of the suspended function */
    PvFunction *func;     /* the function that made it (closure, globals) */
    int state;            /* 0 not started, k suspended at yield k, -1 finished */
    int running;
    PyObject *retval;
    PyObject *yf;         /* the iterator delegated to by `yield from`, while suspended in it */
    PyObject *name;
    PyObject *qualname;
    PyObject *weakreflist;
    /* the exception this generator's code is handling (CPython's gi_exc_state): pushed
       on the thread's exc_info chain while it runs, kept while it is suspended */
    _PyErr_StackItem exc_state;
    /* async generators: the finalizer hook taken at the first iteration, whether the hooks
       were taken, closed (aclose() or exhausted), an asend/athrow awaitable running */
    PyObject *ag_finalizer;
    char ag_hooks_inited, ag_closed, ag_running_async;
} PvGen;

extern PyTypeObject PvGen_Type;
extern PyTypeObject PvCoro_Type;
extern PyTypeObject PvCoroWrapper_Type;
extern PyTypeObject PvAsyncGen_Type;

/* A generator or coroutine of compiled code (they share PvGen and its functions). */
static inline int pv_is_compiled_gen(PyObject *o)
{
    return Py_TYPE(o) == &PvGen_Type || Py_TYPE(o) == &PvCoro_Type ||
           Py_TYPE(o) == &PvAsyncGen_Type;
}


/* ---- the runtime's functions (defined in pv_*.c; hidden outside the module) ---- */

#define pv_istr(s) pv_istr_impl(s)
typedef PyObject *(*pv_class_body)(PyObject *ns, PyObject *closure);
/* pv_ops.c */
PyObject *pv_istr_impl(const char *s);
int pv_lookup_attr(PyObject *obj, PyObject *name, PyObject **result);
int pv_load_method(PyObject *obj, PyObject *name, PyObject **meth);

/* ---- per-site attribute caches (pv_attr.c) ------------------------------------------
   CPython 3.11 specialises o.x, o.x = v and o.m(...) per instruction when o's type keeps
   its instances' attributes in a values array shared-keyed by the type (a plain class):
   LOAD_ATTR_INSTANCE_VALUE, STORE_ATTR_INSTANCE_VALUE, LOAD_METHOD_WITH_VALUES. A compiled
   site does the same with a cache of its own, specialised under exactly the conditions
   specialize.c checks (generic getattro/setattro, no class attribute or a method
   descriptor, the name's slot in the type's shared keys) and valid while the type's
   version tag is the one recorded: any change to the class or its bases gives it a new
   tag. Anything else (a miss, an attribute that is not set, a materialised __dict__)
   takes the generic C-API path, which raises CPython's own errors. Up to four types per
   site (a method inherited by several subclasses); a site that keeps missing stops
   specialising. Only 3.11's object layout is known here: elsewhere the generic path. */
#if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000
#define PV_ATTR_CACHE 1
#endif
#define PV_ATTR_WAYS 4
typedef struct {
    unsigned int version;  /* the type's tp_version_tag when specialised; 0: empty */
    Py_ssize_t index;      /* the name's slot in the values array */
    PyObject *descr;       /* o.m(): the method descriptor found on the type (borrowed) */
    Py_ssize_t nentries;   /* o.m(): the shared keys' length when the name was absent */
} PvAttrEntry;
typedef struct {
    PvAttrEntry e[PV_ATTR_WAYS];
    unsigned int next, tries;
    /* o.m() on a static immutable builtin type (list.append, str.join): the type and the
       method descriptor its MRO lookup found, valid forever (every CPython version) */
    PyTypeObject *btype;
    PyObject *bdescr;
} PvAttrCache;
PyObject *pv_getattr_miss(PyObject *obj, PyObject *name, PvAttrCache *c);
int pv_setattr_miss(PyObject *obj, PyObject *name, PyObject *value, PvAttrCache *c);
int pv_load_method_miss(PyObject *obj, PyObject *name, PyObject **meth, PvAttrCache *c);
void pv_values_add_order(PyObject **values, Py_ssize_t index);

#ifdef PV_ATTR_CACHE
/* 3.11's object layout: the values array pointer at obj[-4], the dict pointer at obj[-3]
   (pycore_object.h), the shared keys' entry count (checked against pycore_dict.h in
   pv_attr.c). */
#define PV_VALUES(obj) (((PyObject ***)(obj))[-4])
#define PV_MANAGED_DICT(obj) (((PyObject **)(obj))[-3])
typedef struct {
    Py_ssize_t dk_refcnt;
    uint8_t dk_log2_size, dk_log2_index_bytes, dk_kind;
    uint32_t dk_version;
    Py_ssize_t dk_usable, dk_nentries;
} PvKeysHead;
#define PV_KEYS_NENTRIES(tp) (((PvKeysHead *)((PyHeapTypeObject *)(tp))->ht_cached_keys)->dk_nentries)

static inline PvAttrEntry *pv_attr_entry(PvAttrCache *c, PyTypeObject *tp)
{
    unsigned int v = tp->tp_version_tag;
    if (v == 0) return NULL;
    for (int i = 0; i < PV_ATTR_WAYS; i++)
        if (c->e[i].version == v) return &c->e[i];
    return NULL;
}
#endif

static inline PyObject *pv_getattr_cached(PyObject *obj, PyObject *name, PvAttrCache *c)
{
#ifdef PV_ATTR_CACHE
    PvAttrEntry *e = pv_attr_entry(c, Py_TYPE(obj));
    if (e != NULL) {
        PyObject **values = PV_VALUES(obj);
        if (values != NULL && values[e->index] != NULL) {
            PyObject *r = values[e->index];
            Py_INCREF(r);
            return r;
        }
        return PyObject_GetAttr(obj, name);
    }
    return pv_getattr_miss(obj, name, c);
#else
    (void)c;
    return PyObject_GetAttr(obj, name);
#endif
}

static inline int pv_setattr_cached(PyObject *obj, PyObject *name, PyObject *value, PvAttrCache *c)
{
#ifdef PV_ATTR_CACHE
    PvAttrEntry *e = pv_attr_entry(c, Py_TYPE(obj));
    if (e != NULL) {
        PyObject **values = PV_VALUES(obj);
        if (values == NULL) return PyObject_SetAttr(obj, name, value);
        PyObject *old = values[e->index];
        Py_INCREF(value);
        values[e->index] = value;
        if (old == NULL) pv_values_add_order(values, e->index);
        else Py_DECREF(old);
        return 0;
    }
    return pv_setattr_miss(obj, name, value, c);
#else
    (void)c;
    return PyObject_SetAttr(obj, name, value);
#endif
}

/* pv_load_method with a cache: 1 and the unbound method, 0 and the attribute, -1. */
static inline int pv_load_method_cached(PyObject *obj, PyObject *name, PyObject **meth,
                                        PvAttrCache *c)
{
    if (Py_TYPE(obj) == c->btype) {
        Py_INCREF(c->bdescr);
        *meth = c->bdescr;
        return 1;
    }
#ifdef PV_ATTR_CACHE
    PyTypeObject *tp = Py_TYPE(obj);
    PvAttrEntry *e = pv_attr_entry(c, tp);
    if (e != NULL && PV_MANAGED_DICT(obj) == NULL && PV_KEYS_NENTRIES(tp) == e->nentries) {
        Py_INCREF(e->descr);
        *meth = e->descr;
        return 1;
    }
    return pv_load_method_miss(obj, name, meth, c);
#else
    (void)c;
    return pv_load_method(obj, name, meth);
#endif
}
PyObject *pv_fetch_exc(void);
void pv_restore_exc(PyObject *exc);
PyObject *pv_get_handled(void);
PyObject *pv_topmost_handled(void);
void pv_set_handled(PyObject *exc);
int pv_check_except_type(PyObject *type);
int pv_exc_match(PyObject *exc, PyObject *type);
#if PY_VERSION_HEX >= 0x030B0000
/* except* (pv_excgroup.c): CHECK_EG_MATCH and PREP_RERAISE_STAR */
PyObject *pv_eg_match(PyObject **rest, PyObject *type, const char *func, const char *file,
                      int line);
PyObject *pv_prep_reraise_star(PyObject *orig, PyObject *excs);
#endif
int pv_raise(PyObject *exc, PyObject *cause);
int pv_reraise_handled(void);
void pv_name_error(PyObject *name);
PyObject *pv_unbound_local(PyObject *name);
PyObject *pv_unbound_free(PyObject *name);
PyObject *pv_load_global(PyObject *globals, PyObject *builtins, PyObject *name);

/* A per-site cache for a global name (what CPython 3.11's LOAD_GLOBAL_MODULE/BUILTIN
   specializations do with dict versions, and Cython with __PYX_GET_DICT_VERSION). Every
   change to a dict gives it a new, globally unique ma_version_tag, so while both the
   globals' and the builtins' tags are the ones recorded, neither dict changed and the
   value found then is still what a lookup finds now, and still owned by its dict
   (borrowed here). ma_version_tag is deprecated from 3.12: there the lookup is plain. */
typedef struct { uint64_t globals_version, builtins_version; PyObject *value; } PvGlobalCache;

static inline PyObject *
pv_load_global_cached(PyObject *globals, PyObject *builtins, PyObject *name, PvGlobalCache *c)
{
#if PY_VERSION_HEX < 0x030C0000
    if (c->value != NULL
        && ((PyDictObject *)globals)->ma_version_tag == c->globals_version
        && ((PyDictObject *)builtins)->ma_version_tag == c->builtins_version) {
        Py_INCREF(c->value);
        return c->value;
    }
    PyObject *v = pv_load_global(globals, builtins, name);
    if (v != NULL && PyDict_CheckExact(globals) && PyDict_CheckExact(builtins)) {
        c->globals_version = ((PyDictObject *)globals)->ma_version_tag;
        c->builtins_version = ((PyDictObject *)builtins)->ma_version_tag;
        c->value = v;
    }
    return v;
#else
    (void)c;
    return pv_load_global(globals, builtins, name);
#endif
}
int pv_delete_global(PyObject *globals, PyObject *name);
PyObject *pv_load_name(PyObject *ns, PyObject *globals, PyObject *builtins, PyObject *name);
PyObject *pv_load_classderef(PyObject *ns, PyObject *cell, PyObject *name);
int pv_delete_name(PyObject *ns, PyObject *name);
PyObject *pv_cell_get(PyObject *cell, PyObject *name);
PyObject *pv_cell_get_local(PyObject *cell, PyObject *name);
int pv_cell_delete(PyObject *cell, PyObject *name, int own);
PyObject *pv_import_name(PyObject *globals, PyObject *name, PyObject *fromlist, int level);
PyObject *pv_import_from(PyObject *v, PyObject *name);
int pv_import_star(PyObject *ns, PyObject *v);
PyObject *pv_funcstr(PyObject *x);
PyObject *pv_star_args(PyObject *func, PyObject *it);
int pv_merge_kwargs(PyObject *func, PyObject *dict, PyObject *mapping);
int pv_list_extend(PyObject *list, PyObject *it);
int pv_set_update(PyObject *set, PyObject *it);
int pv_dict_update(PyObject *dict, PyObject *mapping);
PyObject *pv_list_to_tuple(PyObject *list);
PyObject *pv_tuple_pack(Py_ssize_t n, PyObject **items);
PyObject *pv_list_pack(Py_ssize_t n, PyObject **items);
PyObject *pv_set_pack(Py_ssize_t n, PyObject **items);
PyObject *pv_dict_pack(Py_ssize_t n, PyObject **items);
int pv_unpack(PyObject *v, int argcnt, int argcntafter, PyObject **out);
PyObject *pv_lookup_special(PyObject *self, const char *attr);
PyObject *pv_with_enter(PyObject *mgr, PyObject **exit_out);
int pv_with_exit_ok(PyObject *exit);
int pv_with_exit_exc(PyObject *exit, PyObject *exc);
PyObject *pv_format_value(PyObject *v, int conversion, PyObject *spec);
PyObject *pv_join_str(Py_ssize_t n, PyObject **items);
int pv_str_append_local(PyObject **local, PyObject **left, PyObject **right);
PyObject *pv_bool(int b);
PyObject *pv_slice(PyObject *a, PyObject *b, PyObject *c);
PyObject *pv_super0(PyObject *super_obj, PyObject *cell, PyObject *first);
PyObject *pv_update_bases(PyObject *bases);
PyObject *pv_build_class(pv_class_body body, PyObject *closure, PyObject *name, PyObject *orig_bases, PyObject *kwds);
int pv_setup_annotations(PyObject *ns);
int pv_store_annotation(PyObject *ns, PyObject *name, PyObject *value);
int pv_asserts_enabled(void);
PyObject *pv_call_globals(PyObject *f, PyObject *globals, PyObject *builtins);
/* pv_function.c */
PyObject *pv_format_missing_names(PyObject *names);
void pv_missing_arguments(PvFunction *f, Py_ssize_t start, Py_ssize_t end, const char *kind, PyObject **locals);
void pv_too_many_positional(PvFunction *f, Py_ssize_t given, PyObject **locals);
int pv_posonly_as_keyword(PvFunction *f, PyObject *const *kwargs, Py_ssize_t nkw, PyObject *kwnames, PyObject *kwdict_keys);
int pv_bind_args(PvFunction *f, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, PyObject **locals);
PyObject *pv_function_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames);
PyObject *pv_function_new(PvFuncSpec *spec, PyObject *qualname, PyObject *module, PyObject *globals, PyObject *doc, PyObject *defaults, PyObject *kwdefaults, PyObject *closure);
int pv_function_traverse(PvFunction *f, visitproc visit, void *arg);
int pv_function_clear(PvFunction *f);
void pv_function_dealloc(PvFunction *f);
PyObject *pv_function_repr(PvFunction *f);
PyObject *pv_function_descr_get(PyObject *func, PyObject *obj, PyObject *type);
PyObject *pv_function_get_name(PvFunction *f, void *c);
int pv_function_set_name(PvFunction *f, PyObject *v, void *c);
PyObject *pv_function_get_qualname(PvFunction *f, void *c);
int pv_function_set_qualname(PvFunction *f, PyObject *v, void *c);
PyObject *pv_function_get_defaults(PvFunction *f, void *c);
int pv_function_set_defaults(PvFunction *f, PyObject *v, void *c);
PyObject *pv_function_get_kwdefaults(PvFunction *f, void *c);
int pv_function_set_kwdefaults(PvFunction *f, PyObject *v, void *c);
PyObject *pv_function_get_annotations(PvFunction *f, void *c);
int pv_function_set_annotations(PvFunction *f, PyObject *v, void *c);
PyObject *pv_function_get_globals(PvFunction *f, void *c);
PyObject *pv_function_get_closure(PvFunction *f, void *c);
PyObject *pv_function_reduce(PvFunction *f, PyObject *unused);
int pv_spec_init(PvFuncSpec *s);
/* pv_generator.c */
PyObject *pv_gen_new(PvFunction *func, const PvGenSpec *spec, void *frame);
PyObject *pv_gen_new_of(PyTypeObject *type, PvFunction *func, const PvGenSpec *spec, void *frame);
void pv_gen_finish(PvGen *g);
int pv_fetch_stop_value(PyObject **pvalue);
void pv_set_stop_value(PyObject *value);
PyObject *pv_gen_step(PvGen *g, PyObject *arg, int exc, PyObject **returned);
PyObject *pv_gen_iternext(PvGen *g);
PyObject *pv_gen_send(PvGen *g, PyObject *arg);
PyObject *pv_gen_send_exc(PvGen *g);
int pv_gen_close_iter(PyObject *yf);
PyObject *pv_gen_throw_impl(PvGen *g, int close_on_genexit, PyObject *typ, PyObject *val, PyObject *tb);
PyObject *pv_gen_throw(PvGen *g, PyObject *const *args, Py_ssize_t nargs);
PyObject *pv_gen_close(PvGen *g, PyObject *unused);
int pv_yf_send(PyObject *yf, PyObject *v, PyObject **out);
PyObject *pv_yf_iter(PyObject *v);
void pv_gen_finalize(PyObject *self);
int pv_gen_traverse(PvGen *g, visitproc visit, void *arg);
int pv_gen_tp_clear(PvGen *g);
void pv_gen_dealloc(PvGen *g);
PyObject *pv_gen_repr(PvGen *g);
PyObject *pv_gen_get_running(PvGen *g, void *c);
PyObject *pv_gen_get_suspended(PvGen *g, void *c);
PyObject *pv_gen_get_yf(PvGen *g, void *c);
PyObject *pv_gen_get_frame(PvGen *g, void *c);
PyObject *pv_gen_get_name(PvGen *g, void *c);
int pv_gen_set_name(PvGen *g, PyObject *v, void *c);
PyObject *pv_gen_get_qualname(PvGen *g, void *c);
int pv_gen_set_qualname(PvGen *g, PyObject *v, void *c);
int pv_types_ready(void);
/* pv_coroutine.c: coroutines (PEP 492), await, async for, async with */
int pv_coro_types_ready(void);
void pv_coro_warn_unawaited(PyObject *coro);
PyObject *pv_get_awaitable(PyObject *o, int where);
PyObject *pv_get_aiter(PyObject *o);
PyObject *pv_get_anext(PyObject *aiter);
int pv_is_stop_async(PyObject *exc);
/* pv_asyncgen.c: async generators (PEP 525) */
int pv_asyncgen_types_ready(void);
PyObject *pv_ag_wrap(PyObject *value);
int pv_ag_finalize(PvGen *g);
PyObject *pv_async_with_enter(PyObject *mgr, PyObject **exit_out);
PyObject *pv_async_with_exit_ok(PyObject *exit);
PyObject *pv_async_with_exit_exc(PyObject *exit, PyObject *exc);
/* pv_match.c: structural pattern matching */
int pv_match_len(PyObject *subject, Py_ssize_t n, int exact);
PyObject *pv_match_item(PyObject *subject, Py_ssize_t i);
PyObject *pv_match_item_from_end(PyObject *subject, Py_ssize_t k);
int pv_match_keys(PyObject *map, PyObject *keys, PyObject **values);
PyObject *pv_match_rest(PyObject *map, PyObject *keys);
int pv_match_class(PyObject *subject, PyObject *type, Py_ssize_t nargs, PyObject *kwargs,
                   PyObject **attrs);
/* pv_ops.c: functions declared interpreted */
PyObject *pv_interpreted_code(const char *source, Py_ssize_t len, const char *filename,
                              int flags, int depth, const char *const *path);
PyObject *pv_interpreted_function(PyObject *code, PyObject *qualname, PyObject *defaults,
                                  PyObject *kwdefaults, PyObject *closure, PyObject *globals);
/* pv_tiers.c: the entry guard of a function with a native version (see the file) */
enum { PV_DEP_FUNC, PV_DEP_VALUE, PV_DEP_MODULE, PV_DEP_MATHOBJ, PV_DEP_BUILTIN, PV_DEP_MATHATTR };
typedef struct {
    int kind;
    const char *name;     /* the global (MATHATTR: the math attribute) */
    const char *attr;     /* MATHOBJ: the math attribute the global must be */
    const void *spec;     /* FUNC: the PvFuncSpec of the def the native call stands for */
    PyObject *key;        /* interned name, made by pv_native_guard_init */
    PyObject *expect;     /* VALUE: the constant (set before init); else found by init */
    int pristine;         /* BUILTIN: init found the interpreter's own object (see init) */
} PvNativeDep;
typedef struct {
    PvNativeDep *deps;
    int n;
    int result;           /* the last check's result, valid while the versions hold */
    uint64_t globals_version, builtins_version, math_version;
} PvNativeGuard;
int pv_native_guard_init(PvNativeGuard *g, PyObject *builtins);
int pv_native_guard_check(PvNativeGuard *g, PyObject *globals, PyObject *builtins);

/* exact-type fast paths of the primitives (gprims.py's table names them) */
#include "pv_fast.h"

#endif /* PYVORIN_GENERIC_H */
