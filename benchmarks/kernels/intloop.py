"""Integer loop: total Collatz stopping times of 1..n (while loops, // and %, int compare)."""

from __future__ import annotations

BENCH_SIZE = 100000
QUICK_SIZE = 2000


def collatz_steps(start: int) -> int:
    steps = 0
    x = start
    while x != 1:
        if x % 2 == 0:
            x = x // 2
        else:
            x = 3 * x + 1
        steps += 1
    return steps


def main(n: int) -> int:
    total = 0
    longest = 0
    for i in range(1, n + 1):
        s = collatz_steps(i)
        total += s
        if s > longest:
            longest = s
    return total * 1000 + longest
