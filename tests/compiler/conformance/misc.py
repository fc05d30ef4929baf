"""Conformance: remaining constructs of the subset."""

from __future__ import annotations

import math as m
from typing import List, Tuple  # noqa: UP035 (typing aliases are part of the subset)

INF = float("inf")
LABEL = "total:"


def chained_assign(n: int) -> tuple[int, int]:
    a = b = n * 2
    a += 1
    return (a, b)


def left_repeat(n: int) -> list[float]:
    return n * [0.5]


def inf_const(x: float) -> bool:
    return x < INF and m.isfinite(x)


def pairs(n: int) -> List[Tuple[int, int]]:  # noqa: UP006
    out: list[tuple[int, int]] = []
    for i in range(n):
        out.append((i, i * i))
    return out


def sum_pairs(ps: list[tuple[int, int]]) -> int:
    s = 0
    for p in ps:
        a, b = p
        s += a * b
    return s


def comp_over_list(xs: list[float]) -> list[bool]:
    return [x > 0.0 for x in xs]


def comp_shadow(x: int) -> int:
    ys = [x * 2 for x in range(3)]
    return x + len(ys)


def labelled(x: int) -> None:
    print(LABEL, x, m.pi)


def unary(x: int, y: float) -> tuple[int, float, int]:
    return (+x, +y, -(-x))  # noqa: B002


def count_down(n: int) -> list[int]:
    return [i for i in range(n, -1, -2)]


def nested_lists(n: int) -> list[list[list[int]]]:
    return [[[i + j] * 2 for j in range(2)] for i in range(n)]


def float_mix_cmp(x: float) -> int:
    return 1 if 0 <= x < 1 else 0


def bool_params(a: bool, b: bool = True) -> bool:
    return a and b


def str_truth(flag: bool) -> int:
    s = "abc"
    if flag:
        s = ""
    words = ["x", s]
    for w in words:
        print(w, end=";")
    if s and words:
        return 1
    return 0
