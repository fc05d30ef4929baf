"""Comparing CPython's outcome of a call with the compiled module's outcome.

Outcomes are the workers' replies. Values arrive in the exact tagged encoding of
:mod:`pyvorin.verify.values`, so equal encodings mean equal type and value (floats bit for
bit, ``-0.0 != 0.0``, NaNs by sign and payload, ``1 != 1.0 != True``), containers recursively.
Compared: how the call ended (returned, raised, did not finish, crashed), the returned
value (floats bit for bit, NaNs with their sign and payload), the exception's type and
message, the objects made from recipes as their classes built them (a method's
instance before the call), the arguments after the call (in-place mutation; a method's
instance is its argument 0), whether the result *is* one
of the list arguments (aliasing: a copy where CPython returns the argument, or the
reverse), and what the call wrote to stdout and to stderr.
"""

from __future__ import annotations

import difflib
from typing import Any

from .budget import LEFT
from .values import float_text, lines_of, parse_float, same_encoding, show_encoded

INCONCLUSIVE_KINDS = ("timeout", "crash", "not-run")
BUDGET_CUT = (
    "not run: cut by the module's time budget ([tool.pyvorin.verify] module-seconds): the "
    "function had spent its share on smaller inputs"
)
TOP_UP_CUT = (
    "not run: cut by the module's time budget ([tool.pyvorin.verify] module-seconds): a "
    "top-up input beyond what min-inputs lacked, and the module had spent its budget"
)


NONDETERMINISTIC = (
    "nondeterministic under CPython: a second CPython run of this input ended differently"
)


def mark_nondeterministic(
    first: dict[str, Any], again: dict[str, Any], call_seconds: float, original: dict[str, Any]
) -> bool:
    """Compare CPython's second outcome of an input with its first; when they differ, mark
    the first as nondeterministic (what differed goes in ``nondeterministic``)."""
    differences = compare(first, again, call_seconds, original)
    if differences:
        first["nondeterministic"] = [d["what"] for d in differences]
    return bool(differences)


def inconclusive_reason(cpython: dict[str, Any], call_seconds: float) -> str | None:
    """Why CPython's outcome cannot serve as the reference, or None when it can."""
    if cpython.get("nondeterministic"):
        return NONDETERMINISTIC
    kind = cpython["kind"]
    if kind == "timeout":
        seconds = cpython.get("call_seconds", call_seconds)  # single-call-seconds, if run so
        return f"CPython did not finish within the {seconds:g} s per-call budget"
    if kind == "crash":
        return f"the CPython worker died ({cpython.get('signal') or cpython.get('returncode')})"
    if kind == "not-run" and cpython.get("slow"):
        slow = cpython["slow"]
        return (
            f"not run: an input of this function no larger (size {slow['size']}) already took "
            f"{slow['seconds']:g} s under CPython; inputs as large or larger are not drawn "
            "after a call takes seconds (cost-aware generation, docs/verification.md)"
        )
    if kind == "not-run" and cpython.get("cut"):
        return TOP_UP_CUT if cpython["cut"] == LEFT else BUDGET_CUT
    if kind == "not-run":
        return "not run: CPython already exceeded the budget on a smaller input of this function"
    if kind == "raise" and cpython.get("type") == "MemoryError":
        return "CPython ran out of the per-call memory budget (MemoryError)"
    return None


RECURSION_MESSAGE = "maximum recursion depth exceeded"


def _same_recursion_limit(cpython: dict[str, Any], compiled: dict[str, Any]) -> bool:
    """Both sides hit the recursion limit. CPython's message suffix (" in comparison",
    " while calling a Python object"...) names whichever check tripped first at the limit,
    which depends on its adaptive specialisation (a specialised int comparison makes no
    check), so it is not reproducible even between two CPython runs; the type and the
    message's common part are compared (docs/verification.md)."""
    return all(
        side["type"] == "RecursionError" and side["message"].startswith(RECURSION_MESSAGE)
        for side in (cpython, compiled)
    )


