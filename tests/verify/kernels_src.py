"""Source of the example module the verification tests compile with the mutant backend.

Each function is the target of one deliberate bug (see test_mutants.py). The file is
copied into a temporary project as ``kernels.py``; it is not imported by the tests.
"""

from __future__ import annotations


def total(xs: list[int]) -> int:
    """Sum of the elements.

    >>> total([1, 2, 3])
    6
    """
    s = 0
    for i in range(len(xs)):
        s += xs[i]
    return s


def mean(xs: list[float]) -> float:
    if len(xs) == 0:
        raise ValueError("mean of an empty list")
    s = 0.0
    for x in xs:
        s += x
    return s / len(xs)


def safe_div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("safe_div: division by zero")
    return a // b


def largest(xs: list[int]) -> int:
    best = 0
    for x in xs:
        if x > best:
            best = x
    return best


def negate(x: float) -> float:
    return -x


def is_positive(x: float) -> bool:
    return x > 0.0


def scale(x: float, k: int) -> float:
    return x * k


def halvings(n: int) -> int:
    steps = 0
    while n > 0:
        n = n // 2
        steps += 1
    return steps


def pair_sum(p: tuple[int, float]) -> tuple[float, int]:
    return (p[0] + p[1], p[0])


def answer() -> int:
    return 42
