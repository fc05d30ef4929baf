"""How a module's C is cut into translation units (used by :mod:`.ncodegen`).

gcc's time on one unit grows with its size and runs on one core; a 1,000-function module
as one file took minutes and could exceed the sandbox's per-process CPU limit. Split into
units of about :data:`LINES_PER_UNIT` lines, the units compile in parallel, each within
the limit. A small module stays one unit: a unit costs a fixed ~0.2-0.5 s to parse
``Python.h`` and the runtime header, and calls inside one unit can be inlined.

- :func:`should_split` decides from the IR, before any C is written (the decision sets
  the C names: ``static`` names in one unit, prefixed hidden names shared across units).
- :func:`partition` groups functions into units by their generated size, keeping
  functions that call each other (connected in the call graph) in one unit when they fit,
  so that most native calls stay inlinable; a larger group is cut in source order.
- :func:`symbol_prefix` is the module-unique prefix of names shared between units.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable, Mapping

from . import ir
from .cstrings import c_identifier

LINES_PER_UNIT = 6000  # generated C lines per function unit (~3-10 s of gcc -O2 here)
# IR -> C size estimate: lines per IR node, plus a fixed cost per function (prologue,
# declarations, cleanup, the wrapper). Measured on the conformance files and benchmarks.
_LINES_PER_NODE = 4
_LINES_PER_FUNCTION = 50
ENV_LINES = "PYVORIN_C_UNIT_LINES"  # override LINES_PER_UNIT (tests, measurements)


def lines_per_unit() -> int:
    """:data:`LINES_PER_UNIT`, or the positive integer in ``$PYVORIN_C_UNIT_LINES``."""
    text = os.environ.get(ENV_LINES, "").strip()
    if not text:
        return LINES_PER_UNIT
    if not text.isdigit() or int(text) < 1:
        from ..errors import ConfigError

        raise ConfigError(f"{ENV_LINES}={text!r}: expected a positive number of lines")
    return int(text)


def _nodes(items: Iterable) -> int:
    n = 0
    for item in items:
        n += 1
        for attr in ("args", "exprs", "body", "orelse"):
            n += _nodes(getattr(item, attr, None) or ())
    return n


def estimated_lines(module: ir.Module) -> int:
    """About how many lines of C the module's functions become."""
    return sum(
        _LINES_PER_NODE * (_nodes(f.body) + len(f.params)) + _LINES_PER_FUNCTION
        for f in module.functions
    )


def should_split(module: ir.Module, limit: int | None = None) -> bool:
    """Several units only when the functions' C is estimated past one unit's size."""
    if len(module.functions) < 2:
        return False
    return estimated_lines(module) > (limit or lines_per_unit())


def symbol_prefix(module_name: str) -> str:
    """``pvm_<leaf>_<8 hex digits of the module's full name>_``: unique per module."""
    leaf = c_identifier(module_name.rsplit(".", 1)[-1])
    digest = hashlib.sha256(module_name.encode("utf-8", "backslashreplace")).hexdigest()[:8]
    return f"pvm_{leaf}_{digest}_"


def _components(names: list[str], calls: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Connected groups of the (undirected) call graph, each in source order, ordered by
    their first function."""
    parent = {n: n for n in names}
    order = {n: i for i, n in enumerate(names)}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for caller in names:
        for callee in calls.get(caller, ()):
            if callee in parent:
                a, b = find(caller), find(callee)
                if a != b:
                    parent[max(a, b, key=order.__getitem__)] = min(a, b, key=order.__getitem__)
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(find(n), []).append(n)
    return list(groups.values())


def partition(
    sizes: list[tuple[str, int]],
    calls: Mapping[str, Iterable[str]],
    lines: int = LINES_PER_UNIT,
) -> list[list[str]]:
    """Function names grouped into units (at least two when there are two functions).

    ``sizes`` are (function, generated lines) in source order. The number of units is
    ``ceil(total / lines)``; each is filled to about ``total / units`` lines with whole
    call-graph components in order; a component larger than that is cut in source order.
    """
    if not sizes:
        return []
    size = dict(sizes)
    names = [n for n, _ in sizes]
    total = sum(size.values())
    n_units = max(2 if len(names) > 1 else 1, math.ceil(total / max(1, lines)))
    target = total / n_units
    units: list[list[str]] = [[]]
    filled = 0
    # a component (or, inside a too-large one, a function) goes to the unit where its
    # middle falls, so units come out near ``target`` rather than all a bit under it
    for component in _components(names, calls):
        comp_size = sum(size[n] for n in component)
        if units[-1] and filled + comp_size / 2 > target and comp_size <= target:
            units.append([])
            filled = 0
        for name in component:
            if units[-1] and filled + size[name] / 2 > target:
                units.append([])
                filled = 0
            units[-1].append(name)
            filled += size[name]
    return [u for u in units if u]
