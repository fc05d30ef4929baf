"""numkit's own tests: they pass against the source and against the compiled wheel."""

from __future__ import annotations

import math

import pytest
from numkit import kernels


def test_dot():
    assert kernels.dot([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]) == 32.0
    assert kernels.dot([], []) == 0.0
    assert kernels.dot([1.0, 2.0, 3.0], [2.0]) == 2.0


def test_mean():
    assert kernels.mean([1.0, 2.0, 4.5]) == 2.5
    with pytest.raises(ZeroDivisionError):
        kernels.mean([])


def test_horner():
    assert kernels.horner([2.0, -3.0, 1.0], 2.0) == 3.0
    assert kernels.horner([], 5.0) == 0.0
    assert math.isclose(kernels.horner([1.0, 0.0, 0.0, -1.0], 0.5), -0.875)


def test_collatz_steps():
    assert kernels.collatz_steps(1) == 0
    assert kernels.collatz_steps(27) == 111
    assert kernels.collatz_steps(2**70) == 70
    assert kernels.collatz_steps(0) == -1


def test_gcd():
    assert kernels.gcd(12, 18) == 6
    assert kernels.gcd(-12, 18) == 6
    assert kernels.gcd(0, 0) == 0
    assert kernels.gcd(2**100, 6**50) == 2**50


def test_mandelbrot_escape():
    assert kernels.mandelbrot_escape(0.0, 0.0) == kernels.MAX_ITER
    assert kernels.mandelbrot_escape(2.0, 2.0) == 1
    assert kernels.mandelbrot_escape(-0.75, 0.1) == 33


def test_spread():
    assert kernels.spread([]) == 0.0
    assert kernels.spread([1.0, 4.0, 2.0]) == 6.0
