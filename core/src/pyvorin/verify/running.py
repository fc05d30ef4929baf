"""Running inputs on both sides: CPython first, then the compiled module on what CPython
finished, cheapest inputs first, each side charged to the module's time budget
(:mod:`.budget`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import CompileResult
from .budget import Ledger, protect
from .compare import inconclusive_reason
from .inputs import InputCase, input_family, input_size
from .nondeterminism import recheck_differing
from .progress import LiveProgress
from .requests import as_reference, for_cpython
from .sessions import is_session
from .signature import FunctionInfo
from .values import show
from .workers import Budget, run_side


@dataclass
class Side:
    """One side of the comparison: a module file run in its own worker."""

    label: str
    module_name: str
    path: Path
    budget: Budget
    workdir: Path

    max_failures: int = 3
    coverage: bool = False  # record the lines each call executes (the CPython side)
    root: Path | None = None  # the module's import root: its siblings import from there
    # whether the compiled side's call boundary converts arguments (see converts_at_boundary)
    converts_at_boundary: bool = False

    def run(
        self,
        requests: list[dict[str, Any]],
        on_reply: Callable[[dict[str, Any]], None] | None = None,
        ledger: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        return run_side(
            self.label,
            self.module_name,
            self.path,
            requests,
            self.budget,
            self.workdir,
            self.max_failures,
            self.coverage,
            self.root,
            on_reply,
            ledger,
        )


def run_in_size_order(
    sides: list[Side],
    requests: list[dict[str, Any]],
    owners: list[tuple[FunctionInfo, Any]],
    progress: LiveProgress | None = None,
    ledger: Ledger | None = None,
    required: dict[str, int] | None = None,
) -> tuple[list, list]:
    """Run ``requests`` with each function's cheapest inputs first; replies in input order.

    Inputs a person chose (examples, doctests, recorded calls) run before generated ones,
    each group cheapest first: a slow function then spends its per-call budget strikes
    (timeouts stop its remaining calls) on generated inputs, never before the chosen
    inputs have run. With a ``ledger`` both sides are charged to the module's budget
    (:mod:`.budget`): on the CPython side the chosen inputs and each function's first
    ``required[name]`` generated ones always run, the larger ones after them only while
    the function's share (in a later batch: the module's budget) lasts.
    """
    order = sorted(
        range(len(requests)),
        key=lambda i: (
            owners[i][0].name,
            owners[i][1].source == "generated",
            input_size(owners[i][1]),
            i,
        ),
    )
    ordered = [requests[i] for i in order]
    for i in order:  # the cost measure of cost-aware cutting (budget.py), per family
        requests[i]["size"] = input_size(owners[i][1])
        family = input_family(owners[i][1])
        if family:
            requests[i]["family"] = family
    if ledger is not None:
        runs = [(owners[i][0].name, owners[i][1].source) for i in order]
        for request, protected in zip(ordered, protect(runs, required or {}), strict=True):
            request["protected"] = protected
    cpython, compiled = run_both(sides, ordered, progress, ledger)
    placed_cpython: list[Any] = [None] * len(requests)
    placed_compiled: list[Any] = [None] * len(requests)
    for position, index in enumerate(order):
        placed_cpython[index] = cpython[position]
        placed_compiled[index] = compiled[position]
    return placed_cpython, placed_compiled


def run_single_inputs_longer(
    settings: dict[str, Any],
    sides: list[Side],
    requests: list[dict[str, Any]],
    owners: list[tuple[FunctionInfo, InputCase]],
    cpython_replies: list[dict[str, Any]],
    compiled_replies: list[dict[str, Any]],
    ledger: Ledger | None = None,
    exhaustive: Callable[[FunctionInfo], bool] = lambda function: False,
) -> dict[str, list[str]]:
    """Run again, once, the one input of each function with a one-input domain (without
    parameters, or taking only a class built without arguments) that CPython did not
    finish within ``call-seconds``: under ``single-call-seconds`` and without line
    tracing (which slows CPython 3.10/3.11 down five times and more). So are the
    examples of a function whose examples are declared its whole domain (``exhaustive``)
    that CPython did not finish.

    Such a function has exactly one input, so min-inputs cannot be made of smaller ones; a
    benchmark or a driver (``main()``) often runs for more than the per-call budget. A
    declared domain is the same: every example of it must be conclusive, none can be
    replaced by a smaller input (fannkuch's ``main(9)``, its benchmark size, takes 0.5 s
    and three times that under line tracing). The replies replace the timed-out ones; the
    notes (per function) say so in the report. Both sides are charged to ``ledger`` (the
    inputs are protected on CPython's side).
    """
    seconds = float(settings["verify.single-call-seconds"])
    reference = sides[0]
    if seconds <= reference.budget.call_seconds:
        return {}
    indices = [
        index
        for index, (function, case) in enumerate(owners)
        if (
            function.input_space() == 1  # no parameters, or one argument-less object
            or (case.source == "examples" and exhaustive(function))  # a declared domain
        )
        and not function.reads_stdin  # then its inputs are standard input texts (.stdin)
        and case.stdin is None
        and case.session is None
        and not is_session(function.name)
        and (
            cpython_replies[index]["kind"] == "timeout"
            # an example of a declared domain left not run after an earlier one timed out
            or (
                cpython_replies[index]["kind"] == "not-run"
                and not cpython_replies[index].get("cut")
                and case.source == "examples"
                and exhaustive(function)
            )
        )
    ]
    if not indices:
        return {}
    longer = [
        dataclasses.replace(
            side,
            budget=dataclasses.replace(side.budget, call_seconds=seconds),
            coverage=False,
        )
        for side in sides
    ]
    cpython, compiled = run_both(longer, [requests[index] for index in indices], None, ledger)
    notes: dict[str, list[str]] = {}
    for index, cpy, cmp in zip(indices, cpython, compiled, strict=True):
        cpy["call_seconds"] = seconds  # the budget this reply had (inconclusive_reason)
        cpython_replies[index], compiled_replies[index] = cpy, cmp
        took = f"{cpy['ns'] / 1e9:.1f} s" if cpy.get("ns") else "no answer"
        function, case = owners[index]
        which = (
            "its one input"
            if function.input_space() == 1
            else "its example " + function.call_text(case.args, case.kwargs, show)
        )
        notes.setdefault(function.name, []).append(
            f"{which} did not finish within call-seconds = "
            f"{reference.budget.call_seconds:g} under line tracing and ran again under "
            f"single-call-seconds = {seconds:g} without it ({took} under CPython): the "
            "lines it ran are not recorded, so they are no evidence for the functions it calls"
        )
    return notes


def converts_at_boundary(compiled: CompileResult) -> bool:
    """Whether the compiled functions convert their arguments at the call boundary.

    The native tier does, as documented (docs/subset.md): a ``bool`` for an ``int`` is read
    as ``0``/``1``, an ``int`` for a ``float`` as the float, a subclass instance as its
    plain value; CPython is then called with the converted value. The generic tier passes
    every argument as it is, exactly like the interpreter, so CPython gets the same
    arguments. An extension of unknown tier (a third-party backend) is assumed to convert;
    a ``.py`` artifact does not.
    """
    import importlib.machinery

    if not Path(compiled.artifact).name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
        return False
    return (compiled.facts or {}).get("tier") != "generic"


def run_both(
    sides: list[Side],
    requests: list[dict[str, Any]],
    progress: LiveProgress | None = None,
    ledger: Ledger | None = None,
) -> tuple[list, list]:
    """Run a batch under CPython, then the calls CPython finished in the compiled worker.

    A call CPython could not finish (inconclusive) is not run on the compiled side at
    all, so it costs one budget, not two. With a ``ledger`` each side's worker gets what
    it may spend (:meth:`.Ledger.header`) and the ledger is charged with its replies; the
    compiled side's cap follows from what CPython spent, this batch included. The two
    sides run one after the other, not from two threads: the sandbox forks its launcher,
    and a fork while another thread holds a lock can deadlock the child.
    """
    if not requests:
        return [], []
    reference, candidate = sides
    converts = candidate.converts_at_boundary
    call_seconds = reference.budget.call_seconds
    cpython = reference.run(
        [for_cpython(r, converts) for r in requests],
        progress.side("CPython", requests) if progress is not None else None,
        ledger.header(reference.label) if ledger is not None else None,
    )
    if ledger is not None:
        ledger.charge(reference.label, cpython, call_seconds)
    runnable = [
        request
        for request, reply in zip(requests, cpython, strict=True)
        if inconclusive_reason(reply, call_seconds) is None
    ]
    on_reply = progress.side("compiled", runnable) if progress is not None else None
    replies: dict[int, dict[str, Any]] = {}
    if runnable:
        header = ledger.header(candidate.label) if ledger is not None else None
        ran = candidate.run(runnable, on_reply, header)
        if ledger is not None:
            ledger.charge(candidate.label, ran, candidate.budget.call_seconds)
        replies = {reply["id"]: reply for reply in ran}
    if converts:
        for request in runnable:
            reply = replies.get(request["id"])
            if reply is not None and request.get("reference") and reply.get("mutated"):
                reply["mutated"] = as_reference(reply["mutated"], request)
    compiled = [
        replies.get(request["id"], {"id": request["id"], "kind": "not-run"}) for request in requests
    ]
    recheck_differing(reference, requests, cpython, compiled, converts)
    return cpython, compiled
