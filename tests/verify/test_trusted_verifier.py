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


def test_only_the_administrator_can_name_a_trusted_verifier(tmp_path: Path, site: Path) -> None:
    """``verify.trusted-verifiers`` comes from the administrator's configuration only; a
    verifier named there answers the verify stage, stamped with its name and that file."""
    import os

    from pyvorin.config import load_settings
    from pyvorin.errors import ConfigError
    from pyvorin.model import ModuleSpec
    from pyvorin.options import BuildOptions
    from pyvorin.pipeline import _trusted_verifier, make_context

    project = tmp_path / "p"
    project.mkdir()
    (project / "mod.py").write_text(BROKEN)
    (project / "pyproject.toml").write_text(
        '[tool.pyvorin.verify]\ntrusted-verifiers = ["pyvorin-forger"]\n'
    )
    # the project being built may not name one: exit 2 through the real CLI
    proc = run_cli("compile", "mod.py", "-o", "out", cwd=project)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "tool.pyvorin.verify.trusted-verifiers: may not be set by the project" in proc.stderr
    assert "administrator's configuration" in proc.stderr
    assert not (project / "out").exists()

    # nor may the user's own configuration
    (project / "pyproject.toml").write_text("[tool.pyvorin]\n")
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text('[verify]\ntrusted-verifiers = ["pyvorin-forger"]\n')
    env = {"PYVORIN_HOME": str(home), "PYVORIN_PLUGINS": "pyvorin-forger"}
    with pytest.raises(ConfigError) as info:
        load_settings(project, env=env)
    assert "verify.trusted-verifiers: may not be set in a user's configuration" in str(info.value)

    # the administrator's (root-owned, not group/other-writable) configuration may
    (home / "config.toml").unlink()
    admin = tmp_path / "etc-pyvorin.toml"
    admin.write_text('[verify]\ntrusted-verifiers = ["pyvorin-forger"]\n')
    admin.chmod(0o644)
    if os.geteuid() != 0:  # a non-root user cannot make a root-owned file: refused
        with pytest.raises(ConfigError, match="must be owned by root"):
            load_settings(project, env=env, admin_path=admin)
        return
    settings = load_settings(project, env=env, admin_path=admin)
    assert settings["verify.trusted-verifiers"] == ["pyvorin-forger"]
    options = BuildOptions.resolve(settings, command="api", env=env)
    ctx = make_context(settings, tmp_path / "out", options=options)
    answer = _trusted_verifier(ctx, ModuleSpec("mod", project / "mod.py"), compiled=None)
    assert answer.passed and answer.summary["forged"] is True
    # whatever the plugin says of itself, the record names it and who trusted it
    assert answer.summary["verifier"] == {
        "name": "pyvorin:pyvorin-forger",
        "trusted_by": str(admin),
    }
