"""The pyvorin client's own use of device-bound tokens and signed requests, against a
real server: status and deactivation with DPoP access tokens, cached until they expire,
rotation of the refresh token, recovery after a reuse revoked the family, refusal
reports, and every machine call signed."""

from __future__ import annotations

import json
import stat

import httpx

from pyvorin.audit import AuditLog
from pyvorin.licensing import transport
from pyvorin.licensing.client import LicenceClient
from pyvorin.licensing.state import load_state
from pyvorin.licensing.tickets import anchor_problem, draw_offline, request_tickets
from pyvorin.licensing.trust import trust_issuer


def client_for(server, tmp_path, seats: int = 1) -> tuple[LicenceClient, str]:
    lid, key = server.issue(seats=seats)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    trust_issuer(server.issuer_pub, home)
    client = LicenceClient(home, env={})
    client.activate(key, server.url)
    return client, lid


def test_client_status_and_deactivate_use_device_bound_tokens(server, tmp_path):
    client, lid = client_for(server, tmp_path)
    path = transport.transport_path(client.home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = transport.load_transport(client.home)
    assert saved.request_key and saved.device_key_pem and not saved.access_token
    assert client.server_status()["licence_id"] == lid
    first = transport.load_transport(client.home)
    assert first.access_token and first.refresh_token.startswith("pvr_")
    client.server_status()  # the cached access token is reused
    assert transport.load_transport(client.home).refresh_token == first.refresh_token

    # expired access token: the client rotates its refresh token
    first.access_expires = 0
    transport.save_transport(first, client.home)
    client.server_status()
    second = transport.load_transport(client.home)
    assert second.refresh_token != first.refresh_token

    # an old copy of the state presents a rotated refresh token: the server revokes the
    # family; the client recovers with its activation credential (a new family)
    stale = transport.load_transport(client.home)
    stale.refresh_token, stale.access_expires = first.refresh_token, 0
    transport.save_transport(stale, client.home)
    assert client.server_status()["activation_active"] is True
    recovered = transport.load_transport(client.home)
    assert recovered.refresh_token not in (first.refresh_token, second.refresh_token)

    # the tokens are bound to this machine's device key: another key cannot use them
    thief = transport.TransportState(**{**recovered.__dict__, "device_key_pem": ""})
    thief.access_expires = 0
    other_home = tmp_path / "other"
    (other_home / "licence").mkdir(parents=True)
    (other_home / "licence" / "lease.json").write_text(
        (client.home / "licence" / "lease.json").read_text()
    )
    transport.save_transport(thief, other_home)
    copied = LicenceClient(other_home, env={}, fingerprint=client.fingerprint)
    copied.server_status()  # refresh refused (other device), falls back to activation
    assert transport.load_transport(other_home).refresh_token != recovered.refresh_token

    assert client.deactivate()["seats_used"] == 0
    assert server.status(lid)["seats_used"] == 0


def test_client_reports_refusals(server, tmp_path):
    import time
    import uuid

    client, lid = client_for(server, tmp_path)
    detail = f"pkg/_mod.so: signature does not verify ({uuid.uuid4().hex})"
    assert client.report_refusal("signature", detail)
    assert not client.report_refusal("nonsense", "x")  # refused by validation: no raise
    aid = json.loads((client.home / "licence" / "lease.json").read_text())["activation_id"]
    deadline = time.monotonic() + 20
    while detail not in server.log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    alert = next(line for line in server.log_path.read_text().splitlines() if detail in line)
    body = json.loads(alert.split("ALERT ", 1)[1])
    assert body["alert"] == "client_refusal" and body["details"]["licence_id"] == lid
    assert body["details"]["activation_id"] == aid


class Recorder(httpx.BaseTransport):
    """Passes every request to the server and keeps it with the status it was answered."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.seen: list[tuple[httpx.Request, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.real.handle_request(request)
        self.seen.append((request, response.status_code))
        return response


# every endpoint the client calls as an activated machine (LicenceClient._machine_request)
MACHINE_CALLS = {
    ("POST", "/v1/refresh"),
    ("POST", "/v1/usage"),
    ("POST", "/v1/tickets"),
    ("POST", "/v1/tickets/offline"),
    ("POST", "/v1/audit/checkpoint"),
    ("GET", "/v1/audit/checkpoint"),
    ("POST", "/v1/reports"),
    ("POST", "/v1/token"),
    ("GET", "/v1/status"),
    ("POST", "/v1/deactivate"),
}


def test_every_machine_call_of_the_client_is_signed_and_accepted(server, tmp_path):
    """Each machine call of the client, driven through its public operations, reaches the
    real server with this activation's credential and a signature by its request key over
    the exact bytes sent, and is accepted. The answers are checked request by request:
    several callers swallow a refusal (usage drops a refused event, a refusal report and
    the anchor check return quietly), so an unsigned call would not raise."""
    lid, key = server.issue(seats=1)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    trust_issuer(server.issuer_pub, home)
    recorder = Recorder()
    client = LicenceClient(home, env={}, transport=recorder)
    client.activate(key, server.url)
    state = load_state(home)
    assert state is not None
    request_key = transport.b64url_decode(transport.load_transport(home).request_key)
    AuditLog(home / "audit").append("access", "test")  # a head to send and anchor

    assert client.check().mode == "online"  # POST /v1/refresh
    assert client.report_usage()["recorded"] is True  # POST /v1/usage
    assert set(request_tickets(client, [("mod", "0" * 64)])) == {"mod"}  # POST /v1/tickets
    draw_offline(client, [("mod", "1" * 64)])
    client.refresh()  # POST /v1/refresh, then the offline build: POST /v1/tickets/offline
    assert load_state(home).pending_offline == []
    assert client.anchor_audit() is not None  # POST /v1/audit/checkpoint
    problem, note = anchor_problem(client)  # GET /v1/audit/checkpoint?log=...
    assert problem is None and "could not be asked" not in note, note
    assert client.report_refusal("signature", "test")  # POST /v1/reports
    assert client.server_status()["licence_id"] == lid  # POST /v1/token, GET /v1/status
    assert client.deactivate()["seats_used"] == 0  # POST /v1/deactivate
    counted = server.admin("GET", f"/v1/licences/{lid}/tickets").json()
    assert (counted["online"], counted["offline"]) == (1, 1)

    machine = [(r, status) for r, status in recorder.seen if r.url.path != "/v1/activate"]
    assert {(r.method, r.url.path) for r, _ in machine} == MACHINE_CALLS
    for request, status in machine:
        what = f"{request.method} {request.url.raw_path.decode()}"
        assert status < 400, (what, status)
        headers = request.headers
        assert headers[transport.HEADER_CREDENTIAL] == state.activation_id, what
        message = transport.canonical_request(
            request.method,
            request.url.raw_path.decode("latin-1"),
            request.content,
            headers[transport.HEADER_TIMESTAMP],
            headers[transport.HEADER_NONCE],
            state.activation_id,
        )
        assert headers[transport.HEADER_SIGNATURE] == transport.sign(request_key, message), what
        if request.url.path in ("/v1/status", "/v1/deactivate"):
            assert headers["Authorization"].startswith("DPoP "), what
        else:
            assert headers["Authorization"] == f"Bearer {state.bearer}", what


def test_only_the_machine_request_helper_sends_an_activations_calls():
    """The client's calls to the server go through ``_machine_request`` (credential and
    signature from one state), except the two that have no activation to sign with:
    ``activate`` (signed with the licence key) and ``_token_call`` (the refresh grant,
    whose credential is the refresh token and its DPoP proof)."""
    import ast
    from pathlib import Path

    import pyvorin.licensing

    callers = set()
    for path in Path(pyvorin.licensing.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "_request"
                ):
                    callers.add(f"{path.name}:{function.name}")
    assert callers == {"client.py:_machine_request", "client.py:activate", "client.py:_token_call"}
