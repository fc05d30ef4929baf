/* Exact-type fast paths of the generic tier's primitives (included by pv_generic.h).
 *
 * CPython 3.11's specialising interpreter serves the common cases of arithmetic,
 * comparison, subscripts and truth tests on exact builtin types without the generic
 * protocol (BINARY_OP_ADD_INT, COMPARE_OP_INT_JUMP, BINARY_SUBSCR_DICT,
 * BINARY_SUBSCR_LIST_INT, STORE_SUBSCR_DICT ...). These functions do the same for
 * compiled code: each tests the exact types of its operands (never a subclass: a subclass
 * may override anything), computes what the builtin type's own slot computes, and falls
 * back to the C-API call the interpreter makes for everything else, so the result, its
 * type and every exception (its type and message) are CPython's.
 *
 * What is computed inline, and why it is exact:
 * - int: operands whose value fits a C long long; + - * & | ^ << >> // % and comparisons in
 *   64-bit arithmetic with overflow checks (an overflow, a zero divisor, a negative shift
 *   take the generic path, which raises or builds the big int). The result is built by
 *   PyLong_FromLongLong: the same value (and the same cached small int) as the slot's.
 * - float: + - * / and comparisons of two floats, or a float and an int that converts
 *   exactly (|i| <= 2**53): IEEE double arithmetic is what float's slots do; a zero
 *   divisor takes the generic path (ZeroDivisionError). int / int with both operands
 *   exactly representable: one correctly rounded division, as long_true_divide.
 * - str: == and != compare length, kind and code units (unicode_compare_eq); + is
 *   PyUnicode_Concat (what str's sq_concat calls).
 * - dict: d[k], d[k] = v, k in d on an exact dict are the PyDict_* calls dict_subscript
 *   and friends make; a missing key raises KeyError((k,)) as _PyErr_SetKeyError does (an
 *   exact dict never consults __missing__).
 * - list/tuple/str with an exact int index in range; any other index (out of range,
 *   a bool, a slice) takes the generic path and its IndexError/TypeError.
 * - truth: True/False/None, exact int, str, list, tuple, dict by their size.
 *
 * Fast functions return a new reference, or NULL with an exception set; the internal
 * pv_try_* helpers return PV_NOFAST when they do not apply.
 */
#ifndef PYVORIN_FAST_H
#define PYVORIN_FAST_H

#if PY_VERSION_HEX < 0x030B0000
#include <longintrepr.h>
#endif

/* "not handled here": no fast path result is ever NotImplemented */
#define PV_NOFAST Py_NotImplemented

/* ---- exact int values ------------------------------------------------------------ */

#define PV_INLINE static inline __attribute__((always_inline))
#define PV_NOINLINE static __attribute__((noinline))

/* The value of an exact int of more than one digit when it fits a long long. */
PV_NOINLINE int pv_long_value_slow(PyObject *o, long long *v)
{
#if PY_VERSION_HEX < 0x030C0000
    const digit *d = ((PyLongObject *)o)->ob_digit;
    switch (Py_SIZE(o)) {
    case 2: *v = (long long)d[0] | ((long long)d[1] << PyLong_SHIFT); return 1;
    case -2: *v = -((long long)d[0] | ((long long)d[1] << PyLong_SHIFT)); return 1;
    default: break;
    }
#endif
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow || (x == -1 && PyErr_Occurred())) {
        PyErr_Clear(); /* cannot fail for an exact int, but never leave it set */
        return 0;
    }
    *v = x;
    return 1;
}

/* An exact int of at most one digit (ceval's IS_MEDIUM_VALUE; 3.12: compact) and its
   value: the case every fast path tests inline. */
PV_INLINE int pv_long_medium(PyObject *o, long long *v)
{
#if PY_VERSION_HEX >= 0x030C0000
    if (!PyUnstable_Long_IsCompact((PyLongObject *)o)) return 0;
    *v = (long long)PyUnstable_Long_CompactValue((PyLongObject *)o);
    return 1;
#else
    Py_ssize_t size = Py_SIZE(o);
    if ((size_t)(size + 1) >= 3) return 0;
    *v = (long long)size * (long long)((PyLongObject *)o)->ob_digit[0];
    return 1;
#endif
}

