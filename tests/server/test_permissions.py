"""Permissions declared per route, versioned roles, audited role changes (both backends)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, select

from pyvorin_server import accounts
from pyvorin_server.app import create_app
from pyvorin_server.models import AuditEvent, RoleVersion
from pyvorin_server.permissions import (
    PERMISSIONS,
    PSEUDO,
    ROLES,
    declared_permissions,
    requires,
    undeclared_routes,
)
from pyvorin_server.service import ApiError
from tests.server.accounts_support import migrated_url, server_config, session_factory
from tests.server.conftest import BACKENDS


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path}/p.db"
    from pyvorin_server.db import migrate

    migrate(url)
    application = create_app(server_config(url, tmp_path / "home"))
    yield application
    application.state.engine.dispose()


def test_every_route_declares_exactly_one_known_permission(app):
    assert undeclared_routes(app) == []
    seen = {}
    for route in app.routes:
        for permission in declared_permissions(route):
            assert permission in PERMISSIONS or permission in PSEUDO, route.path
            seen[(",".join(sorted(route.methods)), route.path)] = permission
    # the admin operations need operator permissions, not just any credential
    assert seen[("POST", "/v1/licences")] == "licences:issue"
    assert seen[("POST", "/v1/licences/{licence_id}/revoke")] == "licences:revoke"
    assert seen[("GET", "/v1/licences/{licence_id}")] == "licences:read"
    # members' API tokens: the exchange is opened by the API token alone (checked by
    # membertokens.exchange); the console pages by the tokens permissions
    assert seen[("POST", "/v1/access-token")] == "api-token"
    assert seen[("GET", "/console/tokens")] == "tokens:read"
    assert seen[("POST", "/console/tokens")] == "tokens:manage"
    assert seen[("POST", "/console/tokens/{token_id}/revoke")] == "tokens:manage"
    # machine calls: the activation credential (checked, with the signature, by the route)
    assert seen[("POST", "/v1/tickets")] == "activation"
    assert seen[("POST", "/v1/audit/checkpoint")] == "activation"
    assert len(seen) >= 9


def test_the_check_catches_a_route_without_a_permission(app):
    @app.get("/v1/forgotten")
    def forgotten() -> dict:
        return {}

    @app.get("/v1/twice", dependencies=[requires("usage:read"), requires("audit:read")])
    def twice() -> dict:
        return {}

    missing = undeclared_routes(app)
    assert "GET /v1/forgotten: declares nothing" in missing
    assert "GET /v1/twice: declares ['audit:read', 'usage:read']" in missing
    with pytest.raises(ValueError, match="unknown permission 'licences:steal'"):
        requires("licences:steal")


def test_every_state_changing_console_route_checks_the_csrf_token(app):
    from pyvorin_server.console import PREFIX, action, unprotected_forms

    assert unprotected_forms(app) == []
    changing = {
        route.path
        for route in app.routes
        if getattr(route, "path", "").startswith(PREFIX)
        and set(getattr(route, "methods", ()) or ()) - {"GET", "HEAD"}
    }
    assert {"/console/tokens", "/console/tokens/{token_id}/revoke", "/console/members"} <= (
        changing
    )

    @app.post("/console/forgotten", dependencies=[requires("tokens:manage")])
    def forgotten() -> dict:
        return {}

    @app.post("/console/guarded")
    def guarded(principal=action("tokens:manage")) -> dict:
        return {}

    assert unprotected_forms(app) == ["POST /console/forgotten"]


def test_roles_grant_only_known_permissions_and_operator_only_to_operators():
    for role, permissions in ROLES.items():
        assert permissions <= set(PERMISSIONS), role
    for role in accounts.ORG_ROLES:
        assert not ROLES[role] & {"licences:issue", "licences:revoke", "orgs:manage"}, role
    assert ROLES["viewer"] < ROLES["admin"] < ROLES["owner"]
    assert "org:delete" in ROLES["owner"] and "org:delete" not in ROLES["admin"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_creates_the_account_tables(request, backend, tmp_path):
    from sqlalchemy import create_engine

    url = migrated_url(request, backend, tmp_path)
    engine = create_engine(url)
    try:
        names = set(inspect(engine).get_table_names())
        assert {
            "organisations",
            "users",
            "role_versions",
            "memberships",
            "web_sessions",
            "login_throttle",
            "audit_events",
        } <= names
        assert "org_id" in {c["name"] for c in inspect(engine).get_columns("licences")}
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_role_definitions_are_versioned_and_each_change_audited(request, backend, tmp_path):
    sessions = session_factory(migrated_url(request, backend, tmp_path), tmp_path / "home")
    with sessions() as s, s.begin():
        first = accounts.bootstrap(s, now=1000)
    assert {role: version for role, (version, _) in first.items()} == dict.fromkeys(ROLES, 1)
    with sessions() as s, s.begin():
        again = accounts.bootstrap(s, now=2000)  # unchanged code: no new version
    assert again == first
    changed = dict(ROLES)
    changed["viewer"] = ROLES["viewer"] | {"audit:read"}
    with sessions() as s, s.begin():
        now = accounts.sync_roles(s, changed, now=3000)
    assert now["viewer"] == (2, changed["viewer"]) and now["admin"][0] == 1
    with sessions() as s, s.begin():
        versions = s.execute(
            select(RoleVersion.version).where(RoleVersion.role == "viewer")
        ).scalars()
        assert sorted(versions) == [1, 2]
        event = s.execute(select(AuditEvent).where(accounts.subject_is("viewer@2"))).scalar_one()
        assert event.action == "role.defined" and event.created_at == 3000
        assert json.loads(event.before) == sorted(ROLES["viewer"])
        assert json.loads(event.after) == sorted(changed["viewer"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_grant_change_revoke_are_audited_with_before_after_actor_time(request, backend, tmp_path):
    sessions = session_factory(migrated_url(request, backend, tmp_path), tmp_path / "home")
    op = accounts.operator_principal("admin-token", "admin-token")
    with sessions() as s, s.begin():
        accounts.bootstrap(s)
        org = accounts.create_org(s, op, "ACME")
        alice = accounts.create_user(s, op, email="Alice@Example.com", name="A", password_hash="x")
        bob = accounts.create_user(s, op, email="bob@example.com", name="B", password_hash="x")
        accounts.set_role(s, op, org_id=org.id, user_id=alice.id, role="owner", now=10)
        accounts.set_role(s, op, org_id=org.id, user_id=bob.id, role="viewer", now=11)
        accounts.set_role(s, op, org_id=org.id, user_id=bob.id, role="admin", now=12)
        accounts.set_role(s, op, org_id=org.id, user_id=bob.id, role=None, now=13)
    assert alice.email == "alice@example.com"
    with sessions() as s, s.begin():
        trail = [
            (e.action, e.subject, e.actor, e.created_at, e.before, e.after)
            for e in reversed(accounts.audit_trail(s, org.id))
            if e.action.startswith("role.")
        ]
    role = lambda r: json.dumps({"role": r, "version": 1}, separators=(",", ":"))  # noqa: E731
    assert trail == [
        ("role.granted", "alice@example.com", "admin-token", 10, None, role("owner")),
        ("role.granted", "bob@example.com", "admin-token", 11, None, role("viewer")),
        ("role.changed", "bob@example.com", "admin-token", 12, role("viewer"), role("admin")),
        ("role.revoked", "bob@example.com", "admin-token", 13, role("admin"), None),
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_role_escalation_is_refused(request, backend, tmp_path):
    sessions = session_factory(migrated_url(request, backend, tmp_path), tmp_path / "home")
    op = accounts.operator_principal("admin-token", "admin-token")
    with sessions() as s, s.begin():
        accounts.bootstrap(s)
        org = accounts.create_org(s, op, "ACME")
        other = accounts.create_org(s, op, "Other")
        owner = accounts.create_user(s, op, email="o@x.io", name="O", password_hash="x")
        admin = accounts.create_user(s, op, email="a@x.io", name="A", password_hash="x")
        dev = accounts.create_user(s, op, email="d@x.io", name="D", password_hash="x")
        for user, r in ((owner, "owner"), (admin, "admin"), (dev, "developer")):
            accounts.set_role(s, op, org_id=org.id, user_id=user.id, role=r)

    def as_(user, r):
        return accounts.Principal("session", user.id, org.id, r, ROLES[r])

    cases = [
        (as_(admin, "admin"), org.id, dev.id, "owner", "only an owner"),  # admin -> owner
        (as_(admin, "admin"), org.id, owner.id, None, "only an owner"),  # admin revokes owner
        (as_(dev, "developer"), org.id, dev.id, "admin", "may not manage"),  # self-promotion
        (as_(admin, "admin"), other.id, dev.id, "viewer", "no organisation"),  # other tenant
        (as_(owner, "owner"), org.id, dev.id, "operator", "unknown role"),  # operator role
        (as_(owner, "owner"), org.id, owner.id, None, "at least one owner"),  # last owner
    ]
    for principal, org_id, user_id, new_role, message in cases:
        with sessions() as s, s.begin(), pytest.raises(ApiError, match=message):
            accounts.set_role(s, principal, org_id=org_id, user_id=user_id, role=new_role)
    with sessions() as s, s.begin():
        roles = {u.email: m.role for u, m in accounts.members(s, org.id)}
        assert roles == {"o@x.io": "owner", "a@x.io": "admin", "d@x.io": "developer"}
        assert accounts.members(s, other.id) == []
