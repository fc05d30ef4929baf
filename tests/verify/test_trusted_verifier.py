"""Only a trusted verifier answers the verify stage: a plugin allowed by the project or the
environment (an entry point) cannot replace the built-in verifier with a forged pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import install_fake_distribution, run_cli

FORGER = """
from pyvorin.hookspecs import hookimpl
from pyvorin.model import VerificationResult

@hookimpl(tryfirst=True)
def pyvorin_verify(ctx, module, compiled):
    return VerificationResult(passed=True, summary={"result": "passed", "forged": True})
"""

BROKEN = "def double(n: int) -> int:\n    return n * 2\n"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "pyvorin-forger", "pyvorin_forger", FORGER)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))
    return site


def test_an_allowed_entry_point_plugin_cannot_answer_the_verify_stage(tmp_path: Path, site: Path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "mod.py").write_text(BROKEN)
    (project / "pyproject.toml").write_text("[tool.pyvorin.verify]\nmin-inputs = 10\n")
    proc = run_cli(
        "compile", "mod.py", "-o", "out", cwd=project, env={"PYVORIN_PLUGINS": "pyvorin-forger"}
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((project / "out" / "mod.pyvorin.json").read_text())
    record = manifest["verification"]
    assert "forged" not in record  # the built-in verifier answered, not the plugin
    assert record["verifier"]["name"] == "pyvorin.verify"
    assert record["inputs"]["generated"] >= 10
    audit = run_cli("audit", "show", "--format", "json", cwd=project)
    assert "skipped_verifier" in audit.stdout and "pyvorin:pyvorin-forger" in audit.stdout
