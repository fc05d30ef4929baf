"""Calls that `pyvorin demo` times, source against compiled: function -> (args, repeat)."""

from __future__ import annotations

XS = [float(i % 17) * 0.25 for i in range(20000)]
YS = [float(i % 13) * 0.5 for i in range(20000)]
COEFFS = [1.0 / (k + 1) for k in range(64)]
POINTS = [float(i % 101) / 7.0 for i in range(600)]

CALLS = {
    "dot": ((XS, YS), 20),
    "mean": ((XS,), 20),
    "horner": ((COEFFS, 0.999), 2000),
    "collatz_steps": ((837799,), 200),
    "gcd": ((2**200 + 7, 3**120), 2000),
    "mandelbrot_escape": ((-0.1, 0.1), 100),
    "spread": ((POINTS,), 3),
}
