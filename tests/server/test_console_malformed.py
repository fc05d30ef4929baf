"""Malformed console input: every refusal is a 4xx naming the field, never a server error
and never a half-made record (SQLite and PostgreSQL, whose text cannot hold NUL)."""

from __future__ import annotations

import pytest

from pyvorin_server.accounts import OPERATOR_ORG
from tests.server.conftest import BACKENDS, database_for
from tests.server.console_support import Browser, ConsoleServer


@pytest.fixture(params=BACKENDS)
def console(request, tmp_path):
    from pyvorin_server.config import normalise_db_url
    from pyvorin_server.db import migrate

    url = database_for(request, request.param, "pyvorin_console_malformed")
    url = normalise_db_url(url or f"sqlite:///{tmp_path}/malformed.db")
    migrate(url)
    with ConsoleServer(url, tmp_path / "home") as srv:
        yield srv


def test_malformed_forms_and_ids_are_refused_cleanly(console):
    org = console.org("Strict Ltd")
    lid, _ = console.issue(org)
    operator = Browser(console.url)
    assert operator.sign_in(console.user(OPERATOR_ORG, "operator")).status_code == 303
    owner = Browser(console.url)
    assert owner.sign_in(console.user(org, "owner")).status_code == 303
    issue = {"org_id": org, "licensee": "X", "plan": "team", "seats": "1", "days": "30"}
    cases = [
        (operator, "/console/licences", {**issue, "licensee": "A\x00B"}, 422, "licensee"),
        (operator, "/console/licences", {**issue, "seats": "many"}, 422, "whole numbers"),
        (operator, "/console/licences", {**issue, "seats": "-5"}, 422, "seats 1-100000"),
        (operator, "/console/licences", {**issue, "days": "9" * 20}, 422, "days"),
        (operator, "/console/licences", {**issue, "plan": "gold"}, 422, "unknown plan"),
        (operator, "/console/licences", {**issue, "org_id": "org_none"}, 404, "no organisation"),
        (operator, "/console/licences", {**issue, "org_id": "o\x00"}, 422, "org_id"),
        (operator, "/console/orgs", {"name": "\x00"}, 422, "name"),
        (operator, "/console/orgs", {"name": ""}, 422, "1-256 printable"),
        (operator, "/console/orgs", {"name": "N" * 300}, 422, "at most 256"),
        (operator, f"/console/licences/{lid}/revoke", {"reason": "r\x00"}, 422, "reason"),
        (owner, "/console/members", {"email": "a\x00@b.c", "role": "viewer"}, 422, "email"),
        (
            owner,
            "/console/members",
            {"email": "not-an-address", "role": "viewer"},
            422,
            "not an e-mail address",
        ),
        (owner, "/console/members", {"email": "x@y.example", "role": "root"}, 422, "unknown role"),
        (
            owner,
            "/console/members",
            {"email": "x@y.example", "role": "viewer", "name": "\x07"},
            422,
            "name",
        ),
        (owner, "/console/switch", {"org_id": "\x00"}, 422, "org_id"),
        (owner, "/console/organisation/delete", {"confirm": "\x00"}, 422, "confirm"),
    ]
    for browser, path, form, status, words in cases:
        browser.get("/console/organisation")
        response = browser.post(path, form)
        assert response.status_code == status, (path, form, response.status_code)
        assert words in response.text, (path, form, response.text[-400:])
    for path in (
        "/console/licences/lic%00x",
        "/console/licences/" + "a" * 100,
        "/console/licences/..%2f..%2fetc",
    ):
        response = operator.get(path)
        assert response.status_code in (404, 422), (path, response.status_code)
    # the malformed sign-in is an ordinary failure (same answer, no server error)
    odd = Browser(console.url).sign_in("x\x00@y.example", "whatever whatever")
    assert odd.status_code == 401 and "wrong e-mail address or password" in odd.text
    # nothing was half-made
    listing = operator.get("/console/licences").text
    assert listing.count("/console/licences/lic_") == 1
    orgs = operator.get("/console/orgs").text
    assert "NNNN" not in orgs and orgs.count("<td>customer</td>") == 1
    members = owner.get("/console/members").text
    assert "x@y.example" not in members and members.count("data-email=") == 1
