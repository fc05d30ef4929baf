"""Shared fixtures. Every test gets its own licensed PYVORIN_HOME; no test touches real state.

Two kinds of licence (docs/licensing.md, "Production and development issuers"):

* every test's home holds a **development** licence: the session's local licence server
  is trusted the way a user trusts one (``trust-issuer``, the user's store), so builds are
  marked ``licence.mode: development`` and ``--release`` refuses them, as for any user;
* a test that builds with ``--release`` asks for ``production_licence``: a licence from a
  second local server whose issuer key is a **production** issuer because this session
  ships it with the installation under test, exactly as a distributor ships theirs: the
  public key is copied into the package's ``pyvorin/licensing/issuers/`` directory of the
  editable install (``pytest-<pid>-<kid>.pem``, ignored by git) and removed when the
  session ends. Nothing else makes a key production (no environment variable, no user
  setting), so the tests exercise the real production path. Each xdist worker ships its
  own key under its own file name; a file left by a killed session (its pid gone) is
  removed by the next one. While a session runs, other processes of the same checkout
  trust that key too: only this session holds its private key.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # PYVORIN_TEST_CPU=FILE: CPU seconds per test into FILE (tests/cputime.py)
    cpu_file = os.environ.get("PYVORIN_TEST_CPU")
    if cpu_file:
        from tests.cputime import CpuTimer

        config.pluginmanager.register(CpuTimer(Path(cpu_file).resolve()), "pyvorin-cputime")


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    # -n auto: two workers per core for the fast part (-m "not slow"), tests/schedule.py
    from tests.schedule import auto_workers

    return auto_workers(config.option.markexpr or "", os.environ)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # under xdist's worksteal: the long (slow) modules first in the workers' slices
    from tests.schedule import order, workers

    count = workers(config)
    if count:
        items[:] = order(items, count)


@pytest.fixture(scope="session")
def licensed_home_template(tmp_path_factory: pytest.TempPathFactory):
    """A home with an activated development licence from a real local licence server.

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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ship_issuer_key(pub: Path) -> Path:
    """Ship the issuer public key ``pub`` with the installation under test (a production
    issuer) until the returned file is removed; clear files of sessions that died."""
    from pyvorin.licensing.tokens import key_id, load_public_key
    from pyvorin.licensing.trust import package_issuers_dir

    directory = package_issuers_dir()
    directory.mkdir(exist_ok=True)
    for stale in directory.glob("pytest-*-*.pem"):
        pid = stale.name.split("-")[1]
        if pid.isdigit() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)
    kid = key_id(load_public_key(pub.read_bytes(), str(pub)))
    target = directory / f"pytest-{os.getpid()}-{kid}.pem"
    shutil.copyfile(pub, target)
    return target


@pytest.fixture(scope="session")
def production_home_template(tmp_path_factory: pytest.TempPathFactory):
    """A home with an activated production licence (see the module docstring)."""
    from pyvorin_server.local import LicenceServer, activate_into

    workdir = tmp_path_factory.mktemp("production-licence-server")
    with LicenceServer(workdir) as server:
        shipped = ship_issuer_key(server.issuer_pub)
        try:
            template = workdir / "home"
            activate_into(
                template, server, licensee="test suite (production)", plan="enterprise", seats=1
            )
            yield template
        finally:
            shipped.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def build_cache_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A home whose build cache holds the C runtime's objects (tests/buildcache.py)."""
    from tests.buildcache import warm_cache_home

    return warm_cache_home(tmp_path_factory.mktemp("build-cache") / "home")


@pytest.fixture(autouse=True)
def pyvorin_home(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    licensed_home_template: Path,
    build_cache_template: Path | None,
) -> Path:
    """This test's own home: the session's licence, and its C runtime objects already in
    the build cache as on any installation that has built before (tests/buildcache.py)."""
    from pyvorin_server.local import copy_licence_state
    from tests.buildcache import seed_home

    home = tmp_path_factory.mktemp("pyvorin-home")
    copy_licence_state(licensed_home_template, home)
    seed_home(build_cache_template, home)
    monkeypatch.setenv("PYVORIN_HOME", str(home))
    for name in ("PYVORIN_PLUGINS", "PYVORIN_DISABLE_PLUGIN_AUTOLOAD", "PYVORIN_REQUIRE_ISOLATION"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def production_licence(pyvorin_home: Path, production_home_template: Path) -> Path:
    """This test's home with the production licence in place of the development one (for
    ``--release`` builds). Returns the home."""
    from pyvorin_server.local import copy_licence_state

    shutil.rmtree(pyvorin_home / "licence", ignore_errors=True)
    copy_licence_state(production_home_template, pyvorin_home)
    return pyvorin_home
