"""The one progress channel of a pipeline run: stage transitions, verification inputs, lines.

Every door into the pipeline hands :func:`pyvorin.pipeline.make_context` a progress
callable; it becomes a :class:`Progress` (``ctx.progress``). The pipeline reports each
module's stage transitions (:meth:`Progress.stage`), the verifier the inputs each side has
run (:meth:`Progress.inputs`, from :class:`pyvorin.verify.progress.LiveProgress`) and its
per-function lines, plugins free text (``ctx.progress("...")``: a :class:`Progress` is
callable with a line, as the plain callables were).

Three renderings, one concept:

* :class:`Progress` itself writes plain lines, one per stage transition plus the free
  text, each flushed as it is written: what ``pip install -v``, ``python -m build`` and
  CI logs show (no carriage returns, no colours: a log must read as lines);
* :class:`TerminalProgress` (a terminal): a live display with one line per module in
  progress (its stage, the time in it, the verification inputs done), redrawn in place
  by :mod:`rich`, with the free text printed above it;
* ``Progress(None)``: ``--quiet``, nothing.

The live display never starts a thread (``auto_refresh=False``): the sandbox forks its
launcher and runs Python between fork and exec, and a fork while another thread holds a
lock (rich's console lock) can deadlock the child. It redraws when something is reported
and on :meth:`Progress.tick`, which the parallel runner calls from its loop.

With ``-j N`` the workers report through :class:`pyvorin.parallel` to the parent's
channel, which writes whole lines only: the modules' lines never interleave mid-line.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

STAGE_WORDS = {
    "check": "checking",
    "compile": "compiling",
    "verify": "verifying against CPython",
    "sign": "signing",
}
REDRAW_SECONDS = 0.1  # the live display redraws at most this often for input counts


class Progress:
    """Plain progress lines through ``write`` (``None``: silent). The base of the channel."""

    def __init__(self, write: Callable[[str], None] | None = None) -> None:
        self._write = write

    def __call__(self, text: str) -> None:
        self.line(text)

    @property
    def silent(self) -> bool:
        return self._write is None

    def line(self, text: str) -> None:
        """A line of free text (a verifier's per-function line, a plugin's message)."""
        if self._write is not None:
            self._write(text)

    def start(self, modules: list[str], jobs: int) -> None:
        """The run builds ``modules``, ``jobs`` at a time (said only when in parallel)."""
        if jobs > 1 and len(modules) > 1:
            self.line(f"building {len(modules)} modules, {min(jobs, len(modules))} at a time")

    def stage(self, module: str, stage: str) -> None:
        """``module`` enters ``stage`` (check, compile, verify, sign)."""
        self.line(f"{module}: {STAGE_WORDS.get(stage, stage)}")

    def inputs(self, module: str, side: str, done: int, total: int) -> None:
        """The verifier's ``side`` (CPython, compiled) of ``module`` ran ``done`` of
        ``total`` inputs. Plain lines leave this to the verifier's periodic lines."""

    def finished(self, module: str, status: str) -> None:
        """``module`` is done: ``ok`` or ``failed``."""

    def tick(self) -> None:
        """Time passed: a live display redraws its clocks."""

    def close(self) -> None:
        """The run is over: a live display removes itself."""


def stream_writer(stream: TextIO) -> Callable[[str], None]:
    """Write one whole line to ``stream`` and flush it (line-buffered, even into a pipe)."""

    def write(text: str) -> None:
        stream.write(text + "\n")
        stream.flush()

    return write


def as_progress(channel: Callable[[str], None] | Progress | None) -> Progress:
    """``ctx.progress`` from what a caller passed: a Progress, a line callable, or None."""
    if isinstance(channel, Progress):
        return channel
    return Progress(channel)


def report_stage(channel: Callable[[str], None], module: str, stage: str) -> None:
    """Report a stage transition on any channel (a context built without make_context may
    hold a plain callable)."""
    if isinstance(channel, Progress):
        channel.stage(module, stage)
    else:
        channel(f"{module}: {STAGE_WORDS.get(stage, stage)}")


def for_stream(stream: TextIO, *, quiet: bool = False) -> Progress:
    """The CLI's channel on ``stream``: silent with ``--quiet``, the live display on a
    terminal, plain flushed lines otherwise (a pipe, a file, ``TERM=dumb``)."""
    if quiet:
        return Progress(None)
    interactive = bool(getattr(stream, "isatty", lambda: False)())
    if interactive and os.environ.get("TERM", "") != "dumb":
        return TerminalProgress(stream)
    return Progress(stream_writer(stream))


@dataclass
class _Row:
    stage: str
    since: float
    inputs: dict[str, tuple[int, int]] = field(default_factory=dict)


class TerminalProgress(Progress):
    """The live display on a terminal: one line per module in progress."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = Console(file=stream, highlight=False)
        super().__init__(self._print)
        self.clock = clock
        self.rows: dict[str, _Row] = {}
        self.total = 0
        self.done = 0
        self._drawn = 0.0
        self.live: Any = Live(
            self._render(),
            console=self.console,
            auto_refresh=False,  # no refresh thread: see the module docstring
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.live.start()

    def _print(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)
        self._redraw(force=True)

    def start(self, modules: list[str], jobs: int) -> None:
        self.total = len(modules)

    def stage(self, module: str, stage: str) -> None:
        self.rows[module] = _Row(stage, self.clock())
        self._redraw(force=True)

    def inputs(self, module: str, side: str, done: int, total: int) -> None:
        row = self.rows.get(module)
        if row is not None:
            row.inputs[side] = (done, total)
            self._redraw()

    def finished(self, module: str, status: str) -> None:
        if self.rows.pop(module, None) is not None:
            self.done += 1
        self._redraw(force=True)

    def tick(self) -> None:
        self._redraw()

    def close(self) -> None:
        self.live.stop()

    def _redraw(self, force: bool = False) -> None:
        now = self.clock()
        if force or now - self._drawn >= REDRAW_SECONDS:
            self._drawn = now
            self.live.update(self._render(), refresh=True)

    def _render(self) -> Any:
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        now = self.clock()
        for module, row in self.rows.items():
            counts = ", ".join(f"{side} {d}/{t}" for side, (d, t) in row.inputs.items())
            table.add_row(
                module,
                STAGE_WORDS.get(row.stage, row.stage),
                f"{now - row.since:5.1f} s",
                f"inputs {counts}" if counts else "",
            )
        if self.total > 1:
            table.add_row(f"[{self.done}/{self.total} modules done]", "", "", "")
        return table
