"""Lists and ranges: lookups from the end, running sums, windows, counters."""


def last(xs: list[int]) -> int:
    return xs[-1]


def pick(xs: list[int], i: int) -> int:
    return xs[i]


def running(xs: list[int]) -> list[int]:
    out: list[int] = []
    acc = 0
    for x in xs:
        acc += x
        out.append(acc)
    return out


def triangle(n: int) -> int:
    if n > 5000:
        return -1
    s = 0
    for i in range(n):
        s += i
    return s


def countdown(n: int) -> int:
    if n > 5000:
        return -1
    s = 0
    for i in range(n, 0, -1):
        s = s * 3 + i
    return s


def stride(lo: int, hi: int) -> int:
    if hi - lo > 5000:
        return -1
    s = 0
    for i in range(lo, hi, 3):
        s += i
    return s


def tally(flags: list[bool]) -> int:
    n = 0
    for f in flags:
        if f:
            n += 1
    return n


def same(xs: list[int]) -> list[int]:
    return xs
