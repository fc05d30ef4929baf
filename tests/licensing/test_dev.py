"""``pyvorin licence dev``: a development licence in one command (issue 15), real CLI."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest

from pyvorin.audit import AuditLog
from pyvorin.errors import LicenceError
from pyvorin.exitcodes import ExitCode
from pyvorin.licensing.client import LicenceClient
from pyvorin.licensing.dev import license_for_development
from pyvorin.licensing.state import load_state
from tests.helpers import run_cli

SOURCE = "def f(x: int) -> int:\n    return x + 1\n"


def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "p"\n\n[tool.pyvorin]\nmodules = ["m"]\n'
    )
    (root / "m.py").write_text(SOURCE)
    return root


def test_one_command_licenses_a_fresh_home_for_development(tmp_path: Path) -> None:
    home = tmp_path / "fresh-home"  # never licensed, nothing in it
    env = {"PYVORIN_HOME": str(home)}
    project = _project(tmp_path / "p")

    refused = run_cli("build", str(project), "-o", str(tmp_path / "out0"), env=env)
    assert refused.returncode == ExitCode.LICENCE
    assert "pyvorin licence dev" in refused.stderr  # the refusal names the one command

    made = run_cli("licence", "dev", env=env)
    assert made.returncode == 0, made.stderr
    assert "created the development issuer key pvk_" in made.stdout
    assert "made development licence lic_" in made.stdout
    assert "marked licence.mode: development" in made.stdout and "--release" in made.stdout
    key_file = home / "licence" / "dev-issuer.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    state = load_state(home)
    assert state is not None and state.server == ""  # no licence server involved

    built = run_cli("build", str(project), "-o", str(tmp_path / "out"), env=env)
    assert built.returncode == 0, built.stderr
    manifest = json.loads((tmp_path / "out" / "m.pyvorin.json").read_text())
    assert manifest["licence"]["mode"] == "development"
    assert manifest["licence"]["issuer"] == _word_after(made.stdout, "development issuer key ")
    assert manifest["licence_id"] == _word_after(made.stdout, "made development licence ")
    verified = run_cli("signature", "verify", str(tmp_path / "out"), env=env)
    assert verified.returncode == 0, verified.stderr
    assert "development licence from issuer pvk_" in verified.stdout

    released = run_cli("build", str(project), "-o", str(tmp_path / "rel"), "--release", env=env)
    assert released.returncode == ExitCode.LICENCE, released.stderr
    assert "--release refuses a development licence" in released.stderr
    assert "development issuer" in released.stderr and "production issuer" in released.stderr
    assert "pyvorin licence activate" in released.stderr
    assert not (tmp_path / "rel").exists()

    status = run_cli("licence", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert "allowed, local" in status.stdout and "licence mode:      development" in status.stdout
    refresh = run_cli("licence", "refresh", env=env)
    assert refresh.returncode == ExitCode.LICENCE and "pyvorin licence dev" in refresh.stderr

    log = AuditLog(home / "audit")
    records = [r["details"] for r in log.records() if r["type"] == "licence"]
    assert any(d.get("outcome") == "development-licence" for d in records)
    assert any(
        d.get("outcome") == "checked" and d["licence_mode"] == "development" for d in records
    )
    assert any(
        d.get("outcome") == "refused" and d.get("licence_mode") == "development" for d in records
    )


def _word_after(output: str, text: str) -> str:
    return output.split(text, 1)[1].split()[0]


def test_running_it_again_renews_the_same_licence(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"PYVORIN_HOME": str(home)}
    first = run_cli("licence", "dev", "--days", "2", env=env)
    assert first.returncode == 0, first.stderr
    lid = _word_after(first.stdout, "made development licence ")
    before = load_state(home)
    second = run_cli("licence", "dev", env=env)
    assert second.returncode == 0, second.stderr
    assert "reusing the development issuer key" in second.stdout
    assert f"renewed development licence {lid}" in second.stdout
    after = load_state(home)
    assert after.activation_id == before.activation_id
    assert len(list((home / "licence" / "issuers").glob("*.pem"))) == 1
    assert LicenceClient(home, env={}).check().lease_expires > time.time() + 80 * 86400

    removed = run_cli("licence", "deactivate", env=env)
    assert removed.returncode == 0 and "development licence" in removed.stdout
    assert load_state(home) is None


def test_it_does_not_replace_a_licence_activated_from_a_server(
    licence_server, pyvorin_home: Path
) -> None:
    """An activation from a licence server (its seat, its secret) is kept, with the way out."""
    from tests.licensing.support import activate_into

    activate_into(pyvorin_home, licence_server)
    state = load_state(pyvorin_home)
    refused = run_cli("licence", "dev")
    assert refused.returncode == ExitCode.USAGE
    assert "pyvorin licence deactivate" in refused.stderr
    assert load_state(pyvorin_home) == state


def test_an_expired_development_licence_names_the_command_that_renews_it(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    license_for_development(home, days=1, now=lambda: time.time() - 2 * 86400)
    with pytest.raises(LicenceError, match=r"expired at .*; run `pyvorin licence dev`"):
        LicenceClient(home, env={}).check()
