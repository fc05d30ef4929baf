# Pyvorin test corpus file (tests/corpus/CREDITS.md). The code below this header is
# unchanged from its source:
#   repository: mypyc/mypyc-benchmarks (GitHub)
#   path:       microbenchmarks/exceptions.py
#   commit:     74516368e3a2f7ddaa22181e7c1493bf70362192
#   licence:    MIT (mypyc-benchmarks LICENSE, Copyright (c) 2020 Jukka Lehtosalo and contributors)
from benchmarking import benchmark


@benchmark()
def catch_exceptions() -> None:
    n = 0
    for i in range(100 * 1000):
        try:
            f(i)
        except ValueError:
            n += 1
    assert n == 35714, n


def f(i: int) -> None:
    if i % 4 == 0:
        raise ValueError("problem")
    else:
        g(i)


def g(i: int) -> None:
    if i % 7 == 0:
        raise ValueError
