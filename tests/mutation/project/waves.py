"""Float signal processing: bucketing, phases, clamping, rounding, growth."""

import math


def bucket(x: float, width: float) -> float:
    if width == 0.0:
        return 0.0
    return x // width


def phase(x: float, period: float) -> float:
    if period == 0.0:
        return 0.0
    return x % period


def nearest(x: float) -> int:
    if x != x or x == math.inf or x == -math.inf:
        return 0
    return round(x)


def lower(a: float, b: float) -> float:
    return min(a, b)


def upper(a: float, b: float) -> float:
    return max(a, b)


def floor_index(x: float) -> int:
    if x != x or x == math.inf or x == -math.inf:
        return 0
    return math.floor(x)


def decay(x: float) -> float:
    return math.exp(x)


def level(x: float) -> float:
    return math.log(x)


def active(x: float, on: int, off: int) -> int:
    if x:
        return on
    return off


def average(xs: list[float]) -> float:
    if len(xs) == 0:
        return 0.0
    total = 0.0
    for x in xs:
        total += x
    return total / len(xs)


def gain(x: float, factor: float) -> float:
    return x * factor
