"""Conformance: math functions, builtins and calls."""

from __future__ import annotations

import math
from math import floor, pi, sqrt


def m_sqrt(x: float) -> float:
    return math.sqrt(x)


def m_sqrt_i(x: int) -> float:
    return sqrt(x)


def m_sin(x: float) -> float:
    return math.sin(x)


def m_cos(x: float) -> float:
    return math.cos(x)


def m_tan(x: float) -> float:
    return math.tan(x)


def m_atan2(y: float, x: float) -> float:
    return math.atan2(y, x)


def m_exp(x: float) -> float:
    return math.exp(x)


def m_log(x: float) -> float:
    return math.log(x)


def m_log_i(x: int) -> float:
    return math.log(x)


def m_log_base(x: float, b: float) -> float:
    return math.log(x, b)


def m_log10(x: float) -> float:
    return math.log10(x)


def m_pow(x: float, y: float) -> float:
    return math.pow(x, y)


def m_floor(x: float) -> int:
    return floor(x)


def m_ceil(x: float) -> int:
    return math.ceil(x)


def m_floor_i(x: int) -> int:
    return math.floor(x)


def m_fabs(x: float) -> float:
    return math.fabs(x)


def m_hypot(x: float, y: float) -> float:
    return math.hypot(x, y)


def m_preds(x: float) -> tuple[bool, bool, bool]:
    return (math.isnan(x), math.isinf(x), math.isfinite(x))


def m_consts() -> tuple[float, float, float, float]:
    return (pi, math.e, math.inf, -math.inf)


def m_nan() -> float:
    return math.nan


def kw(a: int, b: float = 2.5, c: bool = False) -> float:
    if c:
        return a - b
    return a + b


def call_kw(a: int) -> float:
    return kw(a, c=True) + kw(b=1.0, a=a) + kw(a)


def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def is_even(n: int) -> bool:
    if n == 0:
        return True
    return is_odd(n - 1)


def is_odd(n: int) -> bool:
    if n == 0:
        return False
    return is_even(n - 1)


def ack(m: int, n: int) -> int:
    if m == 0:
        return n + 1
    if n == 0:
        return ack(m - 1, 1)
    return ack(m - 1, ack(m, n - 1))


def shout(a: int, x: float) -> None:
    print("values:", a, x, True, [a, a], (a, x))
    print(a, x, sep="|", end="!\n")


def checked(x: int) -> int:
    assert x >= 0, "x must be non-negative"
    assert x != 3
    return x * 2


def defaults(a: int = -5, b: float = -0.0, c: float = 1e300) -> float:
    return a * b + c


def mandel(cr: float, ci: float, limit: int) -> int:
    zr = 0.0
    zi = 0.0
    for i in range(limit):
        zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
        if zr * zr + zi * zi > 4.0:
            return i
    return limit


def pow_float_int(x: float, n: int) -> float:
    return x**n * 2.0**-3


def nbody_energy(xs: list[float], vs: list[float], ms: list[float]) -> float:
    e = 0.0
    n = len(xs)
    for i in range(n):
        e += 0.5 * ms[i] * vs[i] * vs[i]
        for j in range(i + 1, n):
            d = xs[i] - xs[j]
            e -= ms[i] * ms[j] / math.sqrt(d * d + 0.01)
    return e
