"""Sieve of Eratosthenes: count and sum the primes below n (list[bool], strided range)."""

from __future__ import annotations

BENCH_SIZE = 6000000
QUICK_SIZE = 5000


def primes_below(n: int) -> list[int]:
    flags = [True] * n
    if n > 0:
        flags[0] = False
    if n > 1:
        flags[1] = False
    i = 2
    while i * i < n:
        if flags[i]:
            for j in range(i * i, n, i):
                flags[j] = False
        i += 1
    return [k for k in range(n) if flags[k]]


def main(n: int) -> tuple[int, int]:
    primes = primes_below(n)
    total = 0
    for p in primes:
        total += p
    return (len(primes), total)
