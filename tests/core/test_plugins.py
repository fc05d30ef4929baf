"""Plugins: entry-point discovery, the allow-list, and a third-party stage replacing a built-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyvorin.config import load_settings
from pyvorin.errors import ConfigError
from pyvorin.pipeline import make_context, run
from pyvorin.plugins import build_plugin_manager
from pyvorin.project import spec_for_file
from tests.helpers import install_fake_distribution, run_cli

ECHO_PLUGIN = '''
"""A third-party backend: "compiles" by copying the source, and signs with a marker."""
import shutil
from pyvorin.hookspecs import hookimpl
from pyvorin.model import CompileResult, SignResult
from pyvorin.diagnostics import Diagnostic

@hookimpl
def pyvorin_backend_names():
    return ["echo"]

@hookimpl
def pyvorin_check(ctx, module, backend):
    if backend != "echo":
        return None
    text = module.path.read_text()
    return [Diagnostic(str(module.path), 1, 1, "PV999", "echo refuses 'forbidden'")] \\
        if "forbidden" in text else []

@hookimpl
def pyvorin_compile(ctx, module, backend, workdir):
    if backend != "echo":
        return None
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    target = ctx.out_dir / (module.name + ".py")
    shutil.copyfile(module.path, target)
    return CompileResult(module=module, backend="echo", artifact=target, facts={"echo": True})

@hookimpl
def pyvorin_sign(ctx, module, compiled, verification):
    marker = ctx.out_dir / (module.name + ".echo-signed")
    marker.write_text("signed by echo")
    return SignResult(manifest_path=marker, key_ids=["echo"])
'''

BROKEN_PLUGIN = """
from pyvorin.hookspecs import hookimpl

@hookimpl
def pyvorin_compil(ctx, module, backend, workdir):  # misspelled hook name
    return None
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "pyvorin-echo", "pyvorin_echo", ECHO_PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))
    return site


def test_installed_plugin_is_skipped_unless_allowed(site: Path) -> None:
    proc = run_cli("plugins", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    infos = {i["name"]: i for i in json.loads(proc.stdout)}
    echo = infos["pyvorin-echo"]
    assert echo["status"] == "skipped"
    assert echo["distribution"] == "pyvorin-echo" and echo["version"] == "1.2.3"
    assert "allow-list" in echo["reason"]
    assert infos["pyvorin.audit"]["status"] == "loaded"
    assert infos["pyvorin.audit"]["origin"] == "builtin"


def test_allowed_plugin_is_loaded_and_listed_with_its_hooks(site: Path) -> None:
    proc = run_cli("plugins", env={"PYVORIN_PLUGINS": "pyvorin-echo"})
    assert proc.returncode == 0, proc.stderr
    line = next(line for line in proc.stdout.splitlines() if "pyvorin-echo" in line)
    assert line.startswith("loaded")
    assert "pyvorin-echo 1.2.3" in line
    assert "pyvorin_compile" in line and "pyvorin_sign" in line


def test_autoload_can_be_disabled(site: Path) -> None:
    proc = run_cli(
        "plugins",
        "--format",
        "json",
        env={"PYVORIN_PLUGINS": "pyvorin-echo", "PYVORIN_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    echo = next(i for i in json.loads(proc.stdout) if i["name"] == "pyvorin-echo")
    assert echo["status"] == "skipped"
    assert "PYVORIN_DISABLE_PLUGIN_AUTOLOAD" in echo["reason"]


def test_allow_listed_plugin_that_is_not_installed_is_an_error(
    tmp_path: Path, pyvorin_home: Path
) -> None:
    (pyvorin_home / "config.toml").write_text('plugins = ["nope"]\n')
    proc = run_cli("plugins", "--project", str(tmp_path))
    assert proc.returncode == 2
    assert "'nope' not installed" in proc.stderr


def test_misspelled_hook_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "pyvorin-broken", "pyvorin_broken", BROKEN_PLUGIN)
    proc = run_cli("plugins", env={"PYTHONPATH": str(site), "PYVORIN_PLUGINS": "pyvorin-broken"})
    assert proc.returncode == 2
    assert "pyvorin_compil" in proc.stderr and "does not exist" in proc.stderr


def test_third_party_backend_and_signer_are_used_by_the_pipeline(
    site: Path, tmp_path: Path
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.pyvorin]\nbackend = "echo"\n')
    source = project / "kernels.py"
    source.write_text("def f(x: int) -> int:\n    return x + 1\n")
    settings = load_settings(project, env={"PYVORIN_PLUGINS": "pyvorin-echo"})
    out = tmp_path / "out"
    ctx = make_context(settings, out)
    result = run(ctx, [spec_for_file(source)])
    assert result.exit_code == 0
    module = result.modules[0]
    assert module.compiled.backend == "echo"
    assert (out / "kernels.py").read_text() == source.read_text()
    assert module.signed.key_ids == ["echo"]
    assert [(o.stage, o.status) for o in module.stages] == [
        ("check", "ok"),
        ("compile", "ok"),
        *[(o.stage, o.status) for o in module.stages if o.stage == "verify"],
        ("sign", "ok"),
    ]
    assert "sign" in module.stages_run


def test_unknown_backend_is_a_configuration_error(site: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.pyvorin]\nbackend = "nosuch"\n')
    source = tmp_path / "m.py"
    source.write_text("")
    settings = load_settings(tmp_path, env={"PYVORIN_PLUGINS": "pyvorin-echo"})
    result = run(make_context(settings, tmp_path / "out"), [spec_for_file(source)])
    assert result.exit_code == 2
    detail = result.modules[0].stages[0].detail
    assert "no installed plugin provides the backend 'nosuch'" in detail
    assert "echo" in detail


def test_build_plugin_manager_reports_builtins() -> None:
    pm, infos = build_plugin_manager([], env={})
    names = [i.name for i in infos if i.origin == "builtin"]
    assert "pyvorin.audit" in names
    assert pm.hook.pyvorin_audit_event.get_hookimpls()


def test_allow_list_entry_without_distribution_raises() -> None:
    with pytest.raises(ConfigError, match="not installed"):
        build_plugin_manager(["ghost"], env={})
