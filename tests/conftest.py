"""Shared fixtures. Every test gets its own PYVORIN_HOME, so no test touches real state."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def pyvorin_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("pyvorin-home")
    monkeypatch.setenv("PYVORIN_HOME", str(home))
    for name in ("PYVORIN_PLUGINS", "PYVORIN_DISABLE_PLUGIN_AUTOLOAD", "PYVORIN_REQUIRE_ISOLATION"):
        monkeypatch.delenv(name, raising=False)
    return home


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, **kw):
    """Run the real ``pyvorin`` command in a subprocess (same interpreter)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pyvorin", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=kw.pop("timeout", 300),
        **kw,
    )
