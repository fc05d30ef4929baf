"""Which NaN comes out where two NaNs meet is not part of CPython's semantics.

IEEE 754 leaves open which of two NaN operands an operation propagates, and the C
compiler decides the operand order: CPython's own ``a + b`` returns one NaN before the
interpreter specializes the addition and the other after. The verifier therefore accepts
"one of the NaNs that met" there (found by the demo on CI: ``horner([nan:0x7ff8...01],
inf)`` computes ``0.0 * inf + c``, a default NaN meeting the input's), and still compares
every other NaN bit for bit.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from pyvorin.compiler import compile_module
from pyvorin.verify.compare import _default_nan, same_value
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, make_context, make_project

PAYLOAD_BITS = 0x7FF8000000000001


def _bits(value: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def _nan(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _add(a: float, b: float) -> float:
    return a + b


def test_cpython_itself_does_not_fix_which_nan_an_addition_returns():
    payload = _nan(PAYLOAD_BITS)
    default = float("inf") * float(0)
    seen = {_bits(_add(default, payload)) for _ in range(64)}
    assert seen <= {PAYLOAD_BITS, _bits(default)}
    if sys.version_info >= (3, 11) and sys.platform == "linux":
        # the specializing interpreter's float addition orders the operands differently
        assert len(seen) == 2, [hex(b) for b in seen]


def _float(text: str) -> dict:
    return {"float": text}


def _returned(text: str) -> dict:
    return {"kind": "returned", "value": _float(text)}


def test_a_default_nan_beside_an_input_nan_may_come_out_either_way():
    payload = f"nan:0x{PAYLOAD_BITS:016x}"
    original = {"args": [{"list": [_float(payload)]}, _float("inf")], "kwargs": {}}
    assert same_value(_returned(payload), _returned(_default_nan()), original)
    assert same_value(_returned(_default_nan()), _returned(payload), original)


def test_other_nans_are_still_compared_bit_for_bit():
    payload = f"nan:0x{PAYLOAD_BITS:016x}"
    with_nan = {"args": [_float(payload)], "kwargs": {}}
    without_nan = {"args": [_float("inf")], "kwargs": {}}
    # a NaN nobody passed in, nor any invalid operation could make
    assert not same_value(_returned(payload), _returned("nan:0x7ff8000000000002"), with_nan)
    # no NaN in the input: the default NaN must come out exactly as CPython's did
    assert not same_value(
        _returned(_default_nan()),
        _returned("-nan" if _default_nan() == "nan" else "nan"),
        without_nan,
    )
    # the sign of a NaN still counts where no NaN met another
    assert not same_value(_returned("nan"), _returned("nan:0xfff8000000000000"), None)


HORNER = """\
def horner(coeffs: list[float], x: float) -> float:
    result = 0.0
    for c in coeffs:
        result = result * x + c
    return result
"""

EXAMPLES = """\
[["kernels:horner"]]
args = [[nan], inf]

[["kernels:horner"]]
args = [[{float = "nan:0x7ff8000000000001"}], inf]

[["kernels:horner"]]
args = [[{float = "nan:0x7ff8000000000001"}, 2.0], -inf]
"""


def test_horner_on_an_input_nan_and_inf_verifies(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(root, source=HORNER, min_inputs=30, examples=EXAMPLES)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_module(module, root / "out", workdir=root)
    result, report, _ = verify_module(ctx, module, compiled)
    assert result.passed, result.message
    [horner] = report["functions"]
    assert horner["result"] == "passed" and horner["conclusive"] >= 30
