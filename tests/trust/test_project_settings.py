"""Finding 4: the project being built does not control security settings.

A cloned repository's pyproject.toml used to choose the licence server (this machine's
activation secret went there), widen the plugin allow-list and the sandbox's readable
paths, and weaken verification. Each is now refused from the project with exit 2 and a
message naming the key and where it may be set, or needs the user's explicit opt-in.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pyvorin.config import load_settings
from pyvorin.errors import ConfigError
from pyvorin.options import BuildOptions
from tests.helpers import run_cli

GOOD = '''\
def add(a: int, b: int) -> int:
    """
    >>> add(2, 3)
    5
    """
    return a + b
'''


def _project(root: Path, table: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f'[tool.pyvorin]\nmodules = ["mod"]\n{table}\n')
    (root / "mod.py").write_text(GOOD)
    return root


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[tool.pyvorin.licence]\nserver = "http://attacker.example:8080"', "licence.server"),
        ('plugins = ["evil"]', "plugins"),
        ('[tool.pyvorin.sandbox]\nreadable-paths = ["/"]', "sandbox.readable-paths"),
        ("allow-project-weakening = true", "allow-project-weakening"),
    ],
)
def test_security_keys_are_refused_from_the_project(tmp_path: Path, table: str, key: str) -> None:
    root = _project(tmp_path / "cloned", table)
    res = run_cli("build", str(root))
    assert res.returncode == 2, res.stdout + res.stderr
    assert f"tool.pyvorin.{key}: may not be set by the project being built" in res.stderr
    assert str(Path(os.environ["PYVORIN_HOME"]) / "config.toml") in res.stderr
    assert not (root / "build").exists(), "nothing is compiled or written"


def test_licence_server_from_the_project_never_sees_a_request(tmp_path: Path) -> None:
    """The attacker's server (a real socket) receives nothing: the build stops first."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    root = _project(tmp_path / "p", f'[tool.pyvorin.licence]\nserver = "http://127.0.0.1:{port}"')
    res = run_cli("build", str(root))
    assert res.returncode == 2
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


def test_user_configuration_may_set_them(tmp_path: Path) -> None:
    home = Path(os.environ["PYVORIN_HOME"])
    (home / "config.toml").write_text('[sandbox]\nreadable-paths = ["/opt"]\n')
    settings = load_settings(_project(tmp_path / "p", ""))
    assert settings["sandbox.readable-paths"] == ["/opt"]
    assert settings.origins["sandbox.readable-paths"] == str(home / "config.toml")


def test_weakening_verification_needs_the_users_opt_in_and_release_refuses_it(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path / "p", "[tool.pyvorin.verify]\nmin-inputs = 3")
    with pytest.raises(ConfigError) as info:
        load_settings(root, env={"PYVORIN_HOME": os.environ["PYVORIN_HOME"]})
    assert "tool.pyvorin.verify.min-inputs: 3 weakens verification" in str(info.value)
    assert "PYVORIN_ALLOW_PROJECT_WEAKENING=1" in str(info.value)
    env = {"PYVORIN_HOME": os.environ["PYVORIN_HOME"], "PYVORIN_ALLOW_PROJECT_WEAKENING": "1"}
    settings = load_settings(root, env=env)
    assert settings["verify.min-inputs"] == 3 and settings.weakenings
    with pytest.raises(ConfigError) as info:
        BuildOptions.resolve(settings, command="build", release=True, env=env)
    assert "--release refuses" in str(info.value) and "min-inputs = 3" in str(info.value)
    # raising min-inputs is not a weakening: allowed from the project, no opt-in
    stricter = _project(tmp_path / "q", "[tool.pyvorin.verify]\nmin-inputs = 500")
    assert load_settings(stricter, env={})["verify.min-inputs"] == 500


def test_admin_configuration_wins_and_must_be_root_owned(tmp_path: Path) -> None:
    admin = tmp_path / "etc-pyvorin.toml"
    admin.write_text("[sandbox]\nrequire-isolation = true\n")
    admin.chmod(0o644)
    root = _project(tmp_path / "p", "[tool.pyvorin.sandbox]\nrequire-isolation = false")
    env = {"PYVORIN_REQUIRE_ISOLATION": "0", "PYVORIN_HOME": os.environ["PYVORIN_HOME"]}
    if os.geteuid() == 0:
        settings = load_settings(root, env=env, admin_path=admin)
        assert settings["sandbox.require-isolation"] is True
        assert settings.origins["sandbox.require-isolation"] == str(admin)
        admin.chmod(0o666)
    with pytest.raises(ConfigError) as info:
        load_settings(root, env=env, admin_path=admin)
    assert "must be owned by root and not writable by group or others" in str(info.value)
