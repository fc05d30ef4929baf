"""Run-time behaviour: tracebacks, recursion, interrupts, the call boundary."""

from __future__ import annotations

LIMIT = 10**6
NAME = "boundary"
RATE = 0.25
ON = True


def divide(a: int, b: int) -> int:
    q = a // b
    return q


def outer(a: int) -> int:
    return divide(a, 0) + 1


def down(n: int) -> int:
    return down(n + 1) + 1


def spin(n: int) -> int:
    total = 0
    i = 0
    while i < n:
        total = (total + i) % 1000003
        i += 1
    return total


def spin_for(n: int) -> int:
    total = 0
    for i in range(n):
        total = (total ^ i) & 0xFFFFFF
    return total


def scale(x: float, xs: list[float], k: int, t: tuple[int, float], b: bool) -> float:
    return x * k + len(xs) + t[1] + (1.0 if b else 0.0)


def first(xs: list[int]) -> int:
    return xs[0]


def ident(x: int) -> int:
    return x


def fident(x: float) -> float:
    return x


def depth(n: int) -> int:
    if n == 0:
        return 0
    return depth(n - 1) + 1
