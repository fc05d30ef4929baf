"""Functions declared interpreted (by the runtime's decorator and by configuration) in a
compiled module: each must behave exactly as under CPython, where its ``def`` stands."""

from __future__ import annotations

import sys

import pyvorin_runtime
from pyvorin_runtime import interpreted

ORDER: list[str] = []


def tag(label):
    def deco(func):
        ORDER.append(f"{label}:{func.__qualname__}")
        func.tags = [*getattr(func, "tags", []), label]
        return func

    return deco


BEFORE = "module value before"


@tag("outer")
@interpreted
@tag("inner")
def evaluate(expr: str, scale=2, *, offset: int = 0) -> int:
    """Evaluate an expression of x (runs interpreted: eval needs a frame)."""
    x = 10  # noqa: F841 (read by the eval)
    return eval(expr) * scale + offset


@pyvorin_runtime.interpreted
def frame_line():
    return sys._getframe().f_code.co_name, sys._getframe().f_lineno


def compiled_caller(expr):
    return evaluate(expr, 1) + 1


def configured(n):
    # declared in configuration: "declared:configured"
    table = {}
    exec("def sq(v):\n    return v * v", table)
    return [table["sq"](i) for i in range(n)]


@interpreted
def failing(kind):
    if kind == "zero":
        return 1 / 0
    if kind == "key":
        return {}["missing"]
    raise ValueError(f"bad kind {kind!r}")


@interpreted
def nested_closure(k):
    def add(v):
        return v + k + len(locals())

    return [add(i) for i in range(3)]


@interpreted
def counting(n):
    for i in range(n):
        yield eval("i * i", {"i": i})


@interpreted
async def doubled(x):
    """async code is not compiled yet; declared, it runs as CPython's coroutine."""
    return x * 2


if ORDER is not None:  # a module-level block

    @interpreted
    def in_block():
        """Declared inside a module-level if: compiled under 'if 1:' at its own lines."""
        return sys._getframe().f_lineno, in_block.__code__.co_firstlineno


BEFORE = "module value after"


@interpreted
def sees_global():
    return BEFORE


class Base:
    def greet(self):
        return "base"


class Shape(Base):
    """A class with methods declared interpreted, mixed with compiled ones."""

    sides = 4

    def __init__(self, size):
        self._size = size

    @interpreted
    def area(self):
        return eval("self._size ** 2")

    @interpreted
    def private(self, value):
        self.__memo = value  # mangled as in the class: _Shape__memo
        return sorted(vars(self)), self.__memo

    @interpreted
    def greet(self):
        return "shape+" + super().greet()

    @classmethod
    @interpreted
    def make(cls, size):
        return cls(size), cls.__qualname__

    @staticmethod
    @interpreted
    def helper(a, b=3):
        return a * b

    @property
    @interpreted
    def size(self):
        return self._size

    @size.setter
    @interpreted
    def size(self, value):
        if value < 0:
            raise ValueError("negative size")
        self._size = value

    def compiled_area(self):
        return self.area() + 0


def describe(fn):
    code = fn.__code__
    return (
        fn.__name__,
        fn.__qualname__,
        fn.__module__,
        fn.__doc__,
        code.co_firstlineno,
        code.co_filename,
        fn.__defaults__,
        fn.__kwdefaults__,
        sorted(fn.__annotations__),
        getattr(fn, "tags", None),
    )
