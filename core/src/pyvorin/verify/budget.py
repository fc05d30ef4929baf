"""The module's time budget: ``verify.module-seconds`` shared by its functions.

The budget counts the time the CPython side's worker spends on each call (the reference
run, which decides which inputs are run at all: the compiled side runs only the inputs
CPython finished): the call itself, encoding its result and arguments, and coverage
(``wall_ns`` of a reply), not starting the worker.
Each function's inputs run cheapest first (chosen inputs, then generated ones by size,
see :func:`pyvorin.verify.running.run_in_size_order`), so cutting a function's tail cuts
its largest inputs: generation grows sizes only while the budget allows.

Sharing: when a function's first input is about to run, its **share** is what is left of
the module's budget divided by the functions not started yet (itself included), so the
time a cheap function leaves unused goes to the functions after it; but never less than
an even split of the whole budget, so a function whose protected inputs alone overran it
does not leave the functions after it nothing. A function's input is
**cut** (answered ``not-run`` with ``"cut": true``, never run) when the function has
already spent its share. **Protected** inputs always run: the inputs a person chose
(examples, doctests, recorded calls) and the first ``required`` generated ones of each
function (what ``min-inputs`` asks for), so the budget never drops a function under
``min-inputs`` on its own; it can only be exceeded by them, which the report then says.

Cost-aware sizes: once a call of a function took :data:`SLOW_CALL_SECONDS` or more, its
unprotected inputs of that size or larger (``size`` of a request, :func:`.inputs.input_size`)
are cut too (``"slow"`` in the reply names the call's time and size): generated inputs
run smallest first, so the next ones would be as slow or slower, and drawing more of them
spends the budget the other functions need (``knapsack(0, False, True, 2**62)`` takes
seconds, and so does every input like it).

:class:`ModuleBudget` is the ledger. The worker's supervisor keeps one and charges every
reply's time to it; the executor it forks inherits the ledger and asks :meth:`admit`
before each call (a fresh executor after a timeout continues from the supervisor's
ledger). :func:`summarize` turns the CPython replies into the report's ``budget`` entry.

The worker imports this module: standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

SLOWEST_NAMED = 3  # functions named when the budget runs short
SLOW_CALL_SECONDS = 2.0  # a call this slow stops unprotected inputs as large or larger


class ModuleBudget:
    """Time left of the module's budget, and each function's share of it."""

    def __init__(self, seconds: float | None, functions: Sequence[str]) -> None:
        self.seconds = seconds  # None: no module budget (shrinking, top-up of one input)
        self.order = list(dict.fromkeys(functions))
        self.spent = 0.0
        self.spent_by: dict[str, float] = {}
        self.share: dict[str, float] = {}
        # function -> (size, seconds) of its smallest call that took SLOW_CALL_SECONDS
        self.slow: dict[str, tuple[int, float]] = {}

    def _start(self, function: str) -> float:
        share = self.share.get(function)
        if share is None:
            started = len(self.share)
            left = max(1, len(self.order) - started)
            budget = self.seconds or 0.0
            # what is left, shared by the functions not started; never less than an even
            # split of the whole, so a function whose protected inputs overran the budget
            # does not take the time of the cheap functions after it
            fair = budget / max(1, len(self.order))
            share = max(fair, (budget - self.spent) / left)
            self.share[function] = share
        return share

    def admit(self, function: str, protected: bool, size: int | None = None) -> bool:
        """Whether the next call of ``function`` (of input ``size``) runs (False: cut)."""
        if self.seconds is None:
            return True
        share = self._start(function)
        return protected or (
            self.spent_by.get(function, 0.0) < share and self.slowed_by(function, size) is None
        )

    def slowed_by(self, function: str, size: int | None) -> tuple[int, float] | None:
        """The earlier slow call (size, seconds) that rules out an input of ``size``."""
        slow = self.slow.get(function)
        if slow is None or size is None or size < slow[0]:
            return None
        return slow

    def charge(self, function: str, seconds: float, size: int | None = None) -> None:
        if self.seconds is not None:
            self._start(function)
        self.spent += seconds
        self.spent_by[function] = self.spent_by.get(function, 0.0) + seconds
        if size is not None and seconds >= SLOW_CALL_SECONDS:
            known = self.slow.get(function)
            if known is None or size < known[0]:
                self.slow[function] = (size, seconds)


def protect(runs: Sequence[tuple[str, str]], required: dict[str, int]) -> list[bool]:
    """Which inputs always run, given ``(function, source)`` of each in the order they run:
    chosen inputs (any source but ``generated``), and each function's first
    ``required[function]`` generated ones."""
    generated: dict[str, int] = {}
    out = []
    for function, source in runs:
        if source != "generated":
            out.append(True)
            continue
        count = generated.get(function, 0)
        generated[function] = count + 1
        out.append(count < required.get(function, 0))
    return out


def summarize(
    seconds: float,
    call_seconds: float,
    replies: Iterable[tuple[str, dict[str, Any]]],
) -> dict[str, Any]:
    """The report's ``budget`` entry from ``(function, CPython reply)`` pairs.

    ``exhausted`` is true when inputs were cut or the calls took longer than the budget
    (protected inputs alone can exceed it). The functions' times are only listed then:
    they differ from run to run, and a report whose budget held stays reproducible.
    """
    spent: dict[str, float] = {}
    done: dict[str, int] = {}
    cut: dict[str, int] = {}
    for function, reply in replies:
        if reply.get("cut"):
            cut[function] = cut.get(function, 0) + 1
            continue
        if reply.get("kind") == "not-run":
            continue
        ns = reply.get("wall_ns", reply.get("ns"))
        taken = ns / 1e9 if isinstance(ns, int) else 0.0
        if reply.get("kind") == "timeout":
            taken = max(taken, call_seconds)
        spent[function] = spent.get(function, 0.0) + taken
        done[function] = done.get(function, 0) + 1
    total = sum(spent.values())
    exhausted = bool(cut) or total > seconds
    entry: dict[str, Any] = {"module_seconds": seconds, "exhausted": exhausted}
    if not exhausted:
        return entry
    slowest = sorted(spent, key=lambda name: -spent[name])[:SLOWEST_NAMED]
    entry.update(
        spent_seconds=round(total, 2),
        cut=sum(cut.values()),
        cut_by_function=dict(sorted(cut.items())),
        slowest=[
            {
                "function": name,
                "seconds": round(spent[name], 2),
                "inputs": done.get(name, 0),
                "cut": cut.get(name, 0),
            }
            for name in slowest
        ],
    )
    return entry


def describe(module: str, budget: dict[str, Any]) -> str:
    """One line naming the slowest functions and what was cut (empty when it held)."""
    if not budget.get("exhausted"):
        return ""
    slowest = "; ".join(
        f"{module}:{s['function']} {s['seconds']:.1f} s ({s['inputs']} inputs run"
        + (f", {s['cut']} cut" if s["cut"] else "")
        + ")"
        for s in budget["slowest"]
    )
    cut = budget["cut"]
    what = (
        f"{cut} larger input(s) cut ("
        + ", ".join(f"{name} {n}" for name, n in budget["cut_by_function"].items())
        + ")"
        if cut
        else "nothing cut (the inputs min-inputs requires always run)"
    )
    return (
        f"{module}: module time budget of {budget['module_seconds']:g} s "
        f"([tool.pyvorin.verify] module-seconds) ran short: CPython calls took "
        f"{budget['spent_seconds']:.1f} s; {what}; slowest: {slowest}"
    )
