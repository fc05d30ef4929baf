"""Conformance: comparisons, boolean logic, control flow."""

from __future__ import annotations


def lt(a: int, b: int) -> bool:
    return a < b


def cmp_all(a: int, b: int) -> tuple[bool, bool, bool, bool, bool, bool]:
    return (a < b, a <= b, a > b, a >= b, a == b, a != b)


def fcmp_all(a: float, b: float) -> tuple[bool, bool, bool, bool, bool, bool]:
    return (a < b, a <= b, a > b, a >= b, a == b, a != b)


def mcmp_all(a: int, b: float) -> tuple[bool, bool, bool, bool, bool, bool]:
    return (a < b, a <= b, a > b, a >= b, a == b, b != a)


def chained(a: int, b: int, c: int) -> bool:
    return a < b <= c


def chained_mixed(a: float, b: int, c: float) -> bool:
    return a <= b < c != a


def and_or_int(a: int, b: int) -> int:
    return (a and b) or 7


def or_float(a: float, b: float) -> float:
    return a or b


def and_list(a: list[int], b: list[int]) -> list[int]:
    return a and b


def not_(a: int) -> bool:
    return not a


def truthy(x: float) -> bool:
    return bool(x)


def ifexp(a: int) -> int:
    return a * 2 if a > 0 else -a


def sign(x: float) -> int:
    if x > 0:
        return 1
    elif x < 0:
        return -1
    elif x == 0:
        return 0
    return 99


def minmax_i(a: int, b: int, c: int) -> tuple[int, int]:
    return (min(a, b, c), max(a, b, c))


def minmax_f(a: float, b: float) -> tuple[float, float]:
    return (min(a, b), max(a, b))


def while_else(n: int) -> int:
    i = 0
    total = 0
    while i < n:
        i += 1
        if i == 50:
            break
        if i % 3 == 0:
            continue
        total += i
    else:
        total = -total
    return total


def for_else(n: int, stop: int) -> int:
    total = 0
    for i in range(n):
        if i == stop:
            break
        total += i
    else:
        total += 1000
    return total


def range_step(a: int, b: int, s: int) -> int:
    total = 0
    count = 0
    for i in range(a, b, s):
        total += i
        count += 1
    return total * 1000 + count


def range_big(a: int, n: int) -> int:
    total = 0
    for i in range(a, a + n):
        total += i
    return total


def nested(n: int) -> int:
    count = 0
    for i in range(n):
        for j in range(i):
            if (i + j) % 5 == 0:
                continue
            if j > 20:
                break
            count += i ^ j
    return count


def collatz(n: int) -> int:
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n //= 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def loop_var_after(n: int) -> int:
    i = -1
    for i in range(n):  # noqa: B007 (the loop variable is read after the loop)
        pass
    return i


def while_true(n: int) -> int:
    i = 0
    while True:
        i += 1
        if i * i > n:
            return i


def not_and(a: bool, b: bool) -> bool:
    return not (a and b) or (a and not b)


def cond_mixed(a: int, x: float) -> int:
    if a and x:
        return 1
    if a or x:
        return 2
    return 3


def bool_cmp(a: bool, b: int) -> bool:
    return a < b


def range_lit_after(a: int, b: int) -> tuple[int, int, int]:
    # literal step 1; the variable keeps its old value when the range is empty
    i = -99
    total = 0
    count = 0
    for i in range(a, b):
        total += i
        count += 1
    return (total, count, i)


def range_neg_lit(a: int, b: int) -> tuple[int, int, int]:
    # literal negative step: the compare goes the other way
    i = -99
    total = 0
    count = 0
    for i in range(a, b, -3):
        total += i
        count += 1
    return (total, count, i)


def range_lit_two(a: int, b: int) -> tuple[int, int, int]:
    i = -99
    total = 0
    count = 0
    for i in range(a, b, 2):
        total += i
        count += 1
    return (total, count, i)


def range_break_after(a: int, b: int, s: int, stop: int) -> int:
    i = -99
    for i in range(a, b, s):
        if i == stop:
            break
    return i
