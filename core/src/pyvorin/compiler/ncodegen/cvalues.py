"""How the native tier's values look in C: C types, literals and error values of the IR's
types, and :class:`CVal`, the C expression an emitted expression yields.

Ints are tagged ``PvInt`` words, floats C ``double``, bools (and None) C ``char``; lists,
tuples and strings are ``PyObject*``. A function's error return is the type's error value
(``PV_INT_ERR``, ``PV_FLOAT_ERR``, ``PV_BOOL_ERR``, ``NULL``).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from .. import ir
from ..cstrings import c_identifier
from ..ir import BOOL, FLOAT, INT, NONE


def cid(name: str) -> str:
    """A C identifier fragment for a Python name (see :func:`cstrings.c_identifier`)."""
    return c_identifier(name)


def ctype(t: ir.Type) -> str:
    if t == INT:
        return "PvInt"
    if t == FLOAT:
        return "double"
    if t in (BOOL, NONE):
        return "char"
    return "PyObject *"


def refcounted(t: ir.Type) -> bool:
    return t == INT or ir.is_object(t)


def err_value(t: ir.Type) -> str:
    if t == INT:
        return "PV_INT_ERR"
    if t == FLOAT:
        return "PV_FLOAT_ERR"
    if t in (BOOL, NONE):
        return "PV_BOOL_ERR"
    return "NULL"


def err_test(t: ir.Type, x: str) -> str:
    if t == INT:
        return f"PV_UNLIKELY({x} == PV_INT_ERR)"
    if t == FLOAT:
        return f"PV_UNLIKELY(PV_FLOAT_FAILED({x}))"
    if t in (BOOL, NONE):
        return f"PV_UNLIKELY({x} == PV_BOOL_ERR)"
    return f"PV_UNLIKELY({x} == NULL)"


def float_literal(v: float) -> str:
    if math.isfinite(v):
        return f"({v.hex()})"
    bits = struct.unpack("<Q", struct.pack("<d", v))[0]
    return f"pv_bits(0x{bits:016x}ULL)"


@dataclass
class CVal:
    code: str
    type: ir.Type
    owned: bool = False
