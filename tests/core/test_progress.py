"""The one progress channel (pyvorin.progress): plain lines, the live display, quiet."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyvorin.progress import Progress, TerminalProgress, as_progress, for_stream, report_stage
from pyvorin.verify.progress import LiveProgress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_one_per_stage_transition_and_free_text() -> None:
    lines: list[str] = []
    channel = as_progress(lines.append)
    channel.start(["a", "b"], 2)
    channel.stage("a", "check")
    channel.stage("a", "verify")
    channel.inputs("a", "CPython", 3, 10)  # counted by the live display only
    channel("  a:f: passed, 100 inputs")
    channel.finished("a", "ok")
    report_stage(lines.append, "b", "compile")  # a bare callable still gets the line
    assert lines == [
        "building 2 modules, 2 at a time",
        "a: checking",
        "a: verifying against CPython",
        "  a:f: passed, 100 inputs",
        "b: compiling",
    ]


def test_serial_runs_do_not_announce_parallelism() -> None:
    lines: list[str] = []
    as_progress(lines.append).start(["a", "b"], 1)
    assert lines == []


def test_for_stream_chooses_quiet_plain_or_live(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    plain = for_stream(pipe)
    assert type(plain) is Progress and not plain.silent
    plain.stage("m", "sign")
    assert pipe.getvalue() == "m: signing\n"
    assert for_stream(_Tty(), quiet=True).silent
    monkeypatch.setenv("TERM", "xterm")
    live = for_stream(_Tty())
    assert isinstance(live, TerminalProgress)
    live.close()
    monkeypatch.setenv("TERM", "dumb")
    assert type(for_stream(_Tty())) is Progress


def _shown(progress: TerminalProgress) -> str:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=120, record=True)
    console.print(progress._render())
    return console.export_text()


def test_the_live_display_shows_each_module_in_progress() -> None:
    now = [100.0]
    progress = TerminalProgress(_Tty(), clock=lambda: now[0])
    try:
        progress.start(["alpha", "beta", "gamma"], 2)
        progress.stage("alpha", "compile")
        progress.stage("beta", "check")
        now[0] += 2.5
        progress.stage("beta", "verify")
        progress.inputs("beta", "CPython", 40, 120)
        progress.inputs("beta", "compiled", 10, 120)
        now[0] += 1.0
        shown = _shown(progress)
        assert re.search(r"alpha\s+compiling\s+3\.5 s", shown), shown
        assert re.search(
            r"beta\s+verifying against CPython\s+1\.0 s\s+inputs CPython 40/120, compiled 10/120",
            shown,
        ), shown
        assert "[0/3 modules done]" in shown
        progress.finished("alpha", "ok")
        shown = _shown(progress)
        assert "alpha" not in shown and "[1/3 modules done]" in shown
    finally:
        progress.close()


def test_the_verifier_counts_inputs_per_side_on_the_channel() -> None:
    counts: list[tuple] = []

    class Channel(Progress):
        def inputs(self, module: str, side: str, done: int, total: int) -> None:
            counts.append((module, side, done, total))

    class Function:
        name = "f"

    owners = [(Function(), None)] * 3
    live = LiveProgress(Channel(None), "m", owners, interval=1000)
    on_reply = live.side("CPython", [{"function": "f"}] * 3)
    for call_id in range(3):
        on_reply({"id": call_id, "ns": 1000})
    assert counts == [("m", "CPython", 1, 3), ("m", "CPython", 2, 3), ("m", "CPython", 3, 3)]


@pytest.mark.slow
def test_a_build_on_a_terminal_shows_the_live_display(tmp_path: Path) -> None:
    """The real CLI under a pseudo-terminal: the display draws, then gives way to the
    summary; the same build in a pipe prints plain lines (tests/core/test_jobs.py)."""
    from tests.core.test_jobs import _project

    root = _project(tmp_path / "p", ("alpha", "beta"))
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm", COLUMNS="120", LINES="40")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyvorin", "build", ".", "-o", "out", "-j", "2"],
        cwd=root, env=env, stdin=slave, stdout=slave, stderr=slave,
    )  # fmt: skip
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the build exited
                break
            if not chunk:
                break
            output += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    assert proc.wait(timeout=60) == 0, output.decode(errors="replace")
    text = output.decode(errors="replace")
    assert "modules done]" in text, text  # the live display was drawn
    assert "\x1b[" in text  # redrawn in place (cursor movement)
    assert re.search(r"alpha\s+(checking|compiling|verifying)", text), text
    assert "alpha: check ok" in text and "beta: check ok" in text  # the summary follows
    assert "beta: checking\r\n" not in text  # no plain stage lines on a terminal


@pytest.mark.slow
def test_quiet_silences_progress_but_not_the_summary(tmp_path: Path) -> None:
    from tests.core.test_jobs import _project
    from tests.helpers import run_cli

    root = _project(tmp_path / "p", ("alpha", "beta"))
    proc = run_cli("build", ".", "-o", "out", "-j", "2", "--quiet", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "checking" not in proc.stderr and "building 2 modules" not in proc.stderr
    assert "passed," not in proc.stderr  # the verifier's per-function lines are progress too
    summary = [line.split(":")[0] for line in proc.stderr.splitlines() if ": check ok" in line]
    assert summary == ["alpha", "beta"]
