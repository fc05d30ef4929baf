"""A generic-tier module (classes, imports, module-level code) whose typed top-level
functions also get native versions (per-function tiering). test_exact_tiers.py compares
it, compiled, with itself run by CPython."""

import functools
import math
import sys
from math import sqrt

N = 10
SCALE: float = 2.5
OFFSET = -0.0
ENABLED = True
VOWELS = "aeiouAEIOU"
SHADOWED = 1
SHADOWED = 2  # bound twice at module level: native code cannot compile it in


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm(self):
        return hypot(self.x, self.y)


def helper(x: int) -> int:
    return x * N + 1


def kernel(n: int) -> int:
    total = 0
    for i in range(n):
        total += helper(i) % 7
    return total


def hypot(x: float, y: float) -> float:
    return sqrt(x * x + y * y) * SCALE + math.pi + OFFSET


def scaled(x: float) -> float:
    return x * SCALE


def floordiv(a: int, b: int) -> int:
    return a // b


def truediv(a: float, b: float) -> float:
    return a / b


def power(x: float, y: float) -> float:
    return math.pow(x, y)


def to_float(n: int) -> float:
    return n * 1.5


def exp(x: float) -> float:
    return math.exp(x)


def pick(i: int) -> int:
    xs = [5, 6, 7]
    return xs[i]


def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def down(n: int) -> int:
    if n == 0:
        return 0
    return down(n - 1) + 1


def flag(b: bool, x: int) -> int:
    if b and ENABLED:
        return abs(x)
    return -x


def sieve(num: int) -> list[int]:
    primes = [True] * (num + 1)
    out: list[int] = []
    p = 2
    while p * p <= num:
        if primes[p]:
            for i in range(p * p, num + 1, p):
                primes[i] = False
        p += 1
    for q in range(2, num + 1):
        if primes[q]:
            out.append(q)
    return out


def nothing(x: int) -> None:
    y = x + 1
    assert y > x, "no overflow"


def shadow_user(x: int) -> int:
    return x + SHADOWED


def calls_default(x: int) -> int:
    return with_default(x)


def with_default(x: int, k: int = 3) -> int:
    return x * k


def total(xs: list[float]) -> float:
    s = 0.0
    for x in xs:
        s += x
    return s


def bump(xs: list[int], k: int) -> None:
    for i in range(len(xs)):
        xs[i] += k


def pairsum(p: tuple[int, float]) -> float:
    return p[0] + p[1]


def grid_sum(g: list[list[int]]) -> int:
    t = 0
    for row in g:
        for v in row:
            t += v
    return t


def untyped(x):
    return x + 1


def uses_class(x: int) -> int:
    return Point(x, x).x


def rebind_global(name, value):
    """Module code rebinding a global (as a module's own code can)."""
    globals()[name] = value


def unbind_global(name):
    del globals()[name]


def double(x: int) -> int:
    return 2 * x


def triple(x: int) -> int:
    return 3 * x


def twice_helper(x: int) -> int:
    return helper(x) + helper(x)


def checked(x: int, y: float) -> float:
    if x < 0:
        raise ValueError("x must be non-negative")
    if x == 0:
        raise ZeroDivisionError
    if x > 100:
        raise KeyError(x, y, x > 1000)
    return y / x


def vowels(s: str) -> int:
    n = 0
    for c in s:
        if c in VOWELS:
            n += 1
    return n


def mirror(s: str, k: int) -> str:
    out = ""
    for i in range(len(s)):
        out += s[-1 - i]
    return (out + "|" + s) * k + str(vowels(s)) + chr(ord(s[0]) + 1)


def rank(a: str, b: str) -> tuple[bool, bool, bool, int]:
    return (a < b, a == b, a in b, len(a + b))


def cut(s: str, a: int, b: int) -> tuple[str, str, str, str, str]:
    return (s[a:b], s[a:], s[:b], s[:], s[-b:-a])


def all_positive(xs: list[int]) -> bool:
    return all(x > 0 for x in xs)


def any_big_even(xs: list[int], k: int) -> bool:
    return any(x > k for x in xs if x % 2 == 0)


def all_truthy(xs: list[float], words: list[str]) -> tuple[bool, bool, bool, bool]:
    return (all(xs), any(xs), all(words), any(w for w in words))


