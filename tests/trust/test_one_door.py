"""Finding 3: one door into the compiler; the gate cannot be pre-empted, skipped or bypassed.

Each attack of the review is reproduced against the real CLI or the public Python API and
the refusal asserted: exit code, message, nothing written, the refusal audited.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pyvorin.artifacts import binary_path, manifest_path
from pyvorin.audit import AuditLog
from pyvorin.compiler import cache, compile_module
from pyvorin.config import load_settings
from pyvorin.errors import ConfigError, SignatureError
from pyvorin.model import ModuleSpec
from pyvorin.options import BuildOptions
from pyvorin.pipeline import make_context
from tests.helpers import install_fake_distribution, run_cli

GOOD = '''\
def add(a: int, b: int) -> int:
    """
    >>> add(2, 3)
    5
    """
    return a + b
'''

# An installed plugin that answers every licence question with "allowed".
YES_GATE = """\
from pyvorin.hookspecs import hookimpl
from pyvorin.model import LicenceDecision

@hookimpl
def pyvorin_licence_gate(ctx):
    return LicenceDecision(True, "anything goes", "LIC-FORGED")
"""


def _unlicensed(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "unlicensed-home"
    home.mkdir()
    return {"PYVORIN_HOME": str(home)}


def test_plugin_answering_the_gate_does_not_preempt_it(tmp_path: Path) -> None:
    """PYVORIN_PLUGINS=yes-gate with no licence: still exit 6, nothing written."""
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "yes-gate", "yes_gate", YES_GATE)
    src = tmp_path / "mod.py"
    src.write_text(GOOD)
    out = tmp_path / "out"
    env = dict(_unlicensed(tmp_path), PYTHONPATH=str(site), PYVORIN_PLUGINS="yes-gate")
    res = run_cli("compile", str(src), "-o", str(out), env=env)
    assert res.returncode == 6, res.stdout + res.stderr
    assert "licence refused" in res.stderr
    assert not out.exists() or not any(out.rglob("*"))
    records = AuditLog(Path(env["PYVORIN_HOME"]) / "audit").records()
    assert any(r["type"] == "refusal" and r["details"].get("stage") == "licence" for r in records)


def test_check_uses_the_configured_backend_like_build(tmp_path: Path) -> None:
    """``backend = "cython"``: check used to exit 0 while build refused; now both exit 2."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pyvorin]\nmodules = ["mod"]\nbackend = "cython"\n'
    )
    (tmp_path / "mod.py").write_text(GOOD)
    check = run_cli("check", "mod.py", cwd=tmp_path)
    build = run_cli("build", str(tmp_path), cwd=tmp_path)
    assert build.returncode == 2, build.stderr
    assert check.returncode == 2, check.stdout + check.stderr
    assert "no installed plugin provides the backend 'cython'" in check.stderr


