"""Security events of the server: the one list of their names, and how to emit them.

Any part of the server reports what happened with :func:`emit`; the alert engine
(:mod:`.alerts`) subscribes and turns events into alerts by its rules. Emitting never
fails the caller: a subscriber's error is logged and swallowed.

Fields are plain JSON values. Never put secrets (passwords, tokens, keys) in them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

# -- the event names (the accounts code emits LOGIN_FAILED / LOGIN_LOCKED) --------------------
ACTIVATION_CREATED = "activation.created"  # licence_id, activation_id, fingerprint, address
LOGIN_FAILED = "login.failed"  # account (a stable id or hash, not the password), address
LOGIN_LOCKED = "login.locked"  # account, address, until
REFRESH_TOKEN_REUSE = "refresh_token.reuse"  # family_id, subject, address
REQUEST_REPLAYED = "request.replayed"  # credential, path, address
SIGNATURE_REFUSED = "request.signature_refused"  # credential, path, reason, address
CLIENT_REFUSAL = "client.refusal"  # licence_id, activation_id, kind, detail
OFFLINE_SLOT_REUSED = "offline.slot_reused"  # licence_id, activation_id, quota_id, slot
AUDIT_ROLLBACK = "audit.rollback"  # licence_id, activation_id, recorded_seq, reported_seq

ALL_EVENTS = frozenset(
    {
        ACTIVATION_CREATED,
        LOGIN_FAILED,
        LOGIN_LOCKED,
        REFRESH_TOKEN_REUSE,
        REQUEST_REPLAYED,
        SIGNATURE_REFUSED,
        CLIENT_REFUSAL,
        OFFLINE_SLOT_REUSED,
        AUDIT_ROLLBACK,
    }
)

Subscriber = Callable[[str, dict[str, Any]], None]
_log = logging.getLogger("pyvorin_server.events")
_subscribers: list[Subscriber] = []
_lock = threading.Lock()


def subscribe(subscriber: Subscriber) -> Callable[[], None]:
    """Add a subscriber; returns a function that removes it."""
    with _lock:
        _subscribers.append(subscriber)

    def unsubscribe() -> None:
        with _lock:
            if subscriber in _subscribers:
                _subscribers.remove(subscriber)

    return unsubscribe


def emit(name: str, **fields: Any) -> None:
    """Report event ``name`` (one of the constants above) with its fields."""
    if name not in ALL_EVENTS:
        raise ValueError(f"unknown security event {name!r} (see pyvorin_server.events)")
    fields.setdefault("time", int(time.time()))
    with _lock:
        targets = list(_subscribers)
    for subscriber in targets:
        try:
            subscriber(name, dict(fields))
        except Exception:  # an alerting fault must not fail the request
            _log.exception("event subscriber failed for %s", name)
