"""Coverage as evidence: which lines and branches of each function the inputs executed.

Measured on the CPython side only (the reference run of the source): inside the worker,
:class:`LineRecorder` notes every line of the module's own file that runs, and every
**branch arc** taken: ``(line, destination line)`` for a line whose conditional jumps
lead to two or more different lines (an ``if`` to its body or past it, a loop header to
its body or out of the loop), ``EXIT`` as the destination when the branch leaves the
function. On Python 3.12+ it uses ``sys.monitoring`` (LINE events, each reported once then
disabled; BRANCH events, disabled once both directions of a jump were seen); before, it
uses ``sys.settrace`` and, as coverage.py does, takes the arcs from consecutive line events
of a frame (a frame stops being traced once every line and every arc of its code ran).
Each reply carries the lines and arcs first seen during that call.

The branches themselves come from the bytecode (:func:`code_branches`), the same table on
both sides of the measurement: each conditional jump's two destinations (the jump target
and the next instruction) are followed through instructions of the jump's own line to
the first instruction of another line (or to a return: ``EXIT``), so what counts as a
branch is exactly what line-to-line arcs can show. Jumps within one line (``a and b``,
``x if c else y`` written on one line) are not branches at this granularity.

In the parent, :func:`executable_lines` / :func:`executable_branches` give each top-level
function's executable lines and branch arcs (from the compiled code object and the code
objects nested in it), and :func:`function_coverage` turns what ran into the report's
numbers: lines, covered, percent, the uncovered lines, and the same for branches with the
missing arcs as ``"line->destination"``.

The worker imports this module: standard library only.
"""

from __future__ import annotations

import dis
import sys
import types
from typing import Any

_TOOL_ID = 4  # sys.monitoring tool ids 0-5; 4 and 5 are free for tools like this one
EXIT = 0  # the destination of an arc that leaves the function (line numbers start at 1)

_RETURNS = frozenset({"RETURN_VALUE", "RETURN_CONST"})
_JUMPS = frozenset(
    {"JUMP_FORWARD", "JUMP_BACKWARD", "JUMP_ABSOLUTE", "JUMP", "JUMP_NO_INTERRUPT",
     "JUMP_BACKWARD_NO_INTERRUPT"}
)  # fmt: skip
# conditional jumps: every opcode with a jump target whose name says it is conditional,
# plus the loop header; exception-table machinery (SEND, SETUP_*) is not a branch
_CONDITIONAL = frozenset(
    dis.opname[op]
    for op in set(dis.hasjrel) | set(dis.hasjabs)
    if "_IF_" in dis.opname[op] or dis.opname[op] == "FOR_ITER"
)


def _code_lines(code: types.CodeType) -> set[int]:
    lines = {line for _, _, line in code.co_lines() if line is not None}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            lines |= _code_lines(const)
    return lines


def _own_lines(code: types.CodeType) -> set[int]:
    return {line for _, _, line in code.co_lines() if line is not None}


def _units(module: types.CodeType) -> list[tuple[str, types.CodeType]]:
    """(name, code) of every top-level function and class body, and of every function
    defined in a top-level class body as ``Class.name`` (a property's getter and setter
    share their name)."""
    out: list[tuple[str, types.CodeType]] = []
    for const in module.co_consts:
        if isinstance(const, types.CodeType) and const.co_name != "<module>":
            out.append((const.co_name, const))
            for inner in const.co_consts:
                qualname = getattr(inner, "co_qualname", None)  # 3.11+
                if isinstance(inner, types.CodeType) and qualname is not None:
                    if qualname == f"{const.co_name}.{inner.co_name}":  # a class's member
                        out.append((qualname, inner))
                elif isinstance(inner, types.CodeType) and _is_class_body(const):
                    out.append((f"{const.co_name}.{inner.co_name}", inner))
    return out


def _is_class_body(code: types.CodeType) -> bool:
    """Before 3.11 (no ``co_qualname``): a class body stores ``__qualname__`` first."""
    return "__qualname__" in code.co_names and "__module__" in code.co_names


def executable_lines(source: str, filename: str) -> dict[str, set[int]]:
    """{top-level function name, or ``Class.method``: its executable line numbers (the
    ``def`` line excluded)}."""
    module = compile(source, filename, "exec", dont_inherit=True)
    out: dict[str, set[int]] = {}
    for name, code in _units(module):
        lines = _code_lines(code)
        lines.discard(code.co_firstlineno)
        out.setdefault(name, set()).update(lines)
    return out


Arc = tuple[int, int]


