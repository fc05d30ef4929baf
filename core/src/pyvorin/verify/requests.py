"""Call requests sent to the verification workers, and the arguments each side is given.

A request carries the input as encoded values (:mod:`.values`). Where the compiled call
boundary converts arguments (bool for int, int for float, subclass for plain; see
:func:`pyvorin.verify.running.converts_at_boundary`), the request also carries the
converted input (``reference``), which is what CPython is called with.
"""

from __future__ import annotations

from typing import Any

from .inputs import InputCase
from .signature import FunctionInfo


def call_request(call_id: int, function: FunctionInfo, case: InputCase) -> dict[str, Any]:
    encoded = case.encoded()
    request = {"op": "call", "id": call_id, "function": function.name, **encoded}
    if function.kind != "function":  # a member of a class: how the worker calls it
        request["call"] = function.kind
    converted = function.reference(tuple(case.args), dict(case.kwargs))
    reference = InputCase(*converted, stdin=case.stdin, session=case.session).encoded()
    if reference != encoded:
        # the call boundary converts (bool -> int, int -> float, subclass -> plain):
        # CPython is called with what the compiled code is documented to see
        request["reference"] = reference
    return request


def as_reference(after: dict[str, Any], request: dict[str, Any]) -> dict[str, Any] | None:
    """The compiled side's arguments-after-the-call, with the values the call boundary
    converted (scalars: they cannot change) written as CPython was given them."""
    reference = request["reference"]
    args = [
        ref if given != ref else value
        for value, given, ref in zip(
            after["args"], request["args"], reference["args"], strict=False
        )
    ] + after["args"][len(reference["args"]) :]
    kwargs = {
        name: reference["kwargs"].get(name, value)
        if request["kwargs"].get(name) != reference["kwargs"].get(name)
        else value
        for name, value in after["kwargs"].items()
    }
    normalized = {"args": args, "kwargs": kwargs}
    before = {"args": reference["args"], "kwargs": reference["kwargs"]}
    return None if normalized == before else normalized


def for_cpython(request: dict[str, Any], converts: bool) -> dict[str, Any]:
    reference = request.get("reference")
    if reference is None:
        return request
    out = {k: v for k, v in request.items() if k != "reference"}
    if converts:
        out.update(reference)
    return out


def encoded_input(request: dict[str, Any]) -> dict[str, Any]:
    return {"args": request["args"], "kwargs": request["kwargs"]}
