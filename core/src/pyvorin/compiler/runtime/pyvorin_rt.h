/* Pyvorin native runtime: tagged integers, exact float helpers, argument parsing.
 *
 * Design (after mypyc's lib-rt): an int is a PvInt, a machine word. An even word is a
 * short int holding value << 1; an odd word is a PyObject* (a PyLong) | 1 for values that
 * do not fit. Every operation has a fast path on short ints in C and delegates every rare
 * or exceptional case to CPython's own implementation on boxed values, so results,
 * exception types and messages are those of the running interpreter.
 *
 * Ownership: a PvInt that is a pointer owns one reference. PV_INT_ERR marks an error.
 */
#ifndef PYVORIN_RT_H
#define PYVORIN_RT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>
#include <stdint.h>
#include <float.h>

/* _PyTraceback_Add is exported by every supported CPython but not always declared. */
extern void _PyTraceback_Add(const char *, const char *, int);

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-label"
#pragma GCC diagnostic ignored "-Wunused-variable"
#endif

#define PV_LIKELY(x) __builtin_expect(!!(x), 1)
#define PV_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* Small hot helpers are always inlined: gcc -O2 otherwise keeps them out of line in large
 * generated functions, and a call costs more than their fast path. Their rare paths are
 * separate out-of-line functions. */
#if defined(__GNUC__) || defined(__clang__)
#define PV_HOT static inline __attribute__((always_inline))
#define PV_COLD static __attribute__((noinline, cold))
#else
#define PV_HOT static inline
#define PV_COLD static
#endif

typedef intptr_t PvInt;
#define PV_INT_ERR ((PvInt)1)
#define PV_SHORT(v) ((PvInt)((uintptr_t)(intptr_t)(v) << 1))
#define PV_IS_SHORT(x) (((x) & 1) == 0)
#define PV_BOTH_SHORT(a, b) ((((a) | (b)) & 1) == 0)
#define PV_VAL(x) ((x) >> 1)
#define PV_OBJ(x) ((PyObject *)((x) & ~(PvInt)1))
#define PV_SHORT_MAX ((intptr_t)(INTPTR_MAX >> 1))
#define PV_SHORT_MIN ((intptr_t)(INTPTR_MIN >> 1))
#define PV_BOOL_ERR 2
#define PV_FLOAT_ERR (-113.0)

static inline void pv_int_incref(PvInt x) { if (!PV_IS_SHORT(x)) Py_INCREF(PV_OBJ(x)); }
static inline void pv_int_decref(PvInt x) { if (!PV_IS_SHORT(x)) Py_DECREF(PV_OBJ(x)); }
#define PV_INT_CLEAR(x) do { PvInt _pv_t = (x); (x) = 0; if (!PV_IS_SHORT(_pv_t) && _pv_t != PV_INT_ERR) Py_DECREF(PV_OBJ(_pv_t)); } while (0)

/* CPython's small ints (-5..256): PyLong_FromSsize_t returns one shared object per value.
 * From 3.11 on they are process-wide (3.10 keeps them per interpreter, so it always asks
 * PyLong_FromSsize_t). pv_small_ints_init() records those very objects, so boxing a small
 * value inline returns the identical object, without a call into libpython. An entry stays
 * NULL (and boxing takes the call) unless the interpreter hands out the same object twice. */
#define PV_SMALL_NEG 5
#define PV_SMALL_POS 257
#if PY_VERSION_HEX >= 0x030B0000
#define PV_HAVE_SMALL_INTS 1
static PyObject *pv_small_ints[PV_SMALL_NEG + PV_SMALL_POS];
static int pv_small_ints_init(void) {
    for (long v = -PV_SMALL_NEG; v < PV_SMALL_POS; v++) {
        PyObject *a = PyLong_FromLong(v);
        if (!a) return -1;
        PyObject *b = PyLong_FromLong(v);
        if (!b) { Py_DECREF(a); return -1; }
        Py_DECREF(b);
        if (a == b && pv_small_ints[v + PV_SMALL_NEG] == NULL)
            pv_small_ints[v + PV_SMALL_NEG] = a; /* the table keeps this reference */
        else
            Py_DECREF(a);
    }
    return 0;
}
#else
#define PV_HAVE_SMALL_INTS 0
static int pv_small_ints_init(void) { return 0; }
#endif

/* A new reference to a PyLong for x (borrowed). */
static inline PyObject *pv_int_box(PvInt x) {
    if (PV_IS_SHORT(x)) {
#if PV_HAVE_SMALL_INTS
        intptr_t v = PV_VAL(x);
        if ((uintptr_t)(v + PV_SMALL_NEG) < (uintptr_t)(PV_SMALL_NEG + PV_SMALL_POS)) {
            PyObject *o = pv_small_ints[v + PV_SMALL_NEG];
            if (PV_LIKELY(o != NULL)) {
                Py_INCREF(o);
                return o;
            }
        }
#endif
        return PyLong_FromSsize_t((Py_ssize_t)PV_VAL(x));
    }
    PyObject *o = PV_OBJ(x);
    Py_INCREF(o);
    return o;
}

/* Steals a reference to o (a PyLong, or NULL for an error); returns an owned PvInt. */
static inline PvInt pv_int_from_long_steal(PyObject *o) {
    if (o == NULL) return PV_INT_ERR;
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (!overflow && v >= PV_SHORT_MIN && v <= PV_SHORT_MAX) {
        Py_DECREF(o);
        return PV_SHORT(v);
    }
    return ((PvInt)o) | 1;
}

static inline PvInt pv_int_from_ssize(Py_ssize_t v) {
    if (v >= PV_SHORT_MIN && v <= PV_SHORT_MAX) return PV_SHORT(v);
    return pv_int_from_long_steal(PyLong_FromSsize_t(v));
}