/* 1 and the value of exact int o when it fits a long long (cheaply), else 0. */
PV_INLINE int pv_long_value(PyObject *o, long long *v)
{
    if (!PyLong_CheckExact(o)) return 0;
    if (pv_long_medium(o, v)) return 1;
    return pv_long_value_slow(o, v);
}

#define PV_EXACT_DOUBLE_INT (1LL << 53)

/* 1 and exact float or exactly-convertible exact int o as a double, else 0. */
static inline int pv_number_double(PyObject *o, double *d)
{
    if (PyFloat_CheckExact(o)) {
        *d = PyFloat_AS_DOUBLE(o);
        return 1;
    }
    long long v;
    if (pv_long_value(o, &v) && v <= PV_EXACT_DOUBLE_INT && v >= -PV_EXACT_DOUBLE_INT) {
        *d = (double)v;
        return 1;
    }
    return 0;
}

PV_INLINE PyObject *pv_new_bool(int b)
{
    PyObject *r = b ? Py_True : Py_False;
    Py_INCREF(r);
    return r;
}

/* ---- arithmetic -------------------------------------------------------------------- */

enum { PV_ADD, PV_SUB, PV_MUL, PV_TRUEDIV, PV_FLOORDIV, PV_MOD, PV_LSHIFT, PV_RSHIFT,
       PV_AND, PV_OR, PV_XOR };

/* x op y for two ints, or PV_NOFAST when it leaves 64 bits or must raise. */
PV_INLINE PyObject *pv_try_int_op(int op, long long x, long long y)
{
    long long r;
    switch (op) {
    case PV_ADD: if (__builtin_add_overflow(x, y, &r)) return PV_NOFAST; break;
    case PV_SUB: if (__builtin_sub_overflow(x, y, &r)) return PV_NOFAST; break;
    case PV_MUL: if (__builtin_mul_overflow(x, y, &r)) return PV_NOFAST; break;
    case PV_FLOORDIV:
    case PV_MOD: {
        if (y == 0 || (y == -1 && x == LLONG_MIN)) return PV_NOFAST;
        long long q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) { /* floor, as Python's l_divmod */
            q -= 1;
            m += y;
        }
        r = op == PV_MOD ? m : q;
        break;
    }
    case PV_TRUEDIV:
        if (y == 0 || x > PV_EXACT_DOUBLE_INT || x < -PV_EXACT_DOUBLE_INT
            || y > PV_EXACT_DOUBLE_INT || y < -PV_EXACT_DOUBLE_INT)
            return PV_NOFAST;
        return PyFloat_FromDouble((double)x / (double)y);
    case PV_LSHIFT:
        if (y < 0 || y > 62) return PV_NOFAST;
        if (x > (LLONG_MAX >> y) || x < (LLONG_MIN >> y)) return PV_NOFAST;
        r = (long long)((unsigned long long)x << y);
        break;
    case PV_RSHIFT:
        if (y < 0) return PV_NOFAST;
        r = y > 63 ? (x < 0 ? -1 : 0) : (x >> y); /* arithmetic shift: floor division */
        break;
    case PV_AND: r = x & y; break;
    case PV_OR: r = x | y; break;
    case PV_XOR: r = x ^ y; break;
    default: return PV_NOFAST;
    }
    return PyLong_FromLongLong(r);
}

