"""Conformance: lists and tuples."""

from __future__ import annotations


def get(xs: list[int], i: int) -> int:
    return xs[i]


def fget(xs: list[float], i: int) -> float:
    return xs[i]


def put(xs: list[int], i: int, v: int) -> None:
    xs[i] = v


def bump(xs: list[float], i: int) -> None:
    xs[i] += 1.5
    xs[i - 1] *= 2.0


def push(xs: list[int], v: int) -> int:
    xs.append(v)
    xs.append(v * 2)
    return len(xs)


def pop_last(xs: list[int]) -> int:
    return xs.pop()


def pop_at(xs: list[int], i: int) -> int:
    return xs.pop(i)


def total(xs: list[int]) -> int:
    s = 0
    for x in xs:
        s += x
    return s


def ftotal(xs: list[float]) -> float:
    s = 0.0
    for x in xs:
        s += x
    return s


def squares(n: int) -> list[int]:
    return [i * i for i in range(n)]


def evens(xs: list[int]) -> list[int]:
    return [x for x in xs if x % 2 == 0]


def scaled(xs: list[float], k: float) -> list[float]:
    return [x * k for x in xs]


def zeros(n: int) -> list[float]:
    return [0.0] * n


def repeat(xs: list[int], n: int) -> list[int]:
    return xs * n


def concat(a: list[int], b: list[int]) -> list[int]:
    return a + b


def grid(n: int, m: int) -> list[list[float]]:
    g = [[0.0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            g[i][j] = i * 0.5 + j
    return g


def grid_sum(g: list[list[float]]) -> float:
    s = 0.0
    for row in g:
        for v in row:
            s += v
    return s


def transpose(g: list[list[int]]) -> list[list[int]]:
    n = len(g)
    m = len(g[0])
    return [[g[i][j] for i in range(n)] for j in range(m)]


def flags(n: int) -> list[bool]:
    out = [True] * n
    for i in range(0, n, 2):
        out[i] = False
    return out


def count_true(xs: list[bool]) -> int:
    c = 0
    for x in xs:
        if x:
            c += 1
    return c


def grow_while_iterating(xs: list[int]) -> int:
    n = 0
    for x in xs:
        if x > 0 and len(xs) < 10:
            xs.append(x - 1)
        n += 1
    return n


def drain(xs: list[int]) -> int:
    s = 0
    while xs:
        s = s * 3 + xs.pop()
    return s


def reverse_in_place(xs: list[int]) -> None:
    i = 0
    j = len(xs) - 1
    while i < j:
        xs[i], xs[j] = xs[j], xs[i]
        i += 1
        j -= 1


def pair(a: int, b: float) -> tuple[int, float]:
    return (a, b)


def swap(a: int, b: int) -> tuple[int, int]:
    a, b = b, a
    return a, b


def unpack(t: tuple[int, float]) -> float:
    a, b = t
    return a * b


def tuple_index(t: tuple[int, int, int]) -> int:
    return t[0] * 100 + t[1] * 10 + t[-1]


def divmod_unpack(a: int, b: int) -> int:
    q, r = divmod(a, b)
    return q * 1000 + r


def minmax_list(xs: list[int]) -> tuple[int, int]:
    return (min(xs), max(xs))


def fminmax_list(xs: list[float]) -> tuple[float, float]:
    return (min(xs), max(xs))


def lit(a: int) -> list[int]:
    xs = [a, a + 1, -a]
    ys: list[int] = []
    for x in xs:
        ys.append(x)
    return ys


def length(xs: list[list[int]]) -> int:
    return len(xs) + len(xs[0]) if xs else -1


def matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    n = len(a)
    m = len(b[0])
    k = len(b)
    out = [[0.0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            s = 0.0
            for t in range(k):
                s += a[i][t] * b[t][j]
            out[i][j] = s
    return out


def sieve(n: int) -> int:
    flags = [True] * (n + 1)
    count = 0
    for i in range(2, n + 1):
        if flags[i]:
            count += 1
            for j in range(i * i, n + 1, i):
                flags[j] = False
    return count


def get_sum(xs: list[int]) -> int:
    # every element read by index (borrowed read, unboxed inline when it fits one digit)
    s = 0
    for i in range(len(xs)):
        s += xs[i]
    return s


def inc_all(xs: list[int], d: int) -> list[int]:
    # list element += int: read, unbox, add, box, store
    for i in range(len(xs)):
        xs[i] += d
    return xs


def boxed(xs: list[int]) -> list[int]:
    # values boxed into a new list (small ints are CPython's shared objects)
    out: list[int] = []
    for x in xs:
        out.append(x - 1)
        out.append(x + 1)
    return out
