"""The licence server's HTTP API against a real server process, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pyvorin.licensing.tokens import (
    KEY_PREFIX,
    LEASE_PREFIX,
    b64d,
    b64e,
    key_id,
    load_public_key,
    parse_unverified,
    sign_token,
    verify_token,
)
from tests.server import signed


def fp() -> str:
    return uuid.uuid4().hex


def activate(server, key: str, fingerprint: str | None = None) -> httpx.Response:
    """A signed activation, as the pyvorin client sends it."""
    return signed.activate(server.url, key, fingerprint or fp())


def call(server, method: str, path: str, bearer: str, **kw) -> httpx.Response:
    """A signed call with the activation's credential and request key."""
    return signed.call(server.url, method, path, bearer, **kw)


def bearer_of(response: httpx.Response) -> str:
    data = response.json()
    return f"{data['activation_id']}.{data['activation_secret']}"


def trusted(server):
    key = load_public_key(server.issuer_pub.read_bytes(), "issuer.pub")
    return {key_id(key): key}


def test_admin_endpoints_need_the_admin_token(server):
    body = {"licensee": "X", "plan": "team", "seats": 1}
    assert httpx.post(f"{server.url}/v1/licences", json=body).status_code == 401
    wrong = httpx.post(
        f"{server.url}/v1/licences", json=body, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "authentication_required"
    ok = server.admin("POST", "/v1/licences", json=body)
    assert ok.status_code == 201
    lid = ok.json()["licence_id"]
    assert httpx.get(f"{server.url}/v1/licences/{lid}").status_code == 401
    assert httpx.post(f"{server.url}/v1/licences/{lid}/revoke", json={}).status_code == 401
    assert server.status(lid)["revoked"] is False


def test_issued_key_carries_the_licence_terms(server):
    lid, key = server.issue(licensee="ACME Ltd", plan="team", seats=3, days=10, features=["x"])
    token = verify_token(key, KEY_PREFIX, trusted(server), now=time.time())
    assert token["lid"] == lid
    assert (token["licensee"], token["plan"], token["seats"]) == ("ACME Ltd", "team", 3)
    assert token["features"] == ["x"]
    assert 10 * 86400 - 5 <= token["exp"] - time.time() <= 10 * 86400
    assert len(key) < 600 and "\n" not in key


def test_activate_refresh_status_deactivate(server):
    lid, key = server.issue(seats=1)
    machine = fp()
    first = activate(server, key, machine)
    assert first.status_code == 201, first.text
    lease = verify_token(first.json()["lease"], LEASE_PREFIX, trusted(server))
    assert (lease["lid"], lease["fp"], lease["aid"]) == (
        lid,
        machine,
        first.json()["activation_id"],
    )
    assert lease["exp"] > lease["iat"]
    bearer = bearer_of(first)

    refreshed = call(server, "POST", "/v1/refresh", bearer, json={"fingerprint": machine})
    assert refreshed.status_code == 200, refreshed.text
    verify_token(refreshed.json()["lease"], LEASE_PREFIX, trusted(server))

    other_machine = call(server, "POST", "/v1/refresh", bearer, json={"fingerprint": fp()})
    assert other_machine.status_code == 403
    assert other_machine.json()["error"] == "fingerprint_mismatch"

    wrong_secret = call(server, "POST", "/v1/refresh", bearer + "x", json={"fingerprint": machine})
    assert wrong_secret.status_code == 401

    status = call(server, "GET", "/v1/status", bearer)
    assert status.status_code == 200
    assert status.json()["seats_used"] == 1 and status.json()["activation_active"] is True

    gone = call(server, "POST", "/v1/deactivate", bearer)
    assert gone.status_code == 200 and gone.json()["seats_used"] == 0
    again = call(server, "POST", "/v1/refresh", bearer, json={"fingerprint": machine})
    assert again.status_code == 403 and again.json()["error"] == "activation_deactivated"
    assert server.status(lid)["seats_used"] == 0


def test_seat_limit_exhausted_and_released(server):
    lid, key = server.issue(seats=2)
    a, b = fp(), fp()
    first, second = activate(server, key, a), activate(server, key, b)
    assert first.status_code == second.status_code == 201
    third = activate(server, key, fp())
    assert third.status_code == 409
    assert third.json()["error"] == "seats_exhausted"
    assert "all 2 seat(s)" in third.json()["message"]
    # the same machine activating again keeps its seat
    assert activate(server, key, a).status_code == 201
    assert server.status(lid)["seats_used"] == 2
    # the re-activation rotated the secret: the old credential is dead
    assert (
        call(server, "POST", "/v1/refresh", bearer_of(first), json={"fingerprint": a}).status_code
        == 401
    )
    assert call(server, "POST", "/v1/deactivate", bearer_of(second)).status_code == 200
    assert activate(server, key, fp()).status_code == 201
    assert server.status(lid)["seats_used"] == 2


def test_twenty_concurrent_activations_of_a_five_seat_licence_leave_exactly_five(server):
    lid, key = server.issue(seats=5)
    barrier = threading.Barrier(20)

    def one(_i: int) -> int:
        barrier.wait()
        return activate(server, key, fp()).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(one, range(20)))
    assert sorted(codes) == [201] * 5 + [409] * 15, codes
    status = server.status(lid)
    assert status["seats_used"] == 5
    assert sum(a["active"] for a in status["activations"]) == 5


