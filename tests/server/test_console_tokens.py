"""Members' API tokens (console page, exchange for access tokens) over real HTTP against a
real uvicorn, on SQLite and PostgreSQL: the secret shown once and stored hashed, scopes
bounded by the role (escalation refused, later downgrades honoured), revocation by the
member and by admins, tokens ending with the membership, IDOR, CSRF, expiry, disabled
accounts, the per-address limit on refused tokens, export and deletion."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from sqlalchemy import or_, select, text, update

from pyvorin_server import accounts
from pyvorin_server.models import ApiToken, AuditEvent
from tests.server.conftest import BACKENDS, database_for
from tests.server.console_support import Browser, ConsoleServer

SECRET = re.compile(r'id="secret">(pvt_[^<]+)<')


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    from pyvorin_server.config import normalise_db_url
    from pyvorin_server.db import migrate

    tmp = tmp_path_factory.mktemp("tokens")
    url = database_for(request, request.param, "pyvorin_console_tokens")
    url = normalise_db_url(url or f"sqlite:///{tmp}/tokens.db")
    migrate(url)
    with ConsoleServer(url, tmp / "home", admin_failures_per_minute_per_ip=100_000) as srv:
        w = {"srv": srv, "a": srv.org("Alpha Tokens"), "b": srv.org("Beta Tokens")}
        w["lid_a"], _ = srv.issue(w["a"])
        w["lid_b"], _ = srv.issue(w["b"])
        yield w


def browser_for(srv: ConsoleServer, email: str) -> Browser:
    browser = Browser(srv.url)
    assert browser.sign_in(email).status_code == 303
    browser.get("/console/tokens")
    return browser


def create_token(browser: Browser, name: str, permissions: list[str], days: str = "30"):
    return browser.post("/console/tokens", {"name": name, "days": days, "permission": permissions})


def new_token(browser: Browser, permissions: list[str], name: str | None = None) -> str:
    answer = create_token(browser, name or f"ci-{uuid.uuid4().hex[:6]}", permissions)
    assert answer.status_code == 201, answer.text
    return SECRET.search(answer.text).group(1)


def exchange(srv: ConsoleServer, secret: str, scope: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{srv.url}/v1/access-token",
        headers={"Authorization": f"Bearer {secret}"},
        json={"scope": scope} if scope else None,
    )


def api(srv: ConsoleServer, access: str, method: str, path: str, **kw) -> httpx.Response:
    headers = {"Authorization": f"Bearer {access}"}
    return httpx.request(method, srv.url + path, headers=headers, timeout=30, **kw)


def token_id_of(page: str, name: str) -> str:
    return re.search(
        rf'<tr id="token-(tok_[0-9a-f]+)"><td class="name">{re.escape(name)}<', page
    ).group(1)


def test_create_shows_the_secret_once_and_it_opens_the_api_within_its_scope(world):
    srv = world["srv"]
    dev = browser_for(srv, srv.user(world["a"], "developer"))
    created = create_token(dev, "nightly build", ["licences:read", "machines:read"])
    assert created.status_code == 201
    secret = SECRET.search(created.text).group(1)
    assert secret.startswith("pvt_") and len(secret) > 40
    listing = dev.get("/console/tokens").text
    assert secret not in listing and "nightly build" in listing and secret[:10] in listing
    tid = token_id_of(listing, "nightly build")
    with srv.sessions() as s:  # only the hash is stored, nowhere the secret
        row = s.get(ApiToken, tid)
        assert row.token_hash != secret and len(row.token_hash) == 64
        dump = json.dumps([list(r) for r in s.execute(text("SELECT * FROM api_tokens"))])
        assert secret not in dump and secret[4:] not in dump

    answer = exchange(srv, secret)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 900
    assert body["scope"] == "licences:read machines:read"
    access = body["access_token"]
    own = api(srv, access, "GET", f"/v1/licences/{world['lid_a']}")
    assert own.status_code == 200 and own.json()["org_id"] == world["a"]
    foreign = api(srv, access, "GET", f"/v1/licences/{world['lid_b']}")
    made_up = api(srv, access, "GET", "/v1/licences/lic_0000000000000000")
    assert foreign.status_code == made_up.status_code == 404
    assert foreign.json()["error"] == made_up.json()["error"]
    issue = api(
        srv, access, "POST", "/v1/licences", json={"licensee": "x", "plan": "team", "seats": 1}
    )
    assert issue.status_code == 403 and "licences:issue" in issue.json()["message"]
    # narrowing works, widening does not
    narrow = exchange(srv, secret, "licences:read")
    assert narrow.status_code == 200 and narrow.json()["scope"] == "licences:read"
    wider = exchange(srv, secret, "licences:read usage:read")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    # the secret opens nothing but the exchange, and an access token is not an API token
    direct = api(srv, secret, "GET", f"/v1/licences/{world['lid_a']}")
    assert direct.status_code == 401
    assert exchange(srv, access).status_code == 401
    listing = dev.get("/console/tokens").text
    assert re.search(rf'id="token-{tid}">.*?class="state">active<', listing, re.S)
    with srv.sessions() as s:
        assert s.get(ApiToken, tid).last_used_at is not None
        event = s.execute(
            select(AuditEvent).where(
                AuditEvent.action == "api_token.created", accounts.subject_is(tid)
            )
        ).scalar_one()
        assert event.org_id == world["a"] and "secret" not in (event.after or "")


def test_a_token_never_carries_more_than_the_role(world):
    srv = world["srv"]
    dev = browser_for(srv, srv.user(world["a"], "developer"))
    for wanted in (["audit:read"], ["licences:issue"], ["licences:read", "org:delete"]):
        refused = create_token(dev, "escalate", wanted)
        assert refused.status_code == 403, wanted
        assert 'data-code="scope_not_granted"' in refused.text
    assert create_token(dev, "made-up", ["licences:steal"]).status_code == 403
    assert create_token(dev, "nothing", []).status_code == 422
    assert create_token(dev, "", ["licences:read"]).status_code == 422
    assert create_token(dev, "forever", ["licences:read"], days="366").status_code == 422
    assert create_token(dev, "x" * 65, ["licences:read"]).status_code == 422
    assert "escalate" not in dev.get("/console/tokens").text
    # the page offers only what the role grants
    page = dev.get("/console/tokens").text
    offered = set(re.findall(r'name="permission" value="([^"]+)"', page))
    assert offered == {
        "licences:read",
        "machines:read",
        "machines:deactivate",
        "usage:read",
        "members:read",
        "tokens:read",
        "tokens:manage",
    }
    # billing and viewer have no API tokens at all
    for role in ("billing", "viewer"):
        other = Browser(srv.url)
        other.sign_in(srv.user(world["a"], role))
        assert other.get("/console/tokens").status_code == 403
        refused = other.post("/console/tokens", {"name": "x", "permission": ["licences:read"]})
        assert refused.status_code == 403


def test_role_changes_narrow_and_revocation_ends_a_token(world):
    srv = world["srv"]
    email = srv.user(world["a"], "developer")
    dev = browser_for(srv, email)
    secret = new_token(dev, ["licences:read", "machines:deactivate"])
    owner = browser_for(srv, srv.user(world["a"], "owner"))
    page = owner.get("/console/members").text
    uid = re.search(
        rf'data-email="{re.escape(email)}".*?/console/members/([^/]+)/role', page, re.S
    ).group(1)
    assert owner.post(f"/console/members/{uid}/role", {"role": "viewer"}).status_code == 303
    narrowed = exchange(srv, secret)
    assert narrowed.status_code == 200 and narrowed.json()["scope"] == "licences:read"
    assert owner.post(f"/console/members/{uid}/role", {"role": "none"}).status_code == 303
    gone = exchange(srv, secret)
    assert gone.status_code == 401 and gone.json()["error"] == "invalid_api_token"
    # added again: the old token stays dead (it ended with the membership)
    owner.get("/console/members")
    assert owner.post("/console/members", {"email": email, "role": "developer"}).status_code == 200
    assert exchange(srv, secret).status_code == 401


def test_access_tokens_end_with_their_api_token_not_when_they_expire(world):
    """Revoking an API token, or changing its member's role, ends the access tokens
    already exchanged for it at once (not up to 15 minutes later)."""
    srv = world["srv"]
    email = srv.user(world["a"], "developer")
    dev = browser_for(srv, email)
    path = f"/v1/licences/{world['lid_a']}"
    # revocation
    secret = new_token(dev, ["licences:read"], "short-lived")
    access = exchange(srv, secret).json()["access_token"]
    assert api(srv, access, "GET", path).status_code == 200
    tid = token_id_of(dev.get("/console/tokens").text, "short-lived")
    assert dev.post(f"/console/tokens/{tid}/revoke").status_code == 303
    after = api(srv, access, "GET", path)
    assert after.status_code == 401 and after.json()["error"] == "invalid_api_token"
    # a role change: the token issued under the old role stops; a new exchange works
    secret = new_token(dev, ["licences:read"], "role-bound")
    access = exchange(srv, secret).json()["access_token"]
    assert api(srv, access, "GET", path).status_code == 200
    owner = browser_for(srv, srv.user(world["a"], "owner"))
    page = owner.get("/console/members").text
    uid = re.search(
        rf'data-email="{re.escape(email)}".*?/console/members/([^/]+)/role', page, re.S
    ).group(1)
    assert owner.post(f"/console/members/{uid}/role", {"role": "viewer"}).status_code == 303
    assert api(srv, access, "GET", path).status_code == 401
    renewed = exchange(srv, secret).json()["access_token"]
    assert api(srv, renewed, "GET", path).status_code == 200


def test_revocation_by_the_member_and_by_an_admin_not_by_other_members(world):
    srv = world["srv"]
    alice = browser_for(srv, srv.user(world["a"], "developer"))
    bob = browser_for(srv, srv.user(world["a"], "developer"))
    admin = browser_for(srv, srv.user(world["a"], "admin"))
    first = new_token(alice, ["licences:read"], "alice-one")
    second = new_token(alice, ["licences:read"], "alice-two")
    tid1 = token_id_of(alice.get("/console/tokens").text, "alice-one")
    tid2 = token_id_of(alice.get("/console/tokens").text, "alice-two")
    # another developer neither sees nor revokes them: same answer as an unknown id
    assert "alice-one" not in bob.get("/console/tokens").text
    theirs = bob.post(f"/console/tokens/{tid1}/revoke")
    bob.get("/console/tokens")
    nobody = bob.post("/console/tokens/tok_0000000000000000/revoke")
    assert theirs.status_code == nobody.status_code == 404
    assert 'data-code="unknown_token"' in theirs.text and 'data-code="unknown_token"' in nobody.text
    assert exchange(srv, first).status_code == 200
    # the member revokes one
    alice.get("/console/tokens")
    assert alice.post(f"/console/tokens/{tid1}/revoke").status_code == 303
    assert exchange(srv, first).status_code == 401
    assert re.search(
        rf'id="token-{tid1}">.*?class="state">revoked<', alice.get("/console/tokens").text, re.S
    )
    assert alice.post(f"/console/tokens/{tid1}/revoke").status_code == 409
    # an admin sees every member's tokens and revokes one
    listing = admin.get("/console/tokens").text
    assert "alice-two" in listing and tid2 in listing
    assert admin.post(f"/console/tokens/{tid2}/revoke").status_code == 303
    assert exchange(srv, second).status_code == 401
    with srv.sessions() as s:
        row = s.get(ApiToken, tid2)
        assert row.revoked_by != row.user_id
        actions = s.execute(
            select(AuditEvent.action).where(
                or_(accounts.subject_is(tid1), accounts.subject_is(tid2))
            )
        ).scalars()
        assert sorted(actions) == ["api_token.created"] * 2 + ["api_token.revoked"] * 2


def test_idor_another_organisation_cannot_see_or_revoke_tokens(world):
    srv = world["srv"]
    alpha = browser_for(srv, srv.user(world["a"], "owner"))
    new_token(alpha, ["audit:read"], "alpha-audit")
    tid = token_id_of(alpha.get("/console/tokens").text, "alpha-audit")
    beta = browser_for(srv, srv.user(world["b"], "owner"))
    assert "alpha-audit" not in beta.get("/console/tokens").text
    refused = beta.post(f"/console/tokens/{tid}/revoke")
    assert refused.status_code == 404 and 'data-code="unknown_token"' in refused.text
    with srv.sessions() as s:
        assert s.get(ApiToken, tid).revoked_at is None
    # an operator is a member of the operator organisation only: same answer
    from pyvorin_server.accounts import OPERATOR_ORG

    operator = browser_for(srv, srv.user(OPERATOR_ORG, "operator"))
    assert operator.post(f"/console/tokens/{tid}/revoke").status_code == 404
    # an operator's own token acts as an operator (across organisations)
    operator.get("/console/tokens")
    access = exchange(srv, new_token(operator, ["licences:issue"])).json()["access_token"]
    issued = api(
        srv,
        access,
        "POST",
        "/v1/licences",
        json={"licensee": "Via API token", "plan": "team", "seats": 1, "org_id": world["b"]},
    )
    assert issued.status_code == 201, issued.text
    assert api(srv, access, "GET", f"/v1/licences/{world['lid_a']}").status_code == 403


def test_idor_every_json_api_resource_route_hides_another_tenants_licences(world):
    """A member's access token of one organisation, on every JSON API route that names a
    resource: another organisation's licence is answered like one that exists nowhere."""
    srv = world["srv"]
    owner = browser_for(srv, srv.user(world["b"], "owner"))
    access = exchange(srv, new_token(owner, ["licences:read", "machines:read"]))
    access = access.json()["access_token"]
    cases = {  # route -> (method, body); each is tried with Alpha's licence id
        "/v1/licences/{licence_id}": ("GET", None),
        "/v1/licences/{licence_id}/tickets": ("GET", None),
        "/v1/licences/{licence_id}/revoke": ("POST", {"reason": "idor"}),
    }
    resource_routes = {r.path for r in srv.app.routes if r.path.startswith("/v1") and "{" in r.path}
    assert resource_routes == set(cases), "add an IDOR case for each new resource route"
    for route, (method, body) in cases.items():
        own = api(srv, access, method, route.format(licence_id=world["lid_b"]), json=body)
        foreign = api(srv, access, method, route.format(licence_id=world["lid_a"]), json=body)
        made_up = api(
            srv, access, method, route.format(licence_id="lic_0000000000000000"), json=body
        )
        assert foreign.status_code in (403, 404), (route, foreign.status_code)
        # the same answer (the id asked for may be echoed, nothing else of the licence)
        same = foreign.text.replace(world["lid_a"], "lic_0000000000000000")
        assert (foreign.status_code, same) == (made_up.status_code, made_up.text), route
        assert "Alpha" not in foreign.text, route
        if method == "GET":  # the route works for the member's own licence
            assert own.status_code == 200 and own.json()["licence_id"] == world["lid_b"], route
        else:  # revoking is an operator's: refused for every licence alike
            assert own.status_code == 403 and "licences:revoke" in own.json()["message"]
    with srv.sessions() as s:
        from pyvorin_server.models import Licence

        assert s.get(Licence, world["lid_a"]).revoked_at is None