def code_branches(code: types.CodeType) -> set[Arc]:
    """The branch arcs of one code object (not the ones nested in it).

    For every conditional jump, both destinations are resolved to a line
    (:func:`_destination`); a line whose conditional jumps lead to at least two different
    destinations is a branch line and each of its destinations an arc.
    """
    instructions = list(dis.get_instructions(code))
    line_at = _line_table(code)
    by_offset = {ins.offset: index for index, ins in enumerate(instructions)}
    destinations: dict[int, set[int]] = {}
    for index, ins in enumerate(instructions):
        if ins.opname not in _CONDITIONAL or not isinstance(ins.argval, int):
            continue
        source = line_at.get(ins.offset)
        if source is None:
            continue
        for start in (ins.argval, _next_offset(instructions, index)):
            if start is None:
                continue
            target = _destination(instructions, by_offset, line_at, start, source)
            if target is not None:
                destinations.setdefault(source, set()).add(target)
    return {(line, to) for line, tos in destinations.items() if len(tos) > 1 for to in tos}


def branch_arc(code: types.CodeType, offset: int, destination: int) -> Arc | None:
    """The arc a jump from instruction ``offset`` to ``destination`` takes (3.12+ BRANCH)."""
    table = _TABLES.get(code)
    if table is None:
        instructions = list(dis.get_instructions(code))
        by_offset = {ins.offset: index for index, ins in enumerate(instructions)}
        table = _TABLES[code] = (instructions, by_offset, _line_table(code))
    instructions, by_offset, line_at = table
    source = line_at.get(offset)
    if source is None:
        return None
    target = _destination(instructions, by_offset, line_at, destination, source)
    return None if target is None else (source, target)


_TABLES: dict[types.CodeType, tuple[list[dis.Instruction], dict[int, int], dict[int, int]]] = {}


def _line_table(code: types.CodeType) -> dict[int, int]:
    """{instruction offset: its line} for the instructions that have one."""
    out: dict[int, int] = {}
    for start, end, line in code.co_lines():
        if line is not None:
            for offset in range(start, end, 2):
                out[offset] = line
    return out


def _next_offset(instructions: list[dis.Instruction], index: int) -> int | None:
    return instructions[index + 1].offset if index + 1 < len(instructions) else None


def _destination(
    instructions: list[dis.Instruction],
    by_offset: dict[int, int],
    line_at: dict[int, int],
    offset: int,
    source: int,
) -> int | None:
    """The line execution reaches from ``offset`` after leaving line ``source``.

    Instructions of the source line (or of no line) are followed straight on and through
    unconditional jumps; a return there is ``EXIT``; another conditional jump there means
    the destination is decided by that jump (None: not an arc of this one).
    """
    index = by_offset.get(offset)
    for _ in range(len(instructions) + 1):  # a jump cycle within one line ends the walk
        if index is None or index >= len(instructions):
            return None
        ins = instructions[index]
        line = line_at.get(ins.offset)
        if line is not None and line != source:
            return line
        if ins.opname in _RETURNS:
            return EXIT
        if ins.opname in _CONDITIONAL or ins.opname in ("RAISE_VARARGS", "RERAISE"):
            return None
        if ins.opname in _JUMPS and isinstance(ins.argval, int):
            index = by_offset.get(ins.argval)
        else:
            index += 1
    return None


def _code_branches_nested(code: types.CodeType) -> set[Arc]:
    arcs = code_branches(code)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            arcs |= _code_branches_nested(const)
    return arcs


def executable_branches(source: str, filename: str) -> dict[str, set[Arc]]:
    """{top-level function name, or ``Class.method``: its branch arcs ``(line,
    destination)``}."""
    module = compile(source, filename, "exec", dont_inherit=True)
    out: dict[str, set[Arc]] = {}
    for name, code in _units(module):
        out.setdefault(name, set()).update(_code_branches_nested(code))
    return out


def show_arc(arc: Arc) -> str:
    """``(8, 13)`` -> ``"8->13"``; ``(3, EXIT)`` -> ``"3->exit"``."""
    return f"{arc[0]}->{'exit' if arc[1] == EXIT else arc[1]}"


def function_coverage(
    executable: set[int],
    executed: set[int],
    branches: set[Arc] | None = None,
    taken: set[Arc] | None = None,
) -> dict[str, Any]:
    covered = executable & executed
    total = len(executable)
    percent = 100.0 if total == 0 else round(100.0 * len(covered) / total, 1)
    out: dict[str, Any] = {
        "lines": total,
        "covered": len(covered),
        "percent": percent,
        "uncovered": _ranges(sorted(executable - executed)),
    }
    if branches is not None:
        hit = branches & (taken or set())
        out["branches"] = len(branches)
        out["branches_covered"] = len(hit)
        out["branch_percent"] = (
            100.0 if not branches else round(100.0 * len(hit) / len(branches), 1)
        )
        out["uncovered_branches"] = [show_arc(a) for a in sorted(branches - hit)]
    return out


