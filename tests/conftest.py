"""Shared fixtures. Every test gets its own licensed PYVORIN_HOME; no test touches real state."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def licensed_home_template(tmp_path_factory: pytest.TempPathFactory):
    """A home with an activated licence from a real local licence server.

    The licence gate is a built-in stage, so every compile needs a licence, in tests as
    anywhere: one server runs for the session, one licence is activated once, and each
    test's home gets a copy of that licence state (same machine, same seat).
    """
    from pyvorin_server.local import LicenceServer, activate_into

    workdir = tmp_path_factory.mktemp("licence-server")
    with LicenceServer(workdir) as server:
        template = workdir / "home"
        activate_into(template, server, licensee="test suite", plan="enterprise", seats=1)
        yield template


@pytest.fixture(autouse=True)
def pyvorin_home(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    licensed_home_template: Path,
) -> Path:
    from pyvorin_server.local import copy_licence_state

    home = tmp_path_factory.mktemp("pyvorin-home")
    copy_licence_state(licensed_home_template, home)
    monkeypatch.setenv("PYVORIN_HOME", str(home))
    for name in ("PYVORIN_PLUGINS", "PYVORIN_DISABLE_PLUGIN_AUTOLOAD", "PYVORIN_REQUIRE_ISOLATION"):
        monkeypatch.delenv(name, raising=False)
    return home
