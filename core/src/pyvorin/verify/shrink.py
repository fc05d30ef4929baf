"""Shrinking a failing generated input to a minimal one that still fails.

Greedy and type-directed: candidates make one argument simpler at a time (ints toward
0, floats toward 0.0/1.0/integral values, lists shorter and their elements simpler, bytes
shorter, tuple items simpler, True toward False, standard input shorter by whole lines);
the first candidate that still shows a difference is kept and shrinking starts again from
it, until no candidate fails or the budget of candidates, rounds (one batch per round) or
time is spent (the time: shrinking's share of the module's budget, see
:mod:`pyvorin.verify.budget`). Every candidate is checked by really running it in both
workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

from .signature import TypeSpec, conforms
from .values import Construct, key

MAX_CANDIDATES = 200
# the pseudo-type of a failing input's standard input, shrunk after its arguments
STDIN = "stdin"
MAX_ROUNDS = 12
PER_ROUND = 40


def _int_candidates(x: int) -> Iterator[int]:
    if x == 0:
        return
    yield 0
    if x < 0:
        yield -x
    for y in (x // 2, x - (1 if x > 0 else -1)):
        if abs(y) < abs(x):
            yield y
    if x.bit_length() > 8:
        yield x >> (x.bit_length() // 2) if x > 0 else -((-x) >> ((-x).bit_length() // 2))


def _float_candidates(x: float) -> Iterator[float]:
    yield 0.0
    yield 1.0
    if math.isnan(x) or math.isinf(x):
        return
    if x < 0 or (x == 0.0 and math.copysign(1.0, x) < 0):
        yield -x
    if x != int(x):
        yield float(int(x))
    if abs(x) > 2.0:
        yield x / 2


def _stdin_candidates(text: str) -> Iterator[str]:
    """Standard input shrinks by whole lines: none, each half, each line left out."""
    if not text:
        return
    yield ""
    lines = text.splitlines(keepends=True)
    if len(lines) > 2:
        yield "".join(lines[: len(lines) // 2])
        yield "".join(lines[len(lines) // 2 :])
    if len(lines) > 1:
        for i in range(len(lines)):
            yield "".join([*lines[:i], *lines[i + 1 :]])


def candidates(value: Any, spec: TypeSpec) -> Iterator[Any]:
    kind = spec.kind
    if kind == STDIN and type(value) is str:
        yield from _stdin_candidates(value)
    elif kind == "int" and type(value) is int:
        yield from _int_candidates(value)
    elif kind == "float" and type(value) is float:
        yield from _float_candidates(value)
    elif kind == "bool" and value is True:
        yield False
    elif kind == "list" or (kind == "tuple" and spec.variadic):
        items = list(value)
        rebuild = list if kind == "list" else tuple
        if items:
            yield rebuild([])
            if len(items) > 2:
                yield rebuild(items[: len(items) // 2])
                yield rebuild(items[len(items) // 2 :])
            for i in range(len(items)):
                yield rebuild([*items[:i], *items[i + 1 :]])
            for i, item in enumerate(items):
                for smaller in candidates(item, spec.items[0]):
                    yield rebuild([*items[:i], smaller, *items[i + 1 :]])
    elif kind in ("bytes", "bytearray") and type(value) in (bytes, bytearray) and value:
        rebuild = type(value)  # a bytearray given for bytes stays a bytearray
        yield rebuild()
        if len(value) > 2:
            yield rebuild(value[: len(value) // 2])
            yield rebuild(value[len(value) // 2 :])
        for i in range(len(value)):
            yield rebuild(value[:i] + value[i + 1 :])
    elif kind == "dict" and type(value) is dict and value:
        yield {}
        for drop in value:
            yield {k: v for k, v in value.items() if k is not drop}
    elif kind == "union":
        member = next((m for m in spec.items if conforms(value, m)), None)
        if member is not None:
            yield from candidates(value, member)
    elif kind == "instance" and type(value) is Construct:
        # a recipe shrinks by its constructor arguments (the class stays)
        made = list(value.args)
        for i, (item, item_spec) in enumerate(zip(made, spec.items, strict=False)):
            for smaller in candidates(item, item_spec):
                yield Construct(value.target, (*made[:i], smaller, *made[i + 1 :]), value.kwargs)
    elif kind == "tuple":
        items = list(value)
        for i, (item, item_spec) in enumerate(zip(items, spec.items, strict=False)):
            for smaller in candidates(item, item_spec):
                yield tuple([*items[:i], smaller, *items[i + 1 :]])


def shrink(
    args: tuple,
    specs: list[TypeSpec],
    first_failing: Callable[[list[tuple]], int | None],
    out_of_time: Callable[[], bool] = lambda: False,
    max_candidates: int = MAX_CANDIDATES,
    per_round: int = PER_ROUND,
    max_rounds: int = MAX_ROUNDS,
) -> tuple[tuple, int, bool]:
    """The smallest failing arguments found from ``args``, how many candidates ran, and
    whether ``out_of_time()`` stopped it with candidates left to try (cut short).

    ``first_failing`` runs a batch of candidate argument tuples and returns the index of
    the first one that still fails (or None): one round of shrinking is one batch.
    """
    current = tuple(args)
    tried: set[str] = {key(current)}
    attempts = rounds = 0
    while attempts < max_candidates and rounds < max_rounds:
        rounds += 1
        batch: list[tuple] = []
        for index, spec in enumerate(specs):
            for smaller in candidates(current[index], spec):
                candidate = (*current[:index], smaller, *current[index + 1 :])
                if key(candidate) in tried:
                    continue
                tried.add(key(candidate))
                batch.append(candidate)
                if len(batch) >= min(per_round, max_candidates - attempts):
                    break
            if len(batch) >= min(per_round, max_candidates - attempts):
                break
        if not batch:
            break
        if out_of_time():
            return current, attempts, True
        attempts += len(batch)
        winner = first_failing(batch)
        if winner is None:
            # Nothing in this round fails; the untried remainder may, so go on only if
            # the round was cut short by its size.
            if len(batch) < per_round:
                break
            continue
        current = batch[winner]
    return current, attempts, False
