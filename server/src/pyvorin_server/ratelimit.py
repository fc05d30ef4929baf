"""Sliding-window rate limiting for activations (per licence and per client address).

In-process and thread-safe: exact for one server process. Several server processes
behind a balancer each enforce the limit on their own (documented in docs/server.md).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ):
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Record an attempt for ``key``; return None if allowed, else seconds to wait."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(hits[0] + self.window - now, 0.001)
            hits.append(now)
            if len(self._hits) > 100_000:  # bound memory: forget idle keys
                for stale in [k for k, v in self._hits.items() if not v]:
                    del self._hits[stale]
            return None