/* a op b for exact int, float (and int mixed with float) and str operands, or PV_NOFAST. */
PV_NOINLINE PyObject *pv_try_binop(int op, PyObject *a, PyObject *b)
{
    long long x, y;
    PyTypeObject *ta = Py_TYPE(a), *tb = Py_TYPE(b);
    if (ta == &PyLong_Type && tb == &PyLong_Type) {
        if (pv_long_value(a, &x) && pv_long_value(b, &y)) return pv_try_int_op(op, x, y);
        return PV_NOFAST;
    }
    if ((ta == &PyFloat_Type || tb == &PyFloat_Type) && op <= PV_TRUEDIV) {
        double p, q, r;
        if (!pv_number_double(a, &p) || !pv_number_double(b, &q)) return PV_NOFAST;
        switch (op) {
        case PV_ADD: r = p + q; break;
        case PV_SUB: r = p - q; break;
        case PV_MUL: r = p * q; break;
        default: /* PV_TRUEDIV */
            if (q == 0.0) return PV_NOFAST;
            r = p / q;
        }
        /* Two nan operands: which one's sign and payload the result carries depends on
           the order the C compiler put the operands in (x86 SSE keeps the first), a choice
           made separately for CPython's float slots and for this code. Let the float slot
           decide, so the bits are CPython's. */
        if (PV_UNLIKELY(isnan(p) && isnan(q))) return PV_NOFAST;
        return PyFloat_FromDouble(r);
    }
    if (op == PV_ADD && ta == &PyUnicode_Type && tb == &PyUnicode_Type)
        return PyUnicode_Concat(a, b);
    return PV_NOFAST;
}

/* Two one-digit ints inline (the common case: counters, indexes), the rest out of line. */
PV_INLINE PyObject *pv_binop(int op, PyObject *a, PyObject *b)
{
    long long x, y;
    if (PyLong_CheckExact(a) && PyLong_CheckExact(b) && pv_long_medium(a, &x)
        && pv_long_medium(b, &y))
        return pv_try_int_op(op, x, y);
    return pv_try_binop(op, a, b);
}

#define PV_BINOP(name, op, generic, igeneric)                                          \
    PV_INLINE PyObject *pv_##name(PyObject *a, PyObject *b)                             \
    {                                                                                   \
        PyObject *r = pv_binop(op, a, b);                                               \
        return r != PV_NOFAST ? r : generic(a, b);                                      \
    }                                                                                   \
    PV_INLINE PyObject *pv_i##name(PyObject *a, PyObject *b)                            \
    {                                                                                   \
        PyObject *r = pv_binop(op, a, b);                                               \
        return r != PV_NOFAST ? r : igeneric(a, b);                                     \
    }
PV_BINOP(add, PV_ADD, PyNumber_Add, PyNumber_InPlaceAdd)
PV_BINOP(sub, PV_SUB, PyNumber_Subtract, PyNumber_InPlaceSubtract)
PV_BINOP(mul, PV_MUL, PyNumber_Multiply, PyNumber_InPlaceMultiply)
PV_BINOP(truediv, PV_TRUEDIV, PyNumber_TrueDivide, PyNumber_InPlaceTrueDivide)
PV_BINOP(floordiv, PV_FLOORDIV, PyNumber_FloorDivide, PyNumber_InPlaceFloorDivide)
PV_BINOP(mod, PV_MOD, PyNumber_Remainder, PyNumber_InPlaceRemainder)
PV_BINOP(lshift, PV_LSHIFT, PyNumber_Lshift, PyNumber_InPlaceLshift)
PV_BINOP(rshift, PV_RSHIFT, PyNumber_Rshift, PyNumber_InPlaceRshift)
PV_BINOP(and, PV_AND, PyNumber_And, PyNumber_InPlaceAnd)
PV_BINOP(or, PV_OR, PyNumber_Or, PyNumber_InPlaceOr)
PV_BINOP(xor, PV_XOR, PyNumber_Xor, PyNumber_InPlaceXor)
#undef PV_BINOP

/* `x += y` (inplace) or `x = x + y` where `x` is a fast local: *local is x's register,
 * *left the value x was read as and *right the operand, both owned and consumed (left to
 * NULL). Exact strs whose left operand x still holds are appended to x in place
 * (pv_str_append_local: BINARY_OP_INPLACE_ADD_UNICODE); everything else is exactly the
 * plain lowering: pv_iadd or pv_add, release left then right, store the result into x.
 * Returns 0 (x set) or -1 (an exception; x is unchanged, but NULL when an append failed). */
