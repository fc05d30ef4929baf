"""Build tickets, offline reports and audit checkpoints on the server (issue 13), on
SQLite and PostgreSQL: numbers never handed out twice under concurrency, checkpoints
that never go back, offline slots counted once."""

from __future__ import annotations

import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor

from pyvorin.licensing.tokens import CHECKPOINT_PREFIX, TICKET_PREFIX, b64d
from tests.server.test_api import activate, bearer_of, call, fp


def payload(token: str) -> dict:
    return json.loads(b64d(token.split(".")[1]))


def test_concurrent_ticket_requests_get_distinct_numbers(server):
    lid, key = server.issue(seats=2)
    bearers = [bearer_of(activate(server, key, fp())) for _ in range(2)]
    barrier = threading.Barrier(12)

    def one(i: int):
        barrier.wait(timeout=10)
        body = {
            "modules": [
                {"module": f"m{i}_{j}", "source_sha256": hashlib.sha256(b"%d" % i).hexdigest()}
                for j in range(3)
            ]
        }
        return call(server, "POST", "/v1/tickets", bearers[i % 2], json=body)

    with ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(one, range(12)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses][:2]
    tickets = [t for r in responses for t in r.json()["tickets"]]
    assert all(t.startswith(TICKET_PREFIX + ".") for t in tickets)
    numbers = sorted(payload(t)["n"] for t in tickets)
    assert numbers == list(range(1, 37))
    counted = server.admin("GET", f"/v1/licences/{lid}/tickets").json()
    assert (counted["online"], counted["offline"]) == (36, 0)

    server.revoke(lid)
    body = {"modules": [{"module": "m", "source_sha256": "0" * 64}]}
    after = call(server, "POST", "/v1/tickets", bearers[0], json=body)
    assert after.status_code == 403 and after.json()["error"] == "licence_revoked"


def test_checkpoints_never_go_back(server):
    _, key = server.issue(seats=1)
    answer = activate(server, key, fp())
    bearer, lease = bearer_of(answer), answer.json()["lease"]
    fingerprint = payload(lease)["fp"]
    log = "ab" * 16

    def refresh(seq: int, head: str, **extra):
        body = {
            "fingerprint": fingerprint,
            "audit_log": log,
            "audit_seq": seq,
            "audit_hash": head,
            **extra,
        }
        response = call(server, "POST", "/v1/refresh", bearer, json=body)
        assert response.status_code == 200, response.text
        return payload(response.json()["checkpoint"])

    assert refresh(5, "5" * 64)["seq"] == 5
    assert refresh(9, "9" * 64)["seq"] == 9
    kept = refresh(3, "3" * 64)  # a rolled back log: the higher checkpoint stands
    assert (kept["seq"], kept["hash"], kept["log"]) == (9, "9" * 64, log)
    got = call(server, "GET", f"/v1/audit/checkpoint?log={log}", bearer).json()
    assert (
        got["checkpoint"].startswith(CHECKPOINT_PREFIX) and payload(got["checkpoint"])["seq"] == 9
    )
    # a new log that the client says replaced the old one is marked, for good
    new = "cd" * 16
    body = {
        "fingerprint": fingerprint,
        "audit_log": new,
        "audit_seq": 1,
        "audit_hash": "1" * 64,
        "audit_previous": log,
    }
    marked = payload(call(server, "POST", "/v1/refresh", bearer, json=body).json()["checkpoint"])
    assert (marked["log"], marked["rlog"], marked["rseq"]) == (new, log, 9)
    body.update(audit_seq=2, audit_hash="2" * 64)
    body.pop("audit_previous")
    still = payload(call(server, "POST", "/v1/refresh", bearer, json=body).json()["checkpoint"])
    assert (still["seq"], still["rlog"]) == (2, log)


def test_the_audit_anchor_route_is_a_signed_call_of_a_live_activation(server):
    """``POST /v1/audit/checkpoint`` (sent at the end of an online pipeline run) records a
    head like a refresh: never lower than the recorded one. It is authenticated and
    refused like the ticket routes, and a refused call records nothing."""
    import httpx

    lid, key = server.issue(seats=2)
    answer = activate(server, key, fp())
    bearer, aid = bearer_of(answer), answer.json()["activation_id"]
    log = "ef" * 16

    def anchor(seq: int, head: str, credential: str = bearer, **extra):
        body = {"audit_log": log, "audit_seq": seq, "audit_hash": head, **extra}
        return call(server, "POST", "/v1/audit/checkpoint", credential, json=body)

    def recorded() -> int:
        got = call(server, "GET", f"/v1/audit/checkpoint?log={log}", bearer)
        return payload(got.json()["checkpoint"])["seq"]

    first = anchor(7, "7" * 64)
    assert first.status_code == 200, first.text
    signed = payload(first.json()["checkpoint"])
    assert (signed["log"], signed["seq"], signed["hash"], signed["aid"]) == (log, 7, "7" * 64, aid)
    lower = anchor(4, "4" * 64)  # a rolled back log: the higher checkpoint stands
    assert lower.status_code == 200 and payload(lower.json()["checkpoint"])["seq"] == 7
    assert recorded() == 7

    # validated as strictly as a refresh's audit fields
    for bad in (
        {"audit_log": "EF" * 16},
        {"audit_seq": -1},
        {"audit_hash": "7" * 63},
        {"audit_previous": "x" * 32},
    ):
        refused = call(
            server,
            "POST",
            "/v1/audit/checkpoint",
            bearer,
            json={"audit_log": log, "audit_seq": 8, "audit_hash": "8" * 64, **bad},
        )
        assert refused.status_code == 422, bad
    missing = call(server, "POST", "/v1/audit/checkpoint", bearer, json={"audit_log": log})
    assert missing.status_code == 422

    body = {"audit_log": log, "audit_seq": 8, "audit_hash": "8" * 64}
    unsigned = httpx.post(
        f"{server.url}/v1/audit/checkpoint",
        json=body,
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "signature_required")
    wrong = anchor(8, "8" * 64, credential=f"{aid}.{'x' * 43}")
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_activation")

    other = activate(server, key, fp())
    other_bearer = bearer_of(other)
    assert call(server, "POST", "/v1/deactivate", other_bearer).status_code == 200
    deactivated = anchor(8, "8" * 64, credential=other_bearer)
    assert (deactivated.status_code, deactivated.json()["error"]) == (
        403,
        "activation_deactivated",
    )

    server.revoke(lid)
    revoked = anchor(9, "9" * 64)
    assert (revoked.status_code, revoked.json()["error"]) == (403, "licence_revoked")
    assert recorded() == 7  # nothing was recorded by the refused calls
