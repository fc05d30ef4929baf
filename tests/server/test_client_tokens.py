"""The pyvorin client's own use of device-bound tokens and signed requests, against a
real server: status and deactivation with DPoP access tokens, cached until they expire,
rotation of the refresh token, recovery after a reuse revoked the family, refusal
reports."""

from __future__ import annotations

import json
import stat

from pyvorin.licensing import transport
from pyvorin.licensing.client import LicenceClient
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
