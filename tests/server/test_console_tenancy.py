"""Tenant isolation (IDOR on every resource route), role permissions, usage chart,
organisation export and deletion: over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import select

from pyvorin_server.tickets import AuditCheckpoint, BuildTicket
from tests.server import signed
from tests.server.conftest import BACKENDS, database_for
from tests.server.console_support import PASSWORD, Browser, ConsoleServer


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    """Two customer organisations with licences, machines and usage, and members of
    every role; plus an operator."""
    from pyvorin_server.config import normalise_db_url
    from pyvorin_server.db import migrate

    tmp = tmp_path_factory.mktemp("tenancy")
    url = database_for(request, request.param, "pyvorin_console_tenancy")
    url = normalise_db_url(url or f"sqlite:///{tmp}/tenancy.db")
    migrate(url)
    with ConsoleServer(url, tmp / "home") as srv:
        w = {"srv": srv, "a": srv.org("Alpha Ltd"), "b": srv.org("Beta GmbH")}
        for org in ("a", "b"):
            lid, key = srv.issue(w[org], seats=3)
            act, bearer = srv.activate(key, hostname=f"{org}-build")
            srv.report_usage(bearer, 7 if org == "a" else 5)
            srv.report_usage(bearer, 3, kind="check")
            w[f"lid_{org}"], w[f"act_{org}"], w[f"bearer_{org}"] = lid, act, bearer
        for role in ("owner", "admin", "developer", "billing", "viewer"):
            w[f"{role}_a"] = srv.user(w["a"], role)
        w["owner_b"] = srv.user(w["b"], "owner")
        from pyvorin_server.accounts import OPERATOR_ORG

        w["operator"] = srv.user(OPERATOR_ORG, "operator")
        yield w


def signed_in(world, who: str) -> Browser:
    browser = Browser(world["srv"].url)
    assert browser.sign_in(world[who]).status_code == 303
    return browser


def user_id(browser: Browser, email: str) -> str:
    page = browser.get("/console/members").text
    return re.search(
        rf'data-email="{re.escape(email)}".*?/console/members/([^/]+)/role', page, re.S
    ).group(1)


def test_idor_every_resource_route_hides_another_tenants_resources(world):
    srv = world["srv"]
    beta = signed_in(world, "owner_b")
    alpha_owner = signed_in(world, "owner_a")
    alpha_member = user_id(alpha_owner, world["viewer_a"])
    alpha_owner.get("/console/tokens")
    made = alpha_owner.post("/console/tokens", {"name": "idor", "permission": ["licences:read"]})
    alpha_token = re.search(r'id="token-(tok_[0-9a-f]+)"', made.text).group(1)
    # every console route that names a resource in its path has a case here
    cases = {
        "/console/licences/{licence_id}": ("GET", f"/console/licences/{world['lid_a']}", {}),
        "/console/licences/{licence_id}/revoke": (
            "POST",
            f"/console/licences/{world['lid_a']}/revoke",
            {"reason": "x"},
        ),
        "/console/machines/{activation_id}/deactivate": (
            "POST",
            f"/console/machines/{world['act_a']}/deactivate",
            {},
        ),
        "/console/members/{user_id}/role": (
            "POST",
            f"/console/members/{alpha_member}/role",
            {"role": "viewer"},
        ),
        "/console/tokens/{token_id}/revoke": ("POST", f"/console/tokens/{alpha_token}/revoke", {}),
    }
    resource_routes = {
        r.path for r in srv.app.routes if r.path.startswith("/console") and "{" in r.path
    }
    assert resource_routes == set(cases), "add an IDOR case for each new resource route"
    for path, (method, concrete, form) in cases.items():
        beta.get("/console/licences")
        response = beta.post(concrete, form) if method == "POST" else beta.get(concrete)
        # not found, or (operator-only routes) not allowed: never the resource itself,
        # and the same answer as for an id that exists nowhere
        assert response.status_code in (403, 404), (path, response.status_code)
        assert 'id="seats"' not in response.text and "a-build" not in response.text, path
        made_up = re.sub(r"(lic|act|usr|tok)_[0-9a-f]+", r"\1_0000000000000000", concrete)
        beta.get("/console/licences")
        twin = beta.post(made_up, form) if method == "POST" else beta.get(made_up)
        code = re.compile(r'data-code="([^"]+)"')
        assert (twin.status_code, code.search(twin.text).group(1)) == (
            response.status_code,
            code.search(response.text).group(1),
        ), path
    # nothing changed in Alpha
    page = alpha_owner.get(f"/console/licences/{world['lid_a']}").text
    assert "active" in page and "revoked" not in page
    assert re.search(rf'id="machine-{world["act_a"]}".*?class="state">active<', page, re.S)
    assert srv.report_usage(world["bearer_a"], 1) is None  # the machine still works
    assert alpha_member not in beta.get("/console/members").text
    assert alpha_token not in beta.get("/console/tokens").text
    assert 'class="state">active<' in alpha_owner.get("/console/tokens").text
    # lists show only one's own organisation
    listing = beta.get("/console/licences").text
    assert world["lid_b"] in listing and world["lid_a"] not in listing
    audit = beta.get("/console/audit").text
    assert world["lid_a"] not in audit and world["viewer_a"] not in audit
    export = beta.post("/console/organisation/export").json()
    blob = json.dumps(export)
    assert world["lid_b"] in blob and world["lid_a"] not in blob and "Alpha" not in blob
    # switching into a foreign organisation is refused
    assert beta.post("/console/switch", {"org_id": world["a"]}).status_code == 404
    # the JSON API too: a foreign licence id is unknown to a scoped principal
    status = httpx.get(f"{srv.url}/v1/licences/{world['lid_a']}")
    assert status.status_code == 401


def test_each_role_gets_exactly_its_pages(world):
    expected = {  # page -> roles that may see it
        "/console/licences": {"owner", "admin", "developer", "billing", "viewer"},
        "/console/usage": {"owner", "admin", "developer", "billing", "viewer"},
        "/console/members": {"owner", "admin", "developer", "billing", "viewer"},
        "/console/audit": {"owner", "admin"},
        "/console/orgs": set(),
    }
    for role in ("owner", "admin", "developer", "billing", "viewer"):
        browser = signed_in(world, f"{role}_a")
        for page, allowed in expected.items():
            status = browser.get(page).status_code
            assert status == (200 if role in allowed else 403), (role, page, status)
        if role == "billing":  # billing sees licences but not the machines
            detail = browser.get(f"/console/licences/{world['lid_a']}").text
            assert 'id="machines"' not in detail and world["act_a"] not in detail
    viewer = signed_in(world, "viewer_a")
    refused = viewer.post(f"/console/machines/{world['act_a']}/deactivate")
    assert refused.status_code == 403 and "machines:deactivate" in refused.text
    admin = signed_in(world, "admin_a")
    assert admin.post("/console/organisation/delete", {"confirm": "Alpha Ltd"}).status_code == 403
    owner_id = user_id(admin, world["owner_a"])
    demote = admin.post(f"/console/members/{owner_id}/role", {"role": "viewer"})
    assert demote.status_code == 403 and "only an owner" in demote.text
    dev_id = user_id(admin, world["developer_a"])
    promote = admin.post(f"/console/members/{dev_id}/role", {"role": "owner"})
    assert promote.status_code == 403
    issue = admin.post("/console/licences", {"org_id": world["a"], "licensee": "x", "plan": "team"})
    assert issue.status_code == 403 and "licences:issue" in issue.text


def test_operator_issues_licences_and_sees_every_organisation(world):
    operator = signed_in(world, "operator")
    listing = operator.get("/console/licences").text
    assert world["lid_a"] in listing and world["lid_b"] in listing
    assert "Beta GmbH" in operator.get("/console/orgs").text
    issued = operator.post(
        "/console/licences",
        {"org_id": world["b"], "licensee": "Beta GmbH", "plan": "team", "seats": "2", "days": "30"},
    )
    assert issued.status_code == 200
    key = re.search(r'id="key">([^<]+)<', issued.text).group(1)
    lid = re.search(r'id="issued" href="/console/licences/([^"]+)"', issued.text).group(1)
    assert key.startswith("PVL1.")
    beta = signed_in(world, "owner_b")
    assert lid in beta.get("/console/licences").text
    alpha = signed_in(world, "owner_a")
    assert lid not in alpha.get("/console/licences").text
    assert world["srv"].activate(key)  # the key works
    audit = beta.get("/console/audit").text
    assert "licence.issued" in audit and lid in audit


def test_developer_deactivates_a_machine_and_its_seat_is_freed(world):
    srv = world["srv"]
    lid, key = srv.issue(world["a"], seats=1)
    act, bearer = srv.activate(key, hostname="laptop-7")
    dev = signed_in(world, "developer_a")
    dev.get(f"/console/licences/{lid}")
    done = dev.post(f"/console/machines/{act}/deactivate")
    assert done.status_code == 303
    page = dev.get(f"/console/licences/{lid}").text
    assert "0 of 1 in use" in page and re.search(
        rf'id="machine-{act}".*?class="state">deactivated<', page, re.S
    )
    refresh = signed.call(srv.url, "POST", "/v1/refresh", bearer, json={"fingerprint": "0" * 32})
    assert refresh.status_code == 403 and refresh.json()["error"] == "activation_deactivated"
    srv.activate(key, hostname="laptop-8")  # the seat is free again
    again = dev.post(f"/console/machines/{act}/deactivate")
    assert again.status_code == 409


def test_usage_chart_shows_each_tenants_own_months(world):
    period = datetime.now(timezone.utc).strftime("%Y-%m")
    alpha = signed_in(world, "billing_a").get("/console/usage").text
    beta = signed_in(world, "owner_b").get("/console/usage").text
    bar = re.compile(rf'class="bar" data-period="{period}" data-total="(\d+)"')
    alpha_total, beta_total = int(bar.search(alpha).group(1)), int(bar.search(beta).group(1))
    assert beta_total == 5 + 3
    assert alpha_total >= 7 + 3  # other tests of the module may add Alpha usage
    assert alpha.count('class="bar"') == 12 and "<svg" in alpha
    row = re.search(rf"<td>{period}</td><td>(\d+)</td><td>(\d+)</td>", beta)
    assert row.groups() == ("5", "3")


def test_role_changes_appear_in_the_org_audit_trail_with_before_and_after(world):
    owner = signed_in(world, "owner_a")
    viewer_id = user_id(owner, world["viewer_a"])
    owner.post(f"/console/members/{viewer_id}/role", {"role": "billing"})
    owner.post(f"/console/members/{viewer_id}/role", {"role": "viewer"})
    audit = owner.get("/console/audit").text
    changed = re.findall(
        rf'data-action="role.changed">.*?{re.escape(world["viewer_a"])}</td>'
        r"<td><code>([^<]*)</code></td><td><code>([^<]*)</code>",
        audit,
    )
    states = [
        (json.loads(b.replace("&#34;", '"')), json.loads(a.replace("&#34;", '"')))
        for b, a in changed
    ]
    assert ({"role": "billing", "version": 1}, {"role": "viewer", "version": 1}) in states
    assert ({"role": "viewer", "version": 1}, {"role": "billing", "version": 1}) in states


def test_export_then_delete_an_organisation(world):
    srv = world["srv"]
    gamma, delta = srv.org("Gamma SA"), srv.org("Delta BV")
    owner_email = srv.user(gamma, "owner")
    shared_email = srv.user(gamma, "developer")
    owner_delta = srv.user(delta, "owner")
    delta_owner = Browser(srv.url)
    delta_owner.sign_in(owner_delta)
    delta_owner.get("/console/members")
    delta_owner.post("/console/members", {"email": shared_email, "role": "viewer"})
    lid, key = srv.issue(gamma)
    _, bearer = srv.activate(key, hostname="gamma-ci")
    srv.report_usage(bearer, 4)
    ticket = signed.call(
        srv.url,
        "POST",
        "/v1/tickets",
        bearer,
        json={"modules": [{"module": "gamma.kern", "source_sha256": "0" * 64}]},
    )
    assert ticket.status_code == 200, ticket.text
    with srv.sessions() as session, session.begin():  # as a refresh with an audit head records
        session.add(
            AuditCheckpoint(
                activation_id=bearer.split(".", 1)[0],
                log_id="ab" * 16,
                licence_id=lid,
                seq=3,
                head_hash="3" * 64,
                recorded_at=0,
                token="t",
            )
        )
    owner = Browser(srv.url)
    owner.sign_in(owner_email)
    export = owner.post("/console/organisation/export")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    data = export.json()
    assert data["format"] == "pyvorin.org-export/1" and data["organisation"]["name"] == "Gamma SA"
    assert {m["email"] for m in data["members"]} == {owner_email, shared_email}
    assert [lic["licence_id"] for lic in data["licences"]] == [lid]
    assert [m["hostname"] for m in data["machines"]] == ["gamma-ci"]
    assert [u["count"] for u in data["usage"]] == [4]
    assert "org.exported" not in {e["action"] for e in data["audit"]}  # recorded after
    wrong = owner.post("/console/organisation/delete", {"confirm": "gamma sa"})
    assert wrong.status_code == 422 and "exact name" in wrong.text
    gone = owner.post("/console/organisation/delete", {"confirm": "Gamma SA"})
    assert gone.status_code == 303 and owner.session is None
    # its build tickets and audit checkpoints are gone with it
    with srv.sessions() as session:
        for model in (BuildTicket, AuditCheckpoint):
            left = session.scalars(select(model).where(model.licence_id == lid)).all()
            assert left == [], model.__name__
    # its licence and machines stop working at once
    status = signed.call(srv.url, "GET", "/v1/status", bearer)
    assert status.status_code == 401
    # its only-here member is gone; the member of another organisation stays
    assert Browser(srv.url).sign_in(owner_email).status_code == 401
    assert Browser(srv.url).sign_in(shared_email, PASSWORD).status_code == 303
    operator = signed_in(world, "operator")
    audit = operator.get("/console/audit").text
    assert "org.deleted" in audit and gamma in audit and owner_email not in audit
    assert "Gamma SA" not in operator.get("/console/orgs").text