def coverage_evidence(
    name: str,
    generatable: bool,
    own: set[int],
    conclusive_lines: dict[str, set[int]],
    own_inputs: int,
    min_coverage: int,
) -> dict[str, Any] | None:
    """Evidence by coverage, for a function short of inputs of its own.

    A function whose parameters no input source can fill (instances of the module's
    classes, callables) or whose own inputs all stop at its guards is still compiled code
    that ran, inside the calls of other functions whose outcomes matched CPython's. It
    counts as verified when the module's conclusive calls (its own included) executed at
    least ``min-coverage`` percent of its lines and either a call of another function ran
    it (verified through callers: the comparison happened at the callers' results,
    arguments and output), or no generator can make its inputs and its own given inputs
    (examples, doctests, recorded calls) all matched. A function whose inputs can be
    generated still needs ``min-inputs`` of its own unless callers ran it
    (docs/verification.md, "Verified by coverage").
    """
    if not own:
        return None
    callers = sorted(g for g, lines in conclusive_lines.items() if g != name and lines & own)
    if not callers and not (own_inputs and not generatable):
        return None
    covered: set[int] = set()
    for lines in conclusive_lines.values():
        covered |= lines & own
    coverage = function_coverage(own, covered)
    if coverage["percent"] < min_coverage:
        return None
    return {"callers": callers, "own_inputs": own_inputs, "coverage": coverage}


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


IDLE_LINE_EVENTS = 50_000  # see LineRecorder._frame_tracer


class _CodeState:
    """Under ``sys.settrace``: one code object's lines and arcs not seen yet, and how many
    lines its frames ran in this call since the last new one."""

    __slots__ = ("active", "arcs", "idle", "lines", "sources")

    def __init__(self, lines: set[int], arcs: set[Arc]) -> None:
        self.lines = lines
        self.arcs = arcs
        self.sources = {arc[0] for arc in arcs}  # a quick filter: a superset as arcs go
        self.idle = 0
        self.active = True


