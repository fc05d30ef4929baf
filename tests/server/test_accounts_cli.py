"""`pyvorin-server org` and `user` commands (real subprocesses), then signing in with the
account they made."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import select

from pyvorin_server import accounts
from pyvorin_server.models import Membership, User
from tests.server.accounts_support import session_factory
from tests.server.console_support import Browser, ConsoleServer
from tests.server.test_operations import server_cli


@pytest.mark.slow
def test_org_and_user_commands_make_a_working_account(tmp_path):
    home = tmp_path / "srv"
    assert server_cli(home, "init").returncode == 0
    org = server_cli(home, "org", "create", "ACME Ltd")
    assert org.returncode == 0, org.stderr
    org_id = org.stdout.strip()
    assert org_id.startswith("org_")
    listed = server_cli(home, "org", "list")
    assert f"{org_id}\tcustomer\tACME Ltd" in listed.stdout
    assert "org_operator\toperator\tOperators" in listed.stdout

    def create(*args: str, password: str = "a long enough password"):
        env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("PYVORIN_")}
        env["PYVORIN_SERVER_HOME"] = str(home)
        return subprocess.run(
            [sys.executable, "-m", "pyvorin_server", "user", "create", *args, "--password-stdin"],
            input=password + "\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    made = create("Alice@ACME.example", "--org", org_id, "--role", "owner")
    assert made.returncode == 0, made.stderr
    assert "a long enough password" not in made.stdout + made.stderr
    short = create("bob@acme.example", "--org", org_id, "--role", "viewer", password="short")
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    twice = create("alice@acme.example", "--operator")
    assert twice.returncode == 1 and "exists" in twice.stderr
    both = create("carol@acme.example", "--operator", "--org", org_id, "--role", "viewer")
    assert both.returncode == 2 and "either --org ORG --role ROLE, or --operator" in both.stderr
    nowhere = create("dan@acme.example", "--org", "org_missing", "--role", "viewer")
    assert nowhere.returncode == 1 and "no organisation 'org_missing'" in nowhere.stderr
    url = f"sqlite:///{home / 'pyvorin-server.db'}"
    sessions = session_factory(url, home)
    with sessions() as s:
        user = accounts.find_user(s, "ALICE@acme.example")
        assert user.password_hash.startswith("$argon2id$")
        [member] = s.execute(select(Membership).where(Membership.user_id == user.id)).scalars()
        assert (member.org_id, member.role) == (org_id, "owner")
        # nothing half-made by the refused commands
        emails = set(s.execute(select(User.email)).scalars())
        assert emails == {"alice@acme.example"}
    sessions.kw["bind"].dispose()
    with ConsoleServer(url, home, login_max_failures=2) as srv:
        browser = Browser(srv.url)
        assert browser.sign_in("alice@acme.example", "a long enough password").status_code == 303
        assert "ACME Ltd" in browser.get("/console/members").text
        for _ in range(2):  # lock the address
            Browser(srv.url).sign_in("alice@acme.example", "guess guess guess")
        assert Browser(srv.url).sign_in("alice@acme.example").status_code == 429
        reset = server_cli_input(
            home,
            "new password for alice",
            "user",
            "password",
            "ALICE@acme.example",
            "--password-stdin",
        )
        assert reset.returncode == 0, reset.stderr
        assert browser.get("/console/members").status_code == 303  # her sessions ended
        again = Browser(srv.url)
        assert again.sign_in("alice@acme.example", "new password for alice").status_code == 303
        off = server_cli(home, "user", "disable", "alice@acme.example")
        assert off.returncode == 0 and "disabled" in off.stdout
        assert again.get("/console/members").status_code == 303
        refused = Browser(srv.url).sign_in("alice@acme.example", "new password for alice")
        assert refused.status_code == 401  # the same answer as a wrong password
        assert server_cli(home, "user", "disable", "alice@acme.example", "--enable").returncode == 0
        assert (
            Browser(srv.url).sign_in("alice@acme.example", "new password for alice").status_code
            == 303
        )
        missing = server_cli(home, "user", "disable", "nobody@acme.example")
        assert missing.returncode == 1 and "no user 'nobody@acme.example'" in missing.stderr


def server_cli_input(home, stdin: str, *args: str):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYVORIN_")}
    env["PYVORIN_SERVER_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "pyvorin_server", *args],
        input=stdin + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
