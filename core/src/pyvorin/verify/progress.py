"""Live progress while the verification workers run.

The summary line per function (:func:`progress_summary`) comes
after the module; a long verification would be silent until then. :class:`LiveProgress`
watches the replies as each worker sends them and writes, on the progress channel:

* every ``interval`` seconds, a line for the function being verified: its inputs done of
  the side's total, the time so far and the slowest call yet (with its input);
* when a function that took at least ``interval`` seconds on a side is done there, its
  final line for that side.

Short runs print nothing extra. Lines, not an updating terminal line: the channel is also
a log (``pip install -v``, CI), where carriage returns would garble the output. When the
channel is the run's :class:`pyvorin.progress.Progress`, each reply also updates its count
of inputs done per side (the live display on a terminal shows it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .budget import describe as describe_budget
from .stdin import with_stdin_text
from .values import show

PROGRESS_SECONDS = 5.0


@dataclass
class _Function:
    total: int = 0
    done: int = 0
    started: float | None = None
    slowest_ns: int = -1
    slowest_id: int | None = None


class LiveProgress:
    """Progress lines for one module; :meth:`side` gives each worker's reply callback."""

    def __init__(
        self,
        emit: Callable[[str], None],
        module_name: str,
        owners: Sequence[tuple[Any, Any]],
        interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.emit = emit
        self.module_name = module_name
        self.owners = owners  # indexed by request id: (FunctionInfo, InputCase)
        self.interval = PROGRESS_SECONDS if interval is None else interval
        self.clock = clock

    def side(self, label: str, requests: list[dict[str, Any]]) -> Callable[[dict], None]:
        """The ``on_reply`` callback for one worker running ``requests``."""
        functions: dict[str, _Function] = {}
        for request in requests:
            functions.setdefault(request["function"], _Function()).total += 1
        # "last": when a line was last written; "mark": when the last reply came (the
        # next function's first call started then)
        state: dict[str, Any] = {"current": None, "last": self.clock(), "mark": None, "done": 0}
        count = getattr(self.emit, "inputs", None)  # the run's Progress counts the replies

        def on_reply(reply: dict[str, Any]) -> None:
            call_id = reply.get("id")
            if not isinstance(call_id, int) or not 0 <= call_id < len(self.owners):
                return
            name = self.owners[call_id][0].name
            entry = functions.get(name)
            if entry is None:
                return
            now = self.clock()
            ns = reply.get("ns")
            if state["mark"] is None:  # the side's first reply: its call started ns ago
                state["mark"] = now - (ns / 1e9 if isinstance(ns, int) else 0.0)
            previous = state["current"]
            if previous != name:
                if previous is not None:
                    self._finished(label, previous, functions[previous], now)
                state["current"] = name
                if entry.started is None:
                    entry.started = state["mark"]
            state["mark"] = now
            entry.done += 1
            state["done"] += 1
            if count is not None:
                count(self.module_name, label, state["done"], len(requests))
            if isinstance(ns, int) and ns > entry.slowest_ns:
                entry.slowest_ns, entry.slowest_id = ns, reply["id"]
            if entry.done == entry.total:
                self._finished(label, name, entry, now)
                state["current"] = None
            elif now - state["last"] >= self.interval:
                self.emit(self._line(label, name, entry, now, final=False))
                state["last"] = now

        return on_reply

    def _finished(self, label: str, name: str, entry: _Function, now: float) -> None:
        if entry.started is not None and now - entry.started >= self.interval:
            self.emit(self._line(label, name, entry, now, final=True))
        entry.started = None  # reported once

    def _line(self, label: str, name: str, entry: _Function, now: float, final: bool) -> str:
        seconds = now - (entry.started if entry.started is not None else now)
        text = (
            f"  {self.module_name}:{name}: {label} {entry.done} of {entry.total} inputs"
            f"{'' if final else ' so far'}, {seconds:.1f} s"
        )
        if entry.slowest_id is not None:
            function, case = self.owners[entry.slowest_id]
            call = with_stdin_text(function.call_text(case.args, case.kwargs, show), case.stdin)
            call = call[:80]
            text += f", slowest {entry.slowest_ns / 1e6:.1f} ms: {call}"
        return text


def progress_summary(
    emit: Callable[[str], None],
    module: Any,
    report: dict[str, Any],
    slowest: dict[str, tuple[float, Any]],
) -> None:
    """One line per function on the progress channel: inputs, reuse, slowest, inconclusive;
    and when the module's time budget ran short, which functions took it and what was cut."""
    reused = {r["function"] for r in report.get("reused", [])}
    from .signature import parse_targets

    plan = {f.name: f for f in parse_targets(module.name, module.path)}
    for entry in report["functions"]:
        name = entry["name"]
        text = f"  {module.name}:{name}: {entry['result']}, {entry['conclusive']} inputs"
        if name in reused:
            text += " (reused: unchanged since a verified build)"
        slow = slowest.get(name)
        if slow is not None and name in plan:
            seconds, case = slow
            call = with_stdin_text(plan[name].call_text(case.args, case.kwargs, show), case.stdin)
            call = call[:80]
            text += f", slowest {seconds * 1000:.1f} ms: {call}"
        if entry["inconclusive"]:
            reasons: dict[str, int] = {}
            for item in entry["inconclusive"]:
                reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
            top = "; ".join(f"{n} x {r}" for r, n in sorted(reasons.items(), key=lambda x: -x[1]))
            text += f", {len(entry['inconclusive'])} inconclusive ({top})"
        emit(text)
    short = describe_budget(module.name, report.get("budget") or {})
    if short:
        emit("  " + short)
