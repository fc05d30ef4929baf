"""The module's time budget: ``verify.module-seconds`` bounds its whole verification.

The budget counts the time each side's worker spends on each call: the call itself,
encoding its result and arguments, and coverage (``wall_ns`` of a reply), not starting
the worker. CPython's is the reference run and decides which inputs run at all, sharing
the budget among the functions (below); the compiled side runs only the inputs CPython
finished, under its own cap (see :class:`Ledger`).
Each function's inputs run cheapest first (chosen inputs, then generated ones by size,
see :func:`pyvorin.verify.running.run_in_size_order`), so cutting a function's tail cuts
its largest inputs: generation grows sizes only while the budget allows.

Sharing: when a function's first input is about to run, its **share** is what is left of
the module's budget divided by the functions not started yet (itself included), so the
time a cheap function leaves unused goes to the functions after it; but never less than
an even split of the whole budget, so a function whose protected inputs alone overran it
does not leave the functions after it nothing. A function's input is
**cut** (answered ``not-run`` with ``"cut"``, never run) when the function has
already spent its share. **Protected** inputs always run: the inputs a person chose
(examples, doctests, recorded calls) and the first ``required`` generated ones of each
function (what ``min-inputs`` asks for), so the budget never drops a function under
``min-inputs`` on its own; it can only be exceeded by them, which the report then says.

Cost-aware sizes: once a call of a function took :data:`SLOW_CALL_SECONDS` or more, its
unprotected inputs of that size or larger (``size`` of a request, :func:`.inputs.input_size`)
and of the same family (``family`` of a request, :func:`.inputs.input_family`: which
integer arguments are negative) are cut too (``"slow"`` in the reply names the call's
time and size): generated inputs run smallest first, so the next ones would be as slow
or slower, and drawing more of them spends the budget the other functions need
(``knapsack(0, False, True, 2**62)`` takes seconds, and so does every input like it).
A negative int counts as small, but ``while n: n &= n - 1`` never ends on one: what a
negative input costs says nothing of the non-negative ones, nor the reverse.

:class:`ModuleBudget` is a worker's ledger. The worker's supervisor keeps one and charges
every reply's time to it (:func:`cost`); the executor it forks inherits the ledger and
asks :meth:`ModuleBudget.admit` before each call (a fresh executor after a timeout
continues from the supervisor's ledger). Every batch runs in fresh workers, so
:class:`Ledger` carries what the module's earlier batches spent into the next one:

* CPython's first run **shares** the budget among the functions (above); its later
  batches (top-up rounds, a single input run longer) get what is **left** of the
  module's budget, and their protected inputs (what ``min-inputs`` still lacks) run
  regardless;
* the compiled side runs what CPython finished under a **cap**: at most
  ``1 + COMPILED_MARGIN`` times the larger of ``module-seconds`` and what CPython spent.
  Nothing is exempt: once the cap is spent its calls are cut, those inputs are
  inconclusive, and a function left short of ``min-inputs`` fails;
* shrinking a failing input has a ledger of its own: ``SHRINK_SHARE`` of
  ``module-seconds`` for CPython's candidates, the compiled side capped as above.

:func:`summarize` turns the ledgers and the replies into the report's ``budget`` entry.

The worker imports this module: standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

SLOWEST_NAMED = 3  # functions named when the budget runs short
SLOW_CALL_SECONDS = 2.0  # a call this slow stops unprotected inputs as large or larger
# the compiled side may spend (1 + COMPILED_MARGIN) x max(module-seconds, CPython's time)
COMPILED_MARGIN = 0.5
SHRINK_SHARE = 0.25  # shrinking's ledger: this part of module-seconds (30 s of the default)
# how a worker's ledger admits a call (ModuleBudget.mode): each function's share of the
# budget (CPython's first run), what is left of it (CPython's later batches), or one cap
# with nothing exempt (the compiled side)
SHARED, LEFT, CAP = "shared", "left", "cap"


def cost(reply: dict[str, Any], call_seconds: float) -> float:
    """What one call cost its worker, in seconds: ``wall_ns`` (the call, encoding its result
    and arguments, coverage), else ``ns``; a timeout at least its per-call budget; a call
    not run nothing."""
    ns = reply.get("wall_ns", reply.get("ns"))
    taken = ns / 1e9 if isinstance(ns, int) else 0.0
    if reply.get("kind") == "timeout":
        taken = max(taken, float(reply.get("call_seconds", call_seconds)))
    return taken


class ModuleBudget:
    """A worker's ledger: time left of its budget, and each function's share of it."""

    def __init__(
        self,
        seconds: float | None,
        functions: Sequence[str],
        spent: float = 0.0,
        mode: str = SHARED,
    ) -> None:
        self.seconds = seconds  # None: no budget (CPython's re-runs of differing inputs)
        self.mode = mode
        self.order = list(dict.fromkeys(functions))
        self.spent = spent  # including what the module's earlier batches spent
        self.spent_by: dict[str, float] = {}
        self.share: dict[str, float] = {}
        # (function, family) -> (size, seconds) of its smallest call that took
        # SLOW_CALL_SECONDS; sizes compare only within a family (.inputs.input_family)
        self.slow: dict[tuple[str, str], tuple[int, float]] = {}

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

    @classmethod
    def from_header(cls, header: dict[str, Any] | None, functions: Sequence[str]) -> ModuleBudget:
        """The ledger a worker's batch header asks for (:meth:`Ledger.header`)."""
        if not header:
            return cls(None, functions)
        return cls(header["seconds"], functions, header["spent"], header["mode"])

    def admit(
        self, function: str, protected: bool, size: int | None = None, family: str = ""
    ) -> bool:
        """Whether the next call of ``function`` (of input ``size`` in ``family``) runs
        (False: cut)."""
        if self.seconds is None:
            return True
        if self.mode == CAP:  # nothing exempt
            return self.spent < self.seconds
        if self.mode == SHARED:
            left = self._start(function) - self.spent_by.get(function, 0.0)
        else:
            left = self.seconds - self.spent
        return protected or (left > 0 and self.slowed_by(function, size, family) is None)

    def slowed_by(
        self, function: str, size: int | None, family: str = ""
    ) -> tuple[int, float] | None:
        """The earlier slow call (size, seconds) of the same family that rules out an input
        of ``size``."""
        slow = self.slow.get((function, family))
        if slow is None or size is None or size < slow[0]:
            return None
        return slow

    def charge(
        self, function: str, seconds: float, size: int | None = None, family: str = ""
    ) -> None:
        if self.seconds is not None and self.mode == SHARED:
            self._start(function)
        self.spent += seconds
        self.spent_by[function] = self.spent_by.get(function, 0.0) + seconds
        if size is not None and seconds >= SLOW_CALL_SECONDS and self.mode != CAP:
            known = self.slow.get((function, family))
            if known is None or size < known[0]:
                self.slow[(function, family)] = (size, seconds)


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


