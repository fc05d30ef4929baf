"""Conformance: int and float arithmetic."""

from __future__ import annotations

from typing import Final

K: Final = 21
HALF = 0.5
BIG = 2**100
NEG_ZERO = -0.0


def add(a: int, b: int) -> int:
    return a + b


def sub(a: int, b: int) -> int:
    return a - b


def mul(a: int, b: int) -> int:
    return a * b


def floordiv(a: int, b: int) -> int:
    return a // b


def mod(a: int, b: int) -> int:
    return a % b


def truediv(a: int, b: int) -> float:
    return a / b


def neg(a: int) -> int:
    return -a


def inv(a: int) -> int:
    return ~a


def band(a: int, b: int) -> int:
    return a & b


def bor(a: int, b: int) -> int:
    return a | b


def bxor(a: int, b: int) -> int:
    return a ^ b


def lshift(a: int, b: int) -> int:
    return a << b


def rshift(a: int, b: int) -> int:
    return a >> b


def pow2(a: int) -> int:
    return a**2


def pow40(a: int) -> int:
    return a**40


def pow_neg(a: int) -> float:
    return a**-2


def absi(a: int) -> int:
    return abs(a)


def divmod_i(a: int, b: int) -> tuple[int, int]:
    return divmod(a, b)


def fadd(a: float, b: float) -> float:
    return a + b


def fsub(a: float, b: float) -> float:
    return a - b


def fmul(a: float, b: float) -> float:
    return a * b


def fdiv(a: float, b: float) -> float:
    return a / b


def ffloordiv(a: float, b: float) -> float:
    return a // b


def fmod(a: float, b: float) -> float:
    return a % b


def fpow_i(a: float, n: int) -> float:
    return a**n


def fpow2(a: float) -> float:
    return a**2.0


def fneg(a: float) -> float:
    return -a


def fabs_(a: float) -> float:
    return abs(a)


def mixed_add(a: int, b: float) -> float:
    return a + b


def mixed_mul(a: float, b: int) -> float:
    return a * b


def mixed_div(a: int, b: float) -> float:
    return a / b


def mixed_floordiv(a: int, b: float) -> float:
    return a // b


def mixed_mod(a: float, b: int) -> float:
    return a % b


def divmod_f(a: float, b: float) -> tuple[float, float]:
    return divmod(a, b)


def to_int(x: float) -> int:
    return int(x)


def to_float(x: int) -> float:
    return float(x)


def rnd(x: float) -> int:
    return round(x)


def rnd2(x: float, n: int) -> float:
    return round(x, n)


def rnd_i(x: int, n: int) -> int:
    return round(x, n)


def bool_arith(a: bool, b: bool) -> int:
    return a + b * 2


def bool_bits(a: bool, b: bool) -> tuple[bool, bool, bool]:
    return (a & b, a | b, a ^ b)


def bool_neg(a: bool) -> int:
    return -a + ~int(a)


def const_expr() -> float:
    return K * 2 + HALF + NEG_ZERO


def big_const(a: int) -> int:
    return BIG + a


def augment(a: int, b: int) -> int:
    x = a
    x += b
    x *= 3
    x -= 1
    x //= 2
    x %= 1000003
    x <<= 2
    x >>= 1
    x |= 5
    x &= 0xFFFF
    x ^= 0x55
    x **= 2
    return x


def faugment(a: float, b: float) -> float:
    x = a
    x += b
    x *= 1.5
    x -= 0.25
    x /= 3.0
    x //= 0.5
    x %= 7.0
    return x


def big_sum(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * 1000000007 * 1000000007
    return total


def fact(n: int) -> int:
    r = 1
    for i in range(2, n + 1):
        r *= i
    return r


def poly(x: float) -> float:
    return 3.0 * x * x - 2.0 * x + 1.0 / 3.0


def fma_like(a: float, b: float, c: float) -> float:
    return a * b + c


def int_float_mix(n: int) -> float:
    s = 0.0
    for i in range(n):
        s += i / 7 + i * 0.1
    return s
