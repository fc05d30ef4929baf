"""Inputs CPython itself answers differently run after run (elapsed time, random draws).

An input whose two outcomes differ is run once more under CPython; when CPython
disagrees with itself the input cannot be judged by CPython's outcome. See
docs/verification.md, "Nondeterministic inputs".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .compare import compare, describe, inconclusive_reason, mark_nondeterministic
from .requests import encoded_input, for_cpython

if TYPE_CHECKING:
    from .running import Side


EXTRA_RECHECKS = 2


def recheck_differing(
    reference: Side,
    requests: list[dict[str, Any]],
    cpython: list[dict[str, Any]],
    compiled: list[dict[str, Any]],
    converts: bool,
) -> None:
    """Run every input whose two outcomes differ under CPython once more.

    When CPython's second outcome differs from its own first one (a function returning
    elapsed time, a random draw...), the input is nondeterministic under CPython: it
    cannot tell right from wrong, so its CPython reply is marked and the input counts as
    inconclusive (:func:`~pyvorin.verify.compare.inconclusive_reason`). A deterministic
    function never differs from itself, so a real miscompilation stays a mismatch. Only
    differing inputs are re-run: agreeing ones cost nothing more.
    """
    call_seconds = reference.budget.call_seconds
    differing = [
        index
        for index, (request, cpy, cmp) in enumerate(zip(requests, cpython, compiled, strict=True))
        if inconclusive_reason(cpy, call_seconds) is None
        and cmp["kind"] != "not-run"
        and compare(cpy, cmp, call_seconds, encoded_input(request))
    ]
    if not differing:
        return
    again = reference.run([for_cpython(requests[i], converts) for i in differing])
    for index, second in zip(differing, again, strict=True):
        original = encoded_input(for_cpython(requests[index], converts))
        mark_nondeterministic(cpython[index], second, call_seconds, original)
    # A function shown nondeterministic on one input (elapsed time) can agree with itself
    # by chance on another (a coarse clock, an empty loop): its differing inputs that
    # still look deterministic run under CPython up to EXTRA_RECHECKS times more.
    unstable = {requests[i]["function"] for i in differing if cpython[i].get("nondeterministic")}
    suspects = [
        i
        for i in differing
        if requests[i]["function"] in unstable and not cpython[i].get("nondeterministic")
    ]
    for _round in range(EXTRA_RECHECKS):
        if not suspects:
            break
        again = reference.run([for_cpython(requests[i], converts) for i in suspects])
        for index, nth in zip(suspects, again, strict=True):
            original = encoded_input(for_cpython(requests[index], converts))
            mark_nondeterministic(cpython[index], nth, call_seconds, original)
        suspects = [i for i in suspects if not cpython[i].get("nondeterministic")]


def value_only_nondeterministic(cpython: dict[str, Any], compiled: dict[str, Any]) -> bool:
    """Whether CPython's two runs of an input differed in the returned value or the
    objects its recipes built alone (both returned; elapsed time, a random draw, a
    timestamp taken by a constructor): everything else about the input is still compared,
    and the value by its type (see :func:`partial_differences`)."""
    differed = cpython.get("nondeterministic") or []
    return (
        bool(differed)
        and set(differed) <= VALUE_ONLY
        and cpython["kind"] == "return"
        and compiled["kind"] == "return"
    )


# what value-only nondeterminism may cover: the value, and the objects its input's
# recipes made (a class drawing random numbers in its __init__: a random board)
VALUE_ONLY = frozenset({"return value", "objects as built"})


def value_type(encoded: Any) -> str:
    if isinstance(encoded, dict) and len(encoded) == 1:
        tag = next(iter(encoded))
        return encoded[tag] if tag in ("object", "other", "iterator") else tag
    return type(encoded).__name__


def partial_differences(
    cpython: dict[str, Any], compiled: dict[str, Any], call_seconds: float, original: Any
) -> list[dict[str, Any]]:
    """The differences of an input whose value CPython does not reproduce: all but the
    value, which must still be of the same type."""
    unstable = set(cpython.get("nondeterministic") or ()) & VALUE_ONLY
    differences = [
        d for d in compare(cpython, compiled, call_seconds, original) if d["what"] not in unstable
    ]
    if value_type(cpython["value"]) != value_type(compiled["value"]):
        differences.insert(
            0,
            {
                "what": "return value type",
                "cpython": describe(cpython, call_seconds),
                "compiled": describe(compiled, call_seconds),
                "note": "CPython's own runs return different values of one type; "
                "the compiled value is of another",
            },
        )
    return differences


NOT_COMPARED = "not compared: the compiled code already exceeded the budget repeatedly"


def unusable_reason(
    cpython: dict[str, Any], compiled: dict[str, Any], call_seconds: float
) -> str | None:
    """Why an input's two outcomes cannot be compared, or None when they can.

    The one test of a conclusive function input: coverage evidence, top-up rounds, the
    report and shrinking all ask it (a doctest session, whose value is its transcript,
    asks :func:`~pyvorin.verify.compare.inconclusive_reason` alone). An input whose
    CPython runs differed in the returned value alone is conclusive
    (:func:`value_only_nondeterministic`): everything but the value is compared, by
    :func:`pair_differences`.
    """
    if not value_only_nondeterministic(cpython, compiled):
        reason = inconclusive_reason(cpython, call_seconds)
        if reason is not None:
            return reason
    if compiled["kind"] == "not-run":
        return NOT_COMPARED
    return None


def pair_differences(
    cpython: dict[str, Any], compiled: dict[str, Any], call_seconds: float, original: Any
) -> list[dict[str, Any]]:
    """The differences of a conclusive input (see :func:`unusable_reason`): all of them, or
    all but the value when CPython does not reproduce its own value."""
    if value_only_nondeterministic(cpython, compiled):
        return partial_differences(cpython, compiled, call_seconds, original)
    return compare(cpython, compiled, call_seconds, original)