/* Unbox an object that must be an int (bool accepted); new PvInt or PV_INT_ERR. */
PV_COLD PvInt pv_int_unbox_slow(PyObject *o, const char *what);
/* Fast path for exact ints that fit one digit; everything else goes the long way. */
PV_HOT PvInt pv_int_unbox(PyObject *o, const char *what) {
    if (PV_LIKELY(PyLong_CheckExact(o))) {
#if PY_VERSION_HEX >= 0x030C0000
        if (PV_LIKELY(PyUnstable_Long_IsCompact((PyLongObject *)o)))
            return PV_SHORT(PyUnstable_Long_CompactValue((PyLongObject *)o));
#else
        Py_ssize_t size = Py_SIZE(o);
        if (size == 0) return 0;
        if (size == 1) return PV_SHORT((intptr_t)((PyLongObject *)o)->ob_digit[0]);
        if (size == -1) return PV_SHORT(-(intptr_t)((PyLongObject *)o)->ob_digit[0]);
#endif
    }
    return pv_int_unbox_slow(o, what);
}
PV_COLD PvInt pv_int_unbox_slow(PyObject *o, const char *what) {
    if (PV_LIKELY(PyLong_Check(o))) {
        if (PyBool_Check(o)) return PV_SHORT(o == Py_True);
        if (PyLong_CheckExact(o)) {
            Py_INCREF(o);
            return pv_int_from_long_steal(o);
        }
        /* an int subclass: keep its value as an exact int (no Python code runs) */
        return pv_int_from_long_steal(PyNumber_Index(o));
    }
    PyErr_Format(PyExc_TypeError, "%s must be int, not %.200s", what, Py_TYPE(o)->tp_name);
    return PV_INT_ERR;
}

static double pv_float_unbox(PyObject *o, const char *what) {
    if (PV_LIKELY(PyFloat_CheckExact(o))) return PyFloat_AS_DOUBLE(o);
    if (PyFloat_Check(o) || PyLong_Check(o)) {
        double d = PyFloat_AsDouble(o);
        if (d == -1.0 && PyErr_Occurred()) return PV_FLOAT_ERR;
        return d;
    }
    PyErr_Format(PyExc_TypeError, "%s must be float, not %.200s", what, Py_TYPE(o)->tp_name);
    return PV_FLOAT_ERR;
}

static char pv_bool_unbox(PyObject *o, const char *what) {
    if (PV_LIKELY(PyBool_Check(o))) return o == Py_True;
    PyErr_Format(PyExc_TypeError, "%s must be bool, not %.200s", what, Py_TYPE(o)->tp_name);
    return PV_BOOL_ERR;
}

/* Exactly list: a subclass could override methods that compiled code bypasses. */
static PyObject *pv_list_unbox(PyObject *o, const char *what) {
    if (PV_LIKELY(PyList_CheckExact(o))) { Py_INCREF(o); return o; }
    PyErr_Format(PyExc_TypeError, "%s must be list, not %.200s", what, Py_TYPE(o)->tp_name);
    return NULL;
}

static PyObject *pv_dict_unbox(PyObject *o, const char *what) {
    if (PV_LIKELY(PyDict_CheckExact(o))) { Py_INCREF(o); return o; }
    PyErr_Format(PyExc_TypeError, "%s must be dict, not %.200s", what, Py_TYPE(o)->tp_name);
    return NULL;
}

static PyObject *pv_set_unbox(PyObject *o, const char *what) {
    if (PV_LIKELY(PySet_CheckExact(o))) { Py_INCREF(o); return o; }
    PyErr_Format(PyExc_TypeError, "%s must be set, not %.200s", what, Py_TYPE(o)->tp_name);
    return NULL;
}

static PyObject *pv_tuple_unbox(PyObject *o, Py_ssize_t n, const char *what) {
    if (PV_LIKELY(PyTuple_Check(o))) {
        if (PyTuple_GET_SIZE(o) != n) {
            PyErr_Format(PyExc_TypeError, "%s must be a tuple of length %zd, not %zd", what, n,
                         PyTuple_GET_SIZE(o));
            return NULL;
        }
        Py_INCREF(o);
        return o;
    }
    PyErr_Format(PyExc_TypeError, "%s must be tuple, not %.200s", what, Py_TYPE(o)->tp_name);
    return NULL;
}

/* A str as native code holds it: an exact str (a str subclass is read as a plain str of
   its value, as int subclasses are: no Python code runs), and on 3.10/3.11 in the
   canonical ("ready") representation that PyUnicode_GET_LENGTH and PyUnicode_READ_CHAR
   read. Every str native code holds passed through here or was made by a C-API call,
   which makes ready strs. */
static PyObject *pv_str_unbox(PyObject *o, const char *what) {
    if (PV_LIKELY(PyUnicode_CheckExact(o))) {
#if PY_VERSION_HEX < 0x030C0000
        if (PyUnicode_READY(o) < 0) return NULL;
#endif
        Py_INCREF(o);
        return o;
    }
    if (PyUnicode_Check(o)) return PyUnicode_FromObject(o); /* an exact, ready copy */
    PyErr_Format(PyExc_TypeError, "%s must be str, not %.200s", what, Py_TYPE(o)->tp_name);
    return NULL;
}
/* The native version's test of a str argument: an exact str, ready (a legacy str not
   yet ready runs the generic body, which handles it as CPython does). */
static inline int pv_str_exact(PyObject *o) {
#if PY_VERSION_HEX < 0x030C0000
    return PyUnicode_CheckExact(o) && PyUnicode_IS_READY(o);
#else
    return PyUnicode_CheckExact(o);
#endif
}

static inline double pv_bits(uint64_t bits) { double d; memcpy(&d, &bits, sizeof d); return d; }

static inline PyObject *pv_bool_box(char b) { PyObject *r = b ? Py_True : Py_False; Py_INCREF(r); return r; }
static inline PyObject *pv_none(void) { Py_INCREF(Py_None); return Py_None; }

/* ---- int arithmetic ---------------------------------------------------- */

typedef PyObject *(*pv_binfunc)(PyObject *, PyObject *);
static PyObject *pv_power2(PyObject *a, PyObject *b) { return PyNumber_Power(a, b, Py_None); }

