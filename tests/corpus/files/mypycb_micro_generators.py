# Pyvorin test corpus file (tests/corpus/CREDITS.md). The code below this header is
# unchanged from its source:
#   repository: mypyc/mypyc-benchmarks (GitHub)
#   path:       microbenchmarks/generators.py
#   commit:     74516368e3a2f7ddaa22181e7c1493bf70362192
#   licence:    MIT (mypyc-benchmarks LICENSE, Copyright (c) 2020 Jukka Lehtosalo and contributors)
from typing import Iterator

from benchmarking import benchmark


@benchmark()
def generators() -> None:
    n = 0
    k = 0
    for i in range(100 * 1000):
        for j in gen(k):
            n += j
        k += 1
        if k == 10:
            k = 0
    assert n == 1200000, n


def gen(n: int) -> Iterator[int]:
    for i in range(n):
        yield i
