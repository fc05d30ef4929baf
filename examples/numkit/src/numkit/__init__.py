"""numkit: small numeric kernels, compiled by Pyvorin (see ../README.md)."""

from __future__ import annotations

from .kernels import collatz_steps, dot, gcd, horner, mandelbrot_escape, mean, spread

__all__ = ["collatz_steps", "dot", "gcd", "horner", "mandelbrot_escape", "mean", "spread"]
__version__ = "0.1.0"