class Ledger:
    """The module's budget on the host: what each side spent, across the batches.

    ``seconds`` is ``module-seconds`` for verification proper (whose first CPython batch
    shares it among the functions), ``SHRINK_SHARE`` of it for shrinking (``shares`` off).
    The sides are named as the :class:`~pyvorin.verify.running.Side` labels.
    """

    def __init__(self, seconds: float, shares: bool = True) -> None:
        self.seconds = seconds
        self.shares = shares  # until the first CPython batch has run
        self.cpython = 0.0
        self.compiled = 0.0
        self.cut_short: list[str] = []  # shrinking's: the functions whose shrink it stopped

    def allowance(self, side: str) -> float:
        if side == "cpython":
            return self.seconds
        return (1 + COMPILED_MARGIN) * max(self.seconds, self.cpython)

    def header(self, side: str) -> dict[str, Any]:
        """What a worker running the next batch of ``side`` may spend (its ledger)."""
        if side == "cpython":
            mode = SHARED if self.shares else LEFT
            return {"seconds": self.seconds, "spent": self.cpython, "mode": mode}
        return {"seconds": self.allowance(side), "spent": self.compiled, "mode": CAP}

    def charge(self, side: str, replies: Iterable[dict[str, Any]], call_seconds: float) -> None:
        spent = sum(cost(reply, call_seconds) for reply in replies)
        if side == "cpython":
            self.cpython += spent
            self.shares = False  # later batches get what is left
        else:
            self.compiled += spent

    def spent_out(self, side: str) -> bool:
        return (self.cpython if side == "cpython" else self.compiled) >= self.allowance(side)

    def cut_reason(self) -> str:
        """Why an input whose compiled call the cap cut is inconclusive."""
        return (
            "not compared: the compiled code exceeded the module's time budget "
            f"({_seconds(self.compiled)} s against CPython's {_seconds(self.cpython)} s)"
        )


