"""Sign-in, lockout, web sessions and CSRF over real HTTP (uvicorn on loopback, test
clock), on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from pyvorin_server.models import WebSession
from pyvorin_server.sessions import hash_token
from tests.server.conftest import BACKENDS, database_for
from tests.server.console_support import PASSWORD, Browser, ConsoleServer


@pytest.fixture(scope="module", params=BACKENDS)
def console(request, tmp_path_factory):
    from pyvorin_server.config import normalise_db_url
    from pyvorin_server.db import migrate

    tmp = tmp_path_factory.mktemp("console")
    url = database_for(request, request.param, "pyvorin_console_sessions")
    url = normalise_db_url(url or f"sqlite:///{tmp}/console.db")
    migrate(url)
    with ConsoleServer(url, tmp / "home", login_max_failures=3, login_lockout_minutes=10) as srv:
        yield srv


def test_sign_in_sets_a_hardened_host_cookie_and_stores_only_its_hash(console):
    org = console.org("Cookie Ltd")
    email = console.user(org, "viewer")
    browser = Browser(console.url)
    browser.get("/console/login")
    response = browser.post("/console/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/console/licences"
    [cookie] = [c for c in browser.set_cookies if c.startswith("__Host-pyvorin_session=")]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"path", "secure", "httponly", "samesite"} <= attributes and "domain" not in attributes
    assert "SameSite=Strict" in cookie and "Path=/" in cookie
    token = browser.session
    assert token and len(token) >= 43
    with console.sessions() as s:
        stored = s.execute(select(WebSession.id_hash)).scalars().all()
    assert hash_token(token) in stored and token not in stored
    page = browser.get("/console/licences")
    assert page.status_code == 200 and email in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_wrong_password_and_unknown_address_are_indistinguishable(console):
    org = console.org("Enum Ltd")
    known_addresses = [console.user(org, "viewer") for _ in range(3)]
    answers, timings = {}, {"known": [], "unknown": []}
    for n, email in enumerate(known_addresses):
        for i in range(2):  # below the lockout threshold (3) of each address
            for kind, address in (("known", email), ("unknown", f"nobody{n}@example.com")):
                browser = Browser(console.url)
                browser.get("/console/login")
                started = time.perf_counter()
                response = browser.post("/console/login", {"email": address, "password": f"x{i}"})
                timings[kind].append(time.perf_counter() - started)
                answers.setdefault(kind, set()).add((response.status_code, _error(response)))
    assert answers["known"] == answers["unknown"] == {(401, "wrong e-mail address or password")}
    # both paths pay one argon2id verification: their fastest runs (the least disturbed
    # by other load on the machine) are of the same order
    known, unknown = min(timings["known"]), min(timings["unknown"])
    assert 0.25 < known / unknown < 4, (known, unknown)
    assert min(known, unknown) > 0.005  # argon2 really ran


def test_disabled_and_organisationless_accounts_get_the_wrong_password_answer(console):
    from pyvorin_server import accounts

    org = console.org("Orphan Ltd")
    orphan, disabled = console.user(org, "viewer"), console.user(org, "viewer")
    op = accounts.operator_principal("cli", "cli")
    with console.sessions() as s, s.begin():
        accounts.set_role(s, op, org_id=org, user_id=accounts.find_user(s, orphan).id, role=None)
        accounts.find_user(s, disabled).disabled = True
    for email in (orphan, disabled):  # with the right password
        answer = Browser(console.url).sign_in(email)
        assert (answer.status_code, _error(answer)) == (401, "wrong e-mail address or password")
        assert not any(
            c.startswith("__Host-pyvorin_session=") for c in answer.headers.get_list("set-cookie")
        )


def _error(response: httpx.Response) -> str:
    import re

    found = re.search(r'id="error"[^>]*>([^<]*)<', response.text)
    return found.group(1) if found else response.text[:200]


def test_lockout_after_failures_then_unlocks_with_the_clock(console):
    org = console.org("Lock Ltd")
    email = console.user(org, "viewer")
    browser = Browser(console.url)
    for _ in range(2):
        assert browser.sign_in(email, "wrong password!").status_code == 401
    third = browser.sign_in(email, "wrong password!")
    assert third.status_code == 429
    assert "too many failed sign-ins for this e-mail address; try again in 10 minute(s)" in (
        third.text
    )
    # locked: even the right password is refused, with the same clear message
    locked = browser.sign_in(email, PASSWORD)
    assert locked.status_code == 429 and "try again in" in locked.text
    # an address without an account locks the same way (no enumeration through lockout)
    ghost = Browser(console.url)
    statuses = [ghost.sign_in("ghost@example.com", "nope nope nope").status_code for _ in range(4)]
    assert statuses == [401, 401, 429, 429]
    console.clock.advance(10 * 60 + 1)
    assert browser.sign_in(email, PASSWORD).status_code == 303


def test_sign_ins_are_limited_per_client_address(tmp_path):
    """PYVORIN_SERVER_LOGINS_PER_MINUTE_PER_IP: attempts from one address, whatever the
    e-mail addresses they name (so no lockout applies), are limited per minute."""
    from pyvorin_server.db import migrate

    url = f"sqlite:///{tmp_path}/limit.db"
    migrate(url)
    with ConsoleServer(url, tmp_path / "home", logins_per_minute_per_ip=3) as srv:
        email = srv.user(srv.org("Limit Ltd"), "viewer")
        for n in range(3):
            wrong = Browser(srv.url).sign_in(f"guess{n}@example.com", "not the password")
            assert wrong.status_code == 401
        refused = Browser(srv.url).sign_in(email)  # even the right password
        assert refused.status_code == 429
        assert "too many sign-in attempts from your address; retry after" in _error(refused)
        srv.clock.advance(61)
        assert Browser(srv.url).sign_in(email).status_code == 303


def test_session_fixation_a_planted_session_id_is_never_promoted(console):
    org = console.org("Fixation Ltd")
    attacker_email = console.user(org, "viewer")
    victim_email = console.user(org, "admin")
    attacker = Browser(console.url)
    attacker.sign_in(attacker_email)
    planted = attacker.session
    victim = Browser(console.url, cookies={"__Host-pyvorin_session": planted})
    victim.sign_in(victim_email)
    assert victim.session and victim.session != planted
    # the planted id is not the victim's session, and it was invalidated at sign-in
    replay = Browser(console.url, cookies={"__Host-pyvorin_session": planted})
    assert replay.get("/console/members").status_code == 303
    assert victim_email in victim.get("/console/members").text
    # a made-up id is ignored too
    made_up = Browser(console.url, cookies={"__Host-pyvorin_session": "A" * 43})
    made_up.sign_in(victim_email)
    assert made_up.session != "A" * 43


def test_session_id_rotates_when_the_privilege_changes(console):
    org = console.org("Rotate Ltd")
    owner = Browser(console.url)
    owner.sign_in(console.user(org, "owner"))
    dev_email = console.user(org, "developer")
    dev = Browser(console.url)
    dev.sign_in(dev_email)
    before = dev.session
    assert dev.get("/console/audit").status_code == 403  # developers cannot read the audit
    members = owner.get("/console/members").text
    dev_id = members.split(f'data-email="{dev_email}"')[1].split("/console/members/")[1][:20]
    assert owner.post(f"/console/members/{dev_id}/role", {"role": "admin"}).status_code == 303
    stale = Browser(console.url, cookies={"__Host-pyvorin_session": before})
    page = dev.get("/console/audit")  # the next request rotates the id, with the new role
    assert page.status_code == 200 and "role.changed" in page.text
    assert dev.session and dev.session != before
    assert stale.get("/console/audit").status_code == 303  # the old id is gone
    # revoking the role ends the session at once
    owner.post(f"/console/members/{dev_id}/role", {"role": "none"})
    assert dev.get("/console/licences").status_code == 303


def test_idle_and_absolute_timeouts_follow_the_clock(console):
    org = console.org("Timeout Ltd")
    email = console.user(org, "viewer")
    idle = Browser(console.url)
    idle.sign_in(email)
    console.clock.advance(29 * 60)
    assert idle.get("/console/licences").status_code == 200  # activity resets idleness
    console.clock.advance(29 * 60)
    assert idle.get("/console/licences").status_code == 200
    console.clock.advance(30 * 60 + 1)
    expired = idle.get("/console/licences")
    assert expired.status_code == 303 and expired.headers["location"] == "/console/login"
    assert idle.session is None  # the server also cleared the cookie
    busy = Browser(console.url)
    busy.sign_in(email)
    for _ in range(8 * 3 - 1):  # active every 20 minutes for just under 8 hours
        console.clock.advance(20 * 60)
        assert busy.get("/console/licences").status_code == 200
    console.clock.advance(20 * 60)
    assert busy.get("/console/licences").status_code == 303  # absolute lifetime reached


def test_logout_invalidates_the_session_on_the_server(console):
    org = console.org("Logout Ltd")
    browser = Browser(console.url)
    browser.sign_in(console.user(org, "viewer"))
    copied = browser.session
    out = browser.post("/console/logout")
    assert out.status_code == 303 and browser.session is None
    replay = Browser(console.url, cookies={"__Host-pyvorin_session": copied})
    assert replay.get("/console/licences").status_code == 303
    with console.sessions() as s:
        assert s.get(WebSession, hash_token(copied)) is None


def test_csrf_is_required_on_every_state_changing_form(console):
    org = console.org("CSRF Ltd")
    owner = Browser(console.url)
    owner.sign_in(console.user(org, "owner"))
    other = Browser(console.url)
    other.sign_in(console.user(org, "viewer"))
    owner.get("/console/members")
    form = {"email": "new@example.com", "role": "viewer"}
    for label, extra, headers in [
        ("missing", {"csrf_token": ""}, {}),
        ("forged", {"csrf_token": "A" * 43}, {}),
        ("another session's", {"csrf_token": other.csrf}, {}),
        ("cross-site", {}, {"origin": "https://evil.example"}),
        ("opaque origin", {}, {"origin": "null"}),
    ]:
        refused = owner.post("/console/members", {**form, **extra}, headers=headers)
        assert refused.status_code == 403, label
        assert 'data-code="csrf_failed"' in refused.text, label
    members = owner.get("/console/members").text
    assert "new@example.com" not in members
    ok = owner.post("/console/members", form, headers={"origin": owner.base})
    assert ok.status_code == 200 and "new@example.com" in ok.text
    # sign-out is a state change too: without the token it is refused
    assert owner.post("/console/logout", csrf=False).status_code == 403
    assert owner.get("/console/licences").status_code == 200
    # the sign-in form: double-submit cookie
    fresh = Browser(console.url)
    fresh.get("/console/login")
    fresh.cookies.pop("__Host-pyvorin_login")
    assert fresh.post("/console/login", {"email": "x@y.z", "password": "p"}).status_code == 403


def test_cookie_and_tokens_each_work_only_in_their_own_realm(console):
    org = console.org("API Ltd")
    lid, _ = console.issue(org)
    browser = Browser(console.url)
    browser.sign_in(console.user(org, "owner"))
    assert browser.get(f"/console/licences/{lid}").status_code == 200
    api = browser.get(f"/v1/licences/{lid}")
    assert api.status_code == 401 and api.json()["error"] == "authentication_required"
    # and the other way round: the admin token is no console credential
    admin = {"Authorization": f"Bearer {console.admin_token()}"}
    page = httpx.get(f"{console.url}/console/licences", headers=admin)
    assert page.status_code == 303 and page.headers["location"] == "/console/login"
    assert httpx.get(f"{console.url}/v1/licences/{lid}", headers=admin).status_code == 200


def test_a_new_version_of_a_role_definition_applies_with_a_new_session_id(console):
    from pyvorin_server import accounts
    from pyvorin_server.permissions import ROLES

    org = console.org("Version Ltd")
    browser = Browser(console.url)
    browser.sign_in(console.user(org, "billing"))
    before = browser.session
    assert browser.get("/console/audit").status_code == 403
    changed = {**ROLES, "billing": ROLES["billing"] | {"audit:read"}}
    try:
        with console.sessions() as s, s.begin():  # as a server upgrade would at start
            console.app.state.roles = accounts.sync_roles(s, changed)
        page = browser.get("/console/audit")
        assert page.status_code == 200  # the new definition is in force...
        assert browser.session != before  # ...with a new session id
        assert (
            Browser(console.url, cookies={"__Host-pyvorin_session": before})
            .get("/console/licences")
            .status_code
            == 303
        )
    finally:
        with console.sessions() as s, s.begin():
            console.app.state.roles = accounts.sync_roles(s, ROLES)
    assert console.app.state.roles["billing"][0] == 3  # v1, v2 (changed), v3 (restored)


def test_changing_the_password_ends_other_sessions(console):
    org = console.org("Password Ltd")
    email = console.user(org, "developer")
    laptop, phone = Browser(console.url), Browser(console.url)
    laptop.sign_in(email)
    phone.sign_in(email)
    before = laptop.session
    laptop.get("/console/account")
    new = "a brand new passphrase"
    wrong = laptop.post(
        "/console/account/password", {"current": "not it at all", "new": new, "confirm": new}
    )
    assert wrong.status_code == 403 and "the current password is wrong" in wrong.text
    weak = laptop.post(
        "/console/account/password", {"current": PASSWORD, "new": "short", "confirm": "short"}
    )
    assert weak.status_code == 422 and "at least 12 characters" in weak.text
    differ = laptop.post(
        "/console/account/password", {"current": PASSWORD, "new": new, "confirm": new + "x"}
    )
    assert differ.status_code == 422
    done = laptop.post(
        "/console/account/password", {"current": PASSWORD, "new": new, "confirm": new}
    )
    assert done.status_code == 303 and laptop.session not in (None, before)
    assert "was changed" in laptop.get("/console/account?changed=1").text
    assert phone.get("/console/licences").status_code == 303  # signed out elsewhere
    assert Browser(console.url).sign_in(email, PASSWORD).status_code == 401
    assert Browser(console.url).sign_in(email, new).status_code == 303
