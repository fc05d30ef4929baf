/* Per-site attribute caches: the slow paths that specialise a site (see pv_generic.h).
 *
 * The conditions are CPython 3.11's own (Python/specialize.c: specialize_dict_access,
 * analyze_descriptor, _Py_Specialize_LoadMethod): a site is specialised for a type only
 * when the generic lookup could not see anything but the instance's values array (no
 * class attribute of that name anywhere in the MRO for o.x and o.x = v; a method
 * descriptor and no instance slot of that name for o.m(...)), with the type's generic
 * getattro/setattro, and its version tag valid. Every call that is not served by the
 * cache goes through the C API exactly as before.
 */
#include "pv_generic.h"

/* o.m(...) on a builtin type (list.append, str.join, dict.get): _PyObject_GetMethod found
   a method descriptor in the type's MRO (result 1). When the type is static and
   immutable (its dict and its bases' never change), has the generic getattro and no
   instance dict (nothing can shadow the method), every later lookup on that type finds
   the same descriptor: the site keeps it (borrowed from the static type's dict, which
   lives as long as the interpreter). What CPython 3.11's LOAD_METHOD_NO_DICT does. */
static int pv_builtin_method(PyObject *obj, PyObject *name, PyObject **meth, PvAttrCache *c)
{
    int r = pv_load_method(obj, name, meth);
    PyTypeObject *tp = Py_TYPE(obj);
    if (r == 1 && c->btype == NULL && !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
        && (tp->tp_flags & Py_TPFLAGS_IMMUTABLETYPE) && tp->tp_getattro == PyObject_GenericGetAttr
        && tp->tp_dictoffset == 0
#ifdef Py_TPFLAGS_MANAGED_DICT
        && !(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT)
#endif
        && PyType_HasFeature(Py_TYPE(*meth), Py_TPFLAGS_METHOD_DESCRIPTOR)) {
        c->btype = tp;
        c->bdescr = *meth;
    }
    return r;
}

#ifdef PV_ATTR_CACHE
#define Py_BUILD_CORE 1
#include "internal/pycore_dict.h"
#undef Py_BUILD_CORE
#include <stddef.h>

_Static_assert(offsetof(PvKeysHead, dk_nentries) == offsetof(PyDictKeysObject, dk_nentries),
               "3.11 dict keys layout");
_Static_assert(offsetof(PvKeysHead, dk_kind) == offsetof(PyDictKeysObject, dk_kind),
               "3.11 dict keys layout");
_Static_assert(sizeof(PyDictValues) == sizeof(PyObject *), "3.11 values layout");

/* a site that had to specialise this often stops trying (megamorphic or churning) */
#define PV_ATTR_MAX_TRIES 64

/* The name's slot in the type's shared keys, or -1 (identity: the names are interned). */
static Py_ssize_t shared_slot(PyTypeObject *tp, PyObject *name)
{
    PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
    if (keys == NULL || keys->dk_kind != DICT_KEYS_SPLIT) return -2;
    PyDictUnicodeEntry *entries = DK_UNICODE_ENTRIES(keys);
    for (Py_ssize_t i = 0; i < keys->dk_nentries; i++)
        if (entries[i].me_key == name) return i;
    return -1;
}

/* Whether tp may be specialised at all; its type lookup of name in *descr (borrowed). */
static int specialisable(PyTypeObject *tp, PyObject *name, PvAttrCache *c, PyObject **descr)
{
    if (c->tries >= PV_ATTR_MAX_TRIES) return 0;
    c->tries++;
    if (!(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) || !(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
        || !PyUnicode_CheckExact(name) || !PyUnicode_CHECK_INTERNED(name))
        return 0;
    *descr = _PyType_Lookup(tp, name); /* assigns the version tag when it can */
    if (PyErr_Occurred()) return -1;
    return (tp->tp_flags & Py_TPFLAGS_VALID_VERSION_TAG) && tp->tp_version_tag != 0;
}

static PvAttrEntry *claim(PvAttrCache *c, PyTypeObject *tp)
{
    PvAttrEntry *e = &c->e[c->next++ % PV_ATTR_WAYS];
    e->version = tp->tp_version_tag;
    return e;
}

PyObject *pv_getattr_miss(PyObject *obj, PyObject *name, PvAttrCache *c)
{
    PyTypeObject *tp = Py_TYPE(obj);
    PyObject *descr = NULL;
    int ok = tp->tp_getattro == PyObject_GenericGetAttr ? specialisable(tp, name, c, &descr) : 0;
    if (ok < 0) return NULL;
    if (ok && descr == NULL) {
        Py_ssize_t slot = shared_slot(tp, name);
        if (slot >= 0) claim(c, tp)->index = slot;
    }
    return PyObject_GetAttr(obj, name);
}

int pv_setattr_miss(PyObject *obj, PyObject *name, PyObject *value, PvAttrCache *c)
{
    PyTypeObject *tp = Py_TYPE(obj);
    PyObject *descr = NULL;
    int ok = tp->tp_setattro == PyObject_GenericSetAttr ? specialisable(tp, name, c, &descr) : 0;
    if (ok < 0) return -1;
    /* set first: a first instance's first store is what adds the name to the shared keys */
    if (PyObject_SetAttr(obj, name, value) < 0) return -1;
    if (ok && descr == NULL && tp->tp_version_tag != 0) {
        Py_ssize_t slot = shared_slot(tp, name);
        if (slot >= 0) claim(c, tp)->index = slot;
    }
    return 0;
}

int pv_load_method_miss(PyObject *obj, PyObject *name, PyObject **meth, PvAttrCache *c)
{
    PyTypeObject *tp = Py_TYPE(obj);
    PyObject *descr = NULL;
    int ok = tp->tp_getattro == PyObject_GenericGetAttr ? specialisable(tp, name, c, &descr) : 0;
    if (ok < 0) return -1;
    if (ok && descr != NULL && PyType_HasFeature(Py_TYPE(descr), Py_TPFLAGS_METHOD_DESCRIPTOR)
        && shared_slot(tp, name) == -1) {
        PvAttrEntry *e = claim(c, tp);
        e->descr = descr;
        e->nentries = ((PyHeapTypeObject *)tp)->ht_cached_keys->dk_nentries;
    }
    return pv_builtin_method(obj, name, meth, c);
}

void pv_values_add_order(PyObject **values, Py_ssize_t index)
{
    _PyDictValues_AddToInsertionOrder((PyDictValues *)values, index);
}

#else /* no cache on this version: the inline functions never call these */

PyObject *pv_getattr_miss(PyObject *obj, PyObject *name, PvAttrCache *c)
{
    (void)c;
    return PyObject_GetAttr(obj, name);
}

int pv_setattr_miss(PyObject *obj, PyObject *name, PyObject *value, PvAttrCache *c)
{
    (void)c;
    return PyObject_SetAttr(obj, name, value);
}

int pv_load_method_miss(PyObject *obj, PyObject *name, PyObject **meth, PvAttrCache *c)
{
    return pv_builtin_method(obj, name, meth, c);
}

void pv_values_add_order(PyObject **values, Py_ssize_t index)
{
    (void)values;
    (void)index;
}
#endif
