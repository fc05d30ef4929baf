"""Alerts: rules over the server's security events, delivered to sinks.

Rules (thresholds are settings, see docs/operators.md):

* ``activation_burst`` - more than N activations of one licence within 10 minutes;
* ``licence_many_fingerprints`` - one licence activated on more than N distinct machine
  fingerprints within 24 hours;
* ``login_failures`` - more than N failed logins for one account or one address within 15
  minutes (and every lockout);
* ``refresh_token_reuse`` - a rotated refresh token was presented again (its family is
  revoked): always;
* ``request_replay`` / ``request_signature_refused`` - a replayed signed request, or
  repeated bad signatures from one credential;
* ``client_refusal`` - a client reported a signature or verification refusal: always.

A windowed rule fires once per key and window (no alert storm). Sinks: ``log`` (one JSON
line on the ``pyvorin_server.alerts`` logger, level WARNING) and ``webhook`` (an HTTP POST
of the JSON alert via httpx, signed with HMAC-SHA256 when a secret is set), plus sinks
from plugins (``pyvorin_server_alert_sinks`` hook). Delivery runs on a background thread
with a bounded queue and bounded retries: alerting never slows or fails a request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from . import events

WINDOWS = {
    "activation_burst": 600,
    "licence_many_fingerprints": 86400,
    "login_failures": 900,
    "request_signature_refused": 600,
}
SEVERITY = {
    "activation_burst": "warning",
    "licence_many_fingerprints": "warning",
    "login_failures": "warning",
    "login_lockout": "warning",
    "refresh_token_reuse": "critical",
    "request_replay": "critical",
    "request_signature_refused": "warning",
    "client_refusal": "critical",
    "offline_slot_reused": "critical",
    "audit_rollback": "critical",
}

_log = logging.getLogger("pyvorin_server.alerts")


@dataclass
class AlertThresholds:
    activation_burst: int = 20
    fingerprints: int = 10
    login_failures: int = 10
    signature_failures: int = 5


class AlertSink(Protocol):
    name: str

    def deliver(self, alert: dict[str, Any]) -> None: ...


class LogSink:
    name = "log"

    def deliver(self, alert: dict[str, Any]) -> None:
        _log.warning("ALERT %s", json.dumps(alert, sort_keys=True))


class WebhookSink:
    """POST the alert as JSON. With a secret, ``X-Pyvorin-Alert-Signature:
    sha256=<hex HMAC of the body>`` lets the receiver authenticate it."""

    name = "webhook"

    def __init__(self, url: str, secret: str = "", timeout: float = 5.0, retries: int = 2):
        if not url.startswith(("http://", "https://")):
            raise ValueError(
                f"PYVORIN_SERVER_ALERT_WEBHOOK: expected an http(s) URL, found {url!r}"
            )
        self.url, self.secret, self.timeout, self.retries = url, secret, timeout, retries

    def deliver(self, alert: dict[str, Any]) -> None:
        import httpx

        body = json.dumps(alert, sort_keys=True).encode()
        headers = {"Content-Type": "application/json"}
        if self.secret:
            digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Pyvorin-Alert-Signature"] = f"sha256={digest}"
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(0.5 * 2**attempt, 5.0))
            try:
                response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
            except httpx.HTTPError as exc:
                last = exc
                continue
            if response.status_code < 300:
                return
            last = RuntimeError(f"HTTP {response.status_code}")
            if response.status_code < 500:
                break
        raise RuntimeError(f"webhook {self.url}: alert not delivered ({last})")


class AlertEngine:
    """Subscribes to :mod:`.events`, applies the rules, queues alerts for the sinks."""

    def __init__(
        self,
        sinks: list[AlertSink],
        thresholds: AlertThresholds | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sinks = sinks
        self.thresholds = thresholds or AlertThresholds()
        self.clock = clock
        self._hits: dict[tuple[str, str], deque[tuple[float, str]]] = {}
        self._fired: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=1000)
        self._worker: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.delivered = 0
        self.failed = 0

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> AlertEngine:
        self._worker = threading.Thread(target=self._run, name="pyvorin-alerts", daemon=True)
        self._worker.start()
        self._unsubscribe = events.subscribe(self.on_event)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout)
            self._worker = None

    def _run(self) -> None:
        while True:
            alert = self._queue.get()
            if alert is None:
                return
            for sink in self.sinks:
                try:
                    sink.deliver(alert)
                    self.delivered += 1
                except Exception as exc:
                    self.failed += 1
                    _log.error("alert sink %s failed: %s", getattr(sink, "name", sink), exc)

    # -- rules ------------------------------------------------------------------------------
    def _window(self, rule: str, key: str, member: str, now: float) -> set[str]:
        """Record ``member`` under (rule, key); the members seen within the window."""
        window = WINDOWS[rule]
        hits = self._hits.setdefault((rule, key), deque())
        while hits and hits[0][0] <= now - window:
            hits.popleft()
        hits.append((now, member))
        if len(self._hits) > 50_000:
            for stale in [k for k, v in self._hits.items() if not v or v[-1][0] <= now - 86400]:
                del self._hits[stale]
        return {m for _, m in hits}

    def _count(self, rule: str, key: str, now: float) -> int:
        return len(self._hits.get((rule, key), ()))

    def _fire_once(self, rule: str, key: str, now: float, summary: str, details: dict) -> None:
        fired = self._fired.get((rule, key))
        if fired is not None and fired > now - WINDOWS.get(rule, 0):
            return
        self._fired[(rule, key)] = now
        self.raise_alert(rule, summary, details, now)

    def raise_alert(self, rule: str, summary: str, details: dict, now: float | None = None) -> None:
        alert = {
            "alert": rule,
            "severity": SEVERITY.get(rule, "warning"),
            "time": int(self.clock() if now is None else now),
            "summary": summary,
            "details": details,
        }
        try:
            self._queue.put_nowait(alert)
        except queue.Full:
            self.failed += 1
            _log.error("alert queue full; dropped %s", rule)

    def on_event(self, name: str, fields: Mapping[str, Any]) -> None:
        now = self.clock()
        t = self.thresholds
        with self._lock:
            if name == events.ACTIVATION_CREATED:
                lid = str(fields.get("licence_id"))
                seq = f"{now}:{fields.get('activation_id')}"
                self._window("activation_burst", lid, seq, now)
                count = self._count("activation_burst", lid, now)
                if count > t.activation_burst:
                    self._fire_once(
                        "activation_burst",
                        lid,
                        now,
                        f"licence {lid}: {count} activations within 10 minutes",
                        {"licence_id": lid, "activations": count, "threshold": t.activation_burst},
                    )
                machines = self._window(
                    "licence_many_fingerprints", lid, str(fields.get("fingerprint")), now
                )
                if len(machines) > t.fingerprints:
                    self._fire_once(
                        "licence_many_fingerprints",
                        lid,
                        now,
                        f"licence {lid}: {len(machines)} distinct machines within 24 hours",
                        {
                            "licence_id": lid,
                            "fingerprints": len(machines),
                            "threshold": t.fingerprints,
                        },
                    )
            elif name == events.LOGIN_FAILED:
                for kind in ("account", "address"):
                    value = fields.get(kind)
                    if value is None:
                        continue
                    key = f"{kind}:{value}"
                    self._window("login_failures", key, str(now), now)
                    count = self._count("login_failures", key, now)
                    if count > t.login_failures:
                        self._fire_once(
                            "login_failures",
                            key,
                            now,
                            f"{count} failed logins for {kind} {value} within 15 minutes",
                            {kind: value, "failures": count, "threshold": t.login_failures},
                        )
            elif name == events.LOGIN_LOCKED:
                self.raise_alert(
                    "login_lockout", f"account {fields.get('account')} locked", dict(fields)
                )
            elif name == events.REFRESH_TOKEN_REUSE:
                self.raise_alert(
                    "refresh_token_reuse",
                    f"a rotated refresh token of {fields.get('subject')} was presented again; "
                    f"family {fields.get('family_id')} revoked",
                    dict(fields),
                )
            elif name == events.REQUEST_REPLAYED:
                self.raise_alert(
                    "request_replay",
                    f"replayed signed request from {fields.get('credential')} "
                    f"to {fields.get('path')}",
                    dict(fields),
                )
            elif name == events.SIGNATURE_REFUSED:
                key = str(fields.get("credential"))
                self._window("request_signature_refused", key, str(now), now)
                count = self._count("request_signature_refused", key, now)
                if count > t.signature_failures:
                    self._fire_once(
                        "request_signature_refused",
                        key,
                        now,
                        f"{count} refused request signatures from {key} within 10 minutes",
                        {"credential": key, "refusals": count, "threshold": t.signature_failures},
                    )
            elif name == events.OFFLINE_SLOT_REUSED:
                self.raise_alert(
                    "offline_slot_reused",
                    f"machine {fields.get('activation_id')} of licence {fields.get('licence_id')} "
                    f"reported offline slot {fields.get('slot')} of quota {fields.get('quota_id')} "
                    "again for a different build (copied client state?)",
                    dict(fields),
                )
            elif name == events.AUDIT_ROLLBACK:
                self.raise_alert(
                    "audit_rollback",
                    f"machine {fields.get('activation_id')} of licence {fields.get('licence_id')} "
                    f"reported an audit log behind its checkpoint (log {fields.get('log_id')}, "
                    f"seq {fields.get('recorded_seq')} recorded): deleted or rolled back",
                    dict(fields),
                )
            elif name == events.CLIENT_REFUSAL:
                self.raise_alert(
                    "client_refusal",
                    f"client {fields.get('activation_id')} of licence {fields.get('licence_id')} "
                    f"reported a {fields.get('kind')} refusal",
                    dict(fields),
                )


def sinks_from(config: Any, env: Mapping[str, str]) -> list[AlertSink]:
    """The configured sinks: log always, webhook when a URL is set, then plugin sinks."""
    sinks: list[AlertSink] = [LogSink()]
    url = env.get("PYVORIN_SERVER_ALERT_WEBHOOK", "")
    if url:
        sinks.append(WebhookSink(url, env.get("PYVORIN_SERVER_ALERT_WEBHOOK_SECRET", "")))
    from .hooks import plugin_manager

    for extra in plugin_manager().hook.pyvorin_server_alert_sinks(config=config):
        sinks.extend(extra or [])
    return sinks
