"""Server operations: init, migrations (both backends), CLI issue/revoke, bad settings."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect

from pyvorin_server.config import normalise_db_url
from pyvorin_server.db import current_revision, downgrade, head_revision, migrate
from tests.licensing.support import LicenceServer
from tests.server.conftest import BACKENDS, database_for


def server_cli(home, *args, env=None):
    full = {k: v for k, v in os.environ.items() if not k.startswith("PYVORIN_")}
    full["PYVORIN_SERVER_HOME"] = str(home)
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pyvorin_server", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_upgrade_and_downgrade(request, backend, tmp_path):
    url = database_for(request, backend, "pyvorin_migrations") or f"sqlite:///{tmp_path}/m.db"
    url = normalise_db_url(url)
    migrate(url)
    assert current_revision(url) == head_revision()
    engine = create_engine(url)
    try:
        names = set(inspect(engine).get_table_names())
        assert {"licences", "activations", "usage_events", "alembic_version"} <= names
        indexes = {i["name"] for i in inspect(engine).get_indexes("activations")}
        assert "uq_active_fingerprint" in indexes
    finally:
        engine.dispose()
    downgrade(url, "base")
    assert current_revision(url) is None
    migrate(url)  # and back up again
    assert current_revision(url) == head_revision()


def test_init_creates_private_key_and_token(tmp_path):
    home = tmp_path / "srv"
    result = server_cli(home, "init")
    assert result.returncode == 0, result.stderr
    for name in ("issuer.key", "admin-token", "admin-token.hash"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    token = (home / "admin-token").read_text().strip()
    assert token in result.stdout  # shown once, to the operator
    assert token not in (home / "admin-token.hash").read_text()
    again = server_cli(home, "init")
    assert again.returncode == 0 and token not in again.stdout  # not shown again
    migrated = server_cli(home, "migrate")
    assert migrated.returncode == 0 and f"at revision {head_revision()}" in migrated.stdout


def test_cli_issue_show_revoke(tmp_path):
    home = tmp_path / "srv"
    issued = server_cli(home, "issue", "--licensee", "Ops Ltd", "--seats", "3", "--plan", "trial")
    assert issued.returncode == 0, issued.stderr
    key = issued.stdout.strip()
    assert key.startswith("PVL1.")
    lid = issued.stderr.split()[1]
    shown = server_cli(home, "show", lid)
    assert shown.returncode == 0 and '"seats": 3' in shown.stdout and '"limit": 100' in shown.stdout
    revoked = server_cli(home, "revoke", lid, "--reason", "test")
    assert revoked.returncode == 0 and '"revoked": true' in revoked.stdout
    unknown = server_cli(home, "revoke", "lic_nope")
    assert unknown.returncode == 1 and "no licence 'lic_nope'" in unknown.stderr
    bad_plan = server_cli(home, "issue", "--licensee", "X", "--plan", "gold")
    assert bad_plan.returncode == 1 and "unknown plan 'gold'" in bad_plan.stderr
    key_file = tmp_path / "k.txt"
    to_file = server_cli(home, "issue", "--licensee", "Y", "--key-file", str(key_file))
    assert to_file.returncode == 0 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "PVL1." not in to_file.stdout


def test_commands_on_an_empty_database_say_what_to_do(tmp_path):
    missing = server_cli(tmp_path / "missing", "show", "lic_x")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "cannot connect" in missing.stderr and "PYVORIN_DATABASE_URL" in missing.stderr
    (tmp_path / "empty").mkdir()
    result = server_cli(tmp_path / "empty", "show", "lic_x")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "has no schema; run `pyvorin-server init`" in result.stderr


def test_run_works_with_no_setup(tmp_path):
    with LicenceServer(tmp_path) as server:  # init + run on a fresh SQLite file
        lid, key = server.issue(seats=1)
        assert key.startswith("PVL1.") and server.status(lid)["seats"] == 1
    assert (tmp_path / "server-home" / "pyvorin-server.db").is_file()


def test_bad_database_url_is_a_clear_error(tmp_path):
    home = tmp_path / "srv"
    url = "postgresql://nobody:secret@127.0.0.1:1/none"
    result = server_cli(home, "init", env={"PYVORIN_DATABASE_URL": url})
    assert result.returncode == 1
    assert "cannot migrate" in result.stderr and "PYVORIN_DATABASE_URL" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.stderr
    bad_limit = server_cli(home, "init", env={"PYVORIN_SERVER_LEASE_HOURS": "0"})
    assert bad_limit.returncode == 1 and "PYVORIN_SERVER_LEASE_HOURS" in bad_limit.stderr
