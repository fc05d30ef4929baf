"""The licence gate is a built-in stage: no licence, no compile, from the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from pyvorin.audit import AuditLog
from pyvorin.plugins import BUILTIN_PLUGINS
from tests.helpers import run_cli

SOURCE = "def f(x: int) -> int:\n    return x + 1\n"


def test_gate_is_registered_like_every_other_stage() -> None:
    assert "pyvorin.licensing.gate" in BUILTIN_PLUGINS
    proc = run_cli("plugins", "--format", "json")
    loaded = {i["name"]: i for i in json.loads(proc.stdout)}
    assert loaded["pyvorin.licensing.gate"]["hooks"] == ["pyvorin_licence_gate"]


def test_compile_without_a_licence_is_refused_with_exit_6(tmp_path: Path) -> None:
    empty_home = tmp_path / "unlicensed-home"
    (tmp_path / "m.py").write_text(SOURCE)
    proc = run_cli(
        "compile", "m.py", "-o", "out", cwd=tmp_path, env={"PYVORIN_HOME": str(empty_home)}
    )
    assert proc.returncode == 6, proc.stderr
    assert "licence" in proc.stderr and "pyvorin licence activate" in proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_licensed_compile_records_the_licence_in_the_manifest(
    tmp_path: Path, pyvorin_home: Path
) -> None:
    (tmp_path / "m.py").write_text(SOURCE)
    proc = run_cli("compile", "m.py", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "out" / "m.pyvorin.json").read_text())
    assert manifest["licence_id"].startswith("lic_")
    licence_events = [r for r in AuditLog().records() if r["type"] == "licence"]
    assert licence_events, "the gate's decision is audited"
