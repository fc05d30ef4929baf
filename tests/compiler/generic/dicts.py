"""A generic-tier module (a class, module-level code) whose typed functions use dicts:
their native versions keep dict[K, V] values as exact dicts and do each operation with
the C-API call CPython's dict makes. test_exact_dicts.py compares it, compiled, with
itself run by CPython."""

import sys

LIMIT = 10


class Box:
    def __init__(self, value):
        self.value = value


def collatz_longest(n: int) -> int:
    counters = {1: 1}
    best = 0
    best_n = 1
    for start in range(2, n):
        count = 0
        number = start
        while True:
            if number in counters:
                count += counters[number]
                break
            if number % 2 == 0:
                number //= 2
            else:
                number = 3 * number + 1
            count += 1
        if start not in counters:
            counters[start] = count
        if count > best:
            best = count
            best_n = start
    return best_n


def indegrees(graph: dict[int, list[int]]) -> list[int]:
    deg = [0] * len(graph)
    for vs in graph.values():
        for v in vs:
            deg[v] += 1
    return deg


def count_words(words: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return counts


def bump(d: dict[str, int], k: str) -> int:
    d[k] += LIMIT
    return d[k] + len(d) + (1 if d else 0)


def keys_above(d: dict[int, float], cut: float) -> list[int]:
    return [k for k in d if d[k] > cut] + [k for k in d.keys() if k < 0]


def lookup(d: dict[str, list[int]], k: str, i: int) -> int:
    return d[k][i]


def displays(a: int, b: str) -> tuple[dict[int, str], dict[str, float], int, bool, bool]:
    first = {a: b, a + 1: b + b, a: "again"}  # noqa: F602 (a repeated key keeps its last value)
    second: dict[str, float] = {}
    second[b] = 0.5
    return (first, second, len(first), b in second, a not in first)


def grow_while_iterating(d: dict[int, int]) -> int:
    total = 0
    for k in d:
        total += k
        if k < LIMIT:
            d[k + 100] = 1  # the dict's size changes: RuntimeError at the next step
    return total


def pass_along(d: dict[str, int], k: str) -> int:
    return bump(d, k) + bump(d, k)


def any_large(d: dict[str, int]) -> bool:
    return any(v > LIMIT for v in d.values())


def weighted(d: dict[str, float]) -> tuple[float, str]:
    total = 0.0
    best = ""
    top = -1.0
    for k, v in d.items():
        total += v
        if v > top:
            top = v
            best = k
    return (total, best)


def relabel_while_iterating(d: dict[str, int]) -> int:
    n = 0
    for k, v in d.items():
        n += v
        if v > LIMIT:
            d[k + "!"] = v  # the dict's size changes: RuntimeError at the next step
    return n


def unique_count(xs: list[int]) -> int:
    seen: set[int] = set()
    for x in xs:
        seen.add(x)
    return len(seen) + (10 if 3 in seen else 0) + (100 if 4 not in seen else 0)


def set_ops(words: list[str], s: set[str]) -> tuple[list[str], bool, int, bool, list[str]]:
    u = set(words)
    u.discard("a")
    for w in s:
        u.add(w + "!")
    return (sorted(u), "b" in u, len(s), bool(s), sorted(set("mississippi")))


def grow_set(s: set[int]) -> int:
    n = 0
    for x in s:
        n += x
        if x < LIMIT:
            s.add(x + 100)  # the set's size changes: RuntimeError at the next step
    return n


def literal_set(a: int) -> list[int]:
    return sorted({a, a + 1, a, 3}) + list(set([a, a]))


def kinds(d: dict[str, int], s: set[int]) -> tuple[bool, bool, bool, bool]:
    return (
        isinstance(d, dict),
        isinstance(s, (list, set)),
        isinstance(d, set),
        isinstance(s, dict),
    )


def untyped_items(d):
    return sorted(d.items())


if __name__ == "__main__":
    print(collatz_longest(100), file=sys.stderr)
