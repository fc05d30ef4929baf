"""Retention and housekeeping: ``pyvorin-server maintenance`` and the in-server schedule.

One run deletes

* build records (client refusal reports) older than ``PYVORIN_SERVER_RETENTION_BUILD_DAYS``
  (90 by default);
* telemetry (usage events) older than ``PYVORIN_SERVER_RETENTION_TELEMETRY_DAYS`` (365,
  i.e. 12 months, by default): the months kept are the ones invoices and limits use;
* request nonces whose signature window has passed, refresh tokens past their expiry,
  JWT signing keys past their retirement time, rate-limit counters whose window closed;

and seals licensee names and host names written before at-rest encryption was enabled,
and the e-mail addresses and names of accounts made before they were sealed (indexing
them, see accounts.index_users), and the subjects, before and after states of audit
events written before the trail was sealed (see accounts.seal_audit_events).
Every step is idempotent, so several server processes may run it concurrently.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from .models import (
    Activation,
    ClientReport,
    Licence,
    RateLimitCounter,
    RefreshToken,
    RequestNonce,
    SigningKey,
    UsageEvent,
)

_log = logging.getLogger("pyvorin_server.maintenance")
DAY = 86400


def run_maintenance(engine: Engine, config: Any, now: float | None = None) -> dict[str, int]:
    now = int(time.time() if now is None else now)
    build_cutoff = now - config.retention_build_days * DAY
    telemetry_cutoff = now - config.retention_telemetry_days * DAY
    counts: dict[str, int] = {}
    with Session(engine) as session, session.begin():
        steps = {
            "build_records": delete(ClientReport).where(ClientReport.created_at < build_cutoff),
            "telemetry_events": delete(UsageEvent).where(UsageEvent.created_at < telemetry_cutoff),
            "request_nonces": delete(RequestNonce).where(RequestNonce.expires_at < now),
            "refresh_tokens": delete(RefreshToken).where(RefreshToken.expires_at < now),
            "signing_keys": delete(SigningKey).where(
                SigningKey.retire_at.is_not(None), SigningKey.retire_at < now
            ),
            "rate_limits": delete(RateLimitCounter).where(RateLimitCounter.reset_at < now),
        }
        for name, statement in steps.items():
            counts[name] = session.execute(statement).rowcount or 0
        sealed = 0
        for model, table, column in (
            (Licence, "licences", "licensee"),
            (Activation, "activations", "hostname"),
        ):
            ids = session.execute(
                text(f"SELECT id FROM {table} WHERE {column} NOT LIKE 'pve1.%'")
            ).scalars()
            for row in session.execute(select(model).where(model.id.in_(list(ids)))).scalars():
                flag_modified(row, column)
                sealed += 1
        counts["sealed_legacy_values"] = sealed
        from .accounts import index_users, seal_audit_events

        counts["indexed_accounts"] = index_users(session)
        counts["sealed_audit_events"] = seal_audit_events(session)
    return counts


class MaintenanceScheduler:
    """Runs :func:`run_maintenance` every ``interval`` seconds on a daemon thread."""

    def __init__(self, engine: Engine, config: Any, interval: float) -> None:
        self.engine, self.config, self.interval = engine, config, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0
        self.last: dict[str, int] | None = None

    def start(self) -> MaintenanceScheduler:
        if self.interval > 0:
            self._thread = threading.Thread(
                target=self._loop, name="pyvorin-maintenance", daemon=True
            )
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval if self.runs else min(self.interval, 5.0)):
            try:
                self.last = run_maintenance(self.engine, self.config)
                self.runs += 1
                if any(self.last.values()):
                    _log.warning("maintenance: %s", self.last)
            except Exception:
                _log.exception("maintenance run failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