def _seconds(value: float) -> str:
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def summarize(
    ledger: Ledger,
    shrinking: Ledger,
    call_seconds: float,
    functions: Sequence[str],
    cpython: Sequence[dict[str, Any]],
    compiled: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The report's ``budget`` entry from the ledgers of verification proper and of
    shrinking, and every input's function and replies.

    ``exhausted`` is true when the budget decided something: CPython's inputs were cut or
    its calls took longer than the budget (protected inputs alone can exceed it), compiled
    calls were cut, or a shrink was cut short. The times are listed only for what it
    decided: they differ from run to run, and a report whose budget held stays
    reproducible.
    """
    spent: dict[str, float] = {}
    done: dict[str, int] = {}
    cut: dict[str, int] = {}
    compiled_cut: dict[str, int] = {}
    top_up_cut = 0
    for function, reply, other in zip(functions, cpython, compiled, strict=True):
        if other.get("cut"):
            compiled_cut[function] = compiled_cut.get(function, 0) + 1
        if reply.get("cut"):
            cut[function] = cut.get(function, 0) + 1
            top_up_cut += reply["cut"] == LEFT
            continue
        if reply.get("kind") == "not-run":
            continue
        spent[function] = spent.get(function, 0.0) + cost(reply, call_seconds)
        done[function] = done.get(function, 0) + 1
    short = bool(cut) or ledger.cpython > ledger.seconds
    entry: dict[str, Any] = {"module_seconds": ledger.seconds, "exhausted": False}
    if short:
        slowest = sorted(spent, key=lambda name: -spent[name])[:SLOWEST_NAMED]
        entry.update(
            spent_seconds=round(ledger.cpython, 2),
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
        if top_up_cut:
            entry["top_up_cut"] = top_up_cut
    if compiled_cut:
        entry["compiled"] = {
            "spent_seconds": round(ledger.compiled, 2),
            "cpython_seconds": round(ledger.cpython, 2),
            "allowance_seconds": round(ledger.allowance("compiled"), 2),
            "cut": sum(compiled_cut.values()),
            "cut_by_function": dict(sorted(compiled_cut.items())),
        }
    if shrinking.cut_short:
        entry["shrink"] = {
            "share_seconds": shrinking.seconds,
            "spent_seconds": round(shrinking.cpython + shrinking.compiled, 2),
            "cut_short": list(shrinking.cut_short),
        }
    entry["exhausted"] = short or bool(compiled_cut) or bool(shrinking.cut_short)
    return entry


def describe(module: str, budget: dict[str, Any]) -> str:
    """One line saying what the budget decided (empty when it held): the slowest
    functions and what was cut, the compiled calls not run, the shrinks cut short."""
    if not budget.get("exhausted"):
        return ""
    parts = []
    if "spent_seconds" in budget:
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
            + (
                f", {budget['top_up_cut']} of them top-up inputs beyond what min-inputs lacked"
                if budget.get("top_up_cut")
                else ""
            )
            if cut
            else "nothing cut (the inputs min-inputs requires always run)"
        )
        parts.append(
            f"CPython calls took {budget['spent_seconds']:.1f} s; {what}; slowest: {slowest}"
        )
    compiled = budget.get("compiled")
    if compiled:
        parts.append(
            f"the compiled code took {_seconds(compiled['spent_seconds'])} s against "
            f"CPython's {_seconds(compiled['cpython_seconds'])} s, over its allowance of "
            f"{compiled['allowance_seconds']:g} s ({1 + COMPILED_MARGIN:g} x the larger of "
            f"module-seconds and CPython's time): {compiled['cut']} input(s) not compared ("
            + ", ".join(f"{name} {n}" for name, n in compiled["cut_by_function"].items())
            + ")"
        )
    shrink = budget.get("shrink")
    if shrink:
        parts.append(
            f"shrinking cut short at its share of {shrink['share_seconds']:g} s "
            f"({_seconds(shrink['spent_seconds'])} s spent), the smallest failing input found "
            "so far reported: " + ", ".join(f"{module}:{name}" for name in shrink["cut_short"])
        )
    return (
        f"{module}: module time budget of {budget['module_seconds']:g} s "
        f"([tool.pyvorin.verify] module-seconds) ran short: " + "; ".join(parts)
    )
