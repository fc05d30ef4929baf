"""Recursive Fibonacci: direct calls between compiled functions (call overhead, int adds)."""

from __future__ import annotations

BENCH_SIZE = 33
QUICK_SIZE = 12


def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def main(n: int) -> int:
    return fib(n)