PV_INLINE int pv_add_to_local(PyObject **local, PyObject **left, PyObject **right, int inplace)
{
    PyObject *l = *left, *r = *right, *res;
    if (PyUnicode_CheckExact(l) && PyUnicode_CheckExact(r) && *local == l)
        return pv_str_append_local(local, left, right);
    res = inplace ? pv_iadd(l, r) : pv_add(l, r);
    *left = NULL;
    *right = NULL;
    Py_DECREF(l);
    Py_DECREF(r);
    if (PV_UNLIKELY(res == NULL)) return -1;
    Py_XSETREF(*local, res);
    return 0;
}

/* ---- comparison -------------------------------------------------------------------- */

PV_INLINE int pv_cmp_result(long long c, int op)
{
    switch (op) {
    case Py_LT: return c < 0;
    case Py_LE: return c <= 0;
    case Py_EQ: return c == 0;
    case Py_NE: return c != 0;
    case Py_GT: return c > 0;
    default: return c >= 0; /* Py_GE */
    }
}

/* Two exact strs equal (unicode_compare_eq): same length, kind and code units. */
PV_INLINE int pv_str_eq(PyObject *a, PyObject *b)
{
    if (a == b) return 1;
#if PY_VERSION_HEX < 0x030C0000
    if (!PyUnicode_IS_READY(a) || !PyUnicode_IS_READY(b)) {
        if (PyUnicode_READY(a) < 0 || PyUnicode_READY(b) < 0) return -1;
    }
#endif
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    if (n != PyUnicode_GET_LENGTH(b) || PyUnicode_KIND(a) != PyUnicode_KIND(b)) return 0;
    return memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)n * PyUnicode_KIND(a)) == 0;
}

PV_NOINLINE PyObject *pv_richcompare_slow(PyObject *a, PyObject *b, int op)
{
    PyTypeObject *ta = Py_TYPE(a), *tb = Py_TYPE(b);
    if (ta == &PyLong_Type && tb == &PyLong_Type) {
        long long x, y;
        if (pv_long_value(a, &x) && pv_long_value(b, &y))
            return pv_new_bool(pv_cmp_result((x > y) - (x < y), op));
    }
    else if (ta == &PyFloat_Type || tb == &PyFloat_Type) {
        double p, q;
        if (pv_number_double(a, &p) && pv_number_double(b, &q)) {
            switch (op) { /* IEEE: every comparison with a nan is false but != */
            case Py_LT: return pv_new_bool(p < q);
            case Py_LE: return pv_new_bool(p <= q);
            case Py_EQ: return pv_new_bool(p == q);
            case Py_NE: return pv_new_bool(p != q);
            case Py_GT: return pv_new_bool(p > q);
            default: return pv_new_bool(p >= q);
            }
        }
    }
    else if (ta == &PyUnicode_Type && tb == &PyUnicode_Type && (op == Py_EQ || op == Py_NE)) {
        int eq = pv_str_eq(a, b);
        if (eq < 0) return NULL;
        return pv_new_bool(op == Py_EQ ? eq : !eq);
    }
    return PyObject_RichCompare(a, b, op);
}

/* Two one-digit ints and str equality inline (op is a constant at each site), the rest
   out of line. */
PV_INLINE PyObject *pv_richcompare(PyObject *a, PyObject *b, int op)
{
    long long x, y;
    if (PyLong_CheckExact(a) && PyLong_CheckExact(b) && pv_long_medium(a, &x)
        && pv_long_medium(b, &y))
        return pv_new_bool(pv_cmp_result((x > y) - (x < y), op));
    if ((op == Py_EQ || op == Py_NE) && PyUnicode_CheckExact(a) && PyUnicode_CheckExact(b)) {
        int eq = pv_str_eq(a, b); /* ch == '"': one-character strs, inline */
        if (eq < 0) return NULL;
        return pv_new_bool(op == Py_EQ ? eq : !eq);
    }
    return pv_richcompare_slow(a, b, op);
}

/* ---- truth ---------------------------------------------------------------------- */

