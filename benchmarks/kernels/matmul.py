"""Matrix multiply: naive triple loop on list[list[float]] (nested indexing, float sums)."""

from __future__ import annotations

BENCH_SIZE = 220
QUICK_SIZE = 8


def make_matrix(n: int, seed: int) -> list[list[float]]:
    m: list[list[float]] = []
    state = seed
    for _i in range(n):
        row: list[float] = []
        for _j in range(n):
            state = (state * 1103515245 + 12345) % 2147483648
            row.append(state / 2147483648.0 - 0.5)
        m.append(row)
    return m


def matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    n = len(a)
    p = len(b[0])
    inner = len(b)
    c = [[0.0] * p for _ in range(n)]
    for i in range(n):
        ai = a[i]
        ci = c[i]
        for k in range(inner):
            aik = ai[k]
            bk = b[k]
            for j in range(p):
                ci[j] += aik * bk[j]
    return c


def main(n: int) -> float:
    a = make_matrix(n, 42)
    b = make_matrix(n, 7)
    c = matmul(a, b)
    trace = 0.0
    total = 0.0
    for i in range(n):
        trace += c[i][i]
        for j in range(n):
            total += abs(c[i][j])
    return trace + total