def any_vowel(s: str) -> bool:
    return any(c in VOWELS for c in s)


def lazy_any(n: int, limit: int) -> bool:
    # 100 // (5 - i) raises at i == 5, unless an earlier item decided the result
    return any(100 // (5 - i) > limit for i in range(n))


def lazy_all(n: int, limit: int) -> bool:
    return all(100 // (5 - i) < limit for i in range(n))


def sum_multiples(n: int) -> int:
    return sum(e for e in range(3, n) if e % 3 == 0 or e % 5 == 0)


def sum_items(xs: list[int], flags: list[bool], start: int) -> tuple[int, int, int]:
    return (sum(xs), sum(flags), sum(xs, start))


def sum_squares(xs: list[int]) -> int:
    return sum(x * x for x in xs) + sum(x > 0 for x in xs) + sum([x for x in xs], -1)


def sum_from_flag(xs: list[int], flag: bool) -> int:  # sum([], True) is True: none
    return sum(xs, flag)


def sum_floats(xs: list[float]) -> float:  # no native version: 3.12 rounds differently
    return sum(xs)


def describe(n: int, x: float, ok: bool, name: str) -> str:
    return (
        f"{name}: n={n} x={x} ok={ok} [{n:>8}] {x:.3f} {x!r} {name!r:>10} {name!a} "
        f"{n:#x} {x:{n % 20}.{2}e}|{ok:d}|{ok!s:^7}|{'{'}{n:,}{'}'}|{x:%}|{name:{name[:1]}<5}"
    )


def bad_spec(name: str) -> str:  # ValueError: Unknown format code 'd' for a str
    return f"{name:d}"


def checked_double(n: int) -> int:
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n!r} ({n * 1.5:.1f})")
    return n * 2


def slices(xs: list[int], a: int, b: int) -> tuple[list[int], list[int], list[int], list[int]]:
    whole = xs[:]
    whole.append(-1)  # a copy: xs itself is unchanged
    return (xs[a:b], xs[a:], xs[:b], whole)


def sort_copy(xs: list[float], words: list[str], d: dict[str, int]) -> list[list[str]]:
    ys = list(xs)
    ys.sort()
    xs.append(0.0)  # the caller's list grows; ys and the sorted copy do not
    return [[str(y) for y in ys], [str(y) for y in sorted(xs)], sorted(words), list(d)]


def chars(s: str) -> tuple[list[str], list[str]]:
    return (list(s), sorted(s))


def words_of(text: str) -> list[str]:
    return [w.strip(".,!").lower() for w in text.split() if not w.isdigit()]


def str_methods(s: str, n: int, flag: bool) -> tuple[str, int, bool, str, str, list[str]]:
    return (
        s.upper().replace("A", "4", n),
        s.find("b", flag),  # a bool start: passed as the bool it is
        s.startswith("ab", 1, n),
        "-".join(s.split("b", 2)),
        s.zfill(n).center(n + 4, "*").title(),
        s.rsplit(" ", 1) + s.splitlines(),
    )


def str_index(s: str, sub: str) -> tuple[int, int, bool]:
    return (s.index(sub), s.count(sub), s.isidentifier())


def parse_number(s: str, base: int) -> tuple[int, float, int]:
    return (int(s), float(s), int(s.strip(), base))


CALLS = []


def counted(fn):
    """A decorator that wraps: it records each call, then calls the function."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        CALLS.append(fn.__name__)
        return fn(*args, **kwargs)

    return wrapper


def replacement(x):
    return ("replaced", x)


def replaced_by(_fn):
    return replacement


@counted
def wrapped_square(x: int) -> int:
    return x * x + N


@functools.lru_cache(maxsize=None)
def cached_cube(x: int) -> int:
    return x * x * x


@functools.lru_cache(maxsize=None)
def cached_fib(n: int) -> int:  # calls itself through the cache: no native version
    if n < 2:
        return n
    return cached_fib(n - 1) + cached_fib(n - 2)


def calls_wrapped(x: int) -> int:  # calls a decorated name: no native version
    return wrapped_square(x) + 1


@replaced_by
def replaced(x: int) -> int:  # has a native version that nothing can reach
    return x + 1


TABLE = [kernel(i) for i in range(6)]
ORIGIN = Point(3.0, 4.0).norm()
if __name__ == "__main__":
    print(kernel(10), file=sys.stderr)
