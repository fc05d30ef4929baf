"""Fannkuch-redux: pancake flips over all permutations of 0..n-1 (list[int] shuffling)."""

from __future__ import annotations

BENCH_SIZE = 9
QUICK_SIZE = 5


def main(n: int) -> tuple[int, int]:
    perm1 = [i for i in range(n)]
    perm = [0] * n
    count = [0] * n
    max_flips = 0
    checksum = 0
    perm_count = 0
    r = n
    while True:
        while r != 1:
            count[r - 1] = r
            r -= 1
        for i in range(n):
            perm[i] = perm1[i]
        flips = 0
        k = perm[0]
        while k != 0:
            lo = 0
            hi = k
            while lo < hi:
                t = perm[lo]
                perm[lo] = perm[hi]
                perm[hi] = t
                lo += 1
                hi -= 1
            flips += 1
            k = perm[0]
        if flips > max_flips:
            max_flips = flips
        if perm_count % 2 == 0:
            checksum += flips
        else:
            checksum -= flips
        # next permutation (the benchmarks-game rotation scheme)
        while True:
            if r == n:
                return (checksum, max_flips)
            first = perm1[0]
            for i in range(r):
                perm1[i] = perm1[i + 1]
            perm1[r] = first
            count[r] -= 1
            if count[r] > 0:
                break
            r += 1
        perm_count += 1