def test_usage_counts_under_concurrent_and_replayed_reports(server):
    lid, key = server.issue(seats=2, monthly_compile_limit=50)
    bearers = [bearer_of(activate(server, key)), bearer_of(activate(server, key))]
    keys = [uuid.uuid4().hex for _ in range(40)]
    # every report sent three times, from two machines' threads at once
    jobs = [(k, bearers[i % 2]) for i, k in enumerate(keys)] * 3
    barrier = threading.Barrier(16)

    def report(job):
        idem, bearer = job
        try:
            barrier.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        body = {"idempotency_key": idem, "kind": "compile", "count": 1}
        return call(server, "POST", "/v1/usage", bearer, json=body)

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(report, jobs))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses][:3]
    assert sum(r.json()["recorded"] for r in responses) == 40
    assert server.status(lid)["usage"]["used"] == 40

    # the plan limit (50) holds exactly under concurrency: 15 new reports, 10 fit
    fresh = [(uuid.uuid4().hex, bearers[i % 2]) for i in range(15)]
    barrier = threading.Barrier(15)
    with ThreadPoolExecutor(15) as pool:
        responses = list(pool.map(report, fresh))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 10 + [402] * 5, codes
    refused = next(r for r in responses if r.status_code == 402).json()
    assert refused["error"] == "plan_limit_reached"
    assert server.status(lid)["usage"] == {
        "period": time.strftime("%Y-%m", time.gmtime()),
        "used": 50,
        "limit": 50,
    }


def test_usage_cannot_be_lowered_or_rewritten(server):
    _, key = server.issue(seats=1)
    bearer = bearer_of(activate(server, key))
    for bad in (0, -5, 10_000):
        response = call(
            server, "POST", "/v1/usage", bearer, json={"idempotency_key": "k" * 16, "count": bad}
        )
        assert response.status_code == 422, bad
    first = call(
        server, "POST", "/v1/usage", bearer, json={"idempotency_key": "a" * 16, "count": 3}
    )
    assert first.json()["used"] == 3
    rewritten = call(
        server, "POST", "/v1/usage", bearer, json={"idempotency_key": "a" * 16, "count": 1}
    )
    assert rewritten.status_code == 409 and rewritten.json()["error"] == "idempotency_conflict"
    assert call(server, "GET", "/v1/status", bearer).json()["usage"]["used"] == 3


def test_revocation_is_immediate(server):
    lid, key = server.issue(seats=2)
    machine = fp()
    bearer = bearer_of(activate(server, key, machine))
    revoked = server.revoke(lid, reason="chargeback")
    assert revoked["revoked"] is True and revoked["revoked_reason"] == "chargeback"
    refresh = call(server, "POST", "/v1/refresh", bearer, json={"fingerprint": machine})
    assert refresh.status_code == 403 and refresh.json()["error"] == "licence_revoked"
    assert "chargeback" in refresh.json()["message"]
    usage = call(server, "POST", "/v1/usage", bearer, json={"idempotency_key": "b" * 16})
    assert usage.status_code == 403
    assert activate(server, key).json()["error"] == "licence_revoked"
    assert server.admin("POST", "/v1/licences/lic_nope/revoke", json={}).status_code == 404


def _server_key(server) -> Ed25519PrivateKey:
    return serialization.load_pem_private_key(
        (server.home / "issuer.key").read_bytes(), password=None
    )


def test_activation_rejects_bad_keys_with_distinct_errors(server):
    lid, key = server.issue(seats=1)
    payload, _, _ = parse_unverified(key, KEY_PREFIX)
    prefix, _body, sig = key.split(".")

    malformed = activate(server, "PVL1.not-a-key")
    assert malformed.status_code == 400 and malformed.json()["error"] == "key_malformed"

    tampered_payload = dict(payload, seats=500)
    import json

    forged = f"{prefix}.{b64e(json.dumps(tampered_payload).encode())}.{sig}"
    tampered = activate(server, forged)
    assert tampered.status_code == 403 and tampered.json()["error"] == "key_tampered"

    stranger = Ed25519PrivateKey.generate()
    foreign = sign_token(KEY_PREFIX, dict(payload, kid=key_id(stranger.public_key())), stranger)
    wrong = activate(server, foreign)
    assert wrong.status_code == 403 and wrong.json()["error"] == "key_wrong_issuer"

    expired_key = sign_token(
        KEY_PREFIX, dict(payload, iat=1_600_000_000, exp=1_600_000_100), _server_key(server)
    )
    expired = activate(server, expired_key)
    assert expired.status_code == 403 and expired.json()["error"] == "key_expired"

    unknown = sign_token(KEY_PREFIX, dict(payload, lid="lic_0000000000000000"), _server_key(server))
    assert activate(server, unknown).json()["error"] == "unknown_licence"
    assert server.status(lid)["seats_used"] == 0
    assert b64d(sig)  # the original signature part was well-formed


def test_activation_is_rate_limited_per_licence(server):
    _, key = server.issue(seats=1)
    machine = fp()
    codes = [activate(server, key, machine).status_code for _ in range(30)]
    assert codes == [201] * 30
    limited = activate(server, key, machine)
    assert limited.status_code == 429
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # another licence is not affected
    _, other = server.issue(seats=1)
    assert activate(server, other).status_code == 201


def test_openapi_document_is_served(server):
    document = httpx.get(f"{server.url}/openapi.json").json()
    assert document["info"]["title"] == "Pyvorin licence server"
    for path in (
        "/v1/activate",
        "/v1/refresh",
        "/v1/deactivate",
        "/v1/usage",
        "/v1/status",
        "/v1/licences",
        "/v1/licences/{licence_id}/revoke",
    ):
        assert path in document["paths"], path
    assert set(document["paths"]["/v1/audit/checkpoint"]) == {"get", "post"}
    assert httpx.get(f"{server.url}/healthz").json()["status"] == "ok"