def describe(reply: dict[str, Any], call_seconds: float) -> str:
    """One line saying how a call ended."""
    kind = reply["kind"]
    if kind == "return":
        value = reply["value"]
        text = f"returned {show_encoded(value)}"
        if isinstance(value, dict) and "float" in value:
            text += f"  (float {value['float']})"
        return text
    if kind == "raise":
        return f"raised {reply['type']}: {reply['message']}"
    if kind == "timeout":
        return f"did not finish within the {call_seconds:g} s per-call budget (killed)"
    if kind == "crash":
        how = reply.get("signal") or f"exit status {reply.get('returncode')}"
        tail = reply.get("stderr") or ""
        return f"the worker process died ({how})" + (f": {tail.splitlines()[-1]}" if tail else "")
    if kind == "missing":
        return "the module has no such function"
    if kind == "not-run":
        return "not run (the function already exceeded the per-call budget repeatedly)"
    return f"unknown outcome {kind!r}"


def _unified(a: list[str], b: list[str]) -> str:
    return "\n".join(
        difflib.unified_diff(a, b, fromfile="CPython", tofile="compiled", lineterm="", n=3)
    )


def _is_container(value: Any) -> bool:
    return isinstance(value, dict) and ("list" in value or "tuple" in value)


def _float_note(a: Any, b: Any) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict) and "float" in a and "float" in b:
        x, y = parse_float(a["float"]), parse_float(b["float"])
        note = f"floats differ bit for bit: {a['float']} vs {b['float']}"
        if x == y:
            note += " (equal under ==, but the sign of zero differs)"
        return note
    return None


def _input_nans(data: Any, found: set[str]) -> set[str]:
    """The encoded NaNs (``nan`` / ``nan:0x...``) anywhere in an encoded input."""
    if isinstance(data, dict):
        payload = data.get("float")
        if isinstance(payload, str) and payload.startswith("nan"):
            found.add(payload)
        for value in data.values():
            if isinstance(value, (dict, list)):
                _input_nans(value, found)
    elif isinstance(data, list):
        for item in data:
            _input_nans(item, found)
    return found


def _quiet(text: str) -> str:
    """The encoding of a NaN with its quiet bit set (what arithmetic returns for it)."""
    if text == "nan":
        return text
    bits = int(text[4:], 16) | 0x0008000000000000
    return "nan" if bits == 0x7FF8000000000000 else f"nan:0x{bits:016x}"


def _either_nan(data: Any, nans: set[str]) -> Any:
    """``data`` with every NaN that is one of ``nans`` replaced by one marker."""
    if isinstance(data, dict):
        payload = data.get("float")
        if isinstance(payload, str) and payload in nans:
            return {"float": "nan:<one of the input NaNs>"}
        return {k: _either_nan(v, nans) for k, v in data.items()}
    if isinstance(data, list):
        return [_either_nan(item, nans) for item in data]
    return data


def _default_nan() -> str:
    """The encoding of the NaN this machine's invalid operations make (``inf * 0.0``).

    Computed at run time from variables, so neither the C compiler nor CPython's
    constant folding decides it: x86-64 gives ``nan:0xfff8000000000000``, AArch64 ``nan``.
    """
    inf = float("inf")
    zero = float(0)
    return float_text(inf * zero)


def same_value(a: Any, b: Any, original: dict[str, Any] | None = None) -> bool:
    """Equal encodings; where two NaNs can meet, either may come out.

    IEEE 754 (6.2.3) leaves open *which* NaN an operation on two NaNs propagates, and C
    compilers may swap the operands of ``*`` and ``+``: CPython itself returns the other
    NaN once it specializes ``a + b`` (tests/verify/test_nan_choice.py shows it). Two NaNs
    meet when the input holds two different ones, or one and an invalid operation
    (``0.0 * inf``, ``inf - inf``) makes this machine's default NaN beside it. There the
    sign and payload of a NaN result are compared only as "one of those NaNs" (quieted).
    Everywhere else a NaN's sign and payload must match bit for bit.
    """
    if same_encoding(a, b):
        return True
    nans = _input_nans(original, set()) if original is not None else set()
    if not nans:
        return False
    nans |= {_quiet(n) for n in nans}
    nans.add(_default_nan())
    return same_encoding(_either_nan(a, nans), _either_nan(b, nans))