static PvInt pv_int_slow(pv_binfunc f, PvInt a, PvInt b) {
    PyObject *x = pv_int_box(a);
    if (!x) return PV_INT_ERR;
    PyObject *y = pv_int_box(b);
    if (!y) { Py_DECREF(x); return PV_INT_ERR; }
    PyObject *r = f(x, y);
    Py_DECREF(x);
    Py_DECREF(y);
    return pv_int_from_long_steal(r);
}

static inline PvInt pv_int_add(PvInt a, PvInt b) {
    PvInt r;
    if (PV_LIKELY(PV_BOTH_SHORT(a, b)) && !__builtin_add_overflow(a, b, &r)) return r;
    return pv_int_slow(PyNumber_Add, a, b);
}
static inline PvInt pv_int_sub(PvInt a, PvInt b) {
    PvInt r;
    if (PV_LIKELY(PV_BOTH_SHORT(a, b)) && !__builtin_sub_overflow(a, b, &r)) return r;
    return pv_int_slow(PyNumber_Subtract, a, b);
}
static inline PvInt pv_int_mul(PvInt a, PvInt b) {
    PvInt r;
    if (PV_LIKELY(PV_BOTH_SHORT(a, b)) && !__builtin_mul_overflow(PV_VAL(a), b, &r))
        return r;
    return pv_int_slow(PyNumber_Multiply, a, b);
}
/* Division and remainder work on the tagged words directly, as mypyc's do:
 * (2x) / (2y) == x / y and (2x) % (2y) == 2 (x % y) with C's truncation. */
static inline PvInt pv_int_floordiv(PvInt a, PvInt b) {
    if (PV_LIKELY(PV_BOTH_SHORT(a, b) && b != 0)) {
        intptr_t q = a / b;
        if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
        if (PV_LIKELY(q <= PV_SHORT_MAX)) return PV_SHORT(q);
    }
    return pv_int_slow(PyNumber_FloorDivide, a, b);
}
static inline PvInt pv_int_mod(PvInt a, PvInt b) {
    if (PV_LIKELY(PV_BOTH_SHORT(a, b) && b != 0)) {
        PvInt m = a % b;
        if (m != 0 && ((m < 0) != (b < 0))) m += b;
        return m;
    }
    return pv_int_slow(PyNumber_Remainder, a, b);
}
static inline PvInt pv_int_neg(PvInt a) {
    if (PV_LIKELY(PV_IS_SHORT(a) && a != (PvInt)PV_SHORT(PV_SHORT_MIN))) return -a;
    PyObject *x = pv_int_box(a);
    if (!x) return PV_INT_ERR;
    PyObject *r = PyNumber_Negative(x);
    Py_DECREF(x);
    return pv_int_from_long_steal(r);
}
static inline PvInt pv_int_abs(PvInt a) {
    if (PV_LIKELY(PV_IS_SHORT(a) && a != (PvInt)PV_SHORT(PV_SHORT_MIN))) return a < 0 ? -a : a;
    PyObject *x = pv_int_box(a);
    if (!x) return PV_INT_ERR;
    PyObject *r = PyNumber_Absolute(x);
    Py_DECREF(x);
    return pv_int_from_long_steal(r);
}
static inline PvInt pv_int_invert(PvInt a) {
    if (PV_LIKELY(PV_IS_SHORT(a))) return PV_SHORT(~PV_VAL(a));
    PyObject *x = pv_int_box(a);
    if (!x) return PV_INT_ERR;
    PyObject *r = PyNumber_Invert(x);
    Py_DECREF(x);
    return pv_int_from_long_steal(r);
}
static inline PvInt pv_int_and(PvInt a, PvInt b) {
    if (PV_LIKELY(PV_BOTH_SHORT(a, b))) return a & b;
    return pv_int_slow(PyNumber_And, a, b);
}
static inline PvInt pv_int_or(PvInt a, PvInt b) {
    if (PV_LIKELY(PV_BOTH_SHORT(a, b))) return a | b;
    return pv_int_slow(PyNumber_Or, a, b);
}
static inline PvInt pv_int_xor(PvInt a, PvInt b) {
    if (PV_LIKELY(PV_BOTH_SHORT(a, b))) return a ^ b;
    return pv_int_slow(PyNumber_Xor, a, b);
}
static inline PvInt pv_int_lshift(PvInt a, PvInt b) {
    if (PV_LIKELY(PV_BOTH_SHORT(a, b))) {
        intptr_t x = PV_VAL(a), y = PV_VAL(b);
        if (y >= 0 && y < 62) {
            intptr_t r = (intptr_t)((uintptr_t)x << y);
            if ((r >> y) == x && r >= PV_SHORT_MIN && r <= PV_SHORT_MAX) return PV_SHORT(r);
        }
    }
    return pv_int_slow(PyNumber_Lshift, a, b);
}
static inline PvInt pv_int_rshift(PvInt a, PvInt b) {
    if (PV_LIKELY(PV_BOTH_SHORT(a, b))) {
        intptr_t x = PV_VAL(a), y = PV_VAL(b);
        if (y >= 0) return PV_SHORT(y >= 63 ? (x < 0 ? -1 : 0) : (x >> y));
    }
    return pv_int_slow(PyNumber_Rshift, a, b);
}
/* int ** int with a non-negative exponent: an int. */
static PvInt pv_int_pow(PvInt a, PvInt b) {
    if (PV_BOTH_SHORT(a, b) && b >= 0) {
        intptr_t base = PV_VAL(a), e = PV_VAL(b), r = 1;
        int ok = 1;
        while (e > 0) {
            if (e & 1) { if (__builtin_mul_overflow(r, base, &r)) { ok = 0; break; } }
            e >>= 1;
            if (e > 0 && __builtin_mul_overflow(base, base, &base)) { ok = 0; break; }
        }
        if (ok && r >= PV_SHORT_MIN && r <= PV_SHORT_MAX) return PV_SHORT(r);
    }
    return pv_int_slow(pv_power2, a, b);
}