def test_csrf_and_origin_are_checked_on_the_token_forms(world):
    srv = world["srv"]
    dev = browser_for(srv, srv.user(world["a"], "developer"))
    no_token = dev.post(
        "/console/tokens", {"name": "no-csrf-token", "permission": ["licences:read"]}, csrf=False
    )
    assert no_token.status_code == 403 and 'data-code="csrf_failed"' in no_token.text
    cross = dev.post(
        "/console/tokens",
        {"name": "no-csrf-token", "permission": ["licences:read"]},
        headers={"origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    dev.get("/console/tokens")
    new_token(dev, ["licences:read"], "keep-me")
    tid = token_id_of(dev.get("/console/tokens").text, "keep-me")
    forged = dev.post(f"/console/tokens/{tid}/revoke", {"csrf_token": "forged"})
    assert forged.status_code == 403
    assert "no-csrf-token" not in dev.get("/console/tokens").text
    assert re.search(
        rf'id="token-{tid}">.*?class="state">active<', dev.get("/console/tokens").text, re.S
    )


def test_expired_disabled_and_malformed_tokens_are_refused_alike(world):
    srv = world["srv"]
    email = srv.user(world["a"], "developer")
    dev = browser_for(srv, email)
    expiring, disabled = new_token(dev, ["licences:read"]), new_token(dev, ["licences:read"])
    with srv.sessions() as s, s.begin():
        s.execute(
            update(ApiToken)
            .where(ApiToken.hint == expiring[:10])
            .values(expires_at=ApiToken.created_at)
        )
    answers = [exchange(srv, expiring)]
    with srv.sessions() as s, s.begin():
        accounts.find_user(s, email).disabled = True
    answers.append(exchange(srv, disabled))
    for garbage in (
        "pvt_" + "A" * 43,
        srv.admin_token(),
        "pvt_short",
        "pvt_" + "%00" * 10,
        disabled + "x",
        disabled[:-1],
    ):
        answers.append(exchange(srv, garbage))
    answers.append(httpx.post(f"{srv.url}/v1/access-token"))
    assert {(a.status_code, a.json().get("error"), a.json().get("message")) for a in answers} == {
        (401, "invalid_api_token", "the API token is unknown, revoked or expired")
    }


def test_refused_tokens_count_against_the_callers_address(tmp_path):
    from pyvorin_server.db import migrate

    url = f"sqlite:///{tmp_path}/limits.db"
    migrate(url)
    with ConsoleServer(url, tmp_path / "home", admin_failures_per_minute_per_ip=3) as srv:
        dev = browser_for(srv, srv.user(srv.org("Limits"), "developer"))
        good = new_token(dev, ["licences:read"])
        codes = [exchange(srv, "pvt_" + "B" * 43).status_code for _ in range(3)]
        assert codes == [401, 401, 401]
        blocked = exchange(srv, good)  # even a good token, from this address, for now
        assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_export_lists_tokens_without_secrets_and_deletion_removes_them(world):
    srv = world["srv"]
    org = srv.org("Gone Tokens")
    owner_email = srv.user(org, "owner")
    owner = browser_for(srv, owner_email)
    secret = new_token(owner, ["licences:read", "org:export"], "export-me")
    with srv.sessions() as s:
        token_hash = s.execute(
            select(ApiToken.token_hash).where(ApiToken.org_id == org)
        ).scalar_one()
    export = owner.post("/console/organisation/export").json()
    assert [t["name"] for t in export["api_tokens"]] == ["export-me"]
    assert export["api_tokens"][0]["scope"] == ["licences:read", "org:export"]
    blob = json.dumps(export)
    assert secret not in blob and token_hash not in blob
    owner.get("/console/organisation")
    assert owner.post("/console/organisation/delete", {"confirm": "Gone Tokens"}).status_code == 303
    assert exchange(srv, secret).status_code == 401
    with srv.sessions() as s:
        assert s.execute(select(ApiToken).where(ApiToken.org_id == org)).first() is None