def compare(
    cpython: dict[str, Any],
    compiled: dict[str, Any],
    call_seconds: float,
    original: dict[str, Any] | None = None,
) -> list[dict]:
    """Every difference between two conclusive outcomes (empty when they agree).

    ``original`` is the encoded input (``{"args": [...], "kwargs": {...}}``), used to
    show a unified diff of the arguments when only one side changed them.
    """
    differences: list[dict[str, Any]] = []

    def add(what: str, diff: str | None = None, note: str | None = None, **extra: Any) -> None:
        entry = {
            "what": what,
            "cpython": extra.pop("cpython_text", describe(cpython, call_seconds)),
            "compiled": extra.pop("compiled_text", describe(compiled, call_seconds)),
        }
        if diff:
            entry["diff"] = diff
        if note:
            entry["note"] = note
        differences.append(entry)

    if cpython["kind"] != compiled["kind"]:
        add("outcome")
    elif cpython["kind"] == "return":
        a, b = cpython["value"], compiled["value"]
        if not same_value(a, b, original):
            containers = _is_container(a) or _is_container(b)
            diff = _unified(lines_of(a), lines_of(b)) if containers else None
            add("return value", diff, _float_note(a, b))
    elif cpython["kind"] == "raise":
        if cpython["type"] != compiled["type"]:
            add("exception type")
        elif cpython["message"] != compiled["message"] and not _same_recursion_limit(
            cpython, compiled
        ):
            add(
                "exception message",
                _unified([cpython["message"]], [compiled["message"]]),
            )
    if compiled["kind"] in ("return", "raise") and cpython["kind"] in ("return", "raise"):
        made_a, made_b = cpython.get("before"), compiled.get("before")
        if made_a is not None and made_b is not None and not same_encoding(made_a, made_b):
            # objects made from recipes (a method's instance): as its class built them
            add(
                "objects as built",
                _mutation_diff(made_a, made_b),
                cpython_text="built " + _args_text(made_a),
                compiled_text="built " + _args_text(made_b),
            )
        after_a, after_b = cpython.get("mutated"), compiled.get("mutated")
        if not same_encoding(after_a, after_b):
            # unchanged: as before the call (objects as made from their recipes, when the
            # input had any, not the recipes themselves)
            before_a = cpython.get("before") or original
            before_b = compiled.get("before") or original
            add(
                "argument mutation",
                _mutation_diff(after_a or before_a, after_b or before_b),
                cpython_text=_mutation_text(after_a),
                compiled_text=_mutation_text(after_b),
            )
        for stream in ("stdout", "stderr"):
            out_a, out_b = cpython.get(stream, ""), compiled.get(stream, "")
            if out_a != out_b:
                verb = "printed" if stream == "stdout" else "wrote to stderr"
                add(
                    stream,
                    _unified(out_a.splitlines(), out_b.splitlines()) or f"{out_a!r} vs {out_b!r}",
                    cpython_text=f"{verb} {out_a!r}",
                    compiled_text=f"{verb} {out_b!r}",
                )
    if cpython["kind"] == "return" and compiled["kind"] == "return":
        alias_a, alias_b = cpython.get("alias", []), compiled.get("alias", [])
        if alias_a != alias_b:
            add(
                "result identity",
                _unified(alias_a, alias_b),
                cpython_text="; ".join(alias_a) or "returned no argument object (a new object)",
                compiled_text="; ".join(alias_b) or "returned no argument object (a new object)",
            )
    return differences


def _mutation_text(after: dict[str, Any] | None) -> str:
    if after is None:
        return "left its arguments unchanged"
    return "changed its arguments to " + _args_text(after)


def _args_text(after: dict[str, Any]) -> str:
    parts = [show_encoded(a) for a in after["args"]]
    parts += [f"{k}={show_encoded(v)}" for k, v in after["kwargs"].items()]
    return "(" + ", ".join(parts) + ")"


def _mutation_diff(a: dict[str, Any] | None, b: dict[str, Any] | None) -> str | None:
    if a is None or b is None:
        return None

    def lines(after: dict[str, Any]) -> list[str]:
        out: list[str] = []
        for i, value in enumerate(after["args"]):
            out.append(f"argument {i}:")
            out.extend(lines_of(value, 1))
        for name, value in after["kwargs"].items():
            out.append(f"argument {name}:")
            out.extend(lines_of(value, 1))
        return out

    return _unified(lines(a), lines(b))
