"""Shared fixtures. Every test gets its own PYVORIN_HOME, so no test touches real state."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def pyvorin_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("pyvorin-home")
    monkeypatch.setenv("PYVORIN_HOME", str(home))
    for name in ("PYVORIN_PLUGINS", "PYVORIN_DISABLE_PLUGIN_AUTOLOAD", "PYVORIN_REQUIRE_ISOLATION"):
        monkeypatch.delenv(name, raising=False)
    return home