/* comparisons: op is Py_LT etc.; returns 0/1 or -1 on error */
static int pv_int_cmp_slow(PvInt a, PvInt b, int op) {
    PyObject *x = pv_int_box(a);
    if (!x) return -1;
    PyObject *y = pv_int_box(b);
    if (!y) { Py_DECREF(x); return -1; }
    int r = PyObject_RichCompareBool(x, y, op);
    Py_DECREF(x);
    Py_DECREF(y);
    return r;
}
#define PV_INT_CMP(a, b, cop, pyop) \
    (PV_LIKELY(PV_BOTH_SHORT(a, b)) ? ((a) cop (b)) : pv_int_cmp_slow((a), (b), (pyop)))

/* A range loop whose bounds were not all short ints at entry works on tagged ints; these
 * keep that rare path out of line. pv_range_more: 1 while cur is before stop in the
 * direction of the step (pos: step > 0), 0 at the end, -1 on error. */
PV_COLD int pv_range_more(PvInt cur, PvInt stop, int pos) {
    return pos ? PV_INT_CMP(cur, stop, <, Py_LT) : PV_INT_CMP(cur, stop, >, Py_GT);
}
PV_COLD PvInt pv_range_add(PvInt cur, PvInt step) { return pv_int_add(cur, step); }

static inline char pv_int_is_true(PvInt a) { return PV_IS_SHORT(a) ? a != 0 : PyObject_IsTrue(PV_OBJ(a)); }

/* ---- int <-> float ----------------------------------------------------- */

static inline double pv_int_to_float(PvInt a) {
    if (PV_LIKELY(PV_IS_SHORT(a))) return (double)PV_VAL(a);
    double d = PyLong_AsDouble(PV_OBJ(a));
    if (d == -1.0 && PyErr_Occurred()) return PV_FLOAT_ERR;
    return d;
}
#define PV_FLOAT_FAILED(d) ((d) == PV_FLOAT_ERR && PyErr_Occurred())

/* int(x) for a float: truncation, with CPython's errors for inf and nan. */
static inline PvInt pv_float_to_int(double d) {
    if (PV_LIKELY(d > -4.0e18 && d < 4.0e18)) return PV_SHORT((intptr_t)d);
    return pv_int_from_long_steal(PyLong_FromDouble(d));
}

/* Mixed int/float comparison, exact as float_richcompare. */
static int pv_cmp_int_float(PvInt a, double b, int op) {
    if (PV_IS_SHORT(a)) {
        intptr_t v = PV_VAL(a);
        if (v >= -(1LL << 53) && v <= (1LL << 53)) {
            double x = (double)v;
            switch (op) {
            case Py_LT: return x < b; case Py_LE: return x <= b; case Py_EQ: return x == b;
            case Py_NE: return x != b; case Py_GT: return x > b; default: return x >= b;
            }
        }
    }
    PyObject *x = pv_int_box(a);
    if (!x) return -1;
    PyObject *y = PyFloat_FromDouble(b);
    if (!y) { Py_DECREF(x); return -1; }
    int r = PyObject_RichCompareBool(x, y, op);
    Py_DECREF(x);
    Py_DECREF(y);
    return r;
}

/* ---- float arithmetic (CPython's floatobject.c algorithms) --------------- */

static double pv_float_slow(pv_binfunc f, double a, double b) {
    PyObject *x = PyFloat_FromDouble(a);
    if (!x) return PV_FLOAT_ERR;
    PyObject *y = PyFloat_FromDouble(b);
    if (!y) { Py_DECREF(x); return PV_FLOAT_ERR; }
    PyObject *r = f(x, y);
    Py_DECREF(x);
    Py_DECREF(y);
    if (!r) return PV_FLOAT_ERR;
    double d = PyFloat_AsDouble(r);
    Py_DECREF(r);
    return d;
}

static inline double pv_float_div(double a, double b) {
    if (PV_UNLIKELY(b == 0.0)) return pv_float_slow(PyNumber_TrueDivide, a, b);
    return a / b;
}
static inline double pv_float_mod(double vx, double wx) {
    if (PV_UNLIKELY(wx == 0.0)) return pv_float_slow(PyNumber_Remainder, vx, wx);
    double mod = fmod(vx, wx);
    if (mod) {
        if ((wx < 0) != (mod < 0)) mod += wx;
    } else {
        mod = copysign(0.0, wx);
    }
    return mod;
}
static inline double pv_float_floordiv(double vx, double wx) {
    if (PV_UNLIKELY(wx == 0.0)) return pv_float_slow(PyNumber_FloorDivide, vx, wx);
    double mod = fmod(vx, wx), div = (vx - mod) / wx, floordiv;
    if (mod) {
        if ((wx < 0) != (mod < 0)) { mod += wx; div -= 1.0; }
    }
    if (div) {
        floordiv = floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
    } else {
        floordiv = copysign(0.0, vx / wx);
    }
    return floordiv;
}
/* float ** float where the exponent is known to be integral (never complex). */
static inline double pv_float_pow(double a, double b) {
    if (PV_LIKELY(a > 0.0 && isfinite(a) && isfinite(b))) {
        double r = pow(a, b);
        if (PV_LIKELY(isfinite(r))) return r;
    }
    return pv_float_slow(pv_power2, a, b);
}
/* int / int: correctly rounded like long_true_divide. */
static inline double pv_int_truediv(PvInt a, PvInt b) {
    if (PV_LIKELY(PV_BOTH_SHORT(a, b) && b != 0)) {
        intptr_t x = PV_VAL(a), y = PV_VAL(b);
        if (x >= -(1LL << 53) && x <= (1LL << 53) && y >= -(1LL << 53) && y <= (1LL << 53))
            return (double)x / (double)y;
    }
    PyObject *x = pv_int_box(a);
    if (!x) return PV_FLOAT_ERR;
    PyObject *y = pv_int_box(b);
    if (!y) { Py_DECREF(x); return PV_FLOAT_ERR; }
    PyObject *r = PyNumber_TrueDivide(x, y);
    Py_DECREF(x);
    Py_DECREF(y);
    if (!r) return PV_FLOAT_ERR;
    double d = PyFloat_AsDouble(r);
    Py_DECREF(r);
    return d;
}
/* int ** negative int: a float, computed by CPython. */
static double pv_int_pow_float(PvInt a, PvInt b) {
    PyObject *x = pv_int_box(a);
    if (!x) return PV_FLOAT_ERR;
    PyObject *y = pv_int_box(b);
    if (!y) { Py_DECREF(x); return PV_FLOAT_ERR; }
    PyObject *r = PyNumber_Power(x, y, Py_None);
    Py_DECREF(x);
    Py_DECREF(y);
    if (!r) return PV_FLOAT_ERR;
    double d = PyFloat_AsDouble(r);
    Py_DECREF(r);
    return d;
}

