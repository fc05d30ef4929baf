"""Rate limits kept in the database, so every server process on one database counts the
same attempts (a balancer may send each request to another process).

A limit allows ``limit`` counted attempts per key within a window of ``window`` seconds
that opens at the key's first counted attempt; after that the key is refused until the
window closes, and the refusal says how long that is (``Retry-After``). One row per key
in ``rate_limits``: the key's SHA-256 (client addresses and ids are not stored in clear),
the number of hits and the moment the window closes. Counting is one
``INSERT ... ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL alike), so concurrent hits
from several processes are all counted; maintenance deletes rows whose window closed.

Two ways to use a limit:

* :meth:`RateLimit.hit` counts an attempt and says whether it is allowed (every call of
  a kind, e.g. activations of one machine);
* :meth:`RateLimit.blocked` only reads, :meth:`RateLimit.hit` records: a limit on
  *failures* (refused credentials from one address) is checked before the credential is
  looked at, and counted only when it is refused.

Keys are chosen by the caller so that no client can spend another's budget: limits on
unauthenticated attempts are keyed by the client's own address; limits keyed by a licence,
machine or activation are applied only after that identity's signature has verified.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from .models import RateLimitCounter
from .service import ApiError

_TABLE = RateLimitCounter.__table__


def row_key(scope: str, key: str) -> str:
    return f"{scope}:{hashlib.sha256(key.encode()).hexdigest()}"


class RateLimitStore:
    """The ``rate_limits`` table of one database. ``clock`` is wall-clock seconds (every
    server process must agree on it, as they do for leases and signatures)."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine, self.clock = engine, clock
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def hit(self, scope: str, key: str, limit: int, window: int) -> float | None:
        """Count an attempt; None if it is within the limit, else seconds to wait."""
        now = self.clock()
        second, stored = int(now), row_key(scope, key)
        expired = _TABLE.c.reset_at <= second
        statement = self._insert(_TABLE).values(key=stored, hits=1, reset_at=second + window)
        statement = statement.on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={
                "hits": case((expired, 1), else_=_TABLE.c.hits + 1),
                "reset_at": case((expired, second + window), else_=_TABLE.c.reset_at),
            },
        )
        with self.engine.begin() as connection:
            connection.execute(statement)
            count, reset_at = connection.execute(
                select(_TABLE.c.hits, _TABLE.c.reset_at).where(_TABLE.c.key == stored)
            ).one()
        if count > limit:
            return max(reset_at - now, 0.001)
        return None

    def blocked(self, scope: str, key: str, limit: int) -> float | None:
        """None if ``key`` has fewer than ``limit`` attempts counted in its open window,
        else seconds until the window closes. Reads only."""
        now = self.clock()
        stored = row_key(scope, key)
        with self.engine.connect() as connection:
            row = connection.execute(
                select(_TABLE.c.hits, _TABLE.c.reset_at).where(_TABLE.c.key == stored)
            ).one_or_none()
        if row is None:
            return None
        count, reset_at = row
        if reset_at <= int(now) or count < limit:
            return None
        return max(reset_at - now, 0.001)


class RateLimit:
    """One named limit: ``limit`` attempts per key per ``window`` seconds."""

    def __init__(self, store: RateLimitStore, scope: str, limit: int, window: int = 60) -> None:
        self.store, self.scope, self.limit, self.window = store, scope, limit, window

    def hit(self, key: str) -> float | None:
        return self.store.hit(self.scope, key, self.limit, self.window)

    def blocked(self, key: str) -> float | None:
        return self.store.blocked(self.scope, key, self.limit)


def too_many(wait: float, what: str) -> ApiError:
    """The 429 answer; the API turns the last number of the message into ``Retry-After``."""
    return ApiError(429, "rate_limited", f"{what}; retry after {max(1, math.ceil(wait))} s")
