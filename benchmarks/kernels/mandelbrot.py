"""Mandelbrot: escape-time iteration over an n x n grid (float loops, early break)."""

from __future__ import annotations

BENCH_SIZE = 450
QUICK_SIZE = 20

MAX_ITER = 50


def escape_time(cr: float, ci: float, limit: int) -> int:
    zr = 0.0
    zi = 0.0
    for k in range(limit):
        tr = zr * zr - zi * zi + cr
        ti = 2.0 * zr * zi + ci
        zr = tr
        zi = ti
        if zr * zr + zi * zi > 4.0:
            return k
    return limit


def main(n: int) -> int:
    inside = 0
    checksum = 0
    for y in range(n):
        ci = 2.0 * y / n - 1.0
        for x in range(n):
            cr = 2.0 * x / n - 1.5
            k = escape_time(cr, ci, MAX_ITER)
            if k == MAX_ITER:
                inside += 1
            checksum = (checksum * 31 + k) % 1000000007
    return inside * 1000000007 + checksum