PV_NOINLINE int pv_istrue_slow(PyObject *o)
{
    PyTypeObject *t = Py_TYPE(o);
    if (t == &PyLong_Type) {
        long long v;
        if (pv_long_value(o, &v)) return v != 0;
        return 1; /* an int beyond 64 bits is not zero */
    }
    if (t == &PyUnicode_Type) return PyUnicode_GET_LENGTH(o) != 0;
    if (t == &PyList_Type) return PyList_GET_SIZE(o) != 0;
    if (t == &PyTuple_Type) return PyTuple_GET_SIZE(o) != 0;
    if (t == &PyDict_Type) return PyDict_GET_SIZE(o) != 0;
    return PyObject_IsTrue(o);
}

PV_INLINE int pv_istrue(PyObject *o)
{
    if (o == Py_True) return 1;
    if (o == Py_False || o == Py_None) return 0;
    return pv_istrue_slow(o);
}

/* ---- subscripts and membership --------------------------------------------------- */

/* The index of exact int key into a sequence of length n, or -1 (not handled here). */
static inline Py_ssize_t pv_seq_index(PyObject *key, Py_ssize_t n)
{
    long long i;
    if (!pv_long_value(key, &i)) return -1;
    if (i < 0) i += n;
    return (i >= 0 && i < n) ? (Py_ssize_t)i : -1;
}

/* KeyError((key,)): _PyErr_SetKeyError, so that a tuple key shows as itself. */
static inline void pv_key_error(PyObject *key)
{
    PyObject *t = PyTuple_Pack(1, key);
    if (t == NULL) return;
    PyErr_SetObject(PyExc_KeyError, t);
    Py_DECREF(t);
}

PV_NOINLINE PyObject *pv_getitem(PyObject *o, PyObject *key)
{
    PyTypeObject *t = Py_TYPE(o);
    if (t == &PyDict_Type) {
        PyObject *v = PyDict_GetItemWithError(o, key);
        if (v != NULL) {
            Py_INCREF(v);
            return v;
        }
        if (!PyErr_Occurred()) pv_key_error(key);
        return NULL;
    }
    if (t == &PyList_Type) {
        Py_ssize_t i = pv_seq_index(key, PyList_GET_SIZE(o));
        if (i >= 0) {
            PyObject *v = PyList_GET_ITEM(o, i);
            Py_INCREF(v);
            return v;
        }
    }
    else if (t == &PyTuple_Type) {
        Py_ssize_t i = pv_seq_index(key, PyTuple_GET_SIZE(o));
        if (i >= 0) {
            PyObject *v = PyTuple_GET_ITEM(o, i);
            Py_INCREF(v);
            return v;
        }
    }
    else if (t == &PyUnicode_Type) {
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(o) < 0) return NULL;
#endif
        Py_ssize_t i = pv_seq_index(key, PyUnicode_GET_LENGTH(o));
        if (i >= 0) return PyUnicode_FromOrdinal((int)PyUnicode_READ_CHAR(o, i));
    }
    return PyObject_GetItem(o, key);
}

PV_NOINLINE int pv_setitem(PyObject *o, PyObject *key, PyObject *value)
{
    PyTypeObject *t = Py_TYPE(o);
    if (t == &PyDict_Type) return PyDict_SetItem(o, key, value);
    if (t == &PyList_Type) {
        Py_ssize_t i = pv_seq_index(key, PyList_GET_SIZE(o));
        if (i >= 0) {
            PyObject *old = PyList_GET_ITEM(o, i);
            Py_INCREF(value);
            PyList_SET_ITEM(o, i, value);
            Py_DECREF(old);
            return 0;
        }
    }
    return PyObject_SetItem(o, key, value);
}

/* ``item in container`` (PySequence_Contains's argument order: container first). */
PV_NOINLINE int pv_contains(PyObject *container, PyObject *item)
{
    PyTypeObject *t = Py_TYPE(container);
    if (t == &PyDict_Type) return PyDict_Contains(container, item);
    if (t == &PyUnicode_Type && PyUnicode_CheckExact(item))
        return PyUnicode_Contains(container, item);
    return PySequence_Contains(container, item);
}

#endif /* PYVORIN_FAST_H */
