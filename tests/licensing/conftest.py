"""A real licence server (SQLite) shared by the licensing tests of a session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.licensing.support import LicenceServer


@pytest.fixture(scope="session")
def licence_server(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("licensing-server")
    env = {
        "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE_PER_IP": "100000",
        "PYVORIN_SERVER_AUTH_FAILURES_PER_MINUTE_PER_IP": "100000",
    }
    with LicenceServer(workdir, env=env) as server:
        yield server


@pytest.fixture(autouse=True)
def no_inherited_licence(pyvorin_home: Path) -> None:
    """These tests manage licence state themselves: start from a home without any (even
    if a suite-wide fixture activated a licence into every test's home)."""
    shutil.rmtree(pyvorin_home / "licence", ignore_errors=True)