class LineRecorder:
    """Records the lines and branch arcs of one file that run; :meth:`take` returns the new
    ones."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.seen: set[int] = set()
        self.fresh: set[int] = set()
        self.arcs: set[Arc] = set()
        self.fresh_arcs: set[Arc] = set()
        # settrace: per code object, the lines and arcs not seen yet
        self._remaining: dict[types.CodeType, _CodeState] = {}
        self._idle: list[_CodeState] = []  # settrace: code objects idle in this call
        # sys.monitoring: per (code, jump offset), the destinations seen
        self._jumps: dict[tuple[types.CodeType, int], set[int]] = {}
        # settrace: every line and arc of the file's functions (see settle)
        self._everything: tuple[set[int], set[Arc]] | None = None

    def start(self) -> None:
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None:
            self._start_monitoring(monitoring)
        else:
            self._everything = self._file_table()
            sys.settrace(self._global)

    def _file_table(self) -> tuple[set[int], set[Arc]] | None:
        """Every line and arc of the file's functions: once all ran, tracing stops."""
        try:
            with open(self.filename, encoding="utf-8") as handle:
                module = compile(handle.read(), self.filename, "exec", dont_inherit=True)
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            return None
        lines: set[int] = set()
        arcs: set[Arc] = set()
        stack = [c for c in module.co_consts if isinstance(c, types.CodeType)]
        while stack:
            code = stack.pop()
            lines |= _own_lines(code) - {code.co_firstlineno}
            arcs |= code_branches(code)
            stack.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
        return lines, arcs

    def settle(self) -> None:
        """After a call: with ``sys.settrace``, stop tracing once every line and arc of the
        file's functions ran (tracing slows every frame of 3.10/3.11 down, traced or not);
        code objects left idle during the call are traced again in the next one."""
        for state in self._idle:
            state.active, state.idle = True, 0
        self._idle.clear()
        everything = self._everything
        if everything is not None and everything[0] <= self.seen and everything[1] <= self.arcs:
            sys.settrace(None)
            self._everything = None

    def take(self) -> list[int]:
        fresh, self.fresh = self.fresh, set()
        return sorted(fresh)

    def take_arcs(self) -> list[list[int]]:
        fresh, self.fresh_arcs = self.fresh_arcs, set()
        return [list(arc) for arc in sorted(fresh)]

    def _arc(self, arc: Arc) -> None:
        if arc not in self.arcs:
            self.arcs.add(arc)
            self.fresh_arcs.add(arc)

    # -- sys.monitoring (3.12+) -------------------------------------------------------
    def _start_monitoring(self, monitoring: Any) -> None:
        try:
            monitoring.use_tool_id(_TOOL_ID, "pyvorin-verify")
        except ValueError:  # already in use in this process: ours, from a fork
            pass
        disable = monitoring.DISABLE
        events = monitoring.events

        def on_line(code: types.CodeType, line: int) -> Any:
            if code.co_filename == self.filename and line not in self.seen:
                self.seen.add(line)
                self.fresh.add(line)
            return disable

        def on_branch(code: types.CodeType, offset: int, destination: int) -> Any:
            if code.co_filename != self.filename:
                return disable
            seen = self._jumps.setdefault((code, offset), set())
            if destination not in seen:
                seen.add(destination)
                arc = branch_arc(code, offset, destination)
                if arc is not None:
                    self._arc(arc)
            # a jump has two destinations; disabling reports neither again (3.12, 3.13)
            return disable if len(seen) > 1 else None

        monitoring.register_callback(_TOOL_ID, events.LINE, on_line)
        # 3.14 reports the two directions as separate events (BRANCH is deprecated there)
        branch_events = [
            getattr(events, name)
            for name in ("BRANCH_LEFT", "BRANCH_RIGHT")
            if hasattr(events, name)
        ] or [events.BRANCH]
        mask = events.LINE
        for event in branch_events:
            monitoring.register_callback(_TOOL_ID, event, on_branch)
            mask |= event
        monitoring.set_events(_TOOL_ID, mask)

    # -- sys.settrace (3.10, 3.11) ----------------------------------------------------
    def _global(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        code = frame.f_code
        if code.co_filename != self.filename:
            return None
        state = self._remaining.get(code)
        if state is None:
            # the first line (the ``def``: RESUME, generator set-up) makes no line event;
            # left in, it would keep every frame of the code traced forever
            lines = _own_lines(code) - {code.co_firstlineno} - self.seen
            state = self._remaining[code] = _CodeState(lines, code_branches(code) - self.arcs)
        if not state.active or not (state.lines or state.arcs):
            return None
        return self._frame_tracer(state)

    def _frame_tracer(self, state: _CodeState) -> Any:
        """The local trace function of one frame: its previous line in a closure cell, the
        code's remaining lines and arcs shared by all its frames (the per-line path is hot:
        a 3.11 frame whose code still has a branch to see runs it on every line).

        A code object that ran :data:`IDLE_LINE_EVENTS` lines in one call without a line
        or arc it had not seen is not traced again until the call ends (:meth:`settle`): a
        hot loop whose one untaken branch would otherwise keep every iteration traced
        (40 times slower under 3.11). What the rest of the call would have shown is not
        recorded (but for the line each frame returns from), so coverage can only come out
        lower, never higher, than what ran."""
        lines, arcs, sources = state.lines, state.arcs, state.sources
        previous = 0
        seen, fresh, record, idle = self.seen, self.fresh, self._arc, self._idle

        def local(frame: types.FrameType, event: str, arg: Any) -> Any:
            nonlocal previous
            if event == "line":
                if not state.active:  # idle since another frame of its code gave up
                    frame.f_trace_lines = False
                    return local
                line = frame.f_lineno
                new = False
                if line in lines:
                    lines.discard(line)
                    new = True
                    if line not in seen:
                        seen.add(line)
                        fresh.add(line)
                if previous in sources and (previous, line) in arcs:
                    arcs.discard((previous, line))
                    record((previous, line))
                    new = True
                previous = line
                if new:
                    state.idle = 0
                else:
                    state.idle += 1
                    if state.idle > IDLE_LINE_EVENTS:
                        state.active = False
                        idle.append(state)
                        frame.f_trace_lines = False
                if not lines and not arcs:
                    frame.f_trace_lines = False
            elif event == "return":
                if state.active:
                    if (previous, EXIT) in arcs:
                        arcs.discard((previous, EXIT))  # (previous is never EXIT's line 0)
                        record((previous, EXIT))
                else:  # untraced lines since: the line it returns from still ran
                    line = frame.f_lineno
                    if line in lines:
                        lines.discard(line)
                        if line not in seen:
                            seen.add(line)
                            fresh.add(line)
            return local

        return local

        return local

        return local
