"""The compile stage runs the C compiler inside the sandbox, and says so in the manifest."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

from pyvorin.audit import AuditLog
from tests.helpers import run_cli

SOURCE = "def f(x: int) -> int:\n    return x * 2 + 1\n"


def test_manifest_records_the_compilers_isolation(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(SOURCE)
    proc = run_cli("compile", "m.py", "-o", "out", "--require-isolation", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "out" / "m.pyvorin.json").read_text())
    assert manifest["licence_id"], "the licence gate's licence id is recorded"
    isolation = manifest["isolation"]
    assert isolation["purpose"] == "compilation of m"
    assert isolation["exit_reason"] == "exited"
    active = {layer["name"] for layer in isolation["layers"] if layer["active"]}
    assert {"mount-namespace", "network-namespace", "seccomp", "rlimits"} <= active
    events = [r for r in AuditLog().records() if r["type"] == "sandbox"]
    assert any(e["details"]["purpose"] == "compilation of m" for e in events)


def test_a_hostile_compiler_cannot_write_outside_its_work_directory(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    # The sandbox only shows allow-listed paths, to an unprivileged uid: the user opts a
    # world-readable tools directory in (a project may not widen the sandbox).
    tools = Path(tempfile.mkdtemp(prefix="pyvorin-tools-"))
    tools.chmod(0o755)
    home = Path(os.environ["PYVORIN_HOME"])
    (home / "config.toml").write_text(f'[sandbox]\nreadable-paths = ["{tools}"]\n')
    evil = tools / "evil-cc"
    evil.write_text(f'#!/bin/sh\necho pwned > {outside}\nexec gcc "$@"\n')
    evil.chmod(evil.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (tmp_path / "m.py").write_text(SOURCE)
    proc = run_cli(
        "compile",
        "m.py",
        "-o",
        "out",
        cwd=tmp_path,
        env={"CC": str(evil), "PATH": os.environ["PATH"]},
    )
    shutil.rmtree(tools)
    assert not outside.exists()
    # The compiler itself still ran (the write failed, gcc succeeded).
    assert proc.returncode == 0, proc.stderr