/* round(x) for a float: round half to even, then int (CPython's float___round__). */
static PvInt pv_float_round(double x) {
    double rounded = round(x);
    if (fabs(x - rounded) == 0.5) rounded = 2.0 * round(x / 2.0);
    return pv_float_to_int(rounded);
}

/* ---- calling Python callables on boxed values --------------------------- */

/* Call callable with n boxed arguments (stolen); returns a new reference or NULL. */
static PyObject *pv_call_steal(PyObject *callable, PyObject **args, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) {
        if (args[i] == NULL) {
            for (Py_ssize_t j = 0; j < n; j++) Py_XDECREF(args[j]);
            return NULL;
        }
    }
    PyObject *r = PyObject_Vectorcall(callable, args, (size_t)n, NULL);
    for (Py_ssize_t i = 0; i < n; i++) Py_DECREF(args[i]);
    return r;
}

static double pv_float_from_obj_steal(PyObject *r) {
    if (!r) return PV_FLOAT_ERR;
    double d = PyFloat_AsDouble(r);
    Py_DECREF(r);
    return d;
}
static char pv_bool_from_obj_steal(PyObject *r) {
    if (!r) return PV_BOOL_ERR;
    char b = (r == Py_True);
    Py_DECREF(r);
    return b;
}

/* math function with one float argument: fast C path, delegating to the real math
 * function whenever CPython's math_1 would raise (nan from non-nan, inf from finite). */
#define PV_MATH1(name, cfunc)                                                     \
    static inline double pv_math_##name(double x, PyObject *fn) {                \
        double r = cfunc(x);                                                      \
        if (PV_UNLIKELY((isnan(r) && !isnan(x)) || (isinf(r) && isfinite(x)))) { \
            PyObject *a[1] = {PyFloat_FromDouble(x)};                             \
            return pv_float_from_obj_steal(pv_call_steal(fn, a, 1));              \
        }                                                                         \
        return r;                                                                 \
    }
PV_MATH1(sqrt, sqrt)
PV_MATH1(sin, sin)
PV_MATH1(cos, cos)
PV_MATH1(tan, tan)
PV_MATH1(exp, exp)
PV_MATH1(fabs, fabs)

static inline double pv_math_log_c(double x, PyObject *fn, double (*f)(double)) {
    if (PV_LIKELY(x > 0.0 && isfinite(x))) return f(x);
    if (isnan(x) || (isinf(x) && x > 0)) return x;
    PyObject *a[1] = {PyFloat_FromDouble(x)};
    return pv_float_from_obj_steal(pv_call_steal(fn, a, 1));
}
static inline double pv_math_atan2(double y, double x, PyObject *fn) {
    if (PV_LIKELY(isfinite(x) && isfinite(y))) return atan2(y, x);
    PyObject *a[2] = {PyFloat_FromDouble(y), PyFloat_FromDouble(x)};
    return pv_float_from_obj_steal(pv_call_steal(fn, a, 2));
}
static inline double pv_math_pow(double x, double y, PyObject *fn) {
    if (PV_LIKELY(x > 0.0 && isfinite(x) && isfinite(y))) {
        double r = pow(x, y);
        if (PV_LIKELY(isfinite(r))) return r;
    }
    PyObject *a[2] = {PyFloat_FromDouble(x), PyFloat_FromDouble(y)};
    return pv_float_from_obj_steal(pv_call_steal(fn, a, 2));
}
static inline PvInt pv_math_floor(double x) { return pv_float_to_int(floor(x)); }
static inline PvInt pv_math_ceil(double x) { return pv_float_to_int(ceil(x)); }

/* ---- lists ---------------------------------------------------------------- */

/* Sets the IndexError for an index that is out of range or too big. */
PV_COLD void pv_index_fail(PvInt i, const char *msg) {
    if (!PV_IS_SHORT(i)) {
        /* a big int: CPython's own conversion error ("cannot fit 'int' into an
           index-sized integer") or, if it fits, the out-of-range error. */
        Py_ssize_t k = PyNumber_AsSsize_t(PV_OBJ(i), PyExc_IndexError);
        if (k == -1 && PyErr_Occurred()) return;
    }
    PyErr_SetString(PyExc_IndexError, msg);
}
PV_HOT Py_ssize_t pv_index(PyObject *list, PvInt i, const char *msg) {
    if (PV_LIKELY(PV_IS_SHORT(i))) {
        Py_ssize_t n = PyList_GET_SIZE(list), k = (Py_ssize_t)PV_VAL(i);
        if (k < 0) k += n;
        if (PV_LIKELY(k >= 0 && k < n)) return k;
    }
    pv_index_fail(i, msg);
    return -1;
}
/* new reference to list[i], or NULL */
static inline PyObject *pv_list_get(PyObject *list, PvInt i) {
    Py_ssize_t k = pv_index(list, i, "list index out of range");
    if (k < 0) return NULL;
    PyObject *o = PyList_GET_ITEM(list, k);
    Py_INCREF(o);
    return o;
}
/* borrowed list[i], or NULL; only for values unboxed before any other code runs */
PV_HOT PyObject *pv_list_borrow(PyObject *list, PvInt i) {
    Py_ssize_t k = pv_index(list, i, "list index out of range");
    if (k < 0) return NULL;
    return PyList_GET_ITEM(list, k);
}
/* list[i] = v, stealing v */
PV_HOT int pv_list_set(PyObject *list, PvInt i, PyObject *v) {
    if (!v) return -1;
    Py_ssize_t k = pv_index(list, i, "list assignment index out of range");
    if (k < 0) { Py_DECREF(v); return -1; }
    PyObject *old = PyList_GET_ITEM(list, k);
    PyList_SET_ITEM(list, k, v);
    Py_DECREF(old);
    return 0;
}
/* list[i] = v for a float: an exact float that only the list references is updated in
 * place (floats are immutable and not weak-referenceable, so no code can tell), which
 * saves an allocation per store. */
