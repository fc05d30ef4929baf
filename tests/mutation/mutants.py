"""Realistic miscompilations of the native tier, each one edit of the compiler's sources.

A mutant is (name, file, exact original snippet, replacement, what goes wrong). The file
is relative to ``pyvorin/compiler/``: a module of the native tier's code generator
(``ncodegen/``) or the C runtime (``runtime/pyvorin_rt.h``). Each models a bug a compiler
writer plausibly makes where the native tier differs from the interpreter: overflow
promotion, shifts, floor division and modulo signs, float -> int conversion, int/float
comparison, signed zeros, NaNs, list bounds and negative indexes, range edges, bool boxing,
argument conversion, min/max ties.
The harness refuses to run a mutant whose snippet is not found exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

RT = "runtime/pyvorin_rt.h"
# the native tier's code generator, by module (see pyvorin/compiler/ncodegen/__init__.py)
CG_STMT = "ncodegen/statements.py"
CG_ARITH = "ncodegen/arithmetic.py"
CG_CALLS = "ncodegen/calls.py"
CG_BOX = "ncodegen/boxing.py"


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    original: str
    replacement: str
    bug: str


MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "add-overflow-wraps", RT,
        "if (PV_LIKELY(PV_BOTH_SHORT(a, b)) && !__builtin_add_overflow(a, b, &r)) return r;",
        "if (PV_LIKELY(PV_BOTH_SHORT(a, b))) { r = (PvInt)((uintptr_t)a + (uintptr_t)b); "
        "return r; }",
        "int + int overflow past the tagged range is not promoted to a big int",
    ),
    Mutant(
        "sub-overflow-wraps", RT,
        "if (PV_LIKELY(PV_BOTH_SHORT(a, b)) && !__builtin_sub_overflow(a, b, &r)) return r;",
        "if (PV_LIKELY(PV_BOTH_SHORT(a, b))) { r = (PvInt)((uintptr_t)a - (uintptr_t)b); "
        "return r; }",
        "int - int overflow is not promoted",
    ),
    Mutant(
        "mul-overflow-wraps", RT,
        "!__builtin_mul_overflow(PV_VAL(a), b, &r)",
        "((r = (PvInt)((uintptr_t)PV_VAL(a) * (uintptr_t)b)), 1)",
        "int * int overflow is not promoted",
    ),
    Mutant(
        "floordiv-sign", RT,
        "if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;",
        "if ((a % b != 0) && (a < 0)) q -= 1;",
        "int // rounds wrongly for a negative divisor",
    ),
    Mutant(
        "mod-sign", RT,
        "if (m != 0 && ((m < 0) != (b < 0))) m += b;",
        "if (m != 0 && m < 0) m += b;",
        "int % takes the sign of the dividend for negative divisors (C semantics)",
    ),
    Mutant(
        "neg-min-tagged", RT,
        "if (PV_LIKELY(PV_IS_SHORT(a) && a != (PvInt)PV_SHORT(PV_SHORT_MIN))) return -a;",
        "if (PV_LIKELY(PV_IS_SHORT(a))) return -a;",
        "-x of the smallest tagged int overflows the tagged range",
    ),
    Mutant(
        "abs-min-tagged", RT,
        "if (PV_LIKELY(PV_IS_SHORT(a) && a != (PvInt)PV_SHORT(PV_SHORT_MIN))) "
        "return a < 0 ? -a : a;",
        "if (PV_LIKELY(PV_IS_SHORT(a))) return a < 0 ? -a : a;",
        "abs() of the smallest tagged int overflows",
    ),
    Mutant(
        "lshift-range", RT,
        "if ((r >> y) == x && r >= PV_SHORT_MIN && r <= PV_SHORT_MAX) return PV_SHORT(r);",
        "if ((r >> y) == x) return PV_SHORT(r);",
        "x << n that leaves the tagged range (but not the machine word) is not promoted",
    ),
    Mutant(
        "rshift-negative-far", RT,
        "PV_SHORT(y >= 63 ? (x < 0 ? -1 : 0) : (x >> y))",
        "PV_SHORT(y >= 63 ? 0 : (x >> y))",
        "x >> n for a negative x and a large n gives 0 instead of -1",
    ),
    Mutant(
        "unbox-big-truncates", RT,
        "if (!overflow && v >= PV_SHORT_MIN && v <= PV_SHORT_MAX) {",
        "if (!overflow) {",
        "ints between the tagged limit and 2**63 are read into a short int and lose a bit",
    ),
    Mutant(
        "bool-unboxed-as-zero", RT,
        "if (PyBool_Check(o)) return PV_SHORT(o == Py_True);",
        "if (PyBool_Check(o)) return PV_SHORT(0);",
        "a bool passed for an int parameter is read as 0",
    ),
    Mutant(
        "small-int-cache-sign", RT,
        "PyObject *o = pv_small_ints[v + PV_SMALL_NEG];",
        "PyObject *o = pv_small_ints[(v < 0 ? -v : v) + PV_SMALL_NEG];",
        "boxing a negative small int returns the cached object of its absolute value",
    ),
    Mutant(
        "float-to-int-limit", RT,
        "if (PV_LIKELY(d > -4.0e18 && d < 4.0e18)) return PV_SHORT((intptr_t)d);",
        "if (PV_LIKELY(d > -9.2e18 && d < 9.2e18)) return PV_SHORT((intptr_t)d);",
        "int(x) for floats near 6e18 wraps in the tagged representation",
    ),
    Mutant(
        "int-float-compare-in-double", RT,
        "if (v >= -(1LL << 53) && v <= (1LL << 53)) {\n            double x = (double)v;",
        "if (1) {\n            double x = (double)v;",
        "int < float compares in double precision: wrong above 2**53",
    ),
    Mutant(
        "truediv-in-double", RT,
        "if (x >= -(1LL << 53) && x <= (1LL << 53) && y >= -(1LL << 53) && y <= (1LL << 53))",
        "if (1)",
        "int / int divides rounded doubles: not correctly rounded above 2**53",
    ),
    Mutant(
        "int-to-float-32bit", RT,
        "if (PV_LIKELY(PV_IS_SHORT(a))) return (double)PV_VAL(a);",
        "if (PV_LIKELY(PV_IS_SHORT(a))) return (double)(int)PV_VAL(a);",
        "int -> float conversion goes through a 32-bit C int",
    ),
    Mutant(
        "float-floordiv-naive", RT,
        "        floordiv = floor(div);\n        if (div - floordiv > 0.5) floordiv += 1.0;",
        "        floordiv = floor(vx / wx);",
        "float // computed as floor(a / b), off when a / b rounds up to an integer",
    ),
    Mutant(
        "float-mod-sign", RT,
        "if ((wx < 0) != (mod < 0)) mod += wx;",
        "if (mod < 0) mod += wx;",
        "float % adjusts the sign as if the divisor were always positive",
    ),
    Mutant(
        "float-mod-zero-sign", RT,
        "        mod = copysign(0.0, wx);",
        "        mod = 0.0;",
        "float % returns +0.0 where CPython returns -0.0 (negative divisor)",
    ),
    Mutant(
        "float-floordiv-zero-sign", RT,
        "floordiv = copysign(0.0, vx / wx);",
        "floordiv = 0.0;",
        "float // loses the sign of a zero quotient",
    ),
    Mutant(
        "round-half-away", RT,
        "    if (fabs(x - rounded) == 0.5) rounded = 2.0 * round(x / 2.0);\n",
        "",
        "round() rounds halves away from zero instead of to even",
    ),
    Mutant(
        "floor-truncates", RT,
        "static inline PvInt pv_math_floor(double x) { return pv_float_to_int(floor(x)); }",
        "static inline PvInt pv_math_floor(double x) { return pv_float_to_int(x); }",
        "math.floor truncates towards zero",
    ),
    Mutant(
        "exp-overflow-unchecked", RT,
        "if (PV_UNLIKELY((isnan(r) && !isnan(x)) || (isinf(r) && isfinite(x)))) {",
        "if (PV_UNLIKELY(isnan(r) && !isnan(x))) {",
        "math functions return inf instead of raising OverflowError",
    ),
    Mutant(
        "log-negative-inf", RT,
        "if (isnan(x) || (isinf(x) && x > 0)) return x;",
        "if (isnan(x) || isinf(x)) return x;",
        "math.log(-inf) returns -inf instead of raising ValueError",
    ),
    Mutant(
        "negative-index-ignored", RT,
        "        if (k < 0) k += n;\n        if (PV_LIKELY(k >= 0 && k < n)) return k;",
        "        if (k < -1) k += n;\n        if (PV_LIKELY(k >= 0 && k < n)) return k;",
        "xs[-1] raises IndexError: the -1 case is missed",
    ),
    Mutant(
        "int-for-float-refused", RT,
        "    if (PyFloat_Check(o) || PyLong_Check(o)) {\n        double d = PyFloat_AsDouble(o);",
        "    if (PyFloat_Check(o)) {\n        double d = PyFloat_AsDouble(o);",
        "an int passed for a float parameter raises TypeError",
    ),
    Mutant(
        "float-arg-via-long", RT,
        "    if (PyFloat_Check(o) || PyLong_Check(o)) {\n        double d = PyFloat_AsDouble(o);",
        "    if (PyFloat_Check(o) || PyLong_Check(o)) {\n"
        "        double d = PyLong_Check(o) ? (double)PyLong_AsLongLong(o) : PyFloat_AsDouble(o);",
        "an int passed for a float parameter converts through a C long long (big ints fail)",
    ),
    Mutant(
        "min-max-ties", CG_CALLS,
        'op = "<" if e.data == "min" else ">"',
        'op = "<=" if e.data == "min" else ">="',
        "min/max return the later of equal arguments (max(0.0, -0.0) is -0.0)",
    ),
    Mutant(
        "range-upper-inclusive", CG_STMT,
        'self.emit(f"if ({pos_c} ? !({k} < {kstop}) : !({k} > {kstop})) {exit_code}")',
        'self.emit(f"if ({pos_c} ? !({k} <= {kstop}) : !({k} > {kstop})) {exit_code}")',
        "range(a, b) with a positive step includes b",
    ),
    Mutant(
        "range-down-inclusive", CG_STMT,
        'self.emit(f"if ({pos_c} ? !({k} < {kstop}) : !({k} > {kstop})) {exit_code}")',
        'self.emit(f"if ({pos_c} ? !({k} < {kstop}) : !({k} >= {kstop})) {exit_code}")',
        "range(a, b, -1) includes b",
    ),
    Mutant(
        "list-loop-skips-last", CG_STMT,
        'self.emit(f"if ({idx} >= PyList_GET_SIZE({seq.code})) break;")',
        'self.emit(f"if ({idx} + 1 >= PyList_GET_SIZE({seq.code})) break;")',
        "for x in xs stops before the last element",
    ),
    Mutant(
        "float-truth-truncates", CG_ARITH,
        'code = f"({a.code} != 0.0)"',
        'code = f"((long){a.code} != 0)"',
        "a float's truth value is that of its truncation (0.5 is false)",
    ),
    Mutant(
        "bool-boxed-as-int", CG_BOX,
        'out.append(f"    {res} = pv_bool_box(r);")',
        'out.append(f"    {res} = PyLong_FromLong(r);")',
        "a bool result is boxed as the int 0/1",
    ),
    Mutant(
        "returns-copy-of-list", CG_BOX,
        'out.append(f"    {res} = r;")',
        'out.append(f"    {res} = PyList_CheckExact(r) ? '
        'PyList_GetSlice(r, 0, PY_SSIZE_T_MAX) : r;")',
        "a list is boxed as a copy: a function returning its argument returns a new list",
    ),
)  # fmt: skip
