"""Users' e-mail addresses and names sealed at rest and found by a blind index (HMAC), on
SQLite and PostgreSQL: nothing of them in clear in the database, sign-in by any case of
the address, the index key wrapped by the KEK and stable across KEK rotation, a sealed
value unusable under another key id or in another column, accounts made before sealing
indexed at start and by maintenance, the sign-in throttle naming no address."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from sqlalchemy import select, text

from pyvorin_server import accounts, atrest
from pyvorin_server.app import create_app
from pyvorin_server.maintenance import run_maintenance
from pyvorin_server.models import LoginThrottle, User
from tests.server.accounts_support import migrated_url, server_config, session_factory
from tests.server.conftest import BACKENDS
from tests.server.console_support import PASSWORD, Browser, ConsoleServer, password_hash

OP = accounts.operator_principal("cli", "cli")


def raw_users(sessions) -> str:
    with sessions() as s:
        rows = s.execute(text("SELECT * FROM users")).all()
    return json.dumps([[str(v) for v in row] for row in rows])


@pytest.mark.parametrize("backend", BACKENDS)
def test_addresses_and_names_are_sealed_and_found_by_their_index(request, backend, tmp_path):
    url = migrated_url(request, backend, tmp_path)
    sessions = session_factory(url, tmp_path / "home")
    long_email = "l" * 64 + "@" + "d" * 60 + "." + "e" * 60 + "." + "x" * 60 + ".example"
    with sessions() as s, s.begin():
        org = accounts.create_org(s, OP, "Sealed Ltd")
        alice = accounts.create_user(
            s, OP, email="Alice.Secret@Example.COM", name="Alice Secretname", password_hash="x"
        )
        accounts.set_role(s, OP, org_id=org.id, user_id=alice.id, role="owner")
        long = accounts.create_user(s, OP, email=long_email, name="L", password_hash="x")
    assert len(long_email) > 250  # sealed, longer than the old varchar(320) column held
    dump = raw_users(sessions).lower()
    assert "alice" not in dump and "secretname" not in dump and "example" not in dump
    vault = atrest.installed()
    with sessions() as s:
        found = accounts.find_user(s, "  ALICE.secret@example.com ")
        assert found is not None and found.id == alice.id
        assert found.email == "alice.secret@example.com" and found.name == "Alice Secretname"
        assert accounts.find_user(s, long_email.upper()).id == long.id
        assert accounts.find_user(s, "alice.secret@example.org") is None
        index = s.execute(select(User.email_index).where(User.id == alice.id)).scalar_one()
        # a keyed index: not the plain hash anyone could compute from a guessed address
        plain = hashlib.sha256(b"alice.secret@example.com").hexdigest()
        assert len(index) == 64 and index != plain
        assert index == vault.blind_index("alice.secret@example.com", "users.email")
        assert index != vault.blind_index("alice.secret@example.com", "login_throttle")
        # members are listed in address order although the database cannot sort them
        assert [u.email for u, _ in accounts.members(s, org.id)] == ["alice.secret@example.com"]
    with sessions() as s, s.begin(), pytest.raises(accounts.ApiError, match="exists"):
        accounts.create_user(s, OP, email="ALICE.SECRET@example.com", name="", password_hash="x")
    # the same index after the keys are loaded again and after a KEK rotation
    engine = sessions.kw["bind"]
    provider = atrest.FileKek(tmp_path / "home" / "kek")
    provider.generate()
    again = atrest.Vault(engine, provider).load()
    assert atrest.INDEX_KEY_ID in again.rewrap()
    assert again.blind_index("alice.secret@example.com", "users.email") == index
    engine.dispose()


def test_a_sealed_address_moved_or_swapped_is_refused(tmp_path):
    url = migrated_url(None, "sqlite", tmp_path)
    sessions = session_factory(url, tmp_path / "home")
    with sessions() as s, s.begin():
        b = accounts.create_user(s, OP, email="b@example.com", name="Bert", password_hash="x")
    with sessions() as s:
        email, name = s.execute(
            text("SELECT email, name FROM users WHERE id = :i"), {"i": b.id}
        ).one()
    vault = atrest.installed()
    assert vault.open(email, "users.email") == b"b@example.com"
    # a name copied into the e-mail column does not open there
    with pytest.raises(atrest.TamperedCiphertext, match=r"users\.email"):
        vault.open(name, "users.email")
    # a value claiming the blind-index key as its data key is refused, not opened with it
    _, _, body = email.split(".")
    with pytest.raises(atrest.TamperedCiphertext, match="unknown data key"):
        vault.open(f"pve1.{atrest.INDEX_KEY_ID}.{body}", "users.email")
    sessions.kw["bind"].dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_accounts_made_before_sealing_are_indexed_at_start(request, backend, tmp_path):
    """An account row as the previous schema left it (address and name in clear, no
    index): the server seals and indexes it when it starts, and its owner signs in."""
    url = migrated_url(request, backend, tmp_path)
    home = tmp_path / "home"
    sessions = session_factory(url, home)
    with sessions() as s, s.begin():
        org = accounts.create_org(s, OP, "Legacy Ltd")
        uid = "usr_" + uuid.uuid4().hex[:16]
        s.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, created_at, disabled) "
                "VALUES (:i, 'old.timer@example.com', 'Old Timer', :h, 1, :f)"
            ),
            {"i": uid, "h": password_hash(), "f": False},
        )
        s.execute(
            text(
                "INSERT INTO memberships (user_id, org_id, role, granted_at, granted_by) "
                "VALUES (:u, :o, 'owner', 1, 'cli')"
            ),
            {"u": uid, "o": org.id},
        )
    assert "old.timer@example.com" in raw_users(sessions)
    with sessions() as s:
        assert accounts.find_user(s, "old.timer@example.com") is None  # not indexed yet
    with ConsoleServer(url, home) as srv:
        assert "old.timer" not in raw_users(sessions) and "Old Timer" not in raw_users(sessions)
        browser = Browser(srv.url)
        assert browser.sign_in("Old.Timer@example.com", PASSWORD).status_code == 303
        assert "Old Timer" in browser.get("/console/account").text
    # maintenance does it too (and finds nothing left to do here)
    assert run_maintenance(sessions.kw["bind"], server_config(url, home))["indexed_accounts"] == 0
    sessions.kw["bind"].dispose()


def test_maintenance_indexes_legacy_accounts_and_the_throttle_names_no_address(tmp_path):
    url = migrated_url(None, "sqlite", tmp_path)
    home = tmp_path / "home"
    config = server_config(url, home)
    app = create_app(config)  # installs the vault of this home
    sessions = session_factory(url)
    with sessions() as s, s.begin():
        s.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, created_at, disabled) "
                "VALUES ('usr_legacy', 'late@example.com', 'Late', 'x', 1, 0)"
            )
        )
    counts = run_maintenance(app.state.engine, config)
    assert counts["indexed_accounts"] == 1
    assert "late@example.com" not in raw_users(sessions)
    with sessions() as s, s.begin():
        assert accounts.find_user(s, "LATE@example.com").id == "usr_legacy"
        from pyvorin_server import auth

        policy = auth.LoginPolicy(max_failures=5, window_seconds=900, lockout_seconds=900)
        outcome = auth.login(s, "late@example.com", "wrong password!", 100, policy)
        assert outcome.error is not None and outcome.error.status == 401
    with sessions() as s:
        [key] = s.execute(select(LoginThrottle.key_hash)).scalars()
    old_style = hashlib.sha256(b"pyvorin-login\0late@example.com").hexdigest()
    assert key != old_style and key == auth.address_key("Late@Example.com")
    app.state.engine.dispose()
    sessions.kw["bind"].dispose()