static inline int pv_list_set_float(PyObject *list, PvInt i, double v) {
    Py_ssize_t k = pv_index(list, i, "list assignment index out of range");
    if (k < 0) return -1;
    PyObject *old = PyList_GET_ITEM(list, k);
    if (Py_REFCNT(old) == 1 && PyFloat_CheckExact(old)) {
        ((PyFloatObject *)old)->ob_fval = v;
        return 0;
    }
    PyObject *o = PyFloat_FromDouble(v);
    if (!o) return -1;
    PyList_SET_ITEM(list, k, o);
    Py_DECREF(old);
    return 0;
}
/* list[i] = True/False: storing the object already there changes nothing. */
static inline int pv_list_set_bool(PyObject *list, PvInt i, char v) {
    Py_ssize_t k = pv_index(list, i, "list assignment index out of range");
    if (k < 0) return -1;
    PyObject *o = v ? Py_True : Py_False;
    PyObject *old = PyList_GET_ITEM(list, k);
    if (old == o) return 0;
    Py_INCREF(o);
    PyList_SET_ITEM(list, k, o);
    Py_DECREF(old);
    return 0;
}
static inline int pv_list_append(PyObject *list, PyObject *v) {
    if (!v) return -1;
    int r = PyList_Append(list, v);
    Py_DECREF(v);
    return r;
}
/* list.pop() / list.pop(i) via the real method, so errors are CPython's own */
static PyObject *pv_list_pop(PyObject *list, PvInt *i) {
    static PyObject *name = NULL;
    if (!name) { name = PyUnicode_InternFromString("pop"); if (!name) return NULL; }
    if (i == NULL) {
        Py_ssize_t n = PyList_GET_SIZE(list);
        if (n > 0) return PyObject_CallMethodNoArgs(list, name);
        PyErr_SetString(PyExc_IndexError, "pop from empty list");
        return NULL;
    }
    PyObject *idx = pv_int_box(*i);
    if (!idx) return NULL;
    PyObject *r = PyObject_CallMethodOneArg(list, name, idx);
    Py_DECREF(idx);
    return r;
}
static PyObject *pv_list_repeat(PyObject *list, PvInt n) {
    PyObject *k = pv_int_box(n);
    if (!k) return NULL;
    PyObject *r = PyNumber_Multiply(list, k);
    Py_DECREF(k);
    return r;
}

/* ---- argument parsing with CPython's messages ------------------------------ */

static void pv_missing(const char *fname, const char *const *names, PyObject **out,
                       Py_ssize_t nreq) {
    PyObject *missing = PyList_New(0);
    if (!missing) return;
    for (Py_ssize_t i = 0; i < nreq; i++) {
        if (out[i] == NULL) {
            PyObject *s = PyUnicode_FromFormat("'%s'", names[i]);
            if (!s || PyList_Append(missing, s) < 0) { Py_XDECREF(s); Py_DECREF(missing); return; }
            Py_DECREF(s);
        }
    }
    Py_ssize_t m = PyList_GET_SIZE(missing);
    PyObject *text;
    if (m == 1) {
        text = PyList_GET_ITEM(missing, 0);
        Py_INCREF(text);
    } else if (m == 2) {
        text = PyUnicode_FromFormat("%U and %U", PyList_GET_ITEM(missing, 0),
                                    PyList_GET_ITEM(missing, 1));
    } else {
        PyObject *head = PyList_GetSlice(missing, 0, m - 1);
        PyObject *sep = PyUnicode_FromString(", ");
        PyObject *joined = (head && sep) ? PyUnicode_Join(sep, head) : NULL;
        text = joined ? PyUnicode_FromFormat("%U, and %U", joined, PyList_GET_ITEM(missing, m - 1))
                      : NULL;
        Py_XDECREF(head); Py_XDECREF(sep); Py_XDECREF(joined);
    }
    if (text) {
        PyErr_Format(PyExc_TypeError, "%s() missing %zd required positional argument%s: %U",
                     fname, m, m == 1 ? "" : "s", text);
        Py_DECREF(text);
    }
    Py_DECREF(missing);
}

/* Fill out[0..nparams) with borrowed references (NULL: use the default). */
static int pv_parse_args(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                         const char *fname, const char *const *names, Py_ssize_t nparams,
                         Py_ssize_t nreq, PyObject **out) {
    for (Py_ssize_t i = 0; i < nparams; i++) out[i] = NULL;
    if (PV_UNLIKELY(nargs > nparams)) {
        Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
        (void)nkw;
        if (nreq == nparams)
            PyErr_Format(PyExc_TypeError, "%s() takes %zd positional argument%s but %zd %s given",
                         fname, nparams, nparams == 1 ? "" : "s", nargs,
                         nargs == 1 ? "was" : "were");
        else
            PyErr_Format(PyExc_TypeError,
                         "%s() takes from %zd to %zd positional arguments but %zd %s given", fname,
                         nreq, nparams, nargs, nargs == 1 ? "was" : "were");
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) out[i] = args[i];
    if (kwnames) {
        Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
        for (Py_ssize_t k = 0; k < nkw; k++) {
            PyObject *key = PyTuple_GET_ITEM(kwnames, k);
            Py_ssize_t len = 0;
            const char *text = PyUnicode_AsUTF8AndSize(key, &len);
            if (text == NULL) return -1;
            Py_ssize_t j;
            for (j = 0; j < nparams; j++) {
                if ((size_t)len == strlen(names[j]) && memcmp(text, names[j], (size_t)len) == 0)
                    break;
            }
            if (j == nparams) {
                PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%S'",
                             fname, key);
                return -1;
            }
            if (out[j] != NULL) {
                PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname,
                             names[j]);
                return -1;
            }
            out[j] = args[nargs + k];
        }
    }
    for (Py_ssize_t i = 0; i < nreq; i++) {
        if (out[i] == NULL) { pv_missing(fname, names, out, nreq); return -1; }
    }
    return 0;
}

