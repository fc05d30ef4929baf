"""Fixtures for the sandbox tests: a work directory, a small policy, leftover checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyvorin.sandbox import LayerStatus, SandboxPolicy, probe


@pytest.fixture(scope="session")
def layers() -> dict[str, LayerStatus]:
    """What this machine offers, from a real probe (tests branch on it and say so)."""
    return {layer.name: layer for layer in probe()}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def policy() -> SandboxPolicy:
    return SandboxPolicy(cpu_seconds=2, memory_mb=256, wall_seconds=20, max_processes=16,
                         max_open_files=64, max_file_mb=1)  # fmt: skip


def processes_of(uid: int | None) -> list[int]:
    """Live processes owned by ``uid`` (the per-run uid of a root caller)."""
    if uid is None:
        return []
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as handle:
                for line in handle:
                    if line.startswith("Uid:") and str(uid) in line.split()[1:]:
                        found.append(int(entry))
        except OSError:
            continue
    return found


def _children() -> set[int]:
    """Every child of this process, running or unreaped (zombies are listed too)."""
    found: set[int] = set()
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/children") as handle:
                found.update(int(pid) for pid in handle.read().split())
        except OSError:
            continue
    return found


_baseline: set[int] = set()


@pytest.fixture(autouse=True)
def _children_baseline() -> None:
    """Children that exist before a test (e.g. session-scoped servers of other suites)."""
    _baseline.clear()
    _baseline.update(_children())


def assert_no_children() -> None:
    """The test left no new child process behind, running or unreaped."""
    assert _children() - _baseline == set()
