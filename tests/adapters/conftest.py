"""Fixtures for the adapter tests: real builds of the example project, made once.

Every build runs the real host tool in a subprocess (``python -m build``, ``hatch
build``, ``pip install``) without network access to build requirements: setuptools builds
use ``--no-isolation`` (this environment has the adapters installed) and hatch is pointed
at this environment as its build environment. All subprocesses share one session
``PYVORIN_HOME``, so the key that signs a wheel is the one the verification trusts.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO

EXAMPLE = REPO / "examples" / "numkit"
BIN = Path(sys.executable).parent


def require_tools() -> None:
    """The adapters and host tools must be installed: a missing one fails the test."""
    missing = [
        name
        for name in ("pyvorin_setuptools", "hatch_pyvorin", "pytest_pyvorin", "build", "editables")
        if importlib.util.find_spec(name) is None
    ]
    if not (BIN / "hatch").exists():
        missing.append("hatch (command)")
    if missing:
        pytest.fail(
            "not installed in this environment: "
            + ", ".join(missing)
            + " (python -m pip install -r requirements-dev.txt)"
        )


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory, request) -> Path:
    from .installed import prepare_home

    return prepare_home(request, tmp_path_factory.mktemp("adapters-home"))


@pytest.fixture(scope="session")
def release_home(tmp_path_factory: pytest.TempPathFactory, production_home_template) -> Path:
    """A session home with the production licence a ``--release`` build needs (the
    suite's ordinary homes hold a development licence; see tests/conftest.py)."""
    from tests.licensing.support import copy_licence_state

    home = tmp_path_factory.mktemp("adapters-release-home")
    copy_licence_state(production_home_template, home)
    return home


def tool_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYVORIN_HOME"] = str(home)
    env["PIP_NO_INDEX"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    for name in ("PYVORIN_PLUGINS", "PYVORIN_DISABLE_PLUGIN_AUTOLOAD"):
        env.pop(name, None)
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600):
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def copy_example(dest: Path, backend: str = "setuptools") -> Path:
    """A copy of examples/numkit configured for ``backend`` (setuptools or hatch)."""
    project = dest / f"numkit-{backend}"
    shutil.copytree(
        EXAMPLE,
        project,
        ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__"),
    )
    if backend == "hatch":
        text = (project / "pyproject-hatch.toml").read_text()
        # Build in this environment (it has hatchling and hatch-pyvorin): offline.
        text += f'\n[tool.hatch.envs.hatch-build]\npath = "{sys.prefix}"\n'
        (project / "pyproject.toml").write_text(text)
    return project


def build_setuptools(project: Path, home: Path, *extra: str):
    return run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", *extra, "."],
        project,
        tool_env(home),
    )


def build_hatch(project: Path, home: Path):
    return run([BIN / "hatch", "build", "-t", "wheel"], project, tool_env(home))


def the_wheel(project: Path) -> Path:
    wheels = sorted((project / "dist").glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _built_once(factory: pytest.TempPathFactory, home: Path, backend: str) -> Path:
    require_tools()
    project = copy_example(factory.mktemp(backend), backend)
    built = (build_hatch if backend == "hatch" else build_setuptools)(project, home)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return the_wheel(project)


@pytest.fixture(scope="session")
def setuptools_wheel(tmp_path_factory: pytest.TempPathFactory, session_home: Path) -> Path:
    return _built_once(tmp_path_factory, session_home, "setuptools")


@pytest.fixture(scope="session")
def hatch_wheel(tmp_path_factory: pytest.TempPathFactory, session_home: Path) -> Path:
    return _built_once(tmp_path_factory, session_home, "hatch")