/* ---- recursion ---------------------------------------------------------------
 * Native calls pass a depth budget (a register, not a thread-state access per call).
 * A call from Python starts with sys.getrecursionlimit(), capped so that native frames
 * can never exhaust the C stack; a recursive function refuses to run at budget 0 with
 * CPython's RecursionError. */
#define PV_MAX_NATIVE_DEPTH 20000
static inline int pv_recursion_budget(void) {
    int limit = Py_GetRecursionLimit();
    return limit < PV_MAX_NATIVE_DEPTH ? limit : PV_MAX_NATIVE_DEPTH;
}
static void pv_recursion_error(void) {
    PyErr_SetString(PyExc_RecursionError, "maximum recursion depth exceeded");
}

/* ---- signals --------------------------------------------------------------- */

/* pv_tick is a local counter of the enclosing function (kept in a register). */
#define PV_CHECK_SIGNALS() (PV_UNLIKELY(++pv_tick >= 8192) && (pv_tick = 0, PyErr_CheckSignals() < 0))

#endif /* PYVORIN_RT_H */

#ifndef PYVORIN_RT_EXTRA_H
#define PYVORIN_RT_EXTRA_H
/* print(*args, sep=..., end=...) through the real builtin; args are stolen. */
static int pv_print(PyObject *print_fn, PyObject **args, Py_ssize_t n, PyObject *sep,
                    PyObject *end) {
    PyObject *tuple = NULL, *kw = NULL, *r = NULL;
    for (Py_ssize_t i = 0; i < n; i++) if (!args[i]) goto done;
    tuple = PyTuple_New(n);
    if (!tuple) goto done;
    for (Py_ssize_t i = 0; i < n; i++) { PyTuple_SET_ITEM(tuple, i, args[i]); args[i] = NULL; }
    if (sep || end) {
        kw = PyDict_New();
        if (!kw) goto done;
        if (sep && PyDict_SetItemString(kw, "sep", sep) < 0) goto done;
        if (end && PyDict_SetItemString(kw, "end", end) < 0) goto done;
    }
    r = PyObject_Call(print_fn, tuple, kw);
done:
    for (Py_ssize_t i = 0; i < n; i++) Py_XDECREF(args[i]);
    Py_XDECREF(tuple);
    Py_XDECREF(kw);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}

/* divmod through the fast paths when they apply, else the real builtin. */
static PyObject *pv_divmod_int(PvInt a, PvInt b, PyObject *divmod_fn) {
    if (PV_BOTH_SHORT(a, b) && b != 0) {
        PvInt q = pv_int_floordiv(a, b), m = pv_int_mod(a, b);
        if (q == PV_INT_ERR || m == PV_INT_ERR) {
            PV_INT_CLEAR(q);
            PV_INT_CLEAR(m);
            return NULL;
        }
        PyObject *t = PyTuple_New(2);
        PyObject *x = pv_int_box(q), *y = pv_int_box(m);
        PV_INT_CLEAR(q);
        PV_INT_CLEAR(m);
        if (!t || !x || !y) { Py_XDECREF(t); Py_XDECREF(x); Py_XDECREF(y); return NULL; }
        PyTuple_SET_ITEM(t, 0, x);
        PyTuple_SET_ITEM(t, 1, y);
        return t;
    }
    PyObject *args[2] = {pv_int_box(a), pv_int_box(b)};
    return pv_call_steal(divmod_fn, args, 2);
}
static PyObject *pv_divmod_float(double a, double b, PyObject *divmod_fn) {
    if (b != 0.0) {
        PyObject *t = PyTuple_New(2);
        PyObject *x = PyFloat_FromDouble(pv_float_floordiv(a, b));
        PyObject *y = PyFloat_FromDouble(pv_float_mod(a, b));
        if (!t || !x || !y) { Py_XDECREF(t); Py_XDECREF(x); Py_XDECREF(y); return NULL; }
        PyTuple_SET_ITEM(t, 0, x);
        PyTuple_SET_ITEM(t, 1, y);
        return t;
    }
    PyObject *args[2] = {PyFloat_FromDouble(a), PyFloat_FromDouble(b)};
    return pv_call_steal(divmod_fn, args, 2);
}
/* `raise E(args)` of a builtin exception class E, as CPython's RAISE_VARARGS does it:
   call E with the arguments (new references in args, stolen; a NULL one means boxing
   failed and its error is set), then raise the instance it returns (PyErr_SetObject
   chains the exception being handled as __context__). Always returns -1. */
static int pv_raise_call(PyObject *cls, PyObject **args, Py_ssize_t n) {
    int boxed = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (args[i] == NULL) boxed = 0;
    }
    PyObject *exc = boxed ? PyObject_Vectorcall(cls, args, (size_t)n, NULL) : NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_XDECREF(args[i]);
        args[i] = NULL;
    }
    if (exc == NULL) return -1;
    if (!PyExceptionInstance_Check(exc)) {
        PyErr_Format(PyExc_TypeError,
                     "calling %R should have returned an instance of BaseException, not %R",
                     cls, Py_TYPE(exc));
        Py_DECREF(exc);
        return -1;
    }
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return -1;
}
/* ---- str: the calls CPython's own str slots and builtins make ---------------- */

/* a == b / a != b of two strs: unicode_compare_eq (same length, kind and code units) */
static inline int pv_str_eq(PyObject *a, PyObject *b) {
    if (a == b) return 1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    if (n != PyUnicode_GET_LENGTH(b) || PyUnicode_KIND(a) != PyUnicode_KIND(b)) return 0;
    return memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)n * PyUnicode_KIND(a)) == 0;
}
/* a < b, a <= b, a > b, a >= b of two strs: PyUnicode_Compare (code point order, as
   unicode_richcompare); -1 with the exception set if it fails */
