"""The gate's offline verdict: when the bound licence server cannot be reached.

Offline, the client may compile only from a state pyvorin itself wrote (its integrity
code holds), that carries no server refusal, with a clock that has not been set back
(behind the last time seen, the lease's issue time, or the last audit record), with a
lease bound to a server and carrying an offline quota, within
``min(lease expiry, last server contact + grace, quota expiry)`` and while the quota has
builds left. Each check raises :class:`~pyvorin.errors.LicenceError` saying how to
recover; only the server can clear a refusal.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LicenceError
from . import state as state_mod
from .state import LicenceState, save_state, state_intact
from .tokens import Token, iso

if TYPE_CHECKING:
    from .client import LicenceClient

CLOCK_TOLERANCE = 300  # seconds of clock difference tolerated (server vs client, rewinds)


def clock_problem(
    home: Path, state: LicenceState, lease: Token | None, now: float, renew: str
) -> str | None:
    """Why the clock cannot be believed offline: behind the last time this client saw,
    the lease's issue time, or the last audit record (a second witness the licence state
    cannot rewrite: the log is hash-chained and checkpointed at the server)."""
    from .tickets import audit_last_time

    if now + CLOCK_TOLERANCE < state.last_seen:
        return (
            f"the system clock ({iso(now)}) is behind the last time this licence was "
            f"used ({iso(state.last_seen)}): the clock was set back; set it right "
            f"and run {renew}"
        )
    if lease is not None and now + CLOCK_TOLERANCE < lease["iat"]:
        return (
            f"the system clock ({iso(now)}) is behind the time the lease was issued "
            f"({iso(lease['iat'])}); set it right and run {renew}"
        )
    audited = audit_last_time(home)
    if audited is not None and now + CLOCK_TOLERANCE < audited[1]:
        return (
            f"the system clock ({iso(now)}) is behind the audit log's record seq "
            f"{audited[0]} ({iso(audited[1])}): the clock was set back; set it right "
            f"and run {renew}"
        )
    return None


def check(
    client: LicenceClient,
    state: LicenceState,
    lease: Token | None,
    now: float,
    clock: str | None,
    unreachable: str,
) -> None:
    """Raise unless this state may compile offline now; records the clock reading."""
    from .client import ACTIVATE_HINT, quota_exhausted

    if not state_intact(state):
        raise LicenceError(
            f"{state_mod.state_path(client.home)}: the licence state was changed outside "
            f"pyvorin (its integrity code does not match), so it is not trusted "
            f"offline; reconnect to {state.server} and run `pyvorin licence refresh` "
            "(the server confirms the licence and a new state is written)"
        )
    if state.refused or lease is None:
        raise LicenceError(
            f"the licence server refused this licence ({state.refused or 'no lease'}) "
            f"and cannot be reached now to confirm otherwise; only the server can "
            f"clear a refusal: reconnect to {state.server} and run `pyvorin licence "
            f"refresh`, or {ACTIVATE_HINT}"
        )
    if clock:
        raise LicenceError(clock)
    if "qid" not in lease.payload or "srv" not in lease.payload:
        raise LicenceError(
            f"cannot confirm the licence: {unreachable}; the stored lease carries no "
            f"offline quota (issued by an older server); reconnect to {state.server} "
            "and run `pyvorin licence refresh`"
        )
    state.last_seen = max(state.last_seen, now)
    save_state(state, client.home)
    end = deadline(client, state, lease)
    if now >= end:
        raise LicenceError(
            f"cannot confirm the licence: {unreachable}; the offline grace period ended "
            f"at {iso(end)} (last server contact {iso(state.last_online)}, grace "
            f"{client.grace_seconds // 3600} h, lease expiry {iso(lease['exp'])}); "
            f"reconnect to {state.server} and run `pyvorin licence refresh`"
        )
    used = state.quota_used if state.quota_id == lease["qid"] else 0
    if used >= lease["qn"]:
        raise LicenceError(quota_exhausted(lease, state.server))


def deadline(client: LicenceClient, state: LicenceState, lease: Token) -> int:
    """The end of offline use: lease expiry, last contact + grace, quota expiry."""
    return int(min(lease["exp"], state.last_online + client.grace_seconds, lease["qexp"]))
