"""Coverage as evidence: which lines of each function the verification inputs executed.

Measured on the CPython side only (the reference run of the source): inside the worker,
:class:`LineRecorder` notes every line of the module's own file that runs, with
``sys.monitoring`` on Python 3.12+ (each line reported once, then disabled: nearly free)
and ``sys.settrace`` before (a frame stops being traced once every line of its code object
has run). Each reply carries the lines first seen during that call.

In the parent, :func:`executable_lines` gives each top-level function's executable lines
(from the compiled code object and the code objects nested in it), and
:func:`function_coverage` turns the union of executed lines into the report's numbers:
lines, covered, percent and the uncovered line numbers.

The worker imports this module: standard library only.
"""

from __future__ import annotations

import sys
import types
from typing import Any

_TOOL_ID = 4  # sys.monitoring tool ids 0-5; 4 and 5 are free for tools like this one


def _code_lines(code: types.CodeType) -> set[int]:
    lines = {line for _, _, line in code.co_lines() if line is not None}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            lines |= _code_lines(const)
    return lines


def _own_lines(code: types.CodeType) -> set[int]:
    return {line for _, _, line in code.co_lines() if line is not None}


def executable_lines(source: str, filename: str) -> dict[str, set[int]]:
    """{top-level function name: its executable line numbers (the ``def`` line excluded)}."""
    module = compile(source, filename, "exec", dont_inherit=True)
    out: dict[str, set[int]] = {}
    for const in module.co_consts:
        if isinstance(const, types.CodeType) and const.co_name != "<module>":
            lines = _code_lines(const)
            lines.discard(const.co_firstlineno)
            out.setdefault(const.co_name, set()).update(lines)
    return out


def function_coverage(executable: set[int], executed: set[int]) -> dict[str, Any]:
    covered = executable & executed
    total = len(executable)
    percent = 100.0 if total == 0 else round(100.0 * len(covered) / total, 1)
    return {
        "lines": total,
        "covered": len(covered),
        "percent": percent,
        "uncovered": _ranges(sorted(executable - executed)),
    }


def _ranges(lines: list[int]) -> list[str]:
    """``[3, 4, 5, 9]`` -> ``["3-5", "9"]``."""
    out: list[str] = []
    start = previous = None
    for line in lines:
        if start is None:
            start = previous = line
        elif line == previous + 1:  # type: ignore[operator]
            previous = line
        else:
            out.append(f"{start}" if start == previous else f"{start}-{previous}")
            start = previous = line
    if start is not None:
        out.append(f"{start}" if start == previous else f"{start}-{previous}")
    return out


class LineRecorder:
    """Records the lines of one file that run; :meth:`take` returns the new ones."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.seen: set[int] = set()
        self.fresh: set[int] = set()
        self._remaining: dict[types.CodeType, set[int]] = {}

    def start(self) -> None:
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None:
            self._start_monitoring(monitoring)
        else:
            sys.settrace(self._global)

    def take(self) -> list[int]:
        fresh, self.fresh = self.fresh, set()
        return sorted(fresh)

    # -- sys.monitoring (3.12+) -------------------------------------------------------
    def _start_monitoring(self, monitoring: Any) -> None:
        try:
            monitoring.use_tool_id(_TOOL_ID, "pyvorin-verify")
        except ValueError:  # already in use in this process: ours, from a fork
            pass
        disable = monitoring.DISABLE

        def on_line(code: types.CodeType, line: int) -> Any:
            if code.co_filename == self.filename and line not in self.seen:
                self.seen.add(line)
                self.fresh.add(line)
            return disable

        monitoring.register_callback(_TOOL_ID, monitoring.events.LINE, on_line)
        monitoring.set_events(_TOOL_ID, monitoring.events.LINE)

    # -- sys.settrace (3.10, 3.11) ----------------------------------------------------
    def _global(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        code = frame.f_code
        if code.co_filename != self.filename:
            return None
        remaining = self._remaining.get(code)
        if remaining is None:
            remaining = _own_lines(code) - self.seen
            self._remaining[code] = remaining
        if not remaining:
            return None
        return self._local

    def _local(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            line = frame.f_lineno
            if line not in self.seen:
                self.seen.add(line)
                self.fresh.add(line)
                remaining = self._remaining.get(frame.f_code)
                if remaining is not None:
                    remaining.discard(line)
                    if not remaining:
                        frame.f_trace_lines = False
        return self._local