static inline int pv_str_order(PyObject *a, PyObject *b, int op) {
    int c;
    if (PyUnicode_GET_LENGTH(a) == 1 && PyUnicode_GET_LENGTH(b) == 1) {
        /* two characters (`"a" <= c <= "z"`): their code points, as unicode_compare */
        Py_UCS4 x = PyUnicode_READ_CHAR(a, 0), y = PyUnicode_READ_CHAR(b, 0);
        c = (x > y) - (x < y);
    } else {
        c = PyUnicode_Compare(a, b);
        if (c == -1 && PyErr_Occurred()) return -1;
    }
    switch (op) {
    case Py_LT: return c < 0;
    case Py_LE: return c <= 0;
    case Py_GT: return c > 0;
    default: return c >= 0;
    }
}
/* s[i]: unicode_subscript (the index converted with PyNumber_AsSsize_t(i, IndexError),
   a negative one counted from the end) and unicode_getitem ("string index out of range";
   the character made by PyUnicode_FromOrdinal, as unicode_char) */
static PyObject *pv_str_get(PyObject *s, PvInt i) {
    if (PV_LIKELY(PV_IS_SHORT(i))) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(s), k = (Py_ssize_t)PV_VAL(i);
        if (k < 0) k += n;
        if (PV_LIKELY(k >= 0 && k < n)) return PyUnicode_FromOrdinal((int)PyUnicode_READ_CHAR(s, k));
    }
    pv_index_fail(i, "string index out of range");
    return NULL;
}
/* s[lo:hi] (no step) as CPython computes it: a bound given is converted as
   _PyEval_SliceIndex does for PySlice_Unpack (an int past Py_ssize_t clamped,
   PyNumber_AsSsize_t(v, NULL): never an error for an int); a bound left out is 0 or
   PY_SSIZE_T_MAX; PySlice_AdjustIndices counts negative bounds from the end and clamps
   both to [0, len]; then unicode_subscript's result: PyUnicode_Substring (the empty str
   for an empty range, s itself for the whole str) */
static Py_ssize_t pv_slice_bound(PvInt i) {
    if (PV_LIKELY(PV_IS_SHORT(i))) return (Py_ssize_t)PV_VAL(i);
    return PyNumber_AsSsize_t(PV_OBJ(i), NULL);
}
static PyObject *pv_str_slice(PyObject *s, int has_lo, PvInt lo, int has_hi, PvInt hi) {
    Py_ssize_t start = has_lo ? pv_slice_bound(lo) : 0;
    Py_ssize_t stop = has_hi ? pv_slice_bound(hi) : PY_SSIZE_T_MAX;
    Py_ssize_t n = PySlice_AdjustIndices(PyUnicode_GET_LENGTH(s), &start, &stop, 1);
    return PyUnicode_Substring(s, start, start + (n > 0 ? n : 0));
}
/* xs[a:b] of a list (no step): list_subscript's slice with the same clamping */
static PyObject *pv_list_slice(PyObject *xs, int has_lo, PvInt lo, int has_hi, PvInt hi) {
    Py_ssize_t start = has_lo ? pv_slice_bound(lo) : 0;
    Py_ssize_t stop = has_hi ? pv_slice_bound(hi) : PY_SSIZE_T_MAX;
    Py_ssize_t n = PySlice_AdjustIndices(PyList_GET_SIZE(xs), &start, &stop, 1);
    return PyList_GetSlice(xs, start, start + (n > 0 ? n : 0));
}
/* sorted(x): builtin_sorted's new list (PySequence_List), then list.sort() without a key
   (PyList_Sort is list_sort_impl(NULL, 0)) */
static PyObject *pv_sorted(PyObject *x) {
    PyObject *r = PySequence_List(x);
    if (r != NULL && PyList_Sort(r) < 0) Py_CLEAR(r);
    return r;
}
/* s * n, n * s: PySequence_Repeat (unicode_repeat: empty for n <= 0, OverflowError
   "repeated string is too long", MemoryError); an n that is not a short int goes
   through PyNumber_Multiply, which converts it as CPython does (OverflowError "cannot fit
   'int' into an index-sized integer"). */
static PyObject *pv_str_repeat(PyObject *s, PvInt n) {
    if (PV_LIKELY(PV_IS_SHORT(n))) return PySequence_Repeat(s, (Py_ssize_t)PV_VAL(n));
    return PyNumber_Multiply(s, PV_OBJ(n));
}
/* ord(c) of a str: the code point of a one-character str; any other length goes to
   the builtin, whose TypeError is CPython's */
static PvInt pv_str_ord(PyObject *c, PyObject *ord_fn) {
    if (PV_LIKELY(PyUnicode_GET_LENGTH(c) == 1)) return PV_SHORT(PyUnicode_READ_CHAR(c, 0));
    Py_INCREF(c);
    PyObject *args[1] = {c};
    return pv_int_from_long_steal(pv_call_steal(ord_fn, args, 1));
}
/* chr(i): PyUnicode_FromOrdinal for 0 <= i < 0x110000 (as builtin_chr); any other i goes
   to the builtin, whose ValueError or OverflowError is CPython's (they differ between
   versions) */
static PyObject *pv_str_chr(PvInt i, PyObject *chr_fn) {
    if (PV_LIKELY(PV_IS_SHORT(i)) && PV_VAL(i) >= 0 && PV_VAL(i) < 0x110000)
        return PyUnicode_FromOrdinal((int)PV_VAL(i));
    PyObject *args[1] = {pv_int_box(i)};
    return pv_call_steal(chr_fn, args, 1);
}
/* s += t on a str local: PyUnicode_Append, which resizes the left str in place when
   nothing else references it (as CPython's BINARY_OP_INPLACE_ADD_UNICODE); *left is
   replaced (NULL on failure, the old value released). The value is PyUnicode_Concat's. */
static inline int pv_str_append(PyObject **left, PyObject *right) {
    PyUnicode_Append(left, right);
    return *left == NULL ? -1 : 0;
}
static int pv_assert_fail(PyObject *msg) {
    if (msg) {
        PyErr_SetObject(PyExc_AssertionError, msg);
        Py_DECREF(msg);
    } else if (!PyErr_Occurred()) {
        PyErr_SetNone(PyExc_AssertionError);
    }
    return -1;
}
#endif
