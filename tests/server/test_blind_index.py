"""Users' e-mail addresses and names sealed at rest and found by a blind index (HMAC), on
SQLite and PostgreSQL: nothing of them in clear in the database, sign-in by any case of
the address, the index key wrapped by the KEK and stable across KEK rotation, a sealed
value unusable under another key id or in another column, accounts made before sealing
indexed at start and by maintenance, the sign-in throttle naming no address.

The audit trail likewise: subject, before and after sealed (nothing of them in clear in
the table), events found by subject through a blind index (the deletion path), a tampered
or moved value refused, events written before the migration sealed at the next start and
by maintenance, the console and the export showing them in clear."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

import pytest
from sqlalchemy import select, text

from pyvorin_server import accounts, atrest
from pyvorin_server.app import create_app
from pyvorin_server.config import normalise_db_url
from pyvorin_server.db import make_engine, migrate
from pyvorin_server.maintenance import run_maintenance
from pyvorin_server.models import AuditEvent, LoginThrottle, User
from tests.server.accounts_support import migrated_url, server_config, session_factory
from tests.server.conftest import BACKENDS, database_for
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


# -- the audit trail: subject, before and after sealed, subjects found by a blind index ----
def raw_audit(sessions) -> list[dict]:
    """The audit_events rows as the database holds them (plain SQL, no column type)."""
    with sessions() as s:
        rows = s.execute(
            text("SELECT id, subject, subject_index, before, after FROM audit_events")
        ).all()
    return [dict(row._mapping) for row in rows]


def flip(sealed: str) -> str:
    prefix, dek, body = sealed.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-5] ^= 0x01
    return f"{prefix}.{dek}.{base64.urlsafe_b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_audit_trail_is_sealed_and_found_by_its_subject_index(request, backend, tmp_path):
    url = migrated_url(request, backend, tmp_path)
    home = tmp_path / "home"
    sessions = session_factory(url, home)
    with sessions() as s, s.begin():
        org = accounts.create_org(s, OP, "Audited GmbH")
        carol = accounts.create_user(
            s, OP, email="Carol.Auditee@Example.net", name="Carol", password_hash="x"
        )
        accounts.set_role(s, OP, org_id=org.id, user_id=carol.id, role="owner")
    rows = raw_audit(sessions)
    assert len(rows) == 3  # org.created, user.created, role.granted
    dump = json.dumps(rows).lower()
    assert "carol" not in dump and "auditee" not in dump and "example.net" not in dump
    assert "owner" not in dump and "audited gmbh" not in dump  # before/after sealed too
    vault = atrest.installed()
    for row in rows:
        assert row["subject"].startswith("pve1.")
        assert carol.id not in row["subject"] and org.id not in row["subject"]
        assert row["after"].startswith("pve1.") and row["before"] is None
        subject = vault.open(row["subject"], "audit_events.subject").decode()
        assert row["subject_index"] == vault.blind_index(subject, "audit_events.subject")
        assert row["subject_index"] != vault.blind_index(subject, "users.email")
    with sessions() as s:  # read back in clear
        trail = [(e.action, e.subject, e.after) for e in reversed(accounts.audit_trail(s, None))]
        assert trail == [
            ("org.created", org.id, '{"name":"Audited GmbH"}'),
            ("user.created", carol.id, '{"email":"carol.auditee@example.net"}'),
            ("role.granted", "carol.auditee@example.net", '{"role":"owner","version":0}'),
        ]  # version 0: no role definitions are stored in this bare database
        found = s.execute(
            select(AuditEvent.action).where(accounts.subject_is("carol.auditee@example.net"))
        ).scalars()
        assert list(found) == ["role.granted"]
        # the sealed column cannot be compared in SQL: a plain comparison finds nothing
        plain = select(AuditEvent).where(AuditEvent.subject == carol.id)
        assert s.execute(plain).first() is None
    # deletion by subject: the organisation's deletion removes the server-level
    # "user.created" event of its only-here member (found by the index)
    with sessions() as s, s.begin():
        keep = accounts.create_user(s, OP, email="keep@example.net", name="K", password_hash="x")
        accounts.delete_org(s, OP, org.id)
    with sessions() as s:
        left = [(e.action, e.subject) for e in reversed(accounts.audit_trail(s, None))]
    assert left == [("user.created", keep.id), ("org.deleted", org.id)]
    assert "carol" not in json.dumps(raw_audit(sessions)).lower()
    sessions.kw["bind"].dispose()


def test_a_tampered_or_moved_audit_value_is_refused(tmp_path):
    url = migrated_url(None, "sqlite", tmp_path)
    home = tmp_path / "home"
    with ConsoleServer(url, home) as srv:
        org = srv.org("Tamper Ltd")
        owner = srv.user(org, "owner", "tamper.owner@example.com")
        browser = Browser(srv.url)
        assert browser.sign_in(owner).status_code == 303
        page = browser.get("/console/audit")
        assert page.status_code == 200 and owner in page.text
        with srv.sessions() as s, s.begin():
            event_id, subject, after = s.execute(
                text(
                    "SELECT id, subject, after FROM audit_events "
                    "WHERE org_id = :o AND action = 'role.granted'"
                ),
                {"o": org},
            ).one()
            s.execute(
                text("UPDATE audit_events SET subject = :v WHERE id = :i"),
                {"v": flip(subject), "i": event_id},
            )
        refused = browser.get("/console/audit")
        assert refused.status_code == 500
        assert refused.json()["error"] == "stored_data_integrity"
        assert "tamper.owner" not in refused.text
        tampered = pytest.raises(atrest.TamperedCiphertext, match=r"audit_events\.subject")
        with srv.sessions() as s, tampered:
            accounts.audit_trail(s, org)
        # a sealed value moved to another column (after -> subject) does not open there
        with srv.sessions() as s, s.begin():
            s.execute(
                text("UPDATE audit_events SET subject = :v WHERE id = :i"),
                {"v": after, "i": event_id},
            )
        moved = pytest.raises(atrest.TamperedCiphertext, match="does not authenticate")
        with srv.sessions() as s, moved:
            accounts.audit_trail(s, org)
        # put back: readable again
        with srv.sessions() as s, s.begin():
            s.execute(
                text("UPDATE audit_events SET subject = :v WHERE id = :i"),
                {"v": subject, "i": event_id},
            )
        assert owner in browser.get("/console/audit").text


@pytest.mark.parametrize("backend", BACKENDS)
def test_audit_events_written_before_the_migration_are_sealed(request, backend, tmp_path):
    """Events as revision t14d left them (subject, before, after in clear, no index
    column): the upgrade keeps them, they read and are found as they are, the server's
    next start seals and indexes them, and the console and the export show them in
    clear."""
    name = f"acct_{uuid.uuid4().hex[:12]}"
    url = database_for(request, backend, name) or f"sqlite:///{tmp_path}/{name}.db"
    url = normalise_db_url(url)
    migrate(url, "t14d")
    home = tmp_path / "home"
    engine = make_engine(url)
    uid, org = "usr_" + uuid.uuid4().hex[:16], "org_" + uuid.uuid4().hex[:16]
    legacy = [
        # (org_id, action, subject, before, after)
        (None, "user.created", uid, None, '{"email":"pre.migration@example.org"}'),
        (org, "org.created", org, None, '{"name":"Old Org"}'),
        (org, "role.granted", "pre.migration@example.org", None, '{"role":"owner","version":1}'),
    ]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisations (id, name, kind, created_at) "
                "VALUES (:o, 'Old Org', 'customer', 1)"
            ),
            {"o": org},
        )
        connection.execute(
            text(
                "INSERT INTO users (id, email, name, password_hash, created_at, disabled) "
                "VALUES (:i, 'pre.migration@example.org', 'Pre Migration', :h, 1, :f)"
            ),
            {"i": uid, "h": password_hash(), "f": False},
        )
        connection.execute(
            text(
                "INSERT INTO memberships (user_id, org_id, role, granted_at, granted_by) "
                "VALUES (:u, :o, 'owner', 1, 'cli')"
            ),
            {"u": uid, "o": org},
        )
        for n, (org_id, action, subject, before, after) in enumerate(legacy):
            connection.execute(
                text(
                    "INSERT INTO audit_events (org_id, actor, action, subject, before, after, "
                    "created_at) VALUES (:o, 'cli', :a, :s, :b, :f, :t)"
                ),
                {"o": org_id, "a": action, "s": subject, "b": before, "f": after, "t": 10 + n},
            )
    migrate(url)  # to head: nothing lost, nothing sealed yet (no KEK in a migration)
    sessions = session_factory(url, home)
    before_start = raw_audit(sessions)
    assert [r["subject"] for r in before_start] == [row[2] for row in legacy]
    assert {r["subject_index"] for r in before_start} == {None}
    with sessions() as s:  # legacy rows read as they are and are found by their subject
        assert [e.subject for e in reversed(accounts.audit_trail(s, None))] == [
            row[2] for row in legacy
        ]
        assert len(s.execute(select(AuditEvent).where(accounts.subject_is(uid))).all()) == 1
    with ConsoleServer(url, home) as srv:  # the start seals and indexes them
        rows = raw_audit(sessions)
        assert len(rows) >= len(legacy)
        dump = json.dumps(rows)
        assert "pre.migration" not in dump and "Old Org" not in dump and uid not in dump
        vault = atrest.installed()
        for row in rows:
            assert row["subject"].startswith("pve1.") and row["subject_index"] is not None
            assert row["after"] is None or row["after"].startswith("pve1.")
            subject = vault.open(row["subject"], "audit_events.subject").decode()
            assert row["subject_index"] == vault.blind_index(subject, "audit_events.subject")
        browser = Browser(srv.url)
        assert browser.sign_in("pre.migration@example.org", PASSWORD).status_code == 303
        page = browser.get("/console/audit")
        assert page.status_code == 200 and "pre.migration@example.org" in page.text
        assert "role.granted" in page.text and "org.created" in page.text
        export = browser.post("/console/organisation/export")
        assert export.status_code == 200, export.text
        audit = [(e["action"], e["subject"], e["after"]) for e in export.json()["audit"]]
        assert audit[:2] == [
            ("org.created", org, {"name": "Old Org"}),
            ("role.granted", "pre.migration@example.org", {"role": "owner", "version": 1}),
        ]
        # the organisation's deletion finds the sealed server-level event by its index
        gone = browser.post("/console/organisation/delete", {"confirm": "Old Org"})
        assert gone.status_code == 303
        with srv.sessions() as s:
            assert s.execute(select(AuditEvent).where(accounts.subject_is(uid))).first() is None
            assert s.execute(select(AuditEvent).where(AuditEvent.org_id == org)).first() is None
    # an event a previous version wrote after the upgrade is sealed by maintenance
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_events (org_id, actor, action, subject, created_at) "
                "VALUES (NULL, 'cli', 'user.created', 'late@example.org', 99)"
            )
        )
    counts = run_maintenance(engine, server_config(url, home))
    assert counts["sealed_audit_events"] == 1
    assert "late@example.org" not in json.dumps(raw_audit(sessions))
    assert run_maintenance(engine, server_config(url, home))["sealed_audit_events"] == 0
    engine.dispose()
    sessions.kw["bind"].dispose()
