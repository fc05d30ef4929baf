"""A generic-tier module whose typed functions use the native tier's tuple loop targets
(``enumerate``, ``zip``, lists of tuples) and ``isinstance``. test_exact_widen.py compares
it, compiled, with itself run by CPython, and proves which path ran by the native call
counters."""

import sys


class Box:
    def __init__(self, v):
        self.v = v


LIMIT = 3


def enum_sum(xs: list[int], start: int) -> int:
    t = 0
    for i, x in enumerate(xs, start):
        t += i * x
    return t


def enum_grow(xs: list[int]) -> list[int]:
    out: list[int] = []
    for i, x in enumerate(xs):
        out.append(i)
        if x > 0 and len(xs) < 12:
            xs.append(x - 1)  # seen by the loop, as CPython's list iterator sees it
    return out


def enum_shrink(xs: list[int]) -> list[int]:
    out: list[int] = []
    for i, x in enumerate(xs):
        out.append(x)
        if x % 2 == 0 and len(xs) > 0:
            xs.pop()
    return out


def enum_str(s: str, k: int) -> list[int]:
    out: list[int] = []
    for i, c in enumerate(s, start=k):
        out.append(i * ord(c))
    return out


def enum_floats(u: list[float]) -> float:
    partial_sum: float = 0.0
    for j, u_j in enumerate(u):
        partial_sum += u_j / (j + 1)
    return partial_sum


def enum_last(xs: list[str], target: str) -> tuple[int, str, bool]:
    i = -1
    x = "none"
    found = False
    for i, x in enumerate(xs, 10):
        if x == target:
            found = True
            break
    else:
        i = i * 100
    return (i, x, found)


def enum_bool_start(xs: list[bool], flag: bool) -> list[int]:
    out: list[int] = []
    for i, b in enumerate(xs, flag):
        out.append(i if b else -i)
    return out


def zip_pairs(a: list[int], b: list[float]) -> list[float]:
    out: list[float] = []
    for x, y in zip(a, b):
        out.append(x * y)
    return out


def zip_three(a: str, b: list[str], c: list[bool]) -> str:
    r = ""
    for x, y, z in zip(a, b, c):
        if z:
            r += x + y
        else:
            r += y + x
    else:
        r += "|"
    return r


def zip_grow(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        n += x - y
        if len(a) < 8:
            a.append(x + 1)
        if len(b) < 6:
            b.append(y + 2)
    return n


def zip_last(a: list[int], b: list[int], stop: int) -> tuple[int, int]:
    x = 0
    y = 0
    for x, y in zip(a, b):
        if x == stop:
            break
    return (x, y)


def pairs_loop(ps: list[tuple[int, str]]) -> str:
    r = ""
    for n, s in ps:
        r += s * n
    return r


def nested_rows(rows: list[list[float]]) -> list[float]:
    out: list[float] = []
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            out.append(v * (r + 1) + c)
    return out


def kinds(x: int, y: float, b: bool, s: str, xs: list[int], t: tuple[int, float]) -> list[bool]:
    return [
        isinstance(x, int),
        isinstance(x, bool),
        isinstance(x, float),
        isinstance(x, (float, str)),
        isinstance(y, float),
        isinstance(y, int),
        isinstance(b, int),
        isinstance(b, bool),
        isinstance(b, (str, (float, bool))),
        isinstance(s, str),
        isinstance(xs, list),
        isinstance(xs, tuple),
        isinstance(t, tuple),
        isinstance(t[1], float),
        isinstance(x, object),
        isinstance(x, ValueError),
        isinstance(x + y, float),
        isinstance(x > y, int),
    ]


def item_kind(xs: list[int], i: int) -> bool:
    return isinstance(xs[i], int)  # IndexError first, as in CPython


def reverse_bit(number: int) -> int:
    if not isinstance(number, int):
        raise TypeError("Input value must be an 'int' type")
    if number < 0:
        raise ValueError("The value of input must be non-negative")
    result = 0
    for _ in range(32):
        result <<= 1
        end_bit = number & 1
        number >>= 1
        result |= end_bit
    return result


def largest_pow(number: int) -> int:
    if isinstance(number, float):
        raise TypeError("Input value must be a 'int' type")
    if number <= 0:
        return 0
    res = 1
    while res << 1 <= number:
        res <<= 1
    return res


def checked_ratio(a: float, b: float) -> float:
    if not isinstance(a, (int, float)) or isinstance(b, bool):
        raise ValueError("numbers only")
    return a / b


def factors(n: int) -> list[int]:
    i = 2
    out = []  # list[int]: what the appends add
    while i * i <= n:
        if n % i:
            i += 1
        else:
            n //= i
            out.append(i)
    if n > 1:
        out.append(n)
    return out


def ranges(array: list[int], low: int, high: int) -> list[tuple[int, int]]:
    result = []  # list[tuple[int, int]]
    start = low
    for num in array:
        if num == start:
            start += 1
        elif num > start:
            result.append((start, num - 1))
            start = num + 1
    if start <= high:
        result.append((start, high))
    return result


def triangle(n: int) -> list[list[int]]:
    rows = []  # list[list[int]], once row is list[int]
    for i in range(n):
        row = []
        for j in range(i):
            row.append(i * j)
        rows.append(row)
    return rows


def doubled(xs: list[float]) -> list[float]:
    out = []  # list[float] from the return; filled through an alias
    alias = out
    for x in xs:
        alias.append(x * 2.0)
    return out


def buckets(n: int) -> list[list[int]]:
    g: list[list[int]] = [[] for _ in range(n)]
    for i in range(n * 2):
        g[i % n].append(i)
    return g


def mixed_items(flag: bool) -> int:
    xs = []  # int and bool items: no inference (PV215)
    xs.append(1)
    xs.append(flag)
    return len(xs)


def untyped_loop(xs):
    return [i for i, _ in enumerate(xs)]


def object_test(x: int) -> bool:
    return isinstance(x, Box)


def set_global(name, value):
    globals()[name] = value


def del_global(name):
    del globals()[name]


if __name__ == "__main__":
    print(enum_sum([1, 2, 3], 0), file=sys.stderr)