def test_check_needs_a_licence(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(GOOD)
    res = run_cli("check", "mod.py", cwd=tmp_path, env=_unlicensed(tmp_path))
    assert res.returncode == 6, res.stdout + res.stderr
    assert "licence refused" in res.stderr


def test_signing_outside_the_pipeline_is_refused(tmp_path: Path) -> None:
    """compile_module + sign_artifact used to give a signed artifact with no licence."""
    from pyvorin.signing.plugin import sign_artifact

    src = tmp_path / "mod.py"
    src.write_text(GOOD)
    out = tmp_path / "out"
    compiled = compile_module(ModuleSpec("mod", src), out, workdir=tmp_path / "w")
    assert compiled.isolation, "compile_module runs the C compiler in the sandbox by default"
    assert compiled.isolation.get("purpose", "compilation of mod") == "compilation of mod"
    ctx = make_context(load_settings(tmp_path), out)
    with pytest.raises(SignatureError) as info:
        sign_artifact(ctx, compiled.module, compiled, None)
    assert "did not pass the licence gate" in str(info.value)
    with pytest.raises(SignatureError):
        ctx.hook.pyvorin_sign(ctx=ctx, module=compiled.module, compiled=compiled, verification=None)
    assert not manifest_path(out, "mod").exists()


def test_options_are_frozen_and_release_refuses_the_development_mode(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={})
    options = BuildOptions.resolve(settings, command="compile", env={})
    with pytest.raises(AttributeError):
        options.release = True  # type: ignore[misc]
    assert options.sandbox.require_isolation is False and options.use_cache
    flagged = BuildOptions.resolve(
        settings, command="build", require_isolation=True, env={"PYVORIN_RELEASE": "1"}
    )
    assert flagged.release and flagged.require_isolation and flagged.sandbox.require_isolation
    assert not flagged.use_cache and flagged.origins["use_cache"] == "release"
    assert flagged.origins["release"] == "env PYVORIN_RELEASE"
    with pytest.raises(ConfigError) as info:
        BuildOptions.resolve(settings, command="build", release=True, licence_mode="development")
    assert "--release refuses the 'development' licence mode" in str(info.value)


def test_poisoned_cache_entry_is_not_used(tmp_path: Path) -> None:
    """A .so + .sha256 pair (the old format) or a re-hashed entry without the MAC: rebuilt."""
    src = tmp_path / "mod.py"
    src.write_text(GOOD)
    cache_dir = tmp_path / "cache"
    first = compile_module(
        ModuleSpec("mod", src), tmp_path / "o1", workdir=tmp_path / "w", cache_dir=cache_dir
    )
    key = first.facts["cache_key"]
    entry_so = next(cache_dir.rglob("*.so"))
    entry_json = entry_so.with_name(f"{key}.entry.json")
    poison = b"\x7fELF poisoned extension module"
    entry_so.write_bytes(poison)
    record = json.loads(entry_json.read_text())
    import hashlib

    record["sha256"] = hashlib.sha256(poison).hexdigest()  # re-hashed, but no MAC key
    entry_json.write_text(json.dumps(record))
    (entry_so.with_suffix(".sha256")).write_text(record["sha256"])
    second = compile_module(
        ModuleSpec("mod", src), tmp_path / "o2", workdir=tmp_path / "w", cache_dir=cache_dir
    )
    assert not second.cached
    assert binary_path(tmp_path / "o2", "mod").read_bytes() != poison
    assert second.artifact.read_bytes() == first.artifact.read_bytes()
    # the MAC key is private to this installation
    key_file = Path(os.environ["PYVORIN_HOME"]) / "cache" / cache.SECRET_NAME
    assert key_file.stat().st_mode & 0o777 == 0o600
    # an intact entry is used, and carries the isolation report of the build that made it
    third = compile_module(
        ModuleSpec("mod", src), tmp_path / "o3", workdir=tmp_path / "w", cache_dir=cache_dir
    )
    assert third.cached and third.isolation == second.isolation


def test_release_build_bypasses_the_cache(tmp_path: Path, production_licence: Path) -> None:
    src = tmp_path / "mod.py"
    src.write_text(GOOD)
    out = tmp_path / "out"
    assert run_cli("compile", str(src), "-o", str(out)).returncode == 0
    res = run_cli("compile", str(src), "-o", str(tmp_path / "out2"), "--release")
    # the release build refuses the per-installation key (no release key here), but it
    # compiled afresh rather than from the cache first
    assert "compile ok" in res.stderr and "(cached)" not in res.stderr, res.stderr
    manifest = json.loads(manifest_path(out, "mod").read_text())
    assert manifest["build"]["command"] == "compile" and manifest["build"]["cache"] is True
    assert manifest["build"]["licence_mode"] == "licensed"


def test_compile_records_effective_settings_and_audits_signing(tmp_path: Path) -> None:
    src = tmp_path / "mod.py"
    src.write_text(GOOD)
    out = tmp_path / "out"
    res = run_cli("compile", str(src), "-o", str(out), "--require-isolation")
    if res.returncode == 7:  # a machine without every isolation layer: refused, honestly
        assert "isolation" in res.stderr
        return
    assert res.returncode == 0, res.stderr
    manifest = json.loads(manifest_path(out, "mod").read_text())
    assert manifest["build"]["require_isolation"] is True
    assert manifest["build"]["sandbox"]["cpu_seconds"] == 60
    signed = [r for r in AuditLog().records() if r["details"].get("event") == "signed"]
    assert signed and signed[-1]["details"]["module"] == "mod"


def test_python_api_goes_through_the_gate(tmp_path: Path, monkeypatch) -> None:
    """The Python API (build_api) goes through the same gate: no licence, exit 6."""
    from pyvorin.build_api import BuildFailed, build_project

    (tmp_path / "pyproject.toml").write_text('[tool.pyvorin]\nmodules = ["mod"]\n')
    (tmp_path / "mod.py").write_text(GOOD)
    monkeypatch.setenv("PYVORIN_HOME", _unlicensed(tmp_path)["PYVORIN_HOME"])
    with pytest.raises(BuildFailed) as info:
        build_project(tmp_path, tmp_path / "out", actor="api-test")
    assert int(info.value.exit_code) == 6
    assert not any((tmp_path / "out").rglob("*.so"))
    refusals = [r for r in AuditLog().records() if r["type"] == "refusal"]
    assert refusals and refusals[-1]["actor"] == "api-test"
