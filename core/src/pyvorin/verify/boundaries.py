"""Where the native tier changes representation: edge values derived from its C runtime.

Compilers break at the places where they switch representation, so the generated inputs
aim there. The numbers are read from the runtime header the compiler ships
(``pyvorin/compiler/runtime/pyvorin_rt.h``), not copied by hand, so a change of the
tagged-int width, the small-int cache or a fast-path limit moves the inputs with it:

* ``PV_SMALL_NEG`` / ``PV_SMALL_POS``: the small-int cache edges (``-5 .. 256``);
* ``PV_SHORT_MAX`` = ``INTPTR_MAX >> k``: the tagged-int limits (``±2**62`` on 64 bits);
* every ``(1LL << n)`` constant (the exact int/float range ``±2**53``);
* every float literal in a fast-path condition (the float -> int limit ``±4.0e18``);
* shift-count limits (``y < 62``).

Each boundary ``b`` contributes ``b - 1, b, b + 1`` with both signs (ints) and ``b`` with
its neighbouring doubles and both signs (floats). The fixed families ``2**31``, ``2**32``,
``2**53``, ``2**61`` .. ``2**64`` are always present, whatever the header says.
"""

from __future__ import annotations

import functools
import math
import re
import struct
from pathlib import Path

HEADER = Path(__file__).resolve().parent.parent / "compiler" / "runtime" / "pyvorin_rt.h"
POINTER_BITS = struct.calcsize("P") * 8
FAMILIES = (31, 32, 53, 61, 62, 63, 64)


@functools.lru_cache(maxsize=4)
def header_facts(path: Path = HEADER) -> dict[str, list[int] | list[float]]:
    """The representation limits written in the runtime header (empty lists if unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    facts: dict[str, list] = {"small": [], "short": [], "shifts": [], "floats": [], "pow2": []}
    neg = re.search(r"#define\s+PV_SMALL_NEG\s+(\d+)", text)
    pos = re.search(r"#define\s+PV_SMALL_POS\s+(\d+)", text)
    if neg and pos:
        facts["small"] = [-int(neg.group(1)), int(pos.group(1)) - 1]
    short = re.search(r"#define\s+PV_SHORT_MAX\s+\(\(intptr_t\)\(INTPTR_MAX\s*>>\s*(\d+)\)\)", text)
    if short:
        facts["short"] = [(1 << (POINTER_BITS - 1 - int(short.group(1)))) - 1]
    facts["pow2"] = sorted({int(n) for n in re.findall(r"\(1LL\s*<<\s*(\d+)\)", text)})
    facts["shifts"] = sorted({int(n) for n in re.findall(r"\by\s*<\s*(\d+)\b", text)})
    literals = re.findall(r"(?<![\w.])(\d+\.\d*e\d+)(?![\w.])", text)
    facts["floats"] = sorted({float(v) for v in literals if float(v) >= 1e6})
    return facts


def _signed(values: set[int]) -> set[int]:
    return values | {-v for v in values}


@functools.lru_cache(maxsize=1)
def int_classes() -> dict[str, tuple[int, ...]]:
    """Edge values of ``int`` grouped by the representation question they ask."""
    facts = header_facts()
    small_lo, small_hi = (facts["small"] or [-5, 256])[:2]
    short_max = (facts["short"] or [2**62 - 1])[0]
    classes: dict[str, set[int]] = {
        "zero": {0},
        "one": {1, -1},
        "small": {2, -2, 3, 7, -7, 10, 100, -100},
        "small-int cache": {small_lo, small_lo - 1, small_hi, small_hi + 1, small_hi - 1},
        "32 bits": _signed({2**31 - 1, 2**31, 2**31 + 1, 2**32 - 1, 2**32}),
        "2**53": _signed({2**53 - 1, 2**53, 2**53 + 1}),
        "2**61": _signed({2**61 - 1, 2**61, 2**61 + 1}),
        "tagged-int limit": _signed({short_max - 1, short_max, short_max + 1, short_max + 2}),
        "2**63": _signed({2**63 - 1, 2**63, 2**63 + 1}),
        "2**64": _signed({2**64 - 1, 2**64, 2**64 + 1}),
        "huge": {10**30, -(10**30), 2**200 + 7, -(2**521 - 1)},
        # every bit position of the machine word above 32 bits: x << n or x * 2**n lands
        # on the tagged limit for some constant n
        "bit positions": _signed({2**k for k in range(33, POINTER_BITS - 1)}),
    }
    for n in facts["pow2"]:
        classes.setdefault(f"2**{n}", set()).update(_signed({2**n - 1, 2**n, 2**n + 1}))
    for limit in facts["floats"]:
        near = int(limit)
        classes["float->int limit"] = classes.get("float->int limit", set()) | _signed(
            {near - 1, near, near + 1}
        )
    for shift in facts["shifts"]:
        classes["small"].update({shift - 1, shift, shift + 1, 64})
    return {name: tuple(sorted(vs, key=lambda v: (abs(v), v))) for name, vs in classes.items()}


def _around(x: float) -> list[float]:
    return [x, math.nextafter(x, math.inf), math.nextafter(x, -math.inf)]


def _neg(values: list[float]) -> list[float]:
    return [*values, *(-v for v in values)]


def _distinct(values: list[float]) -> tuple[float, ...]:
    """Distinct by bits (a set would merge ``0.0`` and ``-0.0``), smallest magnitude first."""
    by_bits = {struct.pack("<d", v): v for v in values}
    return tuple(sorted(by_bits.values(), key=lambda v: (abs(v), v, math.copysign(1, v))))


NAN_NEGATIVE = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]
NAN_PAYLOAD = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000001))[0]


@functools.lru_cache(maxsize=1)
def float_classes() -> dict[str, tuple[float, ...]]:
    """Edge values of ``float`` grouped like :func:`int_classes` (same names meet)."""
    facts = header_facts()
    short_max = (facts["short"] or [2**62 - 1])[0]
    classes: dict[str, list[float]] = {
        "zero": [0.0, -0.0],
        "one": [1.0, -1.0, 0.5, -0.5],
        "small": [0.1, 1.1, -2.5, 2.5, 3.0, -7.0, 17.0, 0.49999999999999994, math.pi],
        "nan": [],  # added below: NaNs are told apart by their bits only
        "inf": [math.inf, -math.inf],
        "subnormal": [5e-324, -5e-324, 2.225073858507201e-308, 2.2250738585072014e-308],
        "2**53": [*_neg(_around(2.0**53)), 2.0**53 + 2.0],
        "2**61": _neg([2.0**61]),
        "tagged-int limit": _neg(_around(float(short_max + 1))),
        "2**63": _neg(_around(2.0**63)),
        "2**64": _neg(_around(2.0**64)),
        "huge": [1e16, 1e300, 1.7976931348623157e308, -1.7976931348623157e308, 1e-300],
    }
    for limit in facts["floats"]:
        classes.setdefault("float->int limit", []).extend(_neg(_around(limit)))
    out = {name: _distinct(values) for name, values in classes.items()}
    out["nan"] = (math.nan, NAN_NEGATIVE, NAN_PAYLOAD)
    return out


ORDINARY_INT_CLASSES = ("zero", "one", "small")
ORDINARY_FLOAT_CLASSES = ("zero", "one", "small")

__all__ = ["float_classes", "header_facts", "int_classes"]
