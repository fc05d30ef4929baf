"""Alerts: rules over security events delivered to a real webhook receiver on loopback by
a real server process (activation bursts, many fingerprints, refresh-token reuse, replayed
requests, client-reported refusals), and the rules and sinks themselves."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pyvorin.licensing import transport
from pyvorin_server import events
from pyvorin_server.alerts import AlertEngine, AlertThresholds, WebhookSink
from tests.licensing.support import LicenceServer
from tests.server import signed

SECRET = "webhook-secret-for-tests"


class Receiver:
    """A webhook receiver on 127.0.0.1 that records (headers, JSON body)."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[tuple[dict, dict]] = []
        self.status = status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), json.loads(body), body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def alerts(self, name: str) -> list[dict]:
        return [body for _, body, _ in self.received if body["alert"] == name]

    def wait_for(self, name: str, timeout: float = 30.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.alerts(name):
                return self.alerts(name)
            time.sleep(0.1)
        raise AssertionError(f"no {name} alert; got {[b['alert'] for _, b, _ in self.received]}")

    def close(self) -> None:
        self.http.shutdown()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def test_server_alerts_reach_the_webhook(tmp_path, receiver):
    env = {
        "PYVORIN_SERVER_ALERT_WEBHOOK": receiver.url,
        "PYVORIN_SERVER_ALERT_WEBHOOK_SECRET": SECRET,
        "PYVORIN_SERVER_ALERT_ACTIVATION_BURST": "3",
        "PYVORIN_SERVER_ALERT_FINGERPRINTS": "2",
    }
    with LicenceServer(tmp_path, env=env) as server:
        lid, key = server.issue(seats=10)
        answers = [signed.activate(server.url, key, uuid.uuid4().hex) for _ in range(5)]
        assert all(a.status_code == 201 for a in answers)
        burst = receiver.wait_for("activation_burst")
        machines = receiver.wait_for("licence_many_fingerprints")
        assert burst[0]["details"]["licence_id"] == lid and burst[0]["severity"] == "warning"
        assert machines[0]["details"]["fingerprints"] == 3
        # every delivery is signed with the webhook secret
        for headers, _, raw in receiver.received:
            expected = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
            assert headers["X-Pyvorin-Alert-Signature"] == f"sha256={expected}"

        # refresh-token reuse
        data = answers[0].json()
        bearer = f"{data['activation_id']}.{data['activation_secret']}"
        dkey = __import__("cryptography.hazmat.primitives.asymmetric.ec", fromlist=["ec"])
        device = dkey.generate_private_key(dkey.SECP256R1())
        proof = transport.dpop_proof(device, "POST", f"{server.url}/v1/token")
        first = signed.call(
            server.url,
            "POST",
            "/v1/token",
            bearer,
            json={"grant_type": transport.ACTIVATION_GRANT},
            headers={"DPoP": proof},
        ).json()
        import httpx

        for _ in range(2):
            httpx.post(
                f"{server.url}/v1/token",
                json={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
                headers={"DPoP": transport.dpop_proof(device, "POST", f"{server.url}/v1/token")},
            )
        reuse = receiver.wait_for("refresh_token_reuse")
        assert reuse[0]["severity"] == "critical"
        assert reuse[0]["details"]["subject"] == data["activation_id"]
        assert first["refresh_token"] not in json.dumps(receiver.received[-1][1])  # no secrets

        # a replayed signed request
        body = json.dumps({"fingerprint": "0" * 32}).encode()
        headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
        aid = data["activation_id"]
        headers.update(
            transport.signed_headers(signed.REQUEST_KEYS[aid], aid, "POST", "/v1/refresh", body)
        )
        for _ in range(2):
            httpx.post(f"{server.url}/v1/refresh", content=body, headers=headers)
        assert receiver.wait_for("request_replay")[0]["details"]["credential"] == aid

        # a refusal reported by a client
        report = signed.call(
            server.url,
            "POST",
            "/v1/reports",
            bearer,
            json={"kind": "signature", "detail": "numkit/_fast.so: signature does not verify"},
        )
        assert report.status_code == 200, report.text
        refusal = receiver.wait_for("client_refusal")
        assert refusal[0]["details"]["kind"] == "signature"

        # an audit log reported behind the server's checkpoint (deleted or rolled back)
        machine_fp = uuid.uuid4().hex
        machine = signed.activate(server.url, key, machine_fp)
        assert machine.status_code == 201, machine.text
        mdata = machine.json()
        mbearer = f"{mdata['activation_id']}.{mdata['activation_secret']}"
        for seq in (9, 3):
            head = {"audit_log": "ab" * 16, "audit_seq": seq, "audit_hash": f"{seq}" * 64}
            answer = signed.call(
                server.url, "POST", "/v1/refresh", mbearer, json={"fingerprint": machine_fp, **head}
            )
            assert answer.status_code == 200, answer.text
        # one offline quota slot reported twice for different builds (copied client state)
        lease = mdata["lease"]
        for source in ("a", "b"):
            build = {"slot": 0, "module": "pkg.kern", "time": 1, "source_sha256": source * 64}
            answer = signed.call(
                server.url,
                "POST",
                "/v1/tickets/offline",
                mbearer,
                json={"lease": lease, "builds": [build]},
            )
            assert answer.status_code == 200, answer.text
        assert answer.json()["conflicts"] == 1
        reused = receiver.wait_for("offline_slot_reused")
        assert reused[0]["details"]["activation_id"] == mdata["activation_id"]
        assert reused[0]["details"]["slot"] == 0
        rollback = receiver.wait_for("audit_rollback")
        assert rollback[0]["severity"] == "critical"
        assert rollback[0]["details"]["activation_id"] == mdata["activation_id"]
        assert rollback[0]["details"]["recorded_seq"] == 9
        # windowed rules fire once per window: no storm
        assert len(receiver.alerts("activation_burst")) == 1
        log = server.log_path.read_text()
        assert "ALERT" in log and "activation_burst" in log


def test_sign_in_failures_and_bad_signatures_reach_the_webhook(tmp_path, receiver):
    """What the next test feeds the rules by hand, from a real server process: failed
    console sign-ins (per account and per client address), the lockout, and repeated bad
    request signatures from one credential."""
    from tests.server.console_support import Browser

    env = {
        "PYVORIN_SERVER_ALERT_WEBHOOK": receiver.url,
        "PYVORIN_SERVER_ALERT_LOGIN_FAILURES": "3",
        "PYVORIN_SERVER_LOGIN_MAX_FAILURES": "5",
    }
    with LicenceServer(tmp_path, env=env) as server:
        # no account behind these addresses: failures count (and alert) all the same
        for email in ("ghost@example.com",) * 5:
            assert Browser(server.url).sign_in(email, "a wrong password").status_code in (401, 429)

        def kinds() -> dict[str, dict]:
            failures = receiver.wait_for("login_failures")
            return {next(iter(set(a["details"]) - {"failures", "threshold"})): a for a in failures}

        deadline = time.monotonic() + 30
        while set(kinds()) != {"account", "address"} and time.monotonic() < deadline:
            time.sleep(0.1)
        by_kind = kinds()
        assert set(by_kind) == {"account", "address"}, by_kind
        assert by_kind["address"]["details"]["address"] == "127.0.0.1"
        assert by_kind["account"]["details"]["failures"] == 4
        lockout = receiver.wait_for("login_lockout")
        assert lockout[0]["details"]["address"] == "127.0.0.1"
        # the alerts name the address's blind index, never the e-mail address or password
        sent = json.dumps([body for _, body, _ in receiver.received])
        assert "ghost@example.com" not in sent and "a wrong password" not in sent

        _, key = server.issue(seats=1)
        machine = uuid.uuid4().hex
        data = signed.activate(server.url, key, machine).json()
        aid = data["activation_id"]
        bearer = f"{aid}.{data['activation_secret']}"
        for _ in range(6):  # signed with a key that is not the activation's
            bad = signed.send(
                server.url,
                "POST",
                "/v1/refresh",
                key=b"k" * 32,
                credential=aid,
                json={"fingerprint": machine},
                headers={"Authorization": f"Bearer {bearer}"},
            )
            assert bad.json()["error"] == "signature_invalid", bad.text
        refused = receiver.wait_for("request_signature_refused")
        assert refused[0]["details"] == {"credential": aid, "refusals": 6, "threshold": 5}


def test_login_failure_rule_and_lockout_for_the_accounts_code():
    collected: list[dict] = []

    class Sink:
        name = "memory"

        def deliver(self, alert):
            collected.append(alert)

    now = [1_000_000.0]
    engine = AlertEngine([Sink()], AlertThresholds(login_failures=3), clock=lambda: now[0]).start()
    try:
        for _ in range(3):
            events.emit(events.LOGIN_FAILED, account="u_1", address="10.0.0.9")
        time.sleep(0.2)
        assert collected == []  # at the threshold, not past it
        events.emit(events.LOGIN_FAILED, account="u_1", address="10.0.0.9")
        events.emit(events.LOGIN_FAILED, account="u_1", address="10.0.0.9")
        now[0] += 16 * 60  # the window slides: old failures no longer count
        for _ in range(3):
            events.emit(events.LOGIN_FAILED, account="u_1", address="10.0.0.8")
        events.emit(events.LOGIN_LOCKED, account="u_1", address="10.0.0.9", until=0)
    finally:
        engine.stop()
    kinds = [(a["alert"], tuple(sorted(a["details"]))) for a in collected]
    assert kinds.count(("login_failures", ("account", "failures", "threshold"))) == 1
    assert kinds.count(("login_failures", ("address", "failures", "threshold"))) == 1
    assert [a["alert"] for a in collected][-1] == "login_lockout"
    with pytest.raises(ValueError, match="unknown security event"):
        events.emit("login.typo")


def test_webhook_failures_are_retried_then_reported(receiver):
    receiver.status = 503
    sink = WebhookSink(receiver.url, retries=1)
    with pytest.raises(RuntimeError, match="alert not delivered"):
        sink.deliver({"alert": "x"})
    assert len(receiver.received) == 2  # first try and one retry
    with pytest.raises(ValueError, match="PYVORIN_SERVER_ALERT_WEBHOOK"):
        WebhookSink("ftp://nope")


def test_a_plugin_adds_an_alert_sink_through_the_hook():
    from pyvorin_server.alerts import LogSink, sinks_from
    from pyvorin_server.hooks import hookimpl, plugin_manager

    collected: list[dict] = []

    class Pager:
        name = "pager"

        def deliver(self, alert):
            collected.append(alert)

    class Plugin:
        @hookimpl
        def pyvorin_server_alert_sinks(self, config):
            return [Pager()]

    plugin = Plugin()
    plugin_manager().register(plugin)
    try:
        sinks = sinks_from(None, {})
    finally:
        plugin_manager().unregister(plugin)
    assert isinstance(sinks[0], LogSink) and sinks[-1].name == "pager"
    engine = AlertEngine(sinks, AlertThresholds()).start()
    try:
        events.emit(events.CLIENT_REFUSAL, licence_id="lic_1", activation_id="act_1", kind="x")
        deadline = time.monotonic() + 10
        while not collected and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        engine.stop()
    assert [a["alert"] for a in collected] == ["client_refusal"]
    assert [s.name for s in sinks_from(None, {})] == ["log"]  # gone with the plugin
