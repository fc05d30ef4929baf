"""Signed machine-to-server requests (HMAC-SHA256, 5-minute window, nonce store) against a
real server process on SQLite and PostgreSQL: tampering, replay, stale and foreign
signatures are refused."""

from __future__ import annotations

import time
import uuid

from pyvorin.licensing import transport
from tests.server import signed


def fp() -> str:
    return uuid.uuid4().hex


def activated(server):
    _, key = server.issue(seats=2)
    machine = fp()
    answer = signed.activate(server.url, key, machine)
    assert answer.status_code == 201, answer.text
    data = answer.json()
    bearer = f"{data['activation_id']}.{data['activation_secret']}"
    return key, machine, bearer, data["activation_id"], signed.REQUEST_KEYS[data["activation_id"]]


def refresh(server, bearer, aid, key, machine, **kw):
    return signed.send(
        server.url,
        "POST",
        "/v1/refresh",
        key=key,
        credential=aid,
        json={"fingerprint": machine},
        headers={"Authorization": f"Bearer {bearer}", **kw.pop("headers", {})},
        **kw,
    )


def test_signed_call_is_accepted_and_its_replay_refused(server):
    _, machine, bearer, aid, key = activated(server)
    nonce = transport.b64url(uuid.uuid4().bytes)
    first = refresh(server, bearer, aid, key, machine, nonce=nonce)
    assert first.status_code == 200, first.text
    replay = refresh(server, bearer, aid, key, machine, nonce=nonce, now=time.time())
    assert replay.status_code == 401
    assert replay.json()["error"] == "request_replayed"


def test_exact_replay_of_the_wire_request_is_refused(server):
    import httpx

    _, machine, bearer, aid, key = activated(server)
    body = f'{{"fingerprint": "{machine}"}}'.encode()
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    headers.update(transport.signed_headers(key, aid, "POST", "/v1/refresh", body))
    url = f"{server.url}/v1/refresh"
    assert httpx.post(url, content=body, headers=headers).status_code == 200
    again = httpx.post(url, content=body, headers=headers)
    assert (again.status_code, again.json()["error"]) == (401, "request_replayed")


def test_unsigned_tampered_stale_and_foreign_signatures_are_refused(server):
    import httpx

    _, machine, bearer, aid, key = activated(server)
    url = f"{server.url}/v1/refresh"
    auth = {"Authorization": f"Bearer {bearer}"}

    unsigned = httpx.post(url, json={"fingerprint": machine}, headers=auth)
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "signature_required")

    # body changed after signing
    body = f'{{"fingerprint": "{machine}"}}'.encode()
    headers = {**auth, "Content-Type": "application/json"}
    headers.update(transport.signed_headers(key, aid, "POST", "/v1/refresh", body))
    tampered = httpx.post(url, content=body.replace(b'"}', b'0"}'), headers=headers)
    assert (tampered.status_code, tampered.json()["error"]) == (401, "signature_invalid")

    # signed for another path
    headers = {**auth, "Content-Type": "application/json"}
    headers.update(transport.signed_headers(key, aid, "POST", "/v1/usage", body))
    other_path = httpx.post(url, content=body, headers=headers)
    assert other_path.json()["error"] == "signature_invalid"

    # signed 330 s ago (a correct signature over a stale timestamp), and from the future
    for skew in (-330, 330):
        stale = refresh(server, bearer, aid, key, machine, now=time.time() + skew)
        assert stale.status_code == 401, (skew, stale.text)
        assert stale.json()["error"] == "signature_expired", skew
        assert "window 300 s" in stale.json()["message"]
    # inside the window is fine
    assert refresh(server, bearer, aid, key, machine, now=time.time() - 200).status_code == 200

    # another activation's key, and a forged credential header
    _, _, _, other_aid, other_key = activated(server)
    foreign = refresh(server, bearer, aid, other_key, machine)
    assert foreign.json()["error"] == "signature_invalid"
    wrong_credential = refresh(server, bearer, other_aid, key, machine)
    assert wrong_credential.json()["error"] == "signature_invalid"

    # malformed headers
    bad_nonce = refresh(server, bearer, aid, key, machine, nonce="short")
    assert bad_nonce.json()["error"] == "signature_malformed"
    headers = {**auth, "Content-Type": "application/json"}
    headers.update(transport.signed_headers(key, aid, "POST", "/v1/refresh", body))
    headers[transport.HEADER_TIMESTAMP] = "yesterday"
    assert httpx.post(url, content=body, headers=headers).json()["error"] == "signature_malformed"


def test_activation_is_signed_with_the_licence_key_and_not_replayable(server):
    import httpx

    _, key = server.issue(seats=3)
    body = {"key": key, "fingerprint": fp(), "hostname": "h"}
    raw = __import__("json").dumps(body).encode()
    lid = signed.licence_id_of(key)
    headers = {"Content-Type": "application/json"}
    headers.update(
        transport.signed_headers(transport.activation_key(key), lid, "POST", "/v1/activate", raw)
    )
    url = f"{server.url}/v1/activate"
    assert httpx.post(url, content=raw, headers=headers).status_code == 201
    replay = httpx.post(url, content=raw, headers=headers)
    assert (replay.status_code, replay.json()["error"]) == (401, "request_replayed")
    # a signature made with another licence's key does not activate this one
    _, other = server.issue(seats=1)
    forged = {"Content-Type": "application/json"}
    forged.update(
        transport.signed_headers(transport.activation_key(other), lid, "POST", "/v1/activate", raw)
    )
    refused = httpx.post(url, content=raw, headers=forged)
    assert (refused.status_code, refused.json()["error"]) == (401, "signature_invalid")
    unsigned = httpx.post(url, json=body)
    assert unsigned.json()["error"] == "signature_required"
    assert server.status(lid)["seats_used"] == 1
