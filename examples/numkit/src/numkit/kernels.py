"""Numeric kernels: plain typed Python that Pyvorin compiles to a native extension.

Each function is ordinary Python and runs unchanged under CPython; the compiled module
behaves identically on every input of the declared types (floats bit for bit, the same
exceptions with the same messages: ``mean([])`` raises ZeroDivisionError in both).
"""

from __future__ import annotations


def dot(xs: list[float], ys: list[float]) -> float:
    """Dot product over the common length of ``xs`` and ``ys``."""
    n = len(xs)
    if len(ys) < n:
        n = len(ys)
    total = 0.0
    for i in range(n):
        total += xs[i] * ys[i]
    return total


def mean(xs: list[float]) -> float:
    """Arithmetic mean; an empty vector raises ZeroDivisionError, as in Python."""
    total = 0.0
    for x in xs:
        total += x
    return total / len(xs)


def horner(coeffs: list[float], x: float) -> float:
    """Evaluate the polynomial with ``coeffs`` (highest degree first) at ``x``."""
    result = 0.0
    for c in coeffs:
        result = result * x + c
    return result


def collatz_steps(n: int) -> int:
    """Steps for ``n`` to reach 1 under the Collatz map; -1 for ``n < 1``.

    Intermediate values grow past 64 bits for large ``n``: ints never overflow.
    """
    if n < 1:
        return -1
    steps = 0
    while n != 1:
        if n % 2 == 0:  # noqa: SIM108 (a plain branch reads best here)
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def gcd(a: int, b: int) -> int:
    """Greatest common divisor (Euclid), never negative; exact for ints of any size."""
    while b != 0:
        r = a % b
        a = b
        b = r
    if a < 0:
        a = -a
    return a


MAX_ITER = 2000


def mandelbrot_escape(cx: float, cy: float) -> int:
    """Iterations before z -> z*z + c leaves the radius-2 disc (``MAX_ITER`` if never)."""
    x = 0.0
    y = 0.0
    i = 0
    while i < MAX_ITER:
        x2 = x * x
        y2 = y * y
        if x2 + y2 > 4.0:
            return i
        y = 2.0 * x * y + cy
        x = x2 - y2 + cx
        i += 1
    return MAX_ITER


def spread(xs: list[float]) -> float:
    """Sum of the distances between every pair of values (O(n**2))."""
    total = 0.0
    n = len(xs)
    for i in range(n):
        for j in range(i + 1, n):
            d = xs[i] - xs[j]
            if d < 0.0:
                d = -d
            total += d
    return total
